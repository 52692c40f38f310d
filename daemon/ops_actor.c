/* ops_actor.c -- the network map: the organisations and resource persons the team works with,
 * their form of collaboration and their ties (actor.add, actor.update, actor.tie, actor.untie,
 * actor.list). */
#include "ops_actor.h"

#include <stdio.h>
#include <string.h>

#include "ops.h"
#include "ops_area.h"
#include "ops_guard.h"
#include "util.h"

#define HAS OPS_HAS

/* The forms of collaboration of the 2020 evaluation's figure 4.1. */
static const char *const FORMS[] = {"exchange", "partnership", "co-creation", NULL};

static int check_form(job *j) {
  if (ops_guard_one_of(&j->req.a.form, FORMS)) return 0;
  job_fail(j, SV_ERR_INVALID, "form must be exchange, partnership or co-creation");
  return -1;
}

int ops_actor_add_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  if (ops_guard_label(j, "area", &j->req.a.area) != 0 ||
      ops_guard_label(j, "name", &j->req.a.name) != 0 ||
      ops_guard_label(j, "category", &j->req.a.category) != 0 || check_form(j) != 0)
    return -1;
  if (HAS(j, DESCRIPTION) && ops_guard_text(ctx, j, "description", &j->req.a.description, true))
    return -1;
  return 0;
}

int ops_actor_update_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  if (!HAS(j, NAME) && !HAS(j, CATEGORY) && !HAS(j, FORM) && !HAS(j, DESCRIPTION)) {
    job_fail(j, SV_ERR_INVALID, "nothing to change: give name, category, form or description");
    return -1;
  }
  if ((HAS(j, NAME) && ops_guard_label(j, "name", &j->req.a.name) != 0) ||
      (HAS(j, CATEGORY) && ops_guard_label(j, "category", &j->req.a.category) != 0) ||
      (HAS(j, FORM) && check_form(j) != 0) ||
      (HAS(j, DESCRIPTION) && ops_guard_text(ctx, j, "description", &j->req.a.description, true)))
    return -1;
  return 0;
}

int ops_actor_tie_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  if (j->req.a.actor == j->req.a.peer) {
    job_fail(j, SV_ERR_INVALID, "an actor cannot be tied to itself");
    return -1;
  }
  if (HAS(j, TEXT) && ops_guard_text(ctx, j, "text", &j->req.a.text, true) != 0) return -1;
  return 0;
}

int ops_actor_list_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  *level = POLICY_LEVEL_AREA;
  return ops_guard_label(j, "area", &j->req.a.area);
}

/* ---- storage thread ---------------------------------------------------------------------- */

#define ACTOR_COLUMNS                                                                        \
  "SELECT x.id, a.name, x.name, x.category, x.form, x.description, m.name, x.created,"       \
  " x.updated FROM actors x JOIN areas a ON a.id = x.area LEFT JOIN members m"               \
  " ON m.id = x.author "

static void pack_actor(msgpack_packer *pk, sqlite3_stmt *s) {
  msgpack_pack_map(pk, 9);
  ops_pack_kv_int(pk, "id", s, 0);
  ops_pack_kv_str(pk, "area", s, 1);
  ops_pack_kv_str(pk, "name", s, 2);
  ops_pack_kv_str(pk, "category", s, 3);
  ops_pack_kv_str(pk, "form", s, 4);
  ops_pack_kv_str(pk, "description", s, 5);
  ops_pack_kv_str(pk, "author", s, 6);
  ops_pack_kv_int(pk, "time", s, 7);
  ops_pack_kv_int(pk, "updated", s, 8);
}

#define TIE_COLUMNS                                                                          \
  "SELECT t.id, t.a, t.b, t.text, m.name, t.created FROM actor_ties t LEFT JOIN members m"   \
  " ON m.id = t.author "

static void pack_tie(msgpack_packer *pk, sqlite3_stmt *s) {
  msgpack_pack_map(pk, 6);
  ops_pack_kv_int(pk, "id", s, 0);
  ops_pack_kv_int(pk, "actor", s, 1);
  ops_pack_kv_int(pk, "peer", s, 2);
  ops_pack_kv_str(pk, "text", s, 3);
  ops_pack_kv_str(pk, "author", s, 4);
  ops_pack_kv_int(pk, "time", s, 5);
}

static const char sql_actor_get[] = ACTOR_COLUMNS "WHERE x.id = ?";

static int actor_row(void *ctx, msgpack_packer *pk, sqlite3_stmt *s) {
  (void)ctx;
  pack_actor(pk, s);
  return 0;
}

