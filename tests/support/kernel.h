/* kernel.h -- test support: which Linux the tests run on, for behaviour only newer kernels have. */
#ifndef SAMVIRKE_TEST_KERNEL_H
#define SAMVIRKE_TEST_KERNEL_H

#include <stdbool.h>

/* Whether the running kernel's release is at least major.minor (false when it cannot be read). */
bool test_kernel_at_least(int major, int minor);

#endif
