/* slice.h -- a short scheduler time slice for the threads that wake to do brief work.
 *
 * The flush thread sleeps in fsync and the storage thread waits for requests; each wakes for
 * some tens of microseconds and others wait on what it does next (answers, the next commit).
 * On a machine whose cores are busy, a woken thread with the default slice often waits for
 * the running one's slice to end. Linux 6.12 and later (EEVDF) let a thread ask for a shorter
 * slice, and a thread that asked for one is run sooner when it wakes. */
#ifndef SAMVIRKE_SLICE_H
#define SAMVIRKE_SLICE_H

#include <stdint.h>
#include <sys/types.h>

#define SLICE_SHORT_NS 100000u /* the shortest slice the kernel grants: 0.1 ms */

/* Ask for a slice of slice_ns for the calling thread, keeping its policy, nice value and
 * flags. A thread not under the normal policy (an administrator chose batch, idle or real
 * time for it) is left as it is. 0 when done or left; -1 with errno when the kernel refused
 * (a kernel before 6.12 takes the request and ignores it). */
int slice_request(uint64_t slice_ns);

/* The slice in nanoseconds of thread tid (0: the calling thread) as the kernel reports it: what
 * slice_request asked, or the kernel's default for a thread that never asked (0 on kernels that
 * keep no slice per thread); -1 when it cannot be read. */
int64_t slice_of(pid_t tid);

#endif
