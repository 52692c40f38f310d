/* backup.h -- `samvirked backup` and `samvirked restore`: a consistent copy of a running daemon's
 * directory, and putting one back without rolling back a log that auditors already trust. */
#ifndef SAMVIRKED_BACKUP_H
#define SAMVIRKED_BACKUP_H

#include <stdbool.h>
#include <stddef.h>

/* Back up the daemon directory dir, running or not, into the new directory dest: an online copy
 * of the database verified in full, the configuration and policy, and with with_keys the
 * daemon's keys (mode 0600). Written under dest.partial-PID and renamed to dest only when
 * complete and synced. Returns 0, or -1 with the reason in err (nothing left behind). */
int backup_create(const char *dir, const char *dest, bool with_keys, char *err, size_t errlen);

/* Restore the backup src into the daemon directory dir (the daemon stopped; dir may be new).
 * The backup must be complete and undamaged, verify in full with dir's keys (or its own), and
 * extend every checkpoint auditors may already trust: the newest one dir's live database signed,
 * and the checkpoint file trusted_path (may be NULL). With force it is restored even so (a
 * warning is printed). The restore is an audit entry of the restored log; the live database is
 * kept beside it as samvirke.db.replaced-TIME. Returns 0, or -1 with the reason in err and dir
 * unchanged. */
int backup_restore(const char *dir, const char *src, const char *trusted_path, bool force,
                   char *err, size_t errlen);

#endif
