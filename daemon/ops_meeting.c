/* ops_meeting.c -- meetings in two tracks: the area meeting with partners (class meeting, area
 * level) and the core team's own (class core-meeting, a regime class; its minutes are
 * end-to-end encrypted envelopes): meeting.add, .list, .show, .item, .minutes, .decide, .draft.
 * The two tracks number their meetings separately, so nothing of the core track shows in the
 * area track's numbers. */
#include "ops_meeting.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "ops.h"
#include "ops_area.h"
#include "ops_guard.h"
#include "ops_link.h"
#include "ops_note.h"
#include "util.h"

#define HAS OPS_HAS
#define MEETING_ITEMS_MAX 200        /* agenda items of one meeting */
#define DRAFT_DUE_AHEAD (14 * 86400) /* "due soon": within 14 days */

/* What prepare decided, for exec (j->op_data). */
typedef struct meeting_plan {
  bool core;          /* the request's track */
  bool see_core;      /* the caller may read core-track meetings (lists, draft, decisions) */
  bool see_group;     /* ... group-level data (drafts) */
  bool see_concerns;  /* ... concerns (core-track drafts) */
  size_t nattendees;
  int64_t attendee[SV_STRS_MAX];
  int64_t owner;      /* meeting.decide: the intervention's owner */
  note_vetted env;    /* meeting.minutes, core track: the envelope's header and recipients */
} meeting_plan;

static const char *track_name(bool core) { return core ? "core" : "area"; }

/* Allocate j's plan and read the track (see ops_guard_track). Returns it, or NULL with j's
 * error set. */
static meeting_plan *plan_new(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = ops_op_data(j, sizeof *p);
  if (p == NULL) return NULL;
  if (ops_guard_track(j, &p->core, level) != 0) return NULL;
  p->see_core = ops_guard_may(ctx, j, "read", "core-meeting", POLICY_LEVEL_NONE);
  return p;
}

/* The audit object of meeting id of the request's track. */
static void meeting_object(job *j, bool core, uint64_t id) {
  snprintf(j->object, sizeof j->object, "%s:%llu", core ? "core-meeting" : "meeting",
           (unsigned long long)id);
}

/* ---- loop thread ------------------------------------------------------------------------- */

int ops_meeting_add_prepare(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = plan_new(ctx, j, level);
  if (p == NULL) return -1;
  if (ops_guard_label(j, "area", &j->req.a.area) != 0 ||
      ops_guard_time(j, "time", j->req.a.time) != 0 ||
      (HAS(j, TITLE) && j->req.a.title.len > 0 && ops_guard_label(j, "title", &j->req.a.title)))
    return -1;
  for (size_t i = 0; HAS(j, AGENDA) && i < j->req.a.agenda.n; i++)
    if (ops_guard_text(ctx, j, "agenda item", &j->req.a.agenda.v[i], false) != 0) return -1;
  for (size_t i = 0; HAS(j, ATTENDEES) && i < j->req.a.attendees.n; i++) {
    const dir_member *m = ops_guard_member(ctx, j, "attendee", &j->req.a.attendees.v[i]);
    if (m == NULL) return -1;
    for (size_t k = 0; k < p->nattendees; k++)
      if (p->attendee[k] == m->id) {
        job_fail(j, SV_ERR_INVALID, "attendee %s is named twice", m->name);
        return -1;
      }
    p->attendee[p->nattendees++] = m->id;
    if (!p->core) continue;
    /* Individuals may be discussed in the core track: every attendee must be one who may read
     * it, inside the regime. */
    rq_question q = {.role = m->role, .action = "read", .klass = "core-meeting",
                     .level = POLICY_LEVEL_NONE, .recipient = true};
    decision d;
    request_authorize(ctx, &q, &d);
    if (!d.permit) {
      job_deny(j, SV_ERR_DENIED, d.rule,
               "attendee %s (role %s) may not take part in a core-track meeting", m->name,
               m->role);
      return -1;
    }
  }
  return 0;
}

int ops_meeting_list_prepare(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = plan_new(ctx, j, level);
  if (p == NULL) return -1;
  if (HAS(j, AREA) && ops_guard_label(j, "area", &j->req.a.area) != 0) return -1;
  return 0;
}

int ops_meeting_show_prepare(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = plan_new(ctx, j, level);
  if (p == NULL) return -1;
  meeting_object(j, p->core, j->req.a.meeting);
  return 0;
}

