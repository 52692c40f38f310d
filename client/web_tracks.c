/* web_tracks.c -- the two tracks' JSON API of `samvirke web`: where an area stands, its links
 * (drawn as lines on the map), its meetings in both tracks (listed, shown, planned with an
 * agenda drafted from what changed since the last meeting, items, area-track minutes and
 * decisions). Each call is the request the CLI sends; the daemon decides who sees which
 * track, so a partner's pages never hold a core-track meeting. The minutes of a core-track
 * meeting are an envelope, decrypted here for an attendee and answered no-store like a note. */
#include "web_tracks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd_meeting.h"
#include "codec.h"
#include "envelope.h"
#include "guard.h"
#include "util.h"
#include "web_api.h"
#include "web_app.h"
#include "web_notes.h"
#include "web_reply.h"

#define ITEMS_MAX 64       /* agenda items given at once (as `meeting add`) */
#define ATTENDEES_MAX 64
#define DRAFT_ITEM_MAX 512

static const char *const LEVELS[] = {"area", "group", NULL};

/* The form field a daemon message about a meeting is about. */
static const char *meeting_field_of(const char *m) {
  static const struct {
    const char *prefix, *field;
  } map[] = {
      {"title", "title"},   {"agenda item", "item"}, {"attendee", "with"},
      {"time", "time"},     {"minutes", "text"},     {"text", "text"},
      {"owner", "owner"},   {"due", "due"},          {"a group", "size"},
      {"area", "area"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strncmp(m, map[i].prefix, strlen(map[i].prefix)) == 0) return map[i].field;
  return NULL;
}

/* The track of a form (post) or query: "area" unless "core" is given. Returns 0 or -1. */
static int track_arg(web_req *r, bool post, bool *core) {
  const char *t = post ? web_req_form(r, "track", NULL) : web_req_query(r, "track");
  *core = false;
  if (t == NULL || t[0] == '\0' || strcmp(t, "area") == 0) return 0;
  if (strcmp(t, "core") == 0) {
    *core = true;
    return 0;
  }
  web_reply_error(r, 422, "web_choice", "track", "the track is area or core");
  return -1;
}

/* The meeting number of a form (post) or query ("id"). Returns 0 or -1 (answered). */
static int meeting_id(web_req *r, bool post, uint64_t *id) {
  bool has;
  if (post) return web_api_uint(r, "id", true, WEB_API_ID_MAX, id, &has);
  return web_api_query_id(r, "id", "a meeting number", id);
}

/* Send the read req (its own arguments set, may fail: set_failed) with track core when core;
 * on success returns 0 with resp (the caller destroys it) and *audit. Frees req. Returns -1
 * after answering r. */
static int track_read(web_req *r, sv_request *req, bool set_failed, bool core,
                      msgpack_unpacked *resp, uint64_t *audit) {
  int rc = -1;
  if (!set_failed && (!core || web_api_set_str(r, req, SV_F_TRACK, "core") == 0))
    rc = web_api_call(r, req, true, NULL, resp, audit);
  sv_request_free(req);
  return rc;
}

/* One GET that takes ?area=NAME: op with the area. */
static void area_read(web_req *r, enum sv_op op) {
  const char *area;
  if (web_api_query_label(r, "area", true, &area) != 0) return;
  sv_request req;
  sv_request_init(&req, 0, op);
  if (web_api_set_str(r, &req, SV_F_AREA, area) == 0) web_api_forward(r, &req, true, NULL);
  sv_request_free(&req);
}

/* GET /api/status?area= */
static void api_status(web_req *r) { area_read(r, SV_OP_AREA_STATUS); }
/* GET /api/links?area= */
static void api_links(web_req *r) { area_read(r, SV_OP_LINK_LIST); }
/* GET /api/meetings?area= (both tracks for the core team; the daemon leaves out what the
 * member may not see) */
static void api_meetings(web_req *r) { area_read(r, SV_OP_MEETING_LIST); }

/* The minutes of a core-track meeting m, decrypted for this member, as "minutes" into j. */
static int write_core_minutes(web_req *r, json_out *j, const msgpack_object *mi,
                              uint8_t **body, size_t *blen) {
  const uint8_t *env;
  size_t elen;
  json_key(j, "minutes");
  json_begin_object(j);
  json_kv_msgpack(j, "author", sv_map_get(mi, "author"));
  json_kv_msgpack(j, "time", sv_map_get(mi, "time"));
  if (sv_map_bin(mi, "envelope", &env, &elen) == 0) {
    envelope_header h;
    directory_trust t;
    if (web_notes_open(r, env, elen, &h, &t, body, blen) != 0) return -1;
    json_kv_bool(j, "encrypted", true);
    json_kv_uint(j, "recipients", h.nrecipients);
    json_key(j, "text");
    json_strn(j, (const char *)*body, *blen);
  }
  json_end_object(j);
  return 0;
}

/* GET /api/meeting?id=N[&track=core]: the meeting; a core-track meeting's minutes decrypted. */
static void api_meeting(web_req *r) {
  uint64_t id;
  bool core;
  if (meeting_id(r, false, &id) != 0 || track_arg(r, false, &core) != 0) return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_SHOW);
  msgpack_unpacked resp;
  uint64_t audit;
  if (track_read(r, &req, web_api_set_uint(r, &req, SV_F_MEETING, id) != 0, core, &resp,
                 &audit) != 0)
    return;
  const msgpack_object *m = session_result(&resp);
  const msgpack_object *mi = m ? sv_map_get(m, "minutes") : NULL;
  bool sealed = mi && mi->type == MSGPACK_OBJECT_MAP && sv_map_get(mi, "envelope") != NULL;
  uint8_t *body = NULL;
  size_t blen = 0, cap = 0;
  if (sealed) {
    const uint8_t *env;
    size_t elen = 0;
    sv_map_bin(mi, "envelope", &env, &elen);
    cap = 6 * elen + 16384; /* the decrypted text is shorter than its envelope */
  }
  if (m == NULL || m->type != MSGPACK_OBJECT_MAP) {
    web_reply_error(r, 502, "bad_request", NULL, "the server's meeting is malformed");
    msgpack_unpacked_destroy(&resp);
    return;
  }
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, cap);
  if (j == NULL) {
    msgpack_unpacked_destroy(&resp);
    return;
  }
  json_kv_uint(j, "audit", audit);
  json_key(j, "result");
  json_begin_object(j);
  bool failed = false;
  for (uint32_t i = 0; i < m->via.map.size && !failed; i++) {
    const msgpack_object_kv *kv = &m->via.map.ptr[i];
    if (kv->key.type != MSGPACK_OBJECT_STR) continue;
    if (sealed && kv->key.via.str.size == 7 && memcmp(kv->key.via.str.ptr, "minutes", 7) == 0) {
      failed = write_core_minutes(r, j, mi, &body, &blen) != 0;
      continue;
    }
    char key[64];
    if (kv->key.via.str.size >= sizeof key) continue;
    memcpy(key, kv->key.via.str.ptr, kv->key.via.str.size);
    key[kv->key.via.str.size] = '\0';
    json_kv_msgpack(j, key, &kv->val);
  }
  if (failed) {
    web_json_discard(&w);
    /* r was answered by web_notes_open */
  } else {
    json_end_object(j);
    json_end_object(j);
    web_reply_json(r, 200, &w);
  }
  envelope_free_body(body, blen);
  msgpack_unpacked_destroy(&resp);
}

