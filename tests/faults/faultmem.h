/* faultmem.h -- allocation-failure injection for samvirked_faults: the daemon's own allocations
 * (malloc, calloc, realloc, strdup, sodium_malloc and msgpack-c's zone and unpacker, wrapped
 * at link time with -Wl,--wrap) counted as FK_MALLOC, and SQLite's allocations (through
 * SQLITE_CONFIG_MALLOC) as FK_SQLMALLOC; the armed call fails as a real allocation failure
 * would (NULL with errno ENOMEM, MSGPACK_UNPACK_NOMEM_ERROR, SQLITE_NOMEM). Test builds only. */
#ifndef SAMVIRKE_FAULTMEM_H
#define SAMVIRKE_FAULTMEM_H

#include <stddef.h>

/* Install the failing allocator under SQLite (before sqlite3_initialize: call it first),
 * unless this process is the log signer (`samvirked signer`), whose allocations are left
 * alone so that the daemon's numbering stays its own. Returns a SQLite result code. */
int faultmem_init(void);
/* Start counting (and failing) allocations: once the test machinery is set up. */
void faultmem_start(void);
/* Allocations of the test machinery itself (powercut.c), never counted nor failed. */
void *faultmem_real_malloc(size_t n);
void *faultmem_real_calloc(size_t n, size_t size);

#endif