int ops_meeting_item_prepare(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = plan_new(ctx, j, level);
  if (p == NULL) return -1;
  meeting_object(j, p->core, j->req.a.meeting);
  return ops_guard_text(ctx, j, "agenda item", &j->req.a.text, false);
}

int ops_meeting_minutes_prepare(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = plan_new(ctx, j, level);
  if (p == NULL) return -1;
  meeting_object(j, p->core, j->req.a.meeting);
  if (!p->core) {
    if (!HAS(j, TEXT) || HAS(j, ENVELOPE)) {
      job_fail(j, SV_ERR_INVALID, "an area meeting's minutes are text: give \"text\", not "
                                  "\"envelope\"");
      return -1;
    }
    return ops_guard_text(ctx, j, "minutes", &j->req.a.text, false);
  }
  /* Someone who may not change core-track meetings learns nothing from the envelope's fate:
   * the caller's own question (update core-meeting) answers first. */
  if (!ops_guard_may(ctx, j, "update", "core-meeting", POLICY_LEVEL_NONE)) return 0;
  if (!HAS(j, ENVELOPE) || HAS(j, TEXT)) {
    job_fail(j, SV_ERR_INVALID, "a core-track meeting's minutes are an encrypted envelope: "
                                "give \"envelope\", not \"text\"");
    return -1;
  }
  /* Individuals are discussed here: the minutes are an individual-class envelope, sent by the
   * caller (who must be allowed to send it with its purpose) to recipients who may receive it;
   * exec checks that they are the meeting's attendees. */
  if (ops_note_parse(ctx, j, &j->req.a.envelope, "individual", &p->env) != 0) return -1;
  if (!p->env.h.purpose[0]) {
    job_fail(j, SV_ERR_INVALID, "the minutes' envelope states no purpose; give a declared one");
    return -1;
  }
  if (ops_note_check(ctx, j, &j->req.a.envelope, "receive", POLICY_LEVEL_INDIVIDUAL, &p->env))
    return -1;
  rq_question q = {.role = j->who.role, .action = "send", .klass = "individual",
                   .level = POLICY_LEVEL_INDIVIDUAL, .purpose = p->env.h.purpose};
  decision d;
  request_authorize(ctx, &q, &d);
  if (!d.permit) {
    job_deny(j, SV_ERR_DENIED, d.rule, "you may not send individual data with purpose %s",
             p->env.h.purpose);
    return -1;
  }
  return 0;
}

int ops_meeting_decide_prepare(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = plan_new(ctx, j, level);
  if (p == NULL) return -1;
  bool core = p->core;
  /* The decision creates an intervention: that is the caller's own question. */
  snprintf(j->klass, sizeof j->klass, "intervention");
  *level = POLICY_LEVEL_AREA;
  if (HAS(j, LEVEL)) {
    int lv = policy_level_parse(j->req.a.level.ptr);
    if (lv != POLICY_LEVEL_AREA && lv != POLICY_LEVEL_GROUP && lv != POLICY_LEVEL_INDIVIDUAL) {
      job_fail(j, SV_ERR_BAD_REQUEST, "level must be \"area\" or \"group\"");
      return -1;
    }
    *level = lv;
  }
  /* And it changes the meeting. */
  rq_question q = {.role = j->who.role, .action = "update",
                   .klass = core ? "core-meeting" : "meeting",
                   .level = core ? POLICY_LEVEL_NONE : POLICY_LEVEL_AREA};
  decision d;
  request_authorize(ctx, &q, &d);
  if (!d.permit) {
    job_deny(j, SV_ERR_DENIED, d.rule, "you may not record decisions of this meeting");
    return -1;
  }
  if (*level == POLICY_LEVEL_INDIVIDUAL) {
    job_fail(j, SV_ERR_PERSONAL_DATA, "an intervention is about areas and groups; information "
                                      "about individuals belongs in a restricted note");
    return -1;
  }
  if (ops_iv_check(ctx, j, HAS(j, STEP) ? &j->req.a.step : NULL) != 0) return -1;
  if (ops_guard_group_size(ctx, j, *level == POLICY_LEVEL_GROUP, "intervention") != 0) return -1;
  p->owner = j->who.member_id;
  return ops_iv_owner_due(ctx, j, &p->owner);
}