/* GET /api/meeting/draft?area=&track=: the agenda drafted from what changed in the area since
 * its last meeting of that track, worded in the page's language. */
static void api_meeting_draft(web_req *r) {
  const char *area;
  bool core;
  if (web_api_query_label(r, "area", true, &area) != 0 || track_arg(r, false, &core) != 0)
    return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_DRAFT);
  msgpack_unpacked resp;
  uint64_t audit;
  if (track_read(r, &req, web_api_set_str(r, &req, SV_F_AREA, area) != 0, core, &resp,
                 &audit) != 0)
    return;
  const msgpack_object *res = session_result(&resp);
  const msgpack_object *items = res ? sv_map_get(res, "items") : NULL;
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) {
    msgpack_unpacked_destroy(&resp);
    return;
  }
  enum doc_lang lang = web_req_lang(r) == WEB_LANG_EN ? DOC_EN : DOC_DA;
  json_kv_uint(j, "audit", audit);
  json_key(j, "result");
  json_begin_object(j);
  json_kv_msgpack(j, "since", res ? sv_map_get(res, "since") : NULL);
  json_kv_msgpack(j, "last_meeting", res ? sv_map_get(res, "last_meeting") : NULL);
  json_key(j, "items");
  json_begin_array(j);
  for (uint32_t i = 0; items && items->type == MSGPACK_OBJECT_ARRAY && i < items->via.array.size;
       i++) {
    char text[DRAFT_ITEM_MAX];
    meeting_draft_text(&items->via.array.ptr[i], lang, text, sizeof text);
    json_begin_object(j);
    json_kv_msgpack(j, "kind", sv_map_get(&items->via.array.ptr[i], "kind"));
    json_kv_str(j, "text", text);
    json_end_object(j);
  }
  json_end_array(j);
  json_end_object(j);
  json_end_object(j);
  msgpack_unpacked_destroy(&resp);
  web_reply_json(r, 200, &w);
}

