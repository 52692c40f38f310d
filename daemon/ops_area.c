/* ops_area.c -- area data: areas, observations and interventions (the four-step model). */
#include "ops_area.h"

#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "area_middle.h"
#include "guard.h"
#include "ops.h"
#include "ops_guard.h"
#include "util.h"

#define HAS OPS_HAS

static const char INDIVIDUAL_MESSAGE[] =
    "area data is about areas and groups; information about individuals belongs in a "
    "restricted note";

/* ---- loop thread: guards ---------------------------------------------------------------- */

/* Coordinates: both or neither, within range. */
static int check_coords(job *j) {
  bool lat = HAS(j, LAT), lon = HAS(j, LON);
  if (lat != lon) {
    job_fail(j, SV_ERR_INVALID, "give both lat and lon, or neither");
    return -1;
  }
  if (lat && !guard_coords_valid(j->req.a.lat, j->req.a.lon)) {
    job_fail(j, SV_ERR_INVALID, "coordinates out of range: lat must be in [-90, 90], lon in "
                                "[-180, 180]");
    return -1;
  }
  return 0;
}

static const char *const KINDS[] = {"resource", "challenge", NULL};
static const char *const STEPS[] = {"establish", "map", "analyse", "act", NULL};
static const char *const STATUSES[] = {"planned", "running", "done", "evaluated", NULL};

/* Parse the level argument: sets j->klass (area data class, or klass_fixed when not NULL) and
 * *level. "individual" is accepted here (so the policy is asked, and the denial or the
 * personal_data refusal is logged as such). Returns 0, or -1 with bad_request. */
static int parse_level(job *j, int *level, const char *klass_fixed) {
  int lv = policy_level_parse(j->req.a.level.ptr);
  if (lv != POLICY_LEVEL_AREA && lv != POLICY_LEVEL_GROUP && lv != POLICY_LEVEL_INDIVIDUAL) {
    job_fail(j, SV_ERR_BAD_REQUEST, "level must be \"area\" or \"group\"");
    return -1;
  }
  *level = lv;
  snprintf(j->klass, sizeof j->klass, "%s",
           klass_fixed ? klass_fixed : policy_level_name((enum policy_level)lv));
  return 0;
}

/* The common start of adding an observation or intervention: the level (see parse_level;
 * "individual" is refused as personal data) and the area's name. Returns 0 or -1 with j->err. */
static int prepare_add(job *j, int *level, const char *klass_fixed) {
  if (parse_level(j, level, klass_fixed) != 0) return -1;
  if (*level == POLICY_LEVEL_INDIVIDUAL) {
    job_fail(j, SV_ERR_PERSONAL_DATA, "%s", INDIVIDUAL_MESSAGE);
    return -1;
  }
  return ops_guard_label(j, "area", &j->req.a.area);
}

/* The observation kind must be one of KINDS. Returns 0 or -1 with j->err. */
static int check_kind(job *j) {
  if (ops_guard_one_of(&j->req.a.kind, KINDS)) return 0;
  job_fail(j, SV_ERR_INVALID, "kind must be \"resource\" or \"challenge\"");
  return -1;
}

int ops_area_add_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  if (ops_guard_label(j, "area name", &j->req.a.name) != 0) return -1;
  if (HAS(j, DESCRIPTION) && ops_guard_text(ctx, j, "description", &j->req.a.description, true) != 0)
    return -1;
  return 0;
}

int ops_area_list_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)j;
  *level = POLICY_LEVEL_AREA;
  return 0;
}

int ops_obs_add_prepare(rq_ctx *ctx, job *j, int *level) {
  if (prepare_add(j, level, NULL) != 0) return -1;
  if (check_kind(j) != 0) return -1;
  if (ops_guard_label(j, "category", &j->req.a.category) != 0) return -1;
  if (ops_guard_text(ctx, j, "text", &j->req.a.text, false) != 0) return -1;
  if (ops_guard_group_size(ctx, j, *level == POLICY_LEVEL_GROUP, "observation") != 0) return -1;
  if (check_coords(j) != 0) return -1;
  /* exec's one change is its INSERT, and nothing after it can fail; its result is the row
   * packed from these fields (pack_obs_view), the author's name and a few numbers. */
  j->one_write = true;
  j->result_max = j->req.a.area.len + j->req.a.kind.len + j->req.a.category.len +
                  j->req.a.level.len + j->req.a.text.len + CARD_NAME_MAX + 256;
  return 0;
}

int ops_obs_list_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_AREA;
  /* Group-level observations are listed only to callers who may read group data. */
  ops_guard_ask(ctx, j, "group", POLICY_LEVEL_GROUP, &j->alt);
  if (ops_guard_label(j, "area", &j->req.a.area) != 0) return -1;
  if (HAS(j, KIND) && check_kind(j) != 0) return -1;
  if (HAS(j, CATEGORY) && ops_guard_label(j, "category", &j->req.a.category) != 0) return -1;
  return 0;
}

