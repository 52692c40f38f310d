/* ops_link.c -- links: a resource coupled with the challenge it can answer, an intervention
 * with the challenges it addresses and the resources it uses (link.add, link.remove,
 * link.list). */
#include "ops_link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "ops_area.h"
#include "ops_guard.h"
#include "util.h"

#define HAS OPS_HAS

/* What prepare learnt for exec (j->op_data). */
typedef struct link_plan {
  bool core_team; /* the caller may remove any link */
} link_plan;

int ops_link_add_prepare(rq_ctx *ctx, job *j, int *level) {
  ops_guard_by_level(ctx, j, level, "area", "group");
  int ends = HAS(j, RESOURCE) + HAS(j, CHALLENGE) + HAS(j, INTERVENTION);
  if (ends != 2) {
    job_fail(j, SV_ERR_INVALID,
             "a link has two ends: resource and challenge, intervention and challenge, or "
             "intervention and resource");
    return -1;
  }
  return 0;
}

int ops_link_remove_prepare(rq_ctx *ctx, job *j, int *level) {
  ops_guard_by_level(ctx, j, level, "area", "group");
  link_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return -1;
  p->core_team = ops_guard_core_team(ctx, j->who.role);
  return 0;
}

int ops_link_list_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  /* Group-level links are listed only to callers who may read group data. */
  ops_guard_ask(ctx, j, "group", POLICY_LEVEL_GROUP, &j->alt);
  return ops_guard_label(j, "area", &j->req.a.area);
}

/* ---- storage thread ---------------------------------------------------------------------- */

#define LINK_COLUMNS                                                                         \
  "SELECT l.id, a.name, l.kind, l.resource, l.challenge, l.intervention, l.level, m.name,"   \
  " l.created FROM links l JOIN areas a ON a.id = l.area LEFT JOIN members m"                \
  " ON m.id = l.author "

static void pack_link(msgpack_packer *pk, sqlite3_stmt *s) {
  int ends = 0;
  for (int c = 3; c <= 5; c++) ends += sqlite3_column_type(s, c) != SQLITE_NULL;
  msgpack_pack_map(pk, 6 + (uint32_t)ends);
  ops_pack_kv_int(pk, "id", s, 0);
  ops_pack_kv_str(pk, "area", s, 1);
  ops_pack_kv_str(pk, "kind", s, 2);
  static const char *const names[] = {"resource", "challenge", "intervention"};
  for (int c = 3; c <= 5; c++)
    if (sqlite3_column_type(s, c) != SQLITE_NULL) ops_pack_kv_int(pk, names[c - 3], s, c);
  ops_pack_kv_str(pk, "level", s, 6);
  ops_pack_kv_str(pk, "author", s, 7);
  ops_pack_kv_int(pk, "time", s, 8);
}

static const char sql_link_get[] = LINK_COLUMNS "WHERE l.id = ?";

/* One end of a new link. */
typedef struct link_end {
  int64_t area;
  int level;          /* enum policy_level */
  bool withdrawn;
  char kind[16];      /* an observation's kind */
} link_end;

/* Load end id from observations (is_obs) or interventions. Returns 1 when found, 0 when not
 * (not_found set), -1 on a storage error. */
static int load_end(store *st, job *j, bool is_obs, uint64_t id, link_end *e) {
  static const char sql_obs[] = "SELECT area, level, withdrawn, kind FROM observations WHERE id = ?";
  static const char sql_iv[] = "SELECT area, level, 0, '' FROM interventions WHERE id = ?";
  sqlite3_stmt *s = store_stmt(st, is_obs ? sql_obs : sql_iv);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    e->area = sqlite3_column_int64(s, 0);
    e->level = policy_level_parse((const char *)sqlite3_column_text(s, 1));
    e->withdrawn = sqlite3_column_int64(s, 2) != 0;
    snprintf(e->kind, sizeof e->kind, "%s", (const char *)sqlite3_column_text(s, 3));
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc != SQLITE_ROW || e->withdrawn) {
    job_fail(j, SV_ERR_NOT_FOUND, "no %s %llu", is_obs ? "observation" : "intervention",
             (unsigned long long)id);
    return 0;
  }
  return 1;
}

