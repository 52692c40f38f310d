/* store.h -- the storage thread: owns the SQLite connection, runs jobs in group-commit batches,
 * appends each job's audit entry to the log, and hands finished jobs back to the loop thread. */
#ifndef SAMVIRKED_STORE_H
#define SAMVIRKED_STORE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "auditlog.h"
#include "config.h"
#include "job.h"

typedef struct store store;

/* The names the kernel shows for the storage and flush threads (at most 15 characters); the
 * loop thread keeps the process's name, and the log signer is named in signer_proc.h. */
#define STORE_THREAD "sv-storage"
#define STORE_FLUSH_THREAD "sv-flush"

/* Called on the loop thread for every finished job, in submission order. Takes ownership. */
typedef void (*store_done_fn)(job *j, void *ctx);

/* Create a new database at path with the current schema (fails if it exists). */
int store_create(const char *path, char *err, size_t errlen);
/* Open the database of cfg's directory, check its schema version, and open its audit log
 * (auditlog_open: checked against the last checkpoint, which must verify with log_pk; sg signs
 * the next ones, and its ctx must outlive the store). Returns NULL with a precise reason in
 * err. */
store *store_open(const config *cfg, const uint8_t log_pk[32], const auditlog_signer *sg,
                  enum auditlog_verify mode, char *err, size_t errlen);
/* Start the storage thread. For each job without an error and with an exec, run (or, when run
 * is NULL, j->exec) is called inside the batch under a savepoint; a job without an exec (ping,
 * whoami) is still given to run, outside a savepoint, so that it too is checked against what
 * committed before it. Finished jobs come back through done on loop. */
int store_start(store *st, uv_loop_t *loop, job_exec_fn run, store_done_fn done, void *ctx);
/* Queue a job (loop thread). Takes ownership until it comes back through done. */
void store_submit(store *st, job *j);
/* Run one job as a batch of its own on the calling thread (before store_start: init, tools,
 * tests), with j->exec. Returns 0 when it was audited (its own error may still be set), -1
 * when the batch failed. */
int store_run_sync(store *st, job *j);
/* Stop: finish every queued job, join the thread, deliver the last results, close the async
 * handle. After the loop has run the close callbacks, call store_close. */
void store_stop(store *st);
/* What the store has done since it started: committed batches made durable, and how long
 * that took from the COMMIT (the last, an average over about the last 16, the longest). */
typedef struct store_stats {
  uint64_t commits;
  uint64_t latency_last_us, latency_avg_us, latency_max_us;
} store_stats;
/* The figures so far (any thread). */
void store_get_stats(store *st, store_stats *out);
/* Close the log and the database and free. NULL is a no-op. */
void store_close(store *st);

/* For exec functions (storage thread only). */
sqlite3 *store_db(store *st);
auditlog *store_auditlog(store *st);
const config *store_config(store *st);
/* How often rows of the rowid table `table` (a static string) have changed through this
 * store's connection: a count that moves on with every row inserted, updated or deleted, and
 * with every rollback that may have undone such a change. Equal counts mean no change between
 * them (counted from the first call for the table). */
uint64_t store_changes(store *st, const char *table);
/* State an op keeps in this store between jobs (a cache), found by key (the address of
 * something static of the op): size zeroed bytes on first use, freed with the store by release
 * (which frees what it holds and then the state itself). NULL when out of memory. */
void *store_cache(store *st, const void *key, size_t size, void (*release)(void *state));
/* A store_cache of rows read from `table` (a static string, also the key): size bytes whose
 * first member is a uint64_t, all zeroed, and that member set to store_changes(table),
 * whenever the table has changed since the last call. NULL when out of memory. */
void *store_table_cache(store *st, const char *table, size_t size);
/* Prepared-statement cache keyed by the SQL text's address (a static string): returns a reset
 * statement with no bindings, or NULL (logged) when it cannot be prepared. */
sqlite3_stmt *store_stmt(store *st, const char *sql);
/* Once the open transaction has committed, copy the write-ahead log into the database file and
 * empty it, so that the images of deleted rows it holds are gone from the files too. */
void store_scrub(store *st);

#endif