/* The non-empty values of the repeated field key, each valid text without a CPR number (checked
 * here, so it never leaves this machine), into out (at most max). Returns the count, or -1
 * after answering r. */
static long repeated(web_req *r, const char *key, const char **out, size_t max) {
  size_t n = web_req_form_all(r, key, out, max);
  if (n > max) {
    web_reply_error(r, 422, "invalid", key, "at most %zu at once", max);
    return -1;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (out[i][0] == '\0') continue;
    if (!util_utf8_valid(out[i], strlen(out[i]), false)) {
      web_reply_error(r, 422, "invalid", key, "%s is not valid text", key);
      return -1;
    }
    if (guard_find_cpr(out[i], strlen(out[i]), NULL, NULL)) {
      web_reply_error(r, 422, "personal_data", key, "%s: %s (nothing was sent)", key,
                      GUARD_CPR_MESSAGE);
      return -1;
    }
    out[k++] = out[i];
  }
  return (long)k;
}

/* POST /api/meeting/add: area, track, time (Unix seconds), [title], with (repeated member
 * names), item (repeated agenda items) */
static void api_meeting_add(web_req *r) {
  const char *area, *title, *with[ATTENDEES_MAX + 1], *items[ITEMS_MAX + 1];
  bool core, has_time;
  uint64_t when = 0;
  if (web_api_label(r, "area", true, &area) != 0 || track_arg(r, true, &core) != 0 ||
      web_api_uint(r, "time", true, UINT64_C(253402300799), &when, &has_time) != 0 ||
      web_api_label(r, "title", false, &title) != 0)
    return;
  long nwith = repeated(r, "with", with, ATTENDEES_MAX);
  if (nwith < 0) return;
  long nitems = repeated(r, "item", items, ITEMS_MAX);
  if (nitems < 0) return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_ADD);
  if (web_api_set_str(r, &req, SV_F_AREA, area) == 0 &&
      web_api_set_str(r, &req, SV_F_TRACK, core ? "core" : "area") == 0 &&
      web_api_set_uint(r, &req, SV_F_TIME, when) == 0 &&
      web_api_set_str(r, &req, SV_F_TITLE, title) == 0) {
    if ((nwith && sv_request_set_strs(&req, SV_F_ATTENDEES, with, (size_t)nwith) != 0) ||
        (nitems && sv_request_set_strs(&req, SV_F_AGENDA, items, (size_t)nitems) != 0))
      web_reply_error(r, 500, "web_internal", NULL, "out of memory");
    else
      web_api_forward(r, &req, false, meeting_field_of);
  }
  sv_request_free(&req);
}