int ops_link_add_exec(store *st, job *j) {
  static const char sql_dup[] =
      "SELECT 1 FROM links WHERE resource IS ? AND challenge IS ? AND intervention IS ?";
  static const char sql_insert[] =
      "INSERT INTO links(area, kind, resource, challenge, intervention, level, author, created)"
      " VALUES(?,?,?,?,?,?,?,?)";
  const struct {
    bool given, is_obs;
    uint64_t id;
    const char *kind; /* the observation kind this end must have */
  } ends[3] = {
      {HAS(j, RESOURCE), true, j->req.a.resource, "resource"},
      {HAS(j, CHALLENGE), true, j->req.a.challenge, "challenge"},
      {HAS(j, INTERVENTION), false, j->req.a.intervention, NULL},
  };
  link_end got[3];
  int64_t area = 0;
  int level = POLICY_LEVEL_AREA;
  for (int i = 0; i < 3; i++) {
    if (!ends[i].given) continue;
    int r = load_end(st, j, ends[i].is_obs, ends[i].id, &got[i]);
    if (r <= 0) return -1;
    if (ends[i].kind && strcmp(got[i].kind, ends[i].kind) != 0) {
      job_fail(j, SV_ERR_INVALID, "observation %llu is a %s, not a %s",
               (unsigned long long)ends[i].id, got[i].kind, ends[i].kind);
      return -1;
    }
    if (area && got[i].area != area) {
      job_fail(j, SV_ERR_INVALID, "the two ends of a link must be in the same area");
      return -1;
    }
    area = got[i].area;
    if (got[i].level == POLICY_LEVEL_GROUP) level = POLICY_LEVEL_GROUP;
  }
  if (request_settle(j, level) != 0) return -1;
  const char *kind = !ends[2].given ? "answers" : ends[1].given ? "addresses" : "uses";
  sqlite3_stmt *s = store_stmt(st, sql_dup);
  if (s == NULL) return ops_storage_error(st, j);
  for (int i = 0; i < 3; i++) {
    if (ends[i].given)
      sqlite3_bind_int64(s, i + 1, (sqlite3_int64)ends[i].id);
    else
      sqlite3_bind_null(s, i + 1);
  }
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc == SQLITE_ROW) {
    job_fail(j, SV_ERR_CONFLICT, "these two are linked already");
    return -1;
  }
  if (rc != SQLITE_DONE) return ops_storage_error(st, j);
  s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
  for (int i = 0; i < 3; i++) {
    if (ends[i].given)
      sqlite3_bind_int64(s, 3 + i, (sqlite3_int64)ends[i].id);
    else
      sqlite3_bind_null(s, 3 + i);
  }
  sqlite3_bind_text(s, 6, policy_level_name((enum policy_level)level), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 7, j->who.member_id);
  sqlite3_bind_int64(s, 8, (sqlite3_int64)util_unix_time());
  return ops_insert_and_pack(st, j, s, "link", sql_link_get, pack_link);
}

int ops_link_remove_exec(store *st, job *j) {
  static const char sql_get[] = "SELECT level, author FROM links WHERE id = ?";
  static const char sql_delete[] = "DELETE FROM links WHERE id = ?";
  const link_plan *p = j->op_data;
  uint64_t id = j->req.a.link;
  snprintf(j->object, sizeof j->object, "link:%llu", (unsigned long long)id);
  sqlite3_stmt *s = store_stmt(st, sql_get);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  int level = -1;
  int64_t author = 0;
  if (rc == SQLITE_ROW) {
    level = policy_level_parse((const char *)sqlite3_column_text(s, 0));
    author = sqlite3_column_int64(s, 1);
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc != SQLITE_ROW) {
    job_fail(j, SV_ERR_NOT_FOUND, "no link %llu", (unsigned long long)id);
    return -1;
  }
  if (request_settle(j, level) != 0) return -1;
  if (author != j->who.member_id && !(p && p->core_team)) {
    job_deny(j, SV_ERR_DENIED, "builtin: only the author or the core team removes a link",
             "only the link's author or the core team may remove link %llu",
             (unsigned long long)id);
    return -1;
  }
  s = store_stmt(st, sql_delete);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
  if (ops_step_done(st, j, s) != 0) return -1;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 2);
  sv_pack_str(&pk, "id");
  msgpack_pack_uint64(&pk, id);
  sv_pack_str(&pk, "removed");
  msgpack_pack_true(&pk);
  return 0;
}

int ops_link_list_exec(store *st, job *j) {
  static const char sql[] = LINK_COLUMNS "WHERE l.area = :area AND" OPS_LINK_VISIBLE
                                         "ORDER BY l.created, l.id";
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  sqlite3_stmt *s;
  s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":area"), area);
  sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":group"), j->alt.asked && j->alt.dec.permit);
  return ops_pack_list(st, j, s, "links", j->req.a.area.ptr, pack_link);
}