int ops_obs_update_prepare(rq_ctx *ctx, job *j, int *level) {
  ops_guard_by_level(ctx, j, level, "area", "group");
  if (!HAS(j, TEXT) && !HAS(j, CATEGORY) && !HAS(j, SIZE) && !HAS(j, LAT) && !HAS(j, LON)) {
    job_fail(j, SV_ERR_INVALID, "nothing to change: give text, category, size or lat and lon");
    return -1;
  }
  if (HAS(j, TEXT) && ops_guard_text(ctx, j, "text", &j->req.a.text, false) != 0) return -1;
  if (HAS(j, CATEGORY) && ops_guard_label(j, "category", &j->req.a.category) != 0) return -1;
  if (ops_guard_group_size(ctx, j, false, "observation") != 0) return -1;
  return check_coords(j);
}

/* What observation.withdraw learnt on the loop thread (j->op_data): with a reason stated, may
 * the caller manage area-level and group-level data (withdraw another member's observation)? */
typedef struct obs_withdraw_plan {
  decision manage_area, manage_group;
} obs_withdraw_plan;

/* The one reason a withdrawal may state. */
#define WITHDRAW_REASON "personal_data"

int ops_obs_withdraw_prepare(rq_ctx *ctx, job *j, int *level) {
  ops_guard_by_level(ctx, j, level, "area", "group");
  if (!HAS(j, REASON)) return 0;
  if (strcmp(j->req.a.reason.ptr, WITHDRAW_REASON) != 0) {
    job_fail(j, SV_ERR_INVALID,
             "reason must be \"" WITHDRAW_REASON "\" (the observation holds information about "
             "individuals)");
    return -1;
  }
  obs_withdraw_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return -1;
  rq_question qa = {.role = j->who.role, .action = "manage", .klass = "area",
                    .level = POLICY_LEVEL_AREA};
  rq_question qg = {.role = j->who.role, .action = "manage", .klass = "group",
                    .level = POLICY_LEVEL_GROUP};
  request_authorize(ctx, &qa, &p->manage_area);
  request_authorize(ctx, &qg, &p->manage_group);
  return 0;
}

/* What the intervention ops learnt about the caller and the request, for exec (j->op_data). */
typedef struct iv_plan {
  bool core_team;  /* may change any intervention */
  bool see_core;   /* may see a decision's link to a core-track meeting */
  int64_t owner;   /* the owner named (0: none named) */
} iv_plan;

/* Allocate j's plan with what the policy says of the caller. NULL with j's error set. */
static iv_plan *iv_plan_new(rq_ctx *ctx, job *j) {
  iv_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return NULL;
  p->core_team = ops_guard_core_team(ctx, j->who.role);
  p->see_core = ops_guard_may(ctx, j, "read", "core-meeting", POLICY_LEVEL_NONE);
  return p;
}

int ops_iv_check(const rq_ctx *ctx, job *j, const sv_str *step) {
  if (step && !ops_guard_one_of(step, STEPS)) {
    job_fail(j, SV_ERR_INVALID, "step must be one of establish, map, analyse, act");
    return -1;
  }
  return ops_guard_text(ctx, j, "text", &j->req.a.text, false);
}

int ops_iv_owner_due(const rq_ctx *ctx, job *j, int64_t *owner) {
  if (HAS(j, OWNER)) {
    const dir_member *m = ops_guard_member(ctx, j, "owner", &j->req.a.owner);
    if (m == NULL) return -1;
    *owner = m->id;
  }
  return HAS(j, DUE) ? ops_guard_time(j, "due", j->req.a.due) : 0;
}

int ops_iv_add_prepare(rq_ctx *ctx, job *j, int *level) {
  iv_plan *p = iv_plan_new(ctx, j);
  if (p == NULL) return -1;
  if (prepare_add(j, level, "intervention") != 0) return -1;
  if (ops_iv_check(ctx, j, &j->req.a.step) != 0) return -1;
  if (ops_guard_group_size(ctx, j, *level == POLICY_LEVEL_GROUP, "intervention") != 0) return -1;
  return ops_iv_owner_due(ctx, j, &p->owner);
}

int ops_iv_list_prepare(rq_ctx *ctx, job *j, int *level) {
  *level = POLICY_LEVEL_NONE;
  if (iv_plan_new(ctx, j) == NULL) return -1;
  if (HAS(j, AREA) && ops_guard_label(j, "area", &j->req.a.area) != 0) return -1;
  if (HAS(j, STATUS) && !ops_guard_one_of(&j->req.a.status, STATUSES)) {
    job_fail(j, SV_ERR_INVALID, "status must be one of planned, running, done, evaluated");
    return -1;
  }
  return 0;
}

