#ifndef ZONETOP_MALLOC_COUNT_H
#define ZONETOP_MALLOC_COUNT_H
/// Number of malloc/calloc/realloc calls so far in this process.
unsigned long long zt_malloc_count(void);
/// Gives freed heap memory back to the system (glibc's malloc_trim), so RSS figures that
/// follow start from what is in use.
void zt_malloc_trim(void);
#endif