int ops_meeting_draft_prepare(rq_ctx *ctx, job *j, int *level) {
  meeting_plan *p = plan_new(ctx, j, level);
  if (p == NULL) return -1;
  p->see_group = ops_guard_may(ctx, j, "read", "group", POLICY_LEVEL_GROUP);
  p->see_concerns = p->core && ops_guard_may(ctx, j, "read", "concern", POLICY_LEVEL_NONE);
  return ops_guard_label(j, "area", &j->req.a.area);
}

/* ---- storage thread ---------------------------------------------------------------------- */

static const char sql_meeting[] =
    "SELECT m.id, a.name, m.time, m.title, au.name, m.created, m.updated, m.minutes_text,"
    " m.minutes_envelope, mu.name, m.minutes_time FROM meetings m JOIN areas a ON a.id = m.area"
    " LEFT JOIN members au ON au.id = m.author LEFT JOIN members mu ON mu.id = m.minutes_author"
    " WHERE m.track = ? AND m.id = ?";
static const char sql_attendees[] =
    "SELECT x.name FROM meeting_attendees t JOIN members x ON x.id = t.member"
    " WHERE t.track = ? AND t.meeting = ? ORDER BY t.pos";
static const char sql_items[] =
    "SELECT i.n, i.text, x.name, i.created, i.observation, i.intervention FROM meeting_items i"
    " LEFT JOIN members x ON x.id = i.author WHERE i.track = ? AND i.meeting = ? ORDER BY i.n";
static const char sql_decisions[] =
    "SELECT id FROM interventions WHERE meeting_track = ? AND meeting = ? ORDER BY id";

/* Run s (bound with track and meeting as 1 and 2) and pack its rows into an array with fn.
 * Returns 0 or -1 (storage error set). */
static int pack_sub(store *st, job *j, msgpack_packer *pk, const char *sql, bool core,
                    int64_t id, void (*fn)(msgpack_packer *, sqlite3_stmt *)) {
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, track_name(core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, id);
  uint32_t n = 0;
  int rc;
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) n++;
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) return ops_storage_error(st, j);
  msgpack_pack_array(pk, n);
  while (n-- > 0 && sqlite3_step(s) == SQLITE_ROW) fn(pk, s);
  sqlite3_reset(s);
  return 0;
}

static void pack_name(msgpack_packer *pk, sqlite3_stmt *s) { ops_pack_col_str(pk, s, 0); }
static void pack_id(msgpack_packer *pk, sqlite3_stmt *s) {
  msgpack_pack_int64(pk, sqlite3_column_int64(s, 0));
}

static void pack_item(msgpack_packer *pk, sqlite3_stmt *s) {
  bool obs = sqlite3_column_type(s, 4) != SQLITE_NULL, iv = sqlite3_column_type(s, 5) != SQLITE_NULL;
  msgpack_pack_map(pk, 4 + obs + iv);
  ops_pack_kv_int(pk, "n", s, 0);
  ops_pack_kv_str(pk, "text", s, 1);
  ops_pack_kv_str(pk, "author", s, 2);
  ops_pack_kv_int(pk, "time", s, 3);
  if (obs) ops_pack_kv_int(pk, "observation", s, 4);
  if (iv) ops_pack_kv_int(pk, "intervention", s, 5);
}

/* Pack meeting (core, id) with pk as the meeting map, with the minutes themselves when content.
 * Returns 1 when packed, 0 when there is no such meeting (nothing packed), -1 on a storage
 * error (set on j). */
static int pack_meeting(store *st, job *j, msgpack_packer *pk, bool core, int64_t id,
                        bool content) {
  sqlite3_stmt *s = store_stmt(st, sql_meeting);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, track_name(core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, id);
  int rc = sqlite3_step(s);
  if (rc != SQLITE_ROW) {
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : ops_storage_error(st, j);
  }
  msgpack_pack_map(pk, 12);
  ops_pack_kv_int(pk, "id", s, 0);
  sv_pack_str(pk, "track");
  sv_pack_str(pk, track_name(core));
  ops_pack_kv_str(pk, "area", s, 1);
  ops_pack_kv_int(pk, "time", s, 2);
  ops_pack_kv_str(pk, "title", s, 3);
  int r = 0;
  sv_pack_str(pk, "attendees");
  if (r == 0) r = pack_sub(st, j, pk, sql_attendees, core, id, pack_name);
  sv_pack_str(pk, "agenda");
  if (r == 0) r = pack_sub(st, j, pk, sql_items, core, id, pack_item);
  sv_pack_str(pk, "decisions");
  if (r == 0) r = pack_sub(st, j, pk, sql_decisions, core, id, pack_id);
  sv_pack_str(pk, "minutes");
  if (sqlite3_column_type(s, 10) == SQLITE_NULL) {
    msgpack_pack_nil(pk);
  } else {
    bool text = sqlite3_column_type(s, 7) != SQLITE_NULL;
    msgpack_pack_map(pk, content ? 3 : 2);
    ops_pack_kv_str(pk, "author", s, 9);
    ops_pack_kv_int(pk, "time", s, 10);
    if (content && text) {
      ops_pack_kv_str(pk, "text", s, 7);
    } else if (content) {
      sv_pack_str(pk, "envelope");
      sv_pack_bin(pk, sqlite3_column_blob(s, 8), (size_t)sqlite3_column_bytes(s, 8));
    }
  }
  ops_pack_kv_str(pk, "author", s, 4);
  ops_pack_kv_int(pk, "created", s, 5);
  ops_pack_kv_int(pk, "updated", s, 6);
  sqlite3_reset(s);
  return r == 0 ? 1 : -1;
}