int ops_iv_update_prepare(rq_ctx *ctx, job *j, int *level) {
  ops_guard_by_level(ctx, j, level, "intervention", "intervention");
  iv_plan *p = iv_plan_new(ctx, j);
  if (p == NULL) return -1;
  if (!HAS(j, STATUS) && !HAS(j, OWNER) && !HAS(j, DUE) && !HAS(j, OUTCOME)) {
    job_fail(j, SV_ERR_INVALID, "nothing to change: give status, owner, due or outcome");
    return -1;
  }
  if (HAS(j, STATUS) && !ops_guard_one_of(&j->req.a.status, STATUSES)) {
    job_fail(j, SV_ERR_INVALID, "status must be one of planned, running, done, evaluated");
    return -1;
  }
  if (HAS(j, OUTCOME) && ops_guard_text(ctx, j, "outcome", &j->req.a.outcome, true) != 0)
    return -1;
  return ops_iv_owner_due(ctx, j, &p->owner);
}

/* ---- storage thread ---------------------------------------------------------------------- */

/* Area ids by name, looked up last, kept on the storage thread while the areas table's change
 * count (store_changes) stays where it was when they were read. */
#define AREA_CACHE 16
#define AREA_CACHE_NAME 96 /* longer names are looked up every time */
typedef struct area_cache {
  uint64_t changes; /* first: store_table_cache */
  unsigned n, next;
  struct {
    int64_t id;
    size_t len;
    char name[AREA_CACHE_NAME];
  } a[AREA_CACHE];
} area_cache;
static const char areas_table[] = "areas";

static int64_t area_lookup(store *st, job *j, const sv_str *name) {
  area_cache *c = store_table_cache(st, areas_table, sizeof(area_cache));
  for (unsigned i = 0; c != NULL && i < c->n; i++)
    if (c->a[i].len == name->len && memcmp(c->a[i].name, name->ptr, name->len) == 0)
      return c->a[i].id;
  static const char sql[] = "SELECT id FROM areas WHERE name = ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, name->ptr, (int)name->len, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (id > 0 && c != NULL && name->len <= AREA_CACHE_NAME) {
    c->a[c->next].id = id;
    c->a[c->next].len = name->len;
    memcpy(c->a[c->next].name, name->ptr, name->len);
    c->next = (c->next + 1) % AREA_CACHE;
    if (c->n < AREA_CACHE) c->n++;
  }
  return id;
}

int ops_area_known(store *st, job *j, const char *what, const char *name) {
  sv_str n = {name, strlen(name)};
  int64_t id = area_lookup(st, j, &n);
  if (id < 0) return -1;
  if (id > 0) return 0;
  job_fail(j, SV_ERR_NOT_FOUND, "no area named '%s' (%s); a coordinator adds areas (area add)",
           name, what);
  return -1;
}

int64_t ops_area_id(store *st, job *j, const sv_str *name) {
  int64_t id = area_lookup(st, j, name);
  if (id < 0) return id;
  if (id == 0) job_fail(j, SV_ERR_NOT_FOUND, "no area named '%s'", name->ptr);
  else snprintf(j->object, sizeof j->object, "area:%lld", (long long)id);
  return id;
}

/* The statement sql with the id of the request's area (which must exist) bound as parameter 1.
 * Returns it, or NULL with not_found or a storage error set. */
static sqlite3_stmt *area_stmt(store *st, job *j, const char *sql) {
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return NULL;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) {
    ops_storage_error(st, j);
    return NULL;
  }
  sqlite3_bind_int64(s, 1, area);
  return s;
}

/* The middle of area's located observations that are not withdrawn other than self (an
 * observation that moves), read from the table; *n gets their count. Returns 0 or -1 (storage
 * error set). A new observation (self 0) asks area_middle.c, which keeps the middles. */
static int middle_of_others(store *st, job *j, int64_t area, int64_t self, size_t *n,
                            double *mlat, double *mlon) {
  static const char sql[] =
      "SELECT lat, lon FROM observations WHERE area = ? AND id != ? AND withdrawn = 0"
      " AND lat IS NOT NULL AND lon IS NOT NULL";
  *n = 0;
  if (self == 0)
    return area_middle_get(st, area, n, mlat, mlon) == 0 ? 0 : ops_storage_error(st, j);
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_int64(s, 2, self);
  double *lat = NULL, *lon = NULL;
  size_t cap = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    if (*n == cap) {
      size_t nc = cap ? 2 * cap : 64;
      double *a = realloc(lat, nc * sizeof *a);
      if (a != NULL) lat = a;
      double *b = a ? realloc(lon, nc * sizeof *b) : NULL;
      if (b == NULL) {
        rc = SQLITE_NOMEM;
        break;
      }
      lon = b;
      cap = nc;
    }
    lat[*n] = sqlite3_column_double(s, 0);
    lon[*n] = sqlite3_column_double(s, 1);
    (*n)++;
  }
  sqlite3_reset(s);
  int out = 0;
  if (rc != SQLITE_DONE)
    out = ops_storage_error(st, j);
  else if (*n > 0)
    guard_median_point(lat, lon, *n, mlat, mlon);
  free(lat);
  free(lon);
  return out;
}

