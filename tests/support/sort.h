/* sort.h -- test support: qsort comparators for the figures benchmarks report. */
#ifndef SAMVIRKE_TEST_SORT_H
#define SAMVIRKE_TEST_SORT_H

/* Ascending order of uint64_t values. */
int test_cmp_u64(const void *a, const void *b);
/* Ascending order of double values (no NaN). */
int test_cmp_double(const void *a, const void *b);

#endif