static int tie_row(void *ctx, msgpack_packer *pk, sqlite3_stmt *s) {
  (void)ctx;
  pack_tie(pk, s);
  return 0;
}

/* Is name taken by another actor (not except) of area? 1 yes (conflict set), 0 no, -1 error. */
static int name_taken(store *st, job *j, int64_t area, const sv_str *name, int64_t except) {
  static const char sql[] = "SELECT 1 FROM actors WHERE area = ? AND name = ? AND id != ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_text(s, 2, name->ptr, (int)name->len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 3, except);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc == SQLITE_ROW)
    job_fail(j, SV_ERR_CONFLICT, "the area already has an actor named '%s'", name->ptr);
  return rc == SQLITE_ROW;
}

int ops_actor_add_exec(store *st, job *j) {
  static const char sql_insert[] =
      "INSERT INTO actors(area, name, category, form, description, author, created, updated)"
      " VALUES(?,?,?,?,?,?,?,?)";
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  if (name_taken(st, j, area, &j->req.a.name, 0) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  uint64_t now = util_unix_time();
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_text(s, 2, j->req.a.name.ptr, (int)j->req.a.name.len, SQLITE_STATIC);
  sqlite3_bind_text(s, 3, j->req.a.category.ptr, (int)j->req.a.category.len, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, j->req.a.form.ptr, (int)j->req.a.form.len, SQLITE_STATIC);
  if (HAS(j, DESCRIPTION))
    sqlite3_bind_text(s, 5, j->req.a.description.ptr, (int)j->req.a.description.len,
                      SQLITE_STATIC);
  else
    sqlite3_bind_text(s, 5, "", 0, SQLITE_STATIC);
  sqlite3_bind_int64(s, 6, j->who.member_id);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 8, (sqlite3_int64)now);
  return ops_insert_and_pack(st, j, s, "actor", sql_actor_get, pack_actor);
}

/* The area of actor id: > 0, or 0 (not_found set) / -1 (storage error). */
static int64_t actor_area(store *st, job *j, uint64_t id) {
  static const char sql[] = "SELECT area FROM actors WHERE id = ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  int64_t area = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (area == 0) job_fail(j, SV_ERR_NOT_FOUND, "no actor %llu", (unsigned long long)id);
  return area;
}

int ops_actor_update_exec(store *st, job *j) {
  static const char sql[] =
      "UPDATE actors SET name = coalesce(?1, name), category = coalesce(?2, category),"
      " form = coalesce(?3, form), description = coalesce(?4, description), updated = ?5"
      " WHERE id = ?6";
  uint64_t id = j->req.a.actor;
  snprintf(j->object, sizeof j->object, "actor:%llu", (unsigned long long)id);
  int64_t area = actor_area(st, j, id);
  if (area <= 0) return -1;
  if (HAS(j, NAME) && name_taken(st, j, area, &j->req.a.name, (int64_t)id) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  if (HAS(j, NAME)) sqlite3_bind_text(s, 1, j->req.a.name.ptr, (int)j->req.a.name.len, SQLITE_STATIC);
  if (HAS(j, CATEGORY))
    sqlite3_bind_text(s, 2, j->req.a.category.ptr, (int)j->req.a.category.len, SQLITE_STATIC);
  if (HAS(j, FORM)) sqlite3_bind_text(s, 3, j->req.a.form.ptr, (int)j->req.a.form.len, SQLITE_STATIC);
  if (HAS(j, DESCRIPTION))
    sqlite3_bind_text(s, 4, j->req.a.description.ptr, (int)j->req.a.description.len,
                      SQLITE_STATIC);
  sqlite3_bind_int64(s, 5, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 6, (sqlite3_int64)id);
  if (ops_step_done(st, j, s) != 0) return -1;
  return ops_pack_by_id(st, j, sql_actor_get, (sqlite3_int64)id, pack_actor);
}

/* The pair as stored: the smaller id first (a tie is undirected). Both must be actors of one
 * area. Returns 0, or -1 with not_found, invalid or a storage error. */
static int tie_pair(store *st, job *j, int64_t *a, int64_t *b) {
  uint64_t x = j->req.a.actor, y = j->req.a.peer;
  int64_t ax = actor_area(st, j, x);
  if (ax <= 0) return -1;
  int64_t ay = actor_area(st, j, y);
  if (ay <= 0) return -1;
  if (ax != ay) {
    job_fail(j, SV_ERR_INVALID, "actors %llu and %llu are in different areas",
             (unsigned long long)x, (unsigned long long)y);
    return -1;
  }
  *a = (int64_t)(x < y ? x : y);
  *b = (int64_t)(x < y ? y : x);
  return 0;
}

int ops_actor_tie_exec(store *st, job *j) {
  static const char sql_dup[] = "SELECT 1 FROM actor_ties WHERE a = ? AND b = ?";
  static const char sql_insert[] =
      "INSERT INTO actor_ties(a, b, text, author, created) VALUES(?,?,?,?,?)";
  static const char sql_get[] = TIE_COLUMNS "WHERE t.id = ?";
  int64_t a, b;
  if (tie_pair(st, j, &a, &b) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql_dup);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, a);
  sqlite3_bind_int64(s, 2, b);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc == SQLITE_ROW) {
    job_fail(j, SV_ERR_CONFLICT, "actors %lld and %lld are tied already", (long long)a,
             (long long)b);
    return -1;
  }
  if (rc != SQLITE_DONE) return ops_storage_error(st, j);
  s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, a);
  sqlite3_bind_int64(s, 2, b);
  if (HAS(j, TEXT))
    sqlite3_bind_text(s, 3, j->req.a.text.ptr, (int)j->req.a.text.len, SQLITE_STATIC);
  else
    sqlite3_bind_text(s, 3, "", 0, SQLITE_STATIC);
  sqlite3_bind_int64(s, 4, j->who.member_id);
  sqlite3_bind_int64(s, 5, (sqlite3_int64)util_unix_time());
  return ops_insert_and_pack(st, j, s, "tie", sql_get, pack_tie);
}