/* A located observation in area (self: the observation itself when it moves, 0 for a new one)
 * must lie within GUARD_AREA_RADIUS_KM of the middle (guard_median_point) of the area's other
 * located observations that are not withdrawn; an area without any takes any point. Returns
 * 0, or -1 with invalid (saying the distance and the rule) or a storage error. */
static int check_near_area(store *st, job *j, int64_t area, int64_t self) {
  if (!HAS(j, LAT)) return 0;
  size_t n = 0;
  double mlat = 0, mlon = 0;
  if (middle_of_others(st, j, area, self, &n, &mlat, &mlon) != 0) return -1;
  if (n == 0) return 0;
  double km = guard_distance_km(mlat, mlon, j->req.a.lat, j->req.a.lon);
  if (km > GUARD_AREA_RADIUS_KM) {
    job_fail(j, SV_ERR_INVALID,
             "the point %.5f,%.5f lies %.1f km from the middle (%.5f,%.5f) of this area's "
             "other %zu located observation%s; a point more than %.0f km from it is refused "
             "as a typing error: check that latitude and longitude are not swapped",
             j->req.a.lat, j->req.a.lon, km, mlat, mlon, n, n == 1 ? "" : "s",
             GUARD_AREA_RADIUS_KM);
    return -1;
  }
  return 0;
}

/* ---- areas ---- */

#define AREA_COLUMNS                                                                         \
  "SELECT a.id, a.name, a.description, m.name, a.created, a.boundary FROM areas a"           \
  " LEFT JOIN members m ON m.id = a.author "

static void pack_area(msgpack_packer *pk, sqlite3_stmt *s) {
  /* The outline is stored as the msgpack array it is served as (ops_status.c). */
  bool outline = sqlite3_column_type(s, 5) == SQLITE_BLOB && sqlite3_column_bytes(s, 5) > 0;
  msgpack_pack_map(pk, 5 + outline);
  ops_pack_kv_int(pk, "id", s, 0);
  ops_pack_kv_str(pk, "name", s, 1);
  ops_pack_kv_str(pk, "description", s, 2);
  ops_pack_kv_str(pk, "author", s, 3);
  ops_pack_kv_int(pk, "time", s, 4);
  if (outline) {
    sv_pack_str(pk, "boundary");
    pk->callback(pk->data, sqlite3_column_blob(s, 5), (size_t)sqlite3_column_bytes(s, 5));
  }
}

static const char sql_area_get[] = AREA_COLUMNS "WHERE a.id = ?";

int ops_area_pack_result(store *st, job *j, int64_t area) {
  return ops_pack_by_id(st, j, sql_area_get, area, pack_area);
}

int ops_area_add_exec(store *st, job *j) {
  static const char sql_insert[] =
      "INSERT INTO areas(name, description, created, author) VALUES(?,?,?,?)";
  static const char sql_taken[] = "SELECT 1 FROM areas WHERE name = ?";
  sqlite3_stmt *s = store_stmt(st, sql_taken);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, j->req.a.name.ptr, (int)j->req.a.name.len, SQLITE_STATIC);
  int rc = sqlite3_step(s);
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc == SQLITE_ROW) {
    job_fail(j, SV_ERR_CONFLICT, "an area named '%s' already exists", j->req.a.name.ptr);
    return -1;
  }
  s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, j->req.a.name.ptr, (int)j->req.a.name.len, SQLITE_STATIC);
  if (HAS(j, DESCRIPTION))
    sqlite3_bind_text(s, 2, j->req.a.description.ptr, (int)j->req.a.description.len,
                      SQLITE_STATIC);
  else
    sqlite3_bind_text(s, 2, "", 0, SQLITE_STATIC);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 4, j->who.member_id);
  return ops_insert_and_pack(st, j, s, "area", sql_area_get, pack_area);
}

int ops_area_list_exec(store *st, job *j) {
  static const char sql[] = AREA_COLUMNS "ORDER BY a.name";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  return ops_pack_list(st, j, s, "areas", NULL, pack_area);
}

/* ---- observations ---- */

#define OBS_COLUMNS                                                                          \
  "SELECT o.id, a.name, o.kind, o.category, o.level, o.size, o.lat, o.lon, o.text, m.name,"  \
  " o.created, o.updated FROM observations o JOIN areas a ON a.id = o.area"                  \
  " LEFT JOIN members m ON m.id = o.author "

/* An observation as its result map shows it (strings borrowed, not NUL-terminated). */
typedef struct obs_view {
  int64_t id;
  sv_str area, kind, category, level, text, author;
  int64_t created, updated;
  bool has_size, located;
  int64_t size;
  double lat, lon;
} obs_view;

/* Pack an observation's result map: id, area, kind, category, level, text, author, time,
 * updated, then size and lat, lon when it has them. */