/* Pack meeting (core, id) as j's result. Returns 0, or -1 (not_found or a storage error). */
static int result_meeting(store *st, job *j, bool core, int64_t id, bool content) {
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  int r = pack_meeting(st, j, &pk, core, id, content);
  if (r == 0) {
    msgpack_sbuffer_clear(&j->result);
    job_fail(j, SV_ERR_NOT_FOUND, "no %s %s%lld", core ? "core-track meeting" : "meeting",
             core ? "K" : "#", (long long)id);
  }
  return r == 1 ? 0 : -1;
}

/* The area of meeting (core, id): > 0, or 0 (not_found set) / -1 (storage error). */
static int64_t meeting_area(store *st, job *j, bool core, uint64_t id) {
  static const char sql[] = "SELECT area FROM meetings WHERE track = ? AND id = ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, track_name(core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  int64_t area = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (area == 0)
    job_fail(j, SV_ERR_NOT_FOUND, "no %s %s%llu", core ? "core-track meeting" : "meeting",
             core ? "K" : "#", (unsigned long long)id);
  return area;
}

/* Mark meeting (core, id) changed now. */
static int touch(store *st, job *j, bool core, uint64_t id) {
  static const char sql[] = "UPDATE meetings SET updated = ? WHERE track = ? AND id = ?";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, (sqlite3_int64)util_unix_time());
  sqlite3_bind_text(s, 2, track_name(core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)id);
  return ops_step_done(st, j, s);
}

/* Append agenda item text to meeting (core, id) as number n. */
static int insert_item(store *st, job *j, bool core, int64_t id, int64_t n, const sv_str *text,
                       uint64_t obs, uint64_t iv) {
  static const char sql[] =
      "INSERT INTO meeting_items(track, meeting, n, text, observation, intervention, author,"
      " created) VALUES(?,?,?,?,?,?,?,?)";
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, track_name(core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, id);
  sqlite3_bind_int64(s, 3, n);
  sqlite3_bind_text(s, 4, text->ptr, (int)text->len, SQLITE_STATIC);
  if (obs) sqlite3_bind_int64(s, 5, (sqlite3_int64)obs);
  if (iv) sqlite3_bind_int64(s, 6, (sqlite3_int64)iv);
  sqlite3_bind_int64(s, 7, j->who.member_id);
  sqlite3_bind_int64(s, 8, (sqlite3_int64)util_unix_time());
  return ops_step_done(st, j, s);
}

