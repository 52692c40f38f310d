/* purge.h -- `samvirked purge [--dry-run] DIR`: the retention sweep run by hand. A dry run
 * reads only (the daemon may run) and prints what would go; a purge, with the daemon stopped,
 * deletes it now as the daemon's sweep does, with the same audit entry. */
#ifndef SAMVIRKED_PURGE_H
#define SAMVIRKED_PURGE_H

#include <stdbool.h>
#include <stddef.h>

/* Print, per class with a retention, the items past it and the oldest one's time; with
 * dry_run change nothing, else delete them. Returns 0, or -1 with the reason in err. */
int purge_run(const char *dir, bool dry_run, char *err, size_t errlen);

#endif