static void pack_obs_view(msgpack_packer *pk, const obs_view *o) {
  msgpack_pack_map(pk, 9 + (o->has_size ? 1 : 0) + (o->located ? 2 : 0));
  const struct {
    const char *key;
    const sv_str *v;
  } strs[] = {{"area", &o->area},   {"kind", &o->kind}, {"category", &o->category},
              {"level", &o->level}, {"text", &o->text}, {"author", &o->author}};
  sv_pack_str(pk, "id");
  msgpack_pack_int64(pk, o->id);
  for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) {
    sv_pack_str(pk, strs[i].key);
    sv_pack_strn(pk, strs[i].v->ptr ? strs[i].v->ptr : "", strs[i].v->len);
  }
  sv_pack_str(pk, "time");
  msgpack_pack_int64(pk, o->created);
  sv_pack_str(pk, "updated");
  msgpack_pack_int64(pk, o->updated);
  if (o->has_size) {
    sv_pack_str(pk, "size");
    msgpack_pack_int64(pk, o->size);
  }
  if (o->located) {
    sv_pack_str(pk, "lat");
    msgpack_pack_double(pk, o->lat);
    sv_pack_str(pk, "lon");
    msgpack_pack_double(pk, o->lon);
  }
}

/* Text column col of s as a borrowed string ("" for NULL). */
static sv_str col_str(sqlite3_stmt *s, int col) {
  const unsigned char *t = sqlite3_column_text(s, col);
  sv_str v = {t ? (const char *)t : "", t ? (size_t)sqlite3_column_bytes(s, col) : 0};
  return v;
}

/* ops_row_fn: the observation row s selects with OBS_COLUMNS. */
static void pack_obs(msgpack_packer *pk, sqlite3_stmt *s) {
  obs_view o = {
      .id = sqlite3_column_int64(s, 0),
      .area = col_str(s, 1),
      .kind = col_str(s, 2),
      .category = col_str(s, 3),
      .level = col_str(s, 4),
      .text = col_str(s, 8),
      .author = col_str(s, 9),
      .created = sqlite3_column_int64(s, 10),
      .updated = sqlite3_column_int64(s, 11),
      .has_size = sqlite3_column_type(s, 5) != SQLITE_NULL,
      .located = sqlite3_column_type(s, 6) != SQLITE_NULL &&
                 sqlite3_column_type(s, 7) != SQLITE_NULL,
      .size = sqlite3_column_int64(s, 5),
      .lat = sqlite3_column_double(s, 6),
      .lon = sqlite3_column_double(s, 7),
  };
  pack_obs_view(pk, &o);
}

static const char sql_obs_get[] = OBS_COLUMNS "WHERE o.id = ?";

int ops_obs_add_exec(store *st, job *j) {
  static const char sql_insert[] =
      "INSERT INTO observations(area, kind, category, level, size, lat, lon, text, author,"
      " created, updated) VALUES(?,?,?,?,?,?,?,?,?,?,?)";
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0 || check_near_area(st, j, area, 0) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  uint64_t now = util_unix_time();
  sqlite3_bind_text(s, 2, j->req.a.kind.ptr, (int)j->req.a.kind.len, SQLITE_STATIC);
  sqlite3_bind_text(s, 3, j->req.a.category.ptr, (int)j->req.a.category.len, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, j->req.a.level.ptr, (int)j->req.a.level.len, SQLITE_STATIC);
  if (HAS(j, SIZE)) sqlite3_bind_int64(s, 5, (sqlite3_int64)j->req.a.size);
  if (HAS(j, LAT)) {
    sqlite3_bind_double(s, 6, j->req.a.lat);
    sqlite3_bind_double(s, 7, j->req.a.lon);
  }
  sqlite3_bind_text(s, 8, j->req.a.text.ptr, (int)j->req.a.text.len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 9, j->who.member_id);
  sqlite3_bind_int64(s, 10, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 11, (sqlite3_int64)now);
  if (ops_step_done(st, j, s) != 0) return -1;
  area_middle_added(st, area, HAS(j, LAT), j->req.a.lat, j->req.a.lon);
  /* The result is the row as stored, packed from what was bound rather than read back: the
   * area name matched exactly, and the author is the caller (checked active in this batch). */
  obs_view o = {
      .id = sqlite3_last_insert_rowid(store_db(st)),
      .area = j->req.a.area,
      .kind = j->req.a.kind,
      .category = j->req.a.category,
      .level = j->req.a.level,
      .text = j->req.a.text,
      .author = {j->who.name, strlen(j->who.name)},
      .created = (int64_t)now,
      .updated = (int64_t)now,
      .has_size = HAS(j, SIZE),
      .located = HAS(j, LAT),
      .size = (int64_t)j->req.a.size,
      .lat = j->req.a.lat,
      .lon = j->req.a.lon,
  };
  snprintf(j->object, sizeof j->object, "observation:%lld", (long long)o.id);
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  pack_obs_view(&pk, &o);
  return 0;
}

