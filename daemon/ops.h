/* ops.h -- what the request handlers (ops_*.c) share: result packing, storage errors, running
 * statements, packing columns and lists of rows. Storage thread, except ops_result_packer. */
#ifndef SAMVIRKED_OPS_H
#define SAMVIRKED_OPS_H

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>

#include "job.h"
#include "store.h"

/* True when the request carried argument f (enum sv_field, without the SV_F_ prefix). */
#define OPS_HAS(j, f) (((j)->req.present & SV_BIT(SV_F_##f)) != 0)

/* Loop thread: a zeroed op state of size bytes, made j->op_data (any earlier one freed). NULL
 * with internal set on j when memory runs out. */
void *ops_op_data(job *j, size_t size);
/* A daemon-internal job (job_internal: the daemon is the actor) of the periodic kind, such as
 * a sweep: exec runs on the storage thread, done when it is back, and op_data is size zeroed
 * bytes for the two to share. NULL on allocation failure. */
job *ops_internal_job(const char *op, const char *klass, const char *rule, job_exec_fn exec,
                      job_done_fn done, size_t size);
/* Clear j->result and point pk at it: the handler packs exactly one object, its result. */
void ops_result_packer(job *j, msgpack_packer *pk);
/* Report a storage failure (SQLite's last message) on j as internal. Returns -1. */
int ops_storage_error(store *st, job *j);
/* Run the bound statement s to completion (an INSERT, UPDATE or DELETE) and reset it.
 * Returns 0, or -1 with the storage error set on j. */
int ops_step_done(store *st, job *j, sqlite3_stmt *s);
/* Pack column col of s's current row as a string ("" for NULL). */
void ops_pack_col_str(msgpack_packer *pk, sqlite3_stmt *s, int col);
/* Pack key, then column col as a string or as an integer. */
void ops_pack_kv_str(msgpack_packer *pk, const char *key, sqlite3_stmt *s, int col);
void ops_pack_kv_int(msgpack_packer *pk, const char *key, sqlite3_stmt *s, int col);
/* A function packing the current row of s as one msgpack object. */
typedef void (*ops_row_fn)(msgpack_packer *pk, sqlite3_stmt *s);
/* Run s (bound) and pack each row with fn into an array; the result map is
 * {key: [..], "truncated": bool} plus, when area is not NULL, "area": area first. Stops before
 * the packed rows would exceed the frame limit (truncated is then true). Returns 0 or -1
 * (storage error set). */
int ops_pack_list(store *st, job *j, sqlite3_stmt *s, const char *key, const char *area,
                  ops_row_fn fn);
/* The most bytes of rows a list result holds: the frame limit less room for the rest. */
uint64_t ops_list_limit(store *st);
/* Pack the current row of s with context ctx as one msgpack object; 0, or -1 with j's error. */
typedef int (*ops_row_ctx_fn)(void *ctx, msgpack_packer *pk, sqlite3_stmt *s);
/* Run s (bound) and pack each row with fn into out until the rows would exceed limit bytes:
 * *n rows packed, *truncated when it stopped before the last row. s is reset. Returns 0, or -1
 * (fn's error, or a storage error set). */
int ops_pack_rows(store *st, job *j, sqlite3_stmt *s, ops_row_ctx_fn fn, void *ctx,
                  msgpack_sbuffer *out, uint64_t limit, uint32_t *n, bool *truncated);
/* The ctx of a row packer that needs the store and the job (nested queries). */
typedef struct ops_row_job {
  store *st;
  job *j;
} ops_row_job;
/* Make j's result the list map {["area": area,] key: [the n packed items], "truncated": ..}. */
void ops_result_list(job *j, const char *key, const char *area, const msgpack_sbuffer *items,
                     uint32_t n, bool truncated);
/* Pack the row sql_get (a static string: store_stmt) selects for id, its one parameter, as the
 * result, with fn. Returns 0 or -1 (storage error set; also when there is no such row). */
int ops_pack_by_id(store *st, job *j, const char *sql_get, int64_t id, ops_row_fn fn);
/* Run the bound INSERT s; the new row becomes the audit object "<kind>:<id>" and, selected by
 * sql_get and packed with fn, the result. Returns 0 or -1 (storage error set). */
int ops_insert_and_pack(store *st, job *j, sqlite3_stmt *s, const char *kind,
                        const char *sql_get, ops_row_fn fn);

#endif