int ops_meeting_add_exec(store *st, job *j) {
  static const char sql_next[] = "SELECT coalesce(max(id), 0) + 1 FROM meetings WHERE track = ?";
  static const char sql_insert[] =
      "INSERT INTO meetings(track, id, area, time, title, author, created, updated)"
      " VALUES(?,?,?,?,?,?,?,?)";
  static const char sql_attend[] =
      "INSERT INTO meeting_attendees(track, meeting, pos, member) VALUES(?,?,?,?)";
  const meeting_plan *p = j->op_data;
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql_next);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, track_name(p->core), -1, SQLITE_STATIC);
  int64_t id = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  if (id <= 0) return ops_storage_error(st, j);
  meeting_object(j, p->core, (uint64_t)id);
  uint64_t now = util_unix_time();
  s = store_stmt(st, sql_insert);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, track_name(p->core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, id);
  sqlite3_bind_int64(s, 3, area);
  sqlite3_bind_int64(s, 4, (sqlite3_int64)j->req.a.time);
  if (HAS(j, TITLE))
    sqlite3_bind_text(s, 5, j->req.a.title.ptr, (int)j->req.a.title.len, SQLITE_STATIC);
  else
    sqlite3_bind_text(s, 5, "", 0, SQLITE_STATIC);
  sqlite3_bind_int64(s, 6, j->who.member_id);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 8, (sqlite3_int64)now);
  if (ops_step_done(st, j, s) != 0) return -1;
  for (size_t i = 0; i < p->nattendees; i++) {
    s = store_stmt(st, sql_attend);
    if (s == NULL) return ops_storage_error(st, j);
    sqlite3_bind_text(s, 1, track_name(p->core), -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)i);
    sqlite3_bind_int64(s, 4, p->attendee[i]);
    if (ops_step_done(st, j, s) != 0) return -1;
  }
  for (size_t i = 0; HAS(j, AGENDA) && i < j->req.a.agenda.n; i++)
    if (insert_item(st, j, p->core, id, (int64_t)i + 1, &j->req.a.agenda.v[i], 0, 0) != 0)
      return -1;
  return result_meeting(st, j, p->core, id, true);
}

/* A row (track, id) of the meeting list as its meeting map (without the minutes). */
static int meeting_row(void *ctx, msgpack_packer *pk, sqlite3_stmt *s) {
  ops_row_job *c = ctx;
  bool core = strcmp((const char *)sqlite3_column_text(s, 0), "core") == 0;
  return pack_meeting(c->st, c->j, pk, core, sqlite3_column_int64(s, 1), false) == 1 ? 0 : -1;
}

int ops_meeting_list_exec(store *st, job *j) {
  static const char sql[] =
      "SELECT track, id FROM meetings WHERE (:area IS NULL OR area = :area)"
      " AND (:track IS NULL OR track = :track) AND (track = 'area' OR :core) AND time >= :since"
      " ORDER BY time, track, id";
  const meeting_plan *p = j->op_data;
  int64_t area = 0;
  if (HAS(j, AREA) && (area = ops_area_id(st, j, &j->req.a.area)) <= 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  if (area) sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":area"), area);
  if (HAS(j, TRACK))
    sqlite3_bind_text(s, sqlite3_bind_parameter_index(s, ":track"), track_name(p->core), -1,
                      SQLITE_STATIC);
  /* Without a track, the core track is listed only to those who may read it. With track
   * "core" the caller's own decision was already asked as read core-meeting. */
  sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":core"), p->see_core || HAS(j, TRACK));
  uint64_t since = HAS(j, SINCE) ? j->req.a.since : 0;
  sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":since"),
                     since > INT64_MAX ? INT64_MAX : (sqlite3_int64)since);
  ops_row_job rc_ = {st, j};
  msgpack_sbuffer items;
  msgpack_sbuffer_init(&items);
  uint32_t n;
  bool truncated;
  int rc = ops_pack_rows(st, j, s, meeting_row, &rc_, &items, ops_list_limit(st), &n, &truncated);
  if (rc == 0)
    ops_result_list(j, "meetings", area ? j->req.a.area.ptr : NULL, &items, n, truncated);
  msgpack_sbuffer_destroy(&items);
  return rc;
}

int ops_meeting_show_exec(store *st, job *j) {
  const meeting_plan *p = j->op_data;
  uint64_t id = j->req.a.meeting;
  return result_meeting(st, j, p->core, id > INT64_MAX ? -1 : (int64_t)id, true);
}

/* Does object id of table (observations or interventions) exist in area (withdrawn
 * observations do not)? 0 yes, -1 with not_found or invalid set. */