int ops_obs_list_exec(store *st, job *j) {
  static const char sql[] = OBS_COLUMNS
      "WHERE o.area = ?1 AND o.withdrawn = 0 AND (?2 IS NULL OR o.kind = ?2)"
      " AND (?3 IS NULL OR o.category = ?3) AND o.created >= ?4 AND (o.level = 'area' OR ?5)"
      " ORDER BY o.created, o.id";
  sqlite3_stmt *s = area_stmt(st, j, sql);
  if (s == NULL) return -1;
  if (HAS(j, KIND)) sqlite3_bind_text(s, 2, j->req.a.kind.ptr, (int)j->req.a.kind.len, SQLITE_STATIC);
  if (HAS(j, CATEGORY))
    sqlite3_bind_text(s, 3, j->req.a.category.ptr, (int)j->req.a.category.len, SQLITE_STATIC);
  uint64_t since = HAS(j, SINCE) ? j->req.a.since : 0;
  sqlite3_bind_int64(s, 4, since > INT64_MAX ? INT64_MAX : (sqlite3_int64)since);
  sqlite3_bind_int(s, 5, j->alt.asked && j->alt.dec.permit);
  return ops_pack_list(st, j, s, "observations", j->req.a.area.ptr, pack_obs);
}

/* Load observation j->req.a.observation for a change by its author: sets the audit object,
 * settles the policy decision on its level, and checks authorship -- or, for a withdrawal
 * that states reason personal_data (override set), that the policy lets the caller manage data
 * of the observation's level (the audit entry then names that rule, and its object the
 * reason). *area receives the observation's area. Returns 0, or -1 with not_found (missing or
 * withdrawn), denied, or a storage error. */
static int obs_for_change(store *st, job *j, const obs_withdraw_plan *override, int64_t *area) {
  static const char sql[] =
      "SELECT level, author, withdrawn, area FROM observations WHERE id = ?";
  uint64_t id = j->req.a.observation;
  snprintf(j->object, sizeof j->object, "observation:%llu%s", (unsigned long long)id,
           override ? " reason:" WITHDRAW_REASON : "");
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  int level = -1;
  int64_t author = 0, withdrawn = 0;
  if (rc == SQLITE_ROW) {
    level = policy_level_parse((const char *)sqlite3_column_text(s, 0));
    author = sqlite3_column_int64(s, 1);
    withdrawn = sqlite3_column_int64(s, 2);
    *area = sqlite3_column_int64(s, 3);
  }
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc != SQLITE_ROW || withdrawn) {
    job_fail(j, SV_ERR_NOT_FOUND, "no observation %llu", (unsigned long long)id);
    return -1;
  }
  if (request_settle(j, level) != 0) return -1;
  if (author == j->who.member_id) return 0;
  if (override != NULL) {
    const decision *d =
        level == POLICY_LEVEL_GROUP ? &override->manage_group : &override->manage_area;
    if (d->permit) {
      request_apply(j, d); /* the entry names the rule that lets the caller do this */
      return 0;
    }
    job_deny(j, SV_ERR_DENIED, d->rule,
             "only the author of observation %llu may withdraw it; withdrawing another "
             "member's observation because it holds personal data is for the roles the policy "
             "lets manage area data (by default the coordinator)",
             (unsigned long long)id);
    return -1;
  }
  job_deny(j, SV_ERR_DENIED, "builtin: only the author changes an observation",
           "only the author of observation %llu may correct or withdraw it",
           (unsigned long long)id);
  return -1;
}

