/* ops.c -- helpers the request handlers share (see ops.h). */
#include "ops.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

void *ops_op_data(job *j, size_t size) {
  void *p = calloc(1, size);
  if (p == NULL) {
    job_fail(j, SV_ERR_INTERNAL, "out of memory");
    return NULL;
  }
  free(j->op_data);
  j->op_data = p;
  return p;
}

job *ops_internal_job(const char *op, const char *klass, const char *rule, job_exec_fn exec,
                      job_done_fn done, size_t size) {
  job *j = job_internal(NULL, op, klass, "", rule);
  void *data = j ? calloc(1, size) : NULL;
  if (data == NULL) {
    job_free(j);
    return NULL;
  }
  j->exec = exec;
  j->done = done;
  j->op_data = data;
  return j;
}

void ops_result_packer(job *j, msgpack_packer *pk) {
  msgpack_sbuffer_clear(&j->result);
  msgpack_packer_init(pk, &j->result, msgpack_sbuffer_write);
}

int ops_storage_error(store *st, job *j) {
  job_fail(j, SV_ERR_INTERNAL, "storage error: %s", sqlite3_errmsg(store_db(st)));
  return -1;
}

int ops_step_done(store *st, job *j, sqlite3_stmt *s) {
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  return rc == SQLITE_DONE ? 0 : ops_storage_error(st, j);
}

void ops_pack_col_str(msgpack_packer *pk, sqlite3_stmt *s, int col) {
  const unsigned char *t = sqlite3_column_text(s, col);
  if (t == NULL)
    sv_pack_str(pk, "");
  else
    sv_pack_strn(pk, (const char *)t, (size_t)sqlite3_column_bytes(s, col));
}

void ops_pack_kv_str(msgpack_packer *pk, const char *key, sqlite3_stmt *s, int col) {
  sv_pack_str(pk, key);
  ops_pack_col_str(pk, s, col);
}

void ops_pack_kv_int(msgpack_packer *pk, const char *key, sqlite3_stmt *s, int col) {
  sv_pack_str(pk, key);
  msgpack_pack_int64(pk, sqlite3_column_int64(s, col));
}

uint64_t ops_list_limit(store *st) {
  uint64_t max = store_config(st)->max_frame;
  return max > 8192 ? max - 4096 : 4096;
}

int ops_pack_rows(store *st, job *j, sqlite3_stmt *s, ops_row_ctx_fn fn, void *ctx,
                  msgpack_sbuffer *out, uint64_t limit, uint32_t *n, bool *truncated) {
  msgpack_packer ipk;
  msgpack_packer_init(&ipk, out, msgpack_sbuffer_write);
  *n = 0;
  *truncated = false;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    size_t before = out->size;
    if (fn(ctx, &ipk, s) != 0) {
      sqlite3_reset(s);
      return -1;
    }
    if (out->size > limit) {
      out->size = before;
      *truncated = true;
      break;
    }
    (*n)++;
  }
  sqlite3_reset(s);
  if (!*truncated && rc != SQLITE_DONE) return ops_storage_error(st, j);
  return 0;
}

void ops_result_list(job *j, const char *key, const char *area, const msgpack_sbuffer *items,
                     uint32_t n, bool truncated) {
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, area ? 3 : 2);
  if (area) {
    sv_pack_str(&pk, "area");
    sv_pack_str(&pk, area);
  }
  sv_pack_str(&pk, key);
  msgpack_pack_array(&pk, n);
  if (items->size) msgpack_sbuffer_write(&j->result, items->data, items->size);
  sv_pack_str(&pk, "truncated");
  if (truncated)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
}

/* ops_row_fn as an ops_row_ctx_fn (ctx is the ops_row_fn). */
static int plain_row(void *ctx, msgpack_packer *pk, sqlite3_stmt *s) {
  ops_row_fn fn;
  memcpy(&fn, ctx, sizeof fn);
  fn(pk, s);
  return 0;
}

int ops_pack_list(store *st, job *j, sqlite3_stmt *s, const char *key, const char *area,
                  ops_row_fn fn) {
  msgpack_sbuffer items;
  msgpack_sbuffer_init(&items);
  uint32_t n;
  bool truncated;
  int rc = ops_pack_rows(st, j, s, plain_row, &fn, &items, ops_list_limit(st), &n, &truncated);
  if (rc == 0) ops_result_list(j, key, area, &items, n, truncated);
  msgpack_sbuffer_destroy(&items);
  return rc;
}

int ops_pack_by_id(store *st, job *j, const char *sql_get, int64_t id, ops_row_fn fn) {
  sqlite3_stmt *s = store_stmt(st, sql_get);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    msgpack_packer pk;
    ops_result_packer(j, &pk);
    fn(&pk, s);
  }
  sqlite3_reset(s);
  return rc == SQLITE_ROW ? 0 : ops_storage_error(st, j);
}

int ops_insert_and_pack(store *st, job *j, sqlite3_stmt *s, const char *kind,
                        const char *sql_get, ops_row_fn fn) {
  if (ops_step_done(st, j, s) != 0) return -1;
  int64_t id = sqlite3_last_insert_rowid(store_db(st));
  snprintf(j->object, sizeof j->object, "%s:%lld", kind, (long long)id);
  return ops_pack_by_id(st, j, sql_get, id, fn);
}
