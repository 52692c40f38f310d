/* faultvfs.h -- a SQLite VFS shim for tests: passes every call to the default VFS, counts the
 * reads, writes, syncs and truncations of database, WAL and journal files, fails the armed
 * one (faultctl.h), and feeds the power-cut simulation (powercut.h). Test builds only. */
#ifndef SAMVIRKE_FAULTVFS_H
#define SAMVIRKE_FAULTVFS_H

/* Register the shim (named "svfault") over the current default VFS and make it the default.
 * Call before any database is opened. Returns a SQLite result code. Idempotent. */
int faultvfs_register(void);

#endif