int ops_obs_update_exec(store *st, job *j) {
  static const char sql[] =
      "UPDATE observations SET text = coalesce(?1, text), category = coalesce(?2, category),"
      " size = coalesce(?3, size), lat = coalesce(?4, lat), lon = coalesce(?5, lon),"
      " updated = ?6 WHERE id = ?7";
  int64_t area = 0;
  if (obs_for_change(st, j, NULL, &area) != 0) return -1;
  if (check_near_area(st, j, area, (int64_t)j->req.a.observation) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  if (HAS(j, TEXT)) sqlite3_bind_text(s, 1, j->req.a.text.ptr, (int)j->req.a.text.len, SQLITE_STATIC);
  if (HAS(j, CATEGORY))
    sqlite3_bind_text(s, 2, j->req.a.category.ptr, (int)j->req.a.category.len, SQLITE_STATIC);
  if (HAS(j, SIZE)) sqlite3_bind_int64(s, 3, (sqlite3_int64)j->req.a.size);
  if (HAS(j, LAT)) {
    sqlite3_bind_double(s, 4, j->req.a.lat);
    sqlite3_bind_double(s, 5, j->req.a.lon);
  }
  sqlite3_bind_int64(s, 6, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 7, (sqlite3_int64)j->req.a.observation);
  if (ops_step_done(st, j, s) != 0) return -1;
  return ops_pack_by_id(st, j, sql_obs_get, (sqlite3_int64)j->req.a.observation, pack_obs);
}

int ops_obs_withdraw_exec(store *st, job *j) {
  /* The text and the place go (the store overwrites deleted content: secure_delete, and
   * empties the write-ahead log after the commit); what remains says only that an observation
   * of this kind, category and level existed, until its class's retention deletes it. */
  static const char sql[] = "UPDATE observations SET withdrawn = ?1, updated = ?1, text = '',"
                            " lat = NULL, lon = NULL WHERE id = ?2";
  int64_t area = 0;
  if (obs_for_change(st, j, HAS(j, REASON) ? j->op_data : NULL, &area) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  uint64_t now = util_unix_time();
  sqlite3_bind_int64(s, 1, (sqlite3_int64)(now ? now : 1));
  sqlite3_bind_int64(s, 2, (sqlite3_int64)j->req.a.observation);
  if (ops_step_done(st, j, s) != 0) return -1;
  store_scrub(st);
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 3);
  sv_pack_str(&pk, "id");
  msgpack_pack_uint64(&pk, j->req.a.observation);
  sv_pack_str(&pk, "withdrawn");
  msgpack_pack_true(&pk);
  sv_pack_str(&pk, "time");
  msgpack_pack_uint64(&pk, now);
  return 0;
}

/* ---- interventions ---- */

/* An intervention's map; :now and :core are bound by iv_bind (overdue, and whether a
 * core-track meeting's decision may show its meeting). */
#define IV_COLUMNS                                                                           \
  "SELECT i.id, a.name, i.level, i.step, i.status, i.text, m.name, i.created, i.updated,"    \
  " o.name, i.outcome, i.due, (i.due IS NOT NULL AND i.due < :now AND i.status IN"           \
  " ('planned', 'running')), CASE WHEN i.meeting_track = 'area' OR :core THEN i.meeting END," \
  " i.meeting_track, i.size FROM interventions i JOIN areas a ON a.id = i.area"             \
  " LEFT JOIN members m ON m.id = i.author LEFT JOIN members o ON o.id = i.owner"           \
  " AND o.revoked = 0 "

static void pack_iv(msgpack_packer *pk, sqlite3_stmt *s) {
  bool due = sqlite3_column_type(s, 11) != SQLITE_NULL;
  bool meeting = sqlite3_column_type(s, 13) != SQLITE_NULL;
  bool size = sqlite3_column_type(s, 15) != SQLITE_NULL;
  msgpack_pack_map(pk, 12 + due + 2 * meeting + size);
  ops_pack_kv_int(pk, "id", s, 0);
  ops_pack_kv_str(pk, "area", s, 1);
  ops_pack_kv_str(pk, "level", s, 2);
  ops_pack_kv_str(pk, "step", s, 3);
  ops_pack_kv_str(pk, "status", s, 4);
  ops_pack_kv_str(pk, "text", s, 5);
  ops_pack_kv_str(pk, "author", s, 6);
  ops_pack_kv_int(pk, "time", s, 7);
  ops_pack_kv_int(pk, "updated", s, 8);
  ops_pack_kv_str(pk, "owner", s, 9);
  ops_pack_kv_str(pk, "outcome", s, 10);
  sv_pack_str(pk, "overdue");
  if (sqlite3_column_int(s, 12))
    msgpack_pack_true(pk);
  else
    msgpack_pack_false(pk);
  if (due) ops_pack_kv_int(pk, "due", s, 11);
  if (meeting) {
    ops_pack_kv_int(pk, "meeting", s, 13);
    ops_pack_kv_str(pk, "track", s, 14);
  }
  if (size) ops_pack_kv_int(pk, "size", s, 15);
}

/* Bind :now and :core of an IV_COLUMNS statement. */
static void iv_bind(sqlite3_stmt *s, bool see_core) {
  sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":now"), (sqlite3_int64)util_unix_time());
  sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":core"), see_core);
}

static const char sql_iv_get[] = IV_COLUMNS "WHERE i.id = :id";

int ops_iv_pack(store *st, job *j, msgpack_packer *pk, int64_t id, bool see_core) {
  sqlite3_stmt *s = store_stmt(st, sql_iv_get);
  if (s == NULL) return ops_storage_error(st, j);
  iv_bind(s, see_core);
  sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":id"), id);
  int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) pack_iv(pk, s);
  sqlite3_reset(s);
  return rc == SQLITE_ROW ? 0 : ops_storage_error(st, j);
}

/* The intervention id as j's result. */
static int iv_result(store *st, job *j, int64_t id) {
  const iv_plan *p = j->op_data;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  return ops_iv_pack(st, j, &pk, id, p && p->see_core);
}

