/* ops_status.c -- an area as a whole: its outline and description (area.update), and where it
 * stands in the four steps of the model (area.status), counted from what the caller may see. */
#include "ops_status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "ops.h"
#include "ops_area.h"
#include "ops_guard.h"
#include "ops_link.h"
#include "util.h"

#define HAS OPS_HAS
#define OUTLINE_MIN 3    /* points */
#define OUTLINE_MAX 2000

/* What prepare learnt about the caller, for exec (j->op_data). */
typedef struct status_plan {
  bool core_team;     /* area.update: may change any area */
  bool see_group;     /* area.status: group-level observations and links count */
  bool see_core;      /* ... core-track meetings count */
  bool see_concerns;  /* ... open concerns are counted */
} status_plan;

/* Twice the signed area of the ring of lon, lat pairs in b (shoelace, in square degrees, taken
 * relative to the first point): 0, but for rounding, when its points are all one or on a line. */
static double outline_twice_area(const sv_doubles *b) {
  double sum = 0;
  size_t n = b->n / 2;
  for (size_t i = 0; i < n; i++) {
    size_t k = (i + 1) % n;
    sum += (b->v[2 * i] - b->v[0]) * (b->v[2 * k + 1] - b->v[1]) -
           (b->v[2 * k] - b->v[0]) * (b->v[2 * i + 1] - b->v[1]);
  }
  return sum;
}

int ops_area_update_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  status_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return -1;
  p->core_team = ops_guard_core_team(ctx, j->who.role);
  if (ops_guard_label(j, "area", &j->req.a.area) != 0) return -1;
  if (!HAS(j, DESCRIPTION) && !HAS(j, BOUNDARY)) {
    job_fail(j, SV_ERR_INVALID, "nothing to change: give description or boundary");
    return -1;
  }
  if (HAS(j, DESCRIPTION) &&
      ops_guard_text(ctx, j, "description", &j->req.a.description, true) != 0)
    return -1;
  const sv_doubles *b = &j->req.a.boundary;
  if (HAS(j, BOUNDARY) && b->n > 0) {
    if (b->n % 2 != 0 || b->n / 2 < OUTLINE_MIN || b->n / 2 > OUTLINE_MAX) {
      job_fail(j, SV_ERR_INVALID, "an outline is %d to %d points, given as longitude, latitude "
                                  "pairs (%zu numbers given)", OUTLINE_MIN, OUTLINE_MAX, b->n);
      return -1;
    }
    for (size_t k = 0; k < b->n; k += 2)
      if (!guard_coords_valid(b->v[k + 1], b->v[k])) {
        job_fail(j, SV_ERR_INVALID, "point %zu of the outline is out of range (longitude in "
                                    "[-180, 180], latitude in [-90, 90])", k / 2 + 1);
        return -1;
      }
    /* 1e-12 square degrees is about a hundredth of a square metre: rounding, not an area */
    if (fabs(outline_twice_area(b)) < 1e-12) {
      job_fail(j, SV_ERR_INVALID, "the outline encloses no area: its points are all the same "
                                  "or on one line");
      return -1;
    }
  }
  return 0;
}

int ops_area_status_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  status_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return -1;
  p->see_group = ops_guard_may(ctx, j, "read", "group", POLICY_LEVEL_GROUP);
  p->see_core = ops_guard_may(ctx, j, "read", "core-meeting", POLICY_LEVEL_NONE);
  p->see_concerns = ops_guard_may(ctx, j, "read", "concern", POLICY_LEVEL_NONE);
  return ops_guard_label(j, "area", &j->req.a.area);
}

/* ---- storage thread ---------------------------------------------------------------------- */