/* The meeting of a change: id and track into req. Returns 0 or -1 (answered). */
static int meeting_target(web_req *r, sv_request *req, enum sv_op op, bool *core) {
  uint64_t id;
  sv_request_init(req, 0, op);
  if (meeting_id(r, true, &id) != 0 || track_arg(r, true, core) != 0) return -1;
  if (web_api_set_uint(r, req, SV_F_MEETING, id) != 0 ||
      (*core && web_api_set_str(r, req, SV_F_TRACK, "core") != 0))
    return -1;
  return 0;
}

/* POST /api/meeting/item: id, [track], text */
static void api_meeting_item(web_req *r) {
  sv_request req;
  bool core;
  const char *text;
  if (meeting_target(r, &req, SV_OP_MEETING_ITEM, &core) == 0 &&
      web_api_free_text(r, "text", true, &text) == 0 &&
      web_api_set_str(r, &req, SV_F_TEXT, text) == 0)
    web_api_forward(r, &req, false, meeting_field_of);
  sv_request_free(&req);
}

/* POST /api/meeting/minutes: id, text. The area track's minutes are area data (guarded); a
 * core-track meeting's minutes are never sent as text: they are sealed to its attendees
 * (/api/meeting/core-minutes, web_notes.c). */
static void api_meeting_minutes(web_req *r) {
  sv_request req;
  bool core;
  const char *text;
  if (meeting_target(r, &req, SV_OP_MEETING_MINUTES, &core) == 0) {
    if (core)
      web_reply_error(r, 422, "web_core_minutes", "text",
                      "a core-track meeting's minutes are encrypted to its attendees, never "
                      "sent as plain text");
    else if (web_api_text(r, "text", true, true, &text) == 0 &&
             web_api_free_text(r, "text", true, &text) == 0 &&
             web_api_set_str(r, &req, SV_F_TEXT, text) == 0)
      web_api_forward(r, &req, false, meeting_field_of);
  }
  sv_request_free(&req);
}

/* POST /api/meeting/decide: id, [track], text, [owner], [due (Unix seconds)], [level, size]
 * -- a decision that becomes an intervention linked to the meeting. */
static void api_meeting_decide(web_req *r) {
  sv_request req;
  bool core, has_due = false, has_size = false;
  const char *text, *owner, *level;
  uint64_t due = 0, size = 0;
  if (meeting_target(r, &req, SV_OP_MEETING_DECIDE, &core) == 0 &&
      web_api_free_text(r, "text", true, &text) == 0 &&
      web_api_label(r, "owner", false, &owner) == 0 &&
      web_api_uint(r, "due", false, UINT64_C(253402300799), &due, &has_due) == 0 &&
      web_api_word(r, "level", false, LEVELS, &level) == 0 &&
      web_api_uint(r, "size", false, 1000000000u, &size, &has_size) == 0 &&
      web_api_set_str(r, &req, SV_F_TEXT, text) == 0 &&
      web_api_set_str(r, &req, SV_F_OWNER, owner) == 0 &&
      web_api_set_str(r, &req, SV_F_LEVEL, level) == 0 &&
      (!has_due || web_api_set_uint(r, &req, SV_F_DUE, due) == 0) &&
      (!has_size || web_api_set_uint(r, &req, SV_F_SIZE, size) == 0))
    web_api_forward(r, &req, false, meeting_field_of);
  sv_request_free(&req);
}

const web_route web_tracks_routes[] = {
    {"/api/status", WEB_API, 0, api_status},
    {"/api/links", WEB_API, 0, api_links},
    {"/api/meetings", WEB_API, 0, api_meetings},
    {"/api/meeting", WEB_API, 0, api_meeting},
    {"/api/meeting/draft", WEB_API, 0, api_meeting_draft},
    {"/api/meeting/add", WEB_API, WEB_R_CHANGE, api_meeting_add},
    {"/api/meeting/item", WEB_API, WEB_R_CHANGE, api_meeting_item},
    {"/api/meeting/minutes", WEB_API, WEB_R_CHANGE, api_meeting_minutes},
    {"/api/meeting/decide", WEB_API, WEB_R_CHANGE, api_meeting_decide},
    {NULL, WEB_API, 0, NULL},
};
