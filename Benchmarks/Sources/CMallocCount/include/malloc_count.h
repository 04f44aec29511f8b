#ifndef ZONETOP_MALLOC_COUNT_H
#define ZONETOP_MALLOC_COUNT_H
/// Number of malloc/calloc/realloc calls so far in this process.
unsigned long long zt_malloc_count(void);
#endif