int ops_area_update_exec(store *st, job *j) {
  static const char sql_author[] = "SELECT author FROM areas WHERE id = ?";
  static const char sql[] =
      "UPDATE areas SET description = coalesce(?1, description),"
      " boundary = CASE WHEN ?2 THEN ?3 ELSE boundary END WHERE id = ?4";
  const status_plan *p = j->op_data;
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql_author);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  int64_t author = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  if (author != j->who.member_id && !p->core_team) {
    job_deny(j, SV_ERR_DENIED, "builtin: only the author or the core team changes an area",
             "only the area's author or the core team may change '%s'", j->req.a.area.ptr);
    return -1;
  }
  /* The outline is kept as the msgpack array it is served as. */
  msgpack_sbuffer outline;
  msgpack_sbuffer_init(&outline);
  const sv_doubles *b = &j->req.a.boundary;
  if (HAS(j, BOUNDARY) && b->n > 0) {
    msgpack_packer opk;
    msgpack_packer_init(&opk, &outline, msgpack_sbuffer_write);
    msgpack_pack_array(&opk, (uint32_t)b->n);
    for (size_t k = 0; k < b->n; k++) msgpack_pack_double(&opk, b->v[k]);
  }
  s = store_stmt(st, sql);
  if (s == NULL) {
    msgpack_sbuffer_destroy(&outline);
    return ops_storage_error(st, j);
  }
  if (HAS(j, DESCRIPTION))
    sqlite3_bind_text(s, 1, j->req.a.description.ptr, (int)j->req.a.description.len,
                      SQLITE_STATIC);
  sqlite3_bind_int(s, 2, HAS(j, BOUNDARY));
  if (outline.size) sqlite3_bind_blob(s, 3, outline.data, (int)outline.size, SQLITE_TRANSIENT);
  sqlite3_bind_int64(s, 4, area);
  int rc = ops_step_done(st, j, s);
  msgpack_sbuffer_destroy(&outline);
  if (rc != 0) return -1;
  return ops_area_pack_result(st, j, area);
}

/* One count query (parameters bound by the caller); its first column, or -1 (error set). */
static int64_t count_of(store *st, job *j, sqlite3_stmt *s) {
  int rc = sqlite3_step(s);
  int64_t n = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_reset(s);
  if (n < 0) ops_storage_error(st, j);
  return n;
}

/* Pack {"id", "track", "time"} of the area's last meeting held (last) or next one, or nil. */
static int pack_meeting_ref(store *st, job *j, msgpack_packer *pk, int64_t area, bool next,
                            bool see_core, uint64_t now) {
  static const char sql_last[] =
      "SELECT id, track, time FROM meetings WHERE area = ? AND (track = 'area' OR ?)"
      " AND time <= ? ORDER BY time DESC, id DESC LIMIT 1";
  static const char sql_next[] =
      "SELECT id, track, time FROM meetings WHERE area = ? AND (track = 'area' OR ?)"
      " AND time > ? ORDER BY time, id LIMIT 1";
  sqlite3_stmt *s = store_stmt(st, next ? sql_next : sql_last);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_int(s, 2, see_core);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    msgpack_pack_map(pk, 3);
    ops_pack_kv_int(pk, "id", s, 0);
    ops_pack_kv_str(pk, "track", s, 1);
    ops_pack_kv_int(pk, "time", s, 2);
  } else {
    msgpack_pack_nil(pk);
  }
  sqlite3_reset(s);
  return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ops_storage_error(st, j);
}