static int ref_in_area(store *st, job *j, bool obs, uint64_t id, int64_t area) {
  static const char sql_obs[] = "SELECT area FROM observations WHERE id = ? AND withdrawn = 0";
  static const char sql_iv[] = "SELECT area FROM interventions WHERE id = ?";
  sqlite3_stmt *s = store_stmt(st, obs ? sql_obs : sql_iv);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, id > INT64_MAX ? -1 : (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  int64_t got = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  if (got == 0) {
    job_fail(j, SV_ERR_NOT_FOUND, "no %s %llu", obs ? "observation" : "intervention",
             (unsigned long long)id);
    return -1;
  }
  if (got != area) {
    job_fail(j, SV_ERR_INVALID, "%s %llu is in another area than the meeting",
             obs ? "observation" : "intervention", (unsigned long long)id);
    return -1;
  }
  return 0;
}

int ops_meeting_item_exec(store *st, job *j) {
  static const char sql_count[] =
      "SELECT count(*), coalesce(max(n), 0) FROM meeting_items WHERE track = ? AND meeting = ?";
  const meeting_plan *p = j->op_data;
  uint64_t id = j->req.a.meeting;
  int64_t area = meeting_area(st, j, p->core, id);
  if (area <= 0) return -1;
  if (HAS(j, OBSERVATION) && ref_in_area(st, j, true, j->req.a.observation, area) != 0) return -1;
  if (HAS(j, INTERVENTION) && ref_in_area(st, j, false, j->req.a.intervention, area) != 0)
    return -1;
  sqlite3_stmt *s = store_stmt(st, sql_count);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_text(s, 1, track_name(p->core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, (sqlite3_int64)id);
  int rc = sqlite3_step(s);
  int64_t count = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  int64_t last = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
  sqlite3_reset(s);
  if (rc != SQLITE_ROW) return ops_storage_error(st, j);
  if (count >= MEETING_ITEMS_MAX) {
    job_fail(j, SV_ERR_TOO_LARGE, "a meeting has at most %d agenda items", MEETING_ITEMS_MAX);
    return -1;
  }
  if (insert_item(st, j, p->core, (int64_t)id, last + 1, &j->req.a.text,
                  HAS(j, OBSERVATION) ? j->req.a.observation : 0,
                  HAS(j, INTERVENTION) ? j->req.a.intervention : 0) != 0 ||
      touch(st, j, p->core, id) != 0)
    return -1;
  return result_meeting(st, j, p->core, (int64_t)id, true);
}

/* Core track: every recipient of the minutes, and the caller, must be an attendee; the
 * envelope's area, when it names one, the meeting's. Returns 0, or -1 with j refused. */
static int minutes_recipients(store *st, job *j, const meeting_plan *p, uint64_t id,
                              int64_t area) {
  static const char sql_att[] =
      "SELECT 1 FROM meeting_attendees WHERE track = 'core' AND meeting = ? AND member = ?";
  static const char sql_area[] = "SELECT name FROM areas WHERE id = ?";
  for (size_t i = 0; i <= p->env.n; i++) {
    int64_t member = i < p->env.n ? p->env.member[i] : j->who.member_id;
    sqlite3_stmt *s = store_stmt(st, sql_att);
    if (s == NULL) return ops_storage_error(st, j);
    sqlite3_bind_int64(s, 1, (sqlite3_int64)id);
    sqlite3_bind_int64(s, 2, member);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW) continue;
    if (rc != SQLITE_DONE) return ops_storage_error(st, j);
    if (i == p->env.n)
      job_deny(j, SV_ERR_DENIED, "builtin: minutes are written by an attendee",
               "only an attendee of K%llu may write its minutes", (unsigned long long)id);
    else
      job_deny(j, SV_ERR_DENIED, "builtin: minutes go to the meeting's attendees only",
               "recipient %s is not an attendee of K%llu", p->env.keyid[i],
               (unsigned long long)id);
    return -1;
  }
  if (p->env.h.area[0]) {
    sqlite3_stmt *s = store_stmt(st, sql_area);
    if (s == NULL) return ops_storage_error(st, j);
    sqlite3_bind_int64(s, 1, area);
    bool same = sqlite3_step(s) == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(s, 0), p->env.h.area) == 0;
    sqlite3_reset(s);
    if (!same) {
      job_fail(j, SV_ERR_INVALID, "the envelope names area '%s', not the meeting's",
               p->env.h.area);
      return -1;
    }
  }
  return 0;
}

