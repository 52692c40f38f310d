/* kernel.c -- test support: the running kernel's release (kernel.h). */
#include "kernel.h"

#include <stdio.h>
#include <sys/utsname.h>

bool test_kernel_at_least(int major, int minor) {
  struct utsname u;
  int ma = 0, mi = 0;
  if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &ma, &mi) != 2) return false;
  return ma > major || (ma == major && mi >= minor);
}