int ops_area_status_exec(store *st, job *j) {
  static const char sql_obs[] =
      "SELECT coalesce(sum(kind = 'resource'), 0), coalesce(sum(kind = 'challenge'), 0),"
      " coalesce(sum(level = 'group'), 0), coalesce(sum(lat IS NOT NULL), 0) FROM observations"
      " WHERE area = ? AND withdrawn = 0 AND (level = 'area' OR ?)";
  static const char sql_links[] =
      "SELECT count(*) FROM links l WHERE l.area = :area AND" OPS_LINK_VISIBLE;
  static const char sql_actors[] = "SELECT count(*) FROM actors WHERE area = ?";
  static const char sql_iv[] =
      "SELECT coalesce(sum(status = 'planned'), 0), coalesce(sum(status = 'running'), 0),"
      " coalesce(sum(status = 'done'), 0), coalesce(sum(status = 'evaluated'), 0),"
      " coalesce(sum(due IS NOT NULL AND due < ?2 AND status IN ('planned', 'running')), 0)"
      " FROM interventions WHERE area = ?1";
  static const char sql_held[] =
      "SELECT count(*) FROM meetings WHERE area = ? AND (track = 'area' OR ?) AND time <= ?";
  static const char sql_concerns[] =
      "SELECT count(*) FROM concerns WHERE area = ? AND status != 'closed'";
  const status_plan *p = j->op_data;
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  uint64_t now = util_unix_time();
  int64_t obs[4], iv[5];
  sqlite3_stmt *s = store_stmt(st, sql_obs);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_int(s, 2, p->see_group);
  if (sqlite3_step(s) != SQLITE_ROW) {
    sqlite3_reset(s);
    return ops_storage_error(st, j);
  }
  for (int k = 0; k < 4; k++) obs[k] = sqlite3_column_int64(s, k);
  sqlite3_reset(s);
  s = store_stmt(st, sql_iv);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)now);
  if (sqlite3_step(s) != SQLITE_ROW) {
    sqlite3_reset(s);
    return ops_storage_error(st, j);
  }
  for (int k = 0; k < 5; k++) iv[k] = sqlite3_column_int64(s, k);
  sqlite3_reset(s);
  if ((s = store_stmt(st, sql_links)) == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":area"), area);
  sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":group"), p->see_group);
  int64_t links = count_of(st, j, s);
  if ((s = store_stmt(st, sql_actors)) == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  int64_t actors = count_of(st, j, s);
  if ((s = store_stmt(st, sql_held)) == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_int(s, 2, p->see_core);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
  int64_t held = count_of(st, j, s);
  int64_t concerns = 0;
  if (p->see_concerns) {
    if ((s = store_stmt(st, sql_concerns)) == NULL) return ops_storage_error(st, j);
    sqlite3_bind_text(s, 1, j->req.a.area.ptr, (int)j->req.a.area.len, SQLITE_STATIC);
    concerns = count_of(st, j, s);
  }
  if (links < 0 || actors < 0 || held < 0 || concerns < 0) return -1;
  static const char *const steps[] = {"establish", "map", "analyse", "act"};
  bool done[4] = {held > 0, obs[0] > 0 && obs[1] > 0, links > 0, iv[1] + iv[2] + iv[3] > 0};
  int at = 3;
  for (int k = 3; k >= 0; k--)
    if (!done[k]) at = k;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 10 + p->see_concerns);
  sv_pack_str(&pk, "area");
  sv_pack_strn(&pk, j->req.a.area.ptr, j->req.a.area.len);
  sv_pack_str(&pk, "step");
  sv_pack_str(&pk, steps[at]);
  sv_pack_str(&pk, "steps");
  msgpack_pack_array(&pk, 4);
  for (int k = 0; k < 4; k++) {
    msgpack_pack_map(&pk, 2);
    sv_pack_str(&pk, "step");
    sv_pack_str(&pk, steps[k]);
    sv_pack_str(&pk, "done");
    if (done[k])
      msgpack_pack_true(&pk);
    else
      msgpack_pack_false(&pk);
  }
  static const char *const obs_keys[] = {"resources", "challenges", "group", "located"};
  sv_pack_str(&pk, "observations");
  msgpack_pack_map(&pk, 4);
  for (int k = 0; k < 4; k++) {
    sv_pack_str(&pk, obs_keys[k]);
    msgpack_pack_int64(&pk, obs[k]);
  }
  sv_pack_str(&pk, "links");
  msgpack_pack_int64(&pk, links);
  sv_pack_str(&pk, "actors");
  msgpack_pack_int64(&pk, actors);
  static const char *const iv_keys[] = {"planned", "running", "done", "evaluated"};
  sv_pack_str(&pk, "interventions");
  msgpack_pack_map(&pk, 4);
  for (int k = 0; k < 4; k++) {
    sv_pack_str(&pk, iv_keys[k]);
    msgpack_pack_int64(&pk, iv[k]);
  }
  sv_pack_str(&pk, "overdue");
  msgpack_pack_int64(&pk, iv[4]);
  sv_pack_str(&pk, "last_meeting");
  if (pack_meeting_ref(st, j, &pk, area, false, p->see_core, now) != 0) return -1;
  sv_pack_str(&pk, "next_meeting");
  if (pack_meeting_ref(st, j, &pk, area, true, p->see_core, now) != 0) return -1;
  if (p->see_concerns) {
    sv_pack_str(&pk, "open_concerns");
    msgpack_pack_int64(&pk, concerns);
  }
  return 0;
}
