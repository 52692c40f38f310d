/* store.h -- the storage thread: owns the SQLite connection, runs request jobs in group-commit
 * batches with their audit entries, and hands finished jobs back to the loop thread. */
#ifndef SAMVIRKED_STORE_H
#define SAMVIRKED_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "config.h"
#include "job.h"
#include "keys.h"

struct auditlog;
typedef struct store store;

/* Called on the loop thread for every finished job, in submission order. Takes ownership. */
typedef void (*store_done_fn)(job *j, void *ctx);

enum store_verify { STORE_VERIFY_AUTO = 0, STORE_VERIFY_QUICK, STORE_VERIFY_FULL };

/* Create a new database at path with the current schema (fails if it exists). */
int store_create(const char *path, char *err, size_t errlen);
/* Open the database, check its schema version, and check the audit log against its last signed
 * checkpoint (mode: quick = stored subtree hashes; full = re-hash every entry; auto = full for
 * small logs). Returns NULL with a precise reason in err. keys is borrowed for the store's life. */
store *store_open(const config *cfg, const sv_daemon_keys *keys, enum store_verify mode, char *err,
                  size_t errlen);
/* Start the storage thread; finished jobs come back through done on loop. */
int store_start(store *st, uv_loop_t *loop, store_done_fn done, void *ctx);
/* Queue a job (loop thread). Takes ownership until it comes back through done. */
void store_submit(store *st, job *j);
/* Run one job synchronously on the calling thread (before store_start: init, tools). */
int store_run_sync(store *st, job *j);
/* Stop: finish every queued job, join the thread, deliver the last results, close the async
 * handle. After the loop has run the close callbacks, call store_close. */
void store_stop(store *st);
void store_close(store *st);

/* For exec functions (storage thread only). */
sqlite3 *store_db(store *st);
struct auditlog *store_auditlog(store *st);
const config *store_config(store *st);
/* Prepared-statement cache keyed by the SQL text's address: returns a reset statement. */
sqlite3_stmt *store_stmt(store *st, const char *sql);

#endif
