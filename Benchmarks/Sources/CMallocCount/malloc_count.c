// Counts heap allocations by interposing glibc's malloc family (benchmarks only).
#include <stdatomic.h>
#include <stddef.h>
#include "malloc_count.h"

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static _Atomic unsigned long long count;

void *malloc(size_t n) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  return __libc_malloc(n);
}

void *calloc(size_t a, size_t b) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  return __libc_calloc(a, b);
}

void *realloc(void *p, size_t n) {
  atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
  return __libc_realloc(p, n);
}

void free(void *p) { __libc_free(p); }

unsigned long long zt_malloc_count(void) { return atomic_load_explicit(&count, memory_order_relaxed); }

#include <malloc.h>
void zt_malloc_trim(void) { malloc_trim(0); }