int ops_actor_untie_exec(store *st, job *j) {
  static const char sql[] = "DELETE FROM actor_ties WHERE a = ? AND b = ?";
  int64_t a, b;
  snprintf(j->object, sizeof j->object, "actor:%llu", (unsigned long long)j->req.a.actor);
  if (tie_pair(st, j, &a, &b) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, a);
  sqlite3_bind_int64(s, 2, b);
  if (ops_step_done(st, j, s) != 0) return -1;
  if (sqlite3_changes(store_db(st)) == 0) {
    job_fail(j, SV_ERR_NOT_FOUND, "actors %lld and %lld are not tied", (long long)a, (long long)b);
    return -1;
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 3);
  sv_pack_str(&pk, "actor");
  msgpack_pack_uint64(&pk, j->req.a.actor);
  sv_pack_str(&pk, "peer");
  msgpack_pack_uint64(&pk, j->req.a.peer);
  sv_pack_str(&pk, "removed");
  msgpack_pack_true(&pk);
  return 0;
}

int ops_actor_list_exec(store *st, job *j) {
  static const char sql_actors[] = ACTOR_COLUMNS "WHERE x.area = ? ORDER BY x.name, x.id";
  static const char sql_ties[] = TIE_COLUMNS
      "JOIN actors x ON x.id = t.a WHERE x.area = ? ORDER BY t.id";
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  uint64_t limit = ops_list_limit(st);
  msgpack_sbuffer actors, ties;
  msgpack_sbuffer_init(&actors);
  msgpack_sbuffer_init(&ties);
  uint32_t na = 0, nt = 0;
  bool cut_a = false, cut_t = false;
  int rc = -1;
  sqlite3_stmt *s = store_stmt(st, sql_actors);
  if (s == NULL) {
    ops_storage_error(st, j);
    goto out;
  }
  sqlite3_bind_int64(s, 1, area);
  if (ops_pack_rows(st, j, s, actor_row, NULL, &actors, limit, &na, &cut_a) != 0) goto out;
  s = store_stmt(st, sql_ties);
  if (s == NULL) {
    ops_storage_error(st, j);
    goto out;
  }
  sqlite3_bind_int64(s, 1, area);
  if (ops_pack_rows(st, j, s, tie_row, NULL, &ties, limit - actors.size, &nt, &cut_t) != 0)
    goto out;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 4);
  sv_pack_str(&pk, "area");
  sv_pack_strn(&pk, j->req.a.area.ptr, j->req.a.area.len);
  sv_pack_str(&pk, "actors");
  msgpack_pack_array(&pk, na);
  if (actors.size) msgpack_sbuffer_write(&j->result, actors.data, actors.size);
  sv_pack_str(&pk, "ties");
  msgpack_pack_array(&pk, nt);
  if (ties.size) msgpack_sbuffer_write(&j->result, ties.data, ties.size);
  sv_pack_str(&pk, "truncated");
  if (cut_a || cut_t)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
  rc = 0;
out:
  msgpack_sbuffer_destroy(&actors);
  msgpack_sbuffer_destroy(&ties);
  return rc;
}