int64_t ops_iv_insert(store *st, job *j, const ops_iv_new *v) {
  static const char sql_insert[] =
      "INSERT INTO interventions(area, level, step, status, text, author, created, updated,"
      " owner, due, meeting, meeting_track, size) VALUES(?,?,?,'planned',?,?,?,?,?,?,?,?,?)";
  sqlite3_stmt *s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  uint64_t now = util_unix_time();
  sqlite3_bind_int64(s, 1, v->area);
  sqlite3_bind_text(s, 2, v->level, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 3, v->step, -1, SQLITE_STATIC);
  sqlite3_bind_text(s, 4, v->text->ptr, (int)v->text->len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 5, j->who.member_id);
  sqlite3_bind_int64(s, 6, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 8, v->owner ? v->owner : j->who.member_id);
  if (v->due) sqlite3_bind_int64(s, 9, (sqlite3_int64)v->due);
  if (v->meeting) {
    sqlite3_bind_int64(s, 10, (sqlite3_int64)v->meeting);
    sqlite3_bind_text(s, 11, v->meeting_core ? "core" : "area", -1, SQLITE_STATIC);
  }
  if (v->size) sqlite3_bind_int64(s, 12, (sqlite3_int64)v->size);
  if (ops_step_done(st, j, s) != 0) return -1;
  int64_t id = sqlite3_last_insert_rowid(store_db(st));
  snprintf(j->object, sizeof j->object, "intervention:%lld", (long long)id);
  return id;
}

int ops_iv_add_exec(store *st, job *j) {
  const iv_plan *p = j->op_data;
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  ops_iv_new v = {.area = area, .level = j->req.a.level.ptr, .step = j->req.a.step.ptr,
                  .text = &j->req.a.text, .owner = p->owner,
                  .due = HAS(j, DUE) ? j->req.a.due : 0,
                  .size = HAS(j, SIZE) ? j->req.a.size : 0};
  int64_t id = ops_iv_insert(st, j, &v);
  return id <= 0 ? -1 : iv_result(st, j, id);
}

int ops_iv_list_exec(store *st, job *j) {
  static const char sql[] = IV_COLUMNS
      "WHERE (:area IS NULL OR i.area = :area) AND (:status IS NULL OR i.status = :status)"
      " AND (NOT :overdue OR (i.due IS NOT NULL AND i.due < :now AND i.status IN"
      " ('planned', 'running'))) ORDER BY a.name, i.created, i.id";
  const iv_plan *p = j->op_data;
  int64_t area = 0;
  if (HAS(j, AREA) && (area = ops_area_id(st, j, &j->req.a.area)) <= 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  iv_bind(s, p->see_core);
  if (area) sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":area"), area);
  if (HAS(j, STATUS))
    sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":status"), j->req.a.status.ptr,
                      (int)j->req.a.status.len, SQLITE_STATIC);
  sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":overdue"), HAS(j, OVERDUE) && j->req.a.overdue);
  return ops_pack_list(st, j, s, "interventions", HAS(j, AREA) ? j->req.a.area.ptr : NULL, pack_iv);
}

int ops_iv_update_exec(store *st, job *j) {
  static const char sql_get[] = "SELECT level, owner FROM interventions WHERE id = ?";
  static const char sql_update[] =
      "UPDATE interventions SET status = coalesce(?1, status), owner = coalesce(?2, owner),"
      " due = CASE WHEN ?3 THEN nullif(?4, 0) ELSE due END, outcome = coalesce(?5, outcome),"
      " updated = ?6 WHERE id = ?7";
  const iv_plan *p = j->op_data;
  uint64_t id = j->req.a.intervention;
  snprintf(j->object, sizeof j->object, "intervention:%llu", (unsigned long long)id);
  sqlite3_stmt *s = store_stmt(st, sql_get);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  int level = rc == SQLITE_ROW ? policy_level_parse((const char *)sqlite3_column_text(s, 0)) : -1;
  int64_t owner = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (rc != SQLITE_ROW) {
    job_fail(j, SV_ERR_NOT_FOUND, "no intervention %llu", (unsigned long long)id);
    return -1;
  }
  if (request_settle(j, level) != 0) return -1;
  if (owner != j->who.member_id && !p->core_team) {
    job_deny(j, SV_ERR_DENIED, "builtin: only the owner or the core team changes an intervention",
             "only the owner of intervention %llu or the core team may change it",
             (unsigned long long)id);
    return -1;
  }
  s = store_stmt(st, sql_update);
  if (s == NULL) return ops_storage_error(st, j);
  if (HAS(j, STATUS))
    sqlite3_bind_text(s, 1, j->req.a.status.ptr, (int)j->req.a.status.len, SQLITE_STATIC);
  if (p->owner) sqlite3_bind_int64(s, 2, p->owner);
  sqlite3_bind_int(s, 3, HAS(j, DUE));
  sqlite3_bind_int64(s, 4, HAS(j, DUE) ? (sqlite3_int64)j->req.a.due : 0);
  if (HAS(j, OUTCOME))
    sqlite3_bind_text(s, 5, j->req.a.outcome.ptr, (int)j->req.a.outcome.len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 6, (sqlite3_int64)util_unix_time());
  sqlite3_bind_int64(s, 7, (sqlite3_int64)id);
  if (ops_step_done(st, j, s) != 0) return -1;
  return iv_result(st, j, (int64_t)id);
}