int ops_meeting_minutes_exec(store *st, job *j) {
  static const char sql[] =
      "UPDATE meetings SET minutes_text = ?, minutes_envelope = ?, minutes_author = ?,"
      " minutes_time = ?, updated = ? WHERE track = ? AND id = ?";
  const meeting_plan *p = j->op_data;
  uint64_t id = j->req.a.meeting;
  int64_t area = meeting_area(st, j, p->core, id);
  if (area <= 0) return -1;
  if (p->core && minutes_recipients(st, j, p, id, area) != 0) return -1;
  sqlite3_stmt *s = store_stmt(st, sql);
  if (s == NULL) return ops_storage_error(st, j);
  uint64_t now = util_unix_time();
  if (p->core)
    sqlite3_bind_blob(s, 2, j->req.a.envelope.ptr, (int)j->req.a.envelope.len, SQLITE_STATIC);
  else
    sqlite3_bind_text(s, 1, j->req.a.text.ptr, (int)j->req.a.text.len, SQLITE_STATIC);
  sqlite3_bind_int64(s, 3, j->who.member_id);
  sqlite3_bind_int64(s, 4, (sqlite3_int64)now);
  sqlite3_bind_int64(s, 5, (sqlite3_int64)now);
  sqlite3_bind_text(s, 6, track_name(p->core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 7, (sqlite3_int64)id);
  if (ops_step_done(st, j, s) != 0) return -1;
  return result_meeting(st, j, p->core, (int64_t)id, true);
}

int ops_meeting_decide_exec(store *st, job *j) {
  const meeting_plan *p = j->op_data;
  uint64_t id = j->req.a.meeting;
  int64_t area = meeting_area(st, j, p->core, id);
  if (area <= 0) return -1;
  ops_iv_new iv = {
      .area = area,
      .level = HAS(j, LEVEL) ? j->req.a.level.ptr : "area",
      .step = HAS(j, STEP) ? j->req.a.step.ptr : "act",
      .text = &j->req.a.text,
      .owner = p->owner,
      .due = HAS(j, DUE) ? j->req.a.due : 0,
      .size = HAS(j, SIZE) ? j->req.a.size : 0,
      .meeting = id,
      .meeting_core = p->core,
  };
  int64_t iv_id = ops_iv_insert(st, j, &iv);
  if (iv_id <= 0 || touch(st, j, p->core, id) != 0) return -1;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 3);
  sv_pack_str(&pk, "meeting");
  msgpack_pack_uint64(&pk, id);
  sv_pack_str(&pk, "track");
  sv_pack_str(&pk, track_name(p->core));
  sv_pack_str(&pk, "intervention");
  /* The caller may update this meeting, so it may see the decision's link to it. */
  return ops_iv_pack(st, j, &pk, iv_id, true);
}

/* ---- meeting.draft ---- */

/* Pack one draft item: kind, text (column col of s), and the given extra fields. */
static void draft_item(msgpack_packer *pk, const char *kind, sqlite3_stmt *s, int text_col,
                       const char *k1, int64_t v1, const char *k2, const char *v2s,
                       int64_t v2) {
  msgpack_pack_map(pk, 2 + (k1 != NULL) + (k2 != NULL));
  sv_pack_str(pk, "kind");
  sv_pack_str(pk, kind);
  sv_pack_str(pk, "text");
  if (s)
    ops_pack_col_str(pk, s, text_col);
  else
    sv_pack_str(pk, "");
  if (k1) {
    sv_pack_str(pk, k1);
    msgpack_pack_int64(pk, v1);
  }
  if (k2) {
    sv_pack_str(pk, k2);
    if (v2s)
      sv_pack_str(pk, v2s);
    else
      msgpack_pack_int64(pk, v2);
  }
}

int ops_meeting_draft_exec(store *st, job *j) {
  static const char sql_last[] =
      "SELECT id, time FROM meetings WHERE area = ? AND track = ? AND time <= ?"
      " ORDER BY time DESC, id DESC LIMIT 1";
  static const char sql_obs[] =
      "SELECT id, kind, text FROM observations WHERE area = ? AND withdrawn = 0"
      " AND created >= ? AND (level = 'area' OR ?) ORDER BY created, id LIMIT 50";
  static const char sql_links[] =
      "SELECT l.id, l.resource, l.challenge, l.intervention FROM links l"
      " WHERE l.area = :area AND l.created >= :since AND" OPS_LINK_VISIBLE
      "ORDER BY l.created, l.id LIMIT 50";
  static const char sql_iv[] =
      "SELECT id, text, due FROM interventions WHERE area = ? AND status IN ('planned','running')"
      " AND due IS NOT NULL AND due >= ? AND due < ? ORDER BY due, id LIMIT 50";
  static const char sql_concerns[] =
      "SELECT count(*) FROM concerns c JOIN areas a ON a.name = c.area"
      " WHERE a.id = ? AND c.status != 'closed'";
  const meeting_plan *p = j->op_data;
  int64_t area = ops_area_id(st, j, &j->req.a.area);
  if (area <= 0) return -1;
  uint64_t now = util_unix_time();
  sqlite3_stmt *s = store_stmt(st, sql_last);
  if (s == NULL) return ops_storage_error(st, j);
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_text(s, 2, track_name(p->core), -1, SQLITE_STATIC);
  sqlite3_bind_int64(s, 3, (sqlite3_int64)now);
  int rc = sqlite3_step(s);
  int64_t last = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  int64_t since = rc == SQLITE_ROW ? sqlite3_column_int64(s, 1) : 0;
  sqlite3_reset(s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return ops_storage_error(st, j);
  msgpack_sbuffer items;
  msgpack_sbuffer_init(&items);
  msgpack_packer ipk;
  msgpack_packer_init(&ipk, &items, msgpack_sbuffer_write);
  uint32_t n = 0;
  /* New observations. */
  s = store_stmt(st, sql_obs);
  if (s == NULL) goto storage;
  sqlite3_bind_int64(s, 1, area);
  sqlite3_bind_int64(s, 2, since);
  sqlite3_bind_int(s, 3, p->see_group);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    draft_item(&ipk, "observation", s, 2, "observation", sqlite3_column_int64(s, 0), "what",
               (const char *)sqlite3_column_text(s, 1), 0);
    n++;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) goto storage;
  /* New links, worded by their ends. */
  s = store_stmt(st, sql_links);
  if (s == NULL) goto storage;
  sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":area"), area);
  sqlite3_bind_int64(s, sqlite3_bind_parameter_index(s, ":since"), since);
  sqlite3_bind_int(s, sqlite3_bind_parameter_index(s, ":group"), p->see_group);
  while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    char ends[64];
    int64_t r = sqlite3_column_int64(s, 1), c = sqlite3_column_int64(s, 2),
            v = sqlite3_column_int64(s, 3);
    if (v)
      snprintf(ends, sizeof ends, "I%lld -> #%lld", (long long)v, (long long)(c ? c : r));
    else
      snprintf(ends, sizeof ends, "#%lld -> #%lld", (long long)r, (long long)c);
    msgpack_pack_map(&ipk, 3);
    sv_pack_str(&ipk, "kind");
    sv_pack_str(&ipk, "link");
    sv_pack_str(&ipk, "text");
    sv_pack_str(&ipk, ends);
    sv_pack_str(&ipk, "link");
    msgpack_pack_int64(&ipk, sqlite3_column_int64(s, 0));
    n++;
  }
  sqlite3_reset(s);
  if (rc != SQLITE_DONE) goto storage;
  /* Overdue follow-ups, then those due within two weeks. */
  for (int pass = 0; pass < 2; pass++) {
    s = store_stmt(st, sql_iv);
    if (s == NULL) goto storage;
    sqlite3_bind_int64(s, 1, area);
    sqlite3_bind_int64(s, 2, pass == 0 ? 0 : (sqlite3_int64)now);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)(pass == 0 ? now : now + DRAFT_DUE_AHEAD + 1));
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      draft_item(&ipk, pass == 0 ? "overdue" : "due", s, 1, "intervention",
                 sqlite3_column_int64(s, 0), "due", NULL, sqlite3_column_int64(s, 2));
      n++;
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) goto storage;
  }
  /* The core track also hears how many concerns about the area are open. */
  if (p->see_concerns) {
    s = store_stmt(st, sql_concerns);
    if (s == NULL) goto storage;
    sqlite3_bind_int64(s, 1, area);
    int64_t open = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (open > 0) {
      draft_item(&ipk, "concerns", NULL, 0, "count", open, NULL, NULL, 0);
      n++;
    }
  }
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 5);
  sv_pack_str(&pk, "area");
  sv_pack_strn(&pk, j->req.a.area.ptr, j->req.a.area.len);
  sv_pack_str(&pk, "track");
  sv_pack_str(&pk, track_name(p->core));
  sv_pack_str(&pk, "since");
  msgpack_pack_int64(&pk, since);
  sv_pack_str(&pk, "last_meeting");
  if (last)
    msgpack_pack_int64(&pk, last);
  else
    msgpack_pack_nil(&pk);
  sv_pack_str(&pk, "items");
  msgpack_pack_array(&pk, n);
  if (items.size) msgpack_sbuffer_write(&j->result, items.data, items.size);
  msgpack_sbuffer_destroy(&items);
  return 0;
storage:
  msgpack_sbuffer_destroy(&items);
  return ops_storage_error(st, j);
}
