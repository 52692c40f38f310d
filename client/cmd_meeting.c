/* cmd_meeting.c -- `samvirke meeting ...`: meetings in two tracks (the core team's own and the
 * area meeting with partners): plan, draft the agenda, minutes, decisions, the printable pack.
 *
 * A core-track meeting is shown as K<id>. Its minutes are sealed here, in the client, to the
 * meeting's attendees as an `individual` envelope (every card proven against the log first);
 * the daemon stores only the ciphertext and checks that the recipients are attendees who may
 * receive individual data. */
#include "cmd_meeting.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "areadata.h"
#include "areaprint.h"
#include "cmd_map.h"
#include "cmd_note.h"
#include "cmdutil.h"
#include "directory.h"
#include "envelope.h"
#include "json.h"
#include "mapsvg.h"
#include "pack.h"
#include "purposearg.h"
#include "trackarg.h"
#include "util.h"

#define MEETING_MAX_ITEMS 64 /* agenda items given to meeting add at once (SV_STRS_MAX) */
#define DRAFT_TEXT_MAX 200

/* Cut s (in place) to at most max bytes at a UTF-8 character boundary, with an ellipsis. */
static void cut_text(char *s, size_t max) {
  size_t n = strlen(s);
  if (n <= max) return;
  size_t k = max - 3;
  while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80) k--;
  memcpy(s + k, "\xe2\x80\xa6", 4);
}

void meeting_draft_text(const msgpack_object *item, enum doc_lang lang, char *out, size_t n) {
  char kind[16], what[16], text[DRAFT_TEXT_MAX + 8];
  cmdutil_get_str(item, "kind", kind, sizeof kind);
  cmdutil_get_str(item, "what", what, sizeof what);
  cmdutil_get_str(item, "text", text, sizeof text);
  cut_text(text, DRAFT_TEXT_MAX);
  bool da = lang == DOC_DA;
  unsigned long long obs = cmdutil_get_uint(item, "observation"),
                     iv = cmdutil_get_uint(item, "intervention"),
                     count = cmdutil_get_uint(item, "count");
  if (strcmp(kind, "observation") == 0) {
    bool res = strcmp(what, "resource") == 0;
    snprintf(out, n, "%s #%llu: %s",
             da ? (res ? "Ny ressource" : "Ny udfordring") : (res ? "New resource" : "New challenge"),
             obs, text);
  } else if (strcmp(kind, "link") == 0) {
    snprintf(out, n, "%s: %s", da ? "Ny kobling" : "New link", text);
  } else if (strcmp(kind, "overdue") == 0) {
    snprintf(out, n, "%s: %s I%llu: %s", da ? "Opfølgning overskredet" : "Follow-up overdue",
             da ? "indsats" : "intervention", iv, text);
  } else if (strcmp(kind, "due") == 0) {
    char day[32];
    cmdutil_fmt_time(day, sizeof day, "%Y-%m-%d", cmdutil_get_uint(item, "due"), true);
    snprintf(out, n, "%s %s: %s I%llu: %s", da ? "Frist" : "Due", day,
             da ? "indsats" : "intervention", iv, text);
  } else if (strcmp(kind, "concerns") == 0) {
    snprintf(out, n, "%s: %llu", da ? "Åbne bekymringshenvendelser" : "Open concerns", count);
  } else {
    snprintf(out, n, "%s", text);
  }
}

/* --core / --area into *core; exactly one unless neither is required (then *given false). */
static int track_opts(const cli_ctx *ctx, bool core, bool area, bool required, bool *out,
                      bool *given) {
  if (core && area) return cli_usage_error(ctx, "give --core or --area, not both");
  if (required && !core && !area)
    return cli_usage_error(ctx, "give the track: --core (the core team's own meeting) or --area "
                                "(the area meeting with partners)");
  *out = core;
  if (given) *given = core || area;
  return 0;
}

/* The meeting ID argument argv[1] (3 or K3). Returns 0, or CLI_USAGE after reporting. */
static int meeting_arg(const cli_ctx *ctx, int npos, char **argv, bool *core, uint64_t *id) {
  if (npos < 1 || trackarg_meeting(argv[1], core, id) != 0)
    return cli_usage_error(ctx, "give the meeting: its number (3) or, for the core track, K3");
  return 0;
}

/* Set "meeting" and, for the core track, "track" on req. */
static int set_meeting(sv_request *req, bool core, uint64_t id) {
  if (sv_request_set_uint(req, SV_F_MEETING, id) != 0) return -1;
  return core ? sv_request_set_str(req, SV_F_TRACK, "core") : 0;
}

static void print_meeting_head(const msgpack_object *m) {
  char track[8], label[24];
  cmdutil_get_str(m, "track", track, sizeof track);
  bool core = strcmp(track, "core") == 0;
  trackarg_meeting_label(label, sizeof label, core, cmdutil_get_uint(m, "id"));
  printf("%-5s %s  ", label, core ? "core track" : "area track");
  areaprint_time(m, "time");
  fputs("  ", stdout);
  areaprint_str_w(m, "area", 16);
  areaprint_str(m, "title");
  const msgpack_object *g = cmdutil_get_array(m, "agenda");
  const msgpack_object *d = cmdutil_get_array(m, "decisions");
  const msgpack_object *mi = sv_map_get(m, "minutes");
  printf("  (%u items, %u decisions%s)\n", g ? g->via.array.size : 0, d ? d->via.array.size : 0,
         mi && mi->type == MSGPACK_OBJECT_MAP ? ", minutes" : "");
}

/* Print a meeting's agenda, attendees, decisions and the minutes' state. */
static void print_meeting_body(const msgpack_object *m) {
  const msgpack_object *a = cmdutil_get_array(m, "attendees");
  if (a && a->via.array.size) {
    fputs("  attendees: ", stdout);
    for (uint32_t i = 0; i < a->via.array.size; i++) {
      if (i) fputs(", ", stdout);
      const msgpack_object *o = &a->via.array.ptr[i];
      if (o->type == MSGPACK_OBJECT_STR) cli_print_text(stdout, o->via.str.ptr, o->via.str.size);
    }
    putchar('\n');
  }
  const msgpack_object *g = cmdutil_get_array(m, "agenda");
  for (uint32_t i = 0; g && i < g->via.array.size; i++) {
    const msgpack_object *it = &g->via.array.ptr[i];
    printf("  %2llu. ", (unsigned long long)cmdutil_get_uint(it, "n"));
    areaprint_str(it, "text");
    uint64_t o = cmdutil_get_uint(it, "observation"), v = cmdutil_get_uint(it, "intervention");
    if (o) printf("  [#%llu]", (unsigned long long)o);
    if (v) printf("  [I%llu]", (unsigned long long)v);
    putchar('\n');
  }
  const msgpack_object *d = cmdutil_get_array(m, "decisions");
  if (d && d->via.array.size) {
    fputs("  decisions: ", stdout);
    for (uint32_t i = 0; i < d->via.array.size; i++)
      printf("%sI%llu", i ? ", " : "", (unsigned long long)d->via.array.ptr[i].via.u64);
    putchar('\n');
  }
}

/* ---- meeting add ---- */

/* Fetch meeting.draft for area and word its items into texts (malloc'd, *n of them, at most
 * max). Returns 0 or -1 (printed). */
static int draft_items(session *s, const char *area, bool core, enum doc_lang lang, char **texts,
                       int max, int *n) {
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_DRAFT);
  msgpack_unpacked resp;
  *n = 0;
  int rc = -1;
  if (sv_request_set_str(&req, SV_F_AREA, area) != 0 ||
      (core && sv_request_set_str(&req, SV_F_TRACK, "core") != 0)) {
    msgpack_unpacked_init(&resp);
    cli_fail("out of memory");
    goto out;
  }
  if (cmdutil_call(s, &req, &resp, "meeting draft") != 0) goto out;
  const msgpack_object *items = cmdutil_get_array(session_result(&resp), "items");
  for (uint32_t i = 0; items && i < items->via.array.size && *n < max; i++) {
    char buf[512];
    meeting_draft_text(&items->via.array.ptr[i], lang, buf, sizeof buf);
    if ((texts[*n] = strdup(buf)) == NULL) {
      cli_fail("out of memory");
      goto out;
    }
    (*n)++;
  }
  rc = 0;
out:
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_meeting_add(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  char *items[MEETING_MAX_ITEMS];
  int nitems = 0;
  argc = trackarg_take(argc, argv, "--item", items, MEETING_MAX_ITEMS, &nitems);
  const char *at = NULL, *title = NULL, *with = NULL, *lang_s = NULL;
  bool core = false, area = false, draft = false;
  const cli_opt opts[] = {
      {"--core", NULL, "the core team's own meeting (individuals may be discussed)", NULL, &core,
       false},
      {"--area", NULL, "the area meeting with partners (area and group level only)", NULL, &area,
       false},
      {"--at", "TIME", "when it takes place, e.g. '2026-03-01 17:00'", &at, NULL, true},
      {"--title", "TITLE", "a short title", &title, NULL, false},
      {"--with", "NAMES", "attendees: member names separated by commas", &with, NULL, false},
      {"--item", "TEXT", "an agenda item (repeat for more)", NULL, NULL, false},
      {"--draft", NULL, "add the items drafted from what changed since the last meeting", NULL,
       &draft, false},
      {"--lang", "da|en", "language of drafted items (default da)", &lang_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  bool is_core = false;
  if ((status = track_opts(&ctx, core, area, true, &is_core, NULL)) != 0) return status;
  if (nitems > MEETING_MAX_ITEMS)
    return cli_usage_error(&ctx, "at most %d agenda items at once", MEETING_MAX_ITEMS);
  enum doc_lang lang = DOC_DA;
  if (lang_s && docwords_lang(lang_s, &lang) != 0) return cli_usage_error(&ctx, "--lang is da or en");
  uint64_t when;
  char err[300];
  if (trackarg_time(at, true, &when, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "--at: %s", err);
  if (areaprint_check_label("area", argv[1]) != CLI_OK ||
      (title && title[0] && areaprint_check_label("title", title) != CLI_OK))
    return CLI_FAIL;
  for (int i = 0; i < nitems; i++)
    if (areaprint_check_text("agenda item", items[i]) != CLI_OK) return CLI_FAIL;
  char *names[SV_STRS_MAX];
  int nnames = 0;
  char *with_copy = with ? strdup(with) : NULL;
  if (with && with_copy == NULL) return cli_fail("out of memory");
  if (with_copy) nnames = trackarg_split(with_copy, names, SV_STRS_MAX);
  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  int rc = CLI_FAIL;
  char *drafted[MEETING_MAX_ITEMS];
  int ndrafted = 0;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_ADD);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  if (s == NULL) goto out;
  if (draft && draft_items(s, argv[1], is_core, lang, drafted, MEETING_MAX_ITEMS - nitems,
                           &ndrafted) != 0)
    goto out;
  const char *all[MEETING_MAX_ITEMS];
  int nall = 0;
  for (int i = 0; i < nitems; i++) all[nall++] = items[i];
  for (int i = 0; i < ndrafted; i++) all[nall++] = drafted[i];
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0 ||
      sv_request_set_str(&req, SV_F_TRACK, is_core ? "core" : "area") != 0 ||
      sv_request_set_uint(&req, SV_F_TIME, when) != 0 ||
      (title && sv_request_set_str(&req, SV_F_TITLE, title) != 0) ||
      (nnames && sv_request_set_strs(&req, SV_F_ATTENDEES, (const char *const *)names,
                                     (size_t)nnames) != 0) ||
      (nall && sv_request_set_strs(&req, SV_F_AGENDA, all, (size_t)nall) != 0)) {
    cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked_destroy(&resp);
  if (cmdutil_call(s, &req, &resp, "meeting add") != 0) goto out;
  const msgpack_object *res = session_result(&resp);
  uint64_t audit = cmdutil_last_audit(s);
  if (ctx.json) {
    rc = cmdutil_print_json_result(NULL, res, audit);
  } else {
    print_meeting_head(res);
    print_meeting_body(res);
    printf("(meeting planned, audit #%llu)\n", (unsigned long long)audit);
    rc = CLI_OK;
  }
out:
  for (int i = 0; i < ndrafted; i++) free(drafted[i]);
  free(with_copy);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}

/* ---- meeting list / draft ---- */

static int cmd_meeting_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  bool core = false, area = false;
  const char *since_s = NULL;
  const cli_opt opts[] = {
      {"--core", NULL, "only the core track", NULL, &core, false},
      {"--area", NULL, "only the area track", NULL, &area, false},
      {"--since", "TIME", "only meetings at or after this time", &since_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "[AREA]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  bool is_core = false, given = false;
  if ((status = track_opts(&ctx, core, area, false, &is_core, &given)) != 0) return status;
  uint64_t since = 0;
  char err[300];
  if (since_s && trackarg_time(since_s, false, &since, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "--since: %s", err);
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_MEETING_LIST, SV_F_AREA, npos ? argv[1] : NULL, SV_F_TRACK,
                       given ? (is_core ? "core" : "area") : NULL) != 0 ||
      (since_s && sv_request_set_uint(&req, SV_F_SINCE, since) != 0)) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "meeting list", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *a = cmdutil_get_array(res, "meetings");
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else if (a == NULL || a->via.array.size == 0)
      printf("no meetings\n");
    else
      for (uint32_t i = 0; i < a->via.array.size; i++) print_meeting_head(&a->via.array.ptr[i]);
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_meeting_draft(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  bool core = false, area = false;
  const char *lang_s = NULL;
  const cli_opt opts[] = {
      {"--core", NULL, "for a core-track meeting", NULL, &core, false},
      {"--area", NULL, "for an area meeting (the default)", NULL, &area, false},
      {"--lang", "da|en", "language of the items (default da)", &lang_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  bool is_core = false;
  if ((status = track_opts(&ctx, core, area, false, &is_core, NULL)) != 0) return status;
  enum doc_lang lang = DOC_DA;
  if (lang_s && docwords_lang(lang_s, &lang) != 0) return cli_usage_error(&ctx, "--lang is da or en");
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_MEETING_DRAFT, SV_F_AREA, argv[1], SV_F_TRACK,
                       is_core ? "core" : NULL) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "meeting draft", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *items = cmdutil_get_array(res, "items");
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      uint64_t since = cmdutil_get_uint(res, "since");
      char day[32];
      cmdutil_fmt_time(day, sizeof day, "%Y-%m-%d %H:%M", since, true);
      printf("changes in %s since %s:\n", argv[1], since ? day : "the start");
      if (items == NULL || items->via.array.size == 0) printf("  nothing new\n");
      for (uint32_t i = 0; items && i < items->via.array.size; i++) {
        char buf[512];
        meeting_draft_text(&items->via.array.ptr[i], lang, buf, sizeof buf);
        fputs("  - ", stdout);
        cli_print_text(stdout, buf, strlen(buf));
        putchar('\n');
      }
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

/* ---- meeting show ---- */

/* Fetch meeting (core, id) over s into resp; *m is its map. Returns 0 or -1 (printed). */
static int fetch_meeting(session *s, bool core, uint64_t id, msgpack_unpacked *resp,
                         const msgpack_object **m) {
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_SHOW);
  if (set_meeting(&req, core, id) != 0) {
    sv_request_free(&req);
    msgpack_unpacked_init(resp);
    return cli_fail("out of memory"), -1;
  }
  int rc = cmdutil_call(s, &req, resp, "meeting show");
  sv_request_free(&req);
  if (rc != 0) return -1;
  *m = session_result(resp);
  if (*m == NULL || (*m)->type != MSGPACK_OBJECT_MAP)
    return cli_fail("meeting show: the server's answer is malformed"), -1;
  return 0;
}

/* Print (or JSON) the minutes map mi of a meeting: the text, or the decrypted envelope. */
static int show_minutes(session *s, const client_config *cfg, const sv_identity *id,
                        const msgpack_object *mi, json_out *j) {
  if (mi == NULL || mi->type != MSGPACK_OBJECT_MAP) {
    if (!j) printf("  minutes: none yet\n");
    return 0;
  }
  if (!j) {
    fputs("  minutes by ", stdout);
    areaprint_str(mi, "author");
    fputs(", ", stdout);
    areaprint_time(mi, "time");
    fputs(":\n", stdout);
  }
  const char *t;
  size_t tn;
  if (sv_map_str(mi, "text", &t, &tn) == 0) {
    if (j) json_kv_msgpack(j, "minutes_text", sv_map_get(mi, "text"));
    else areaprint_text_block(mi, "text", "    ");
    return 0;
  }
  const uint8_t *env;
  size_t elen;
  if (sv_map_bin(mi, "envelope", &env, &elen) != 0) return 0;
  envelope_header h;
  if (envelope_parse(env, elen, &h) != ENVELOPE_OK)
    return cli_fail("meeting show: the minutes' envelope is malformed"), -1;
  uint8_t mine[ENVELOPE_KEYID_LEN];
  envelope_card_keyid(&id->card, mine);
  bool recipient = false;
  for (size_t i = 0; i < h.nrecipients; i++)
    recipient |= memcmp(h.recipients[i], mine, ENVELOPE_KEYID_LEN) == 0;
  if (!recipient) {
    if (j) json_kv_str(j, "minutes_text", NULL);
    else printf("    (encrypted to %zu attendees; you are not one of them)\n", h.nrecipients);
    return 0;
  }
  uint8_t *body = NULL;
  size_t blen = 0;
  char sender[CARD_NAME_MAX + 1];
  if (cmd_note_open(s, cfg, id, env, elen, &h, sender, sizeof sender, &body, &blen) != 0) return -1;
  if (j) {
    json_key(j, "minutes_text");
    json_strn(j, (const char *)body, blen);
  } else {
    printf("    (end-to-end encrypted to %zu attendees; purpose: ", h.nrecipients);
    cli_print_text(stdout, h.purpose, strlen(h.purpose));
    printf(")\n");
    size_t start = 0;
    for (size_t i = 0; i <= blen; i++)
      if (i == blen || body[i] == '\n') {
        fputs("    ", stdout);
        cli_print_text(stdout, (const char *)body + start, i - start);
        putchar('\n');
        start = i + 1;
      }
  }
  envelope_free_body(body, blen);
  return 0;
}

static int cmd_meeting_show(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "MEETING", &npos, &status) != 0) return status;
  bool core;
  uint64_t id;
  if ((status = meeting_arg(&ctx, npos, argv, &core, &id)) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  client_config cfg;
  sv_identity *me = NULL;
  session *s = cmdutil_open_session_max(&ctx, &cfg, &me, CMD_NOTE_FRAME_MAX);
  if (s == NULL) return CLI_FAIL;
  msgpack_unpacked resp;
  const msgpack_object *m = NULL;
  int rc = CLI_FAIL;
  if (fetch_meeting(s, core, id, &resp, &m) != 0) goto out;
  uint64_t audit = cmdutil_last_audit(s);
  const msgpack_object *mi = sv_map_get(m, "minutes");
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    for (uint32_t i = 0; i < m->via.map.size; i++) {
      const msgpack_object_kv *kv = &m->via.map.ptr[i];
      if (kv->key.type != MSGPACK_OBJECT_STR) continue;
      char k[64];
      snprintf(k, sizeof k, "%.*s", (int)kv->key.via.str.size, kv->key.via.str.ptr);
      json_kv_msgpack(&j, k, &kv->val);
    }
    if (show_minutes(s, &cfg, me, mi, &j) != 0) goto out;
    cmdutil_json_audit(&j, audit);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
  } else {
    print_meeting_head(m);
    print_meeting_body(m);
    if (show_minutes(s, &cfg, me, mi, NULL) != 0) goto out;
    printf("(audit #%llu)\n", (unsigned long long)audit);
    rc = CLI_OK;
  }
out:
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  identity_free(me);
  return rc;
}

/* ---- meeting item / decide ---- */

static int cmd_meeting_item(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *obs_s = NULL, *iv_s = NULL;
  const cli_opt opts[] = {
      {"--observation", "ID", "the observation the item is about", &obs_s, NULL, false},
      {"--intervention", "ID", "the intervention the item is about", &iv_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "MEETING TEXT...", &npos, &status) != 0) return status;
  bool core;
  uint64_t id;
  if ((status = meeting_arg(&ctx, npos, argv, &core, &id)) != 0) return status;
  if (npos < 2) return cli_usage_error(&ctx, "give the item's TEXT");
  uint64_t o = obs_s ? trackarg_id(obs_s, 0) : 0, v = iv_s ? trackarg_id(iv_s, 'I') : 0;
  if ((obs_s && o == 0) || (iv_s && v == 0))
    return cli_usage_error(&ctx, "ids are positive whole numbers");
  char *text = areaprint_join(argv, 2, npos + 1);
  if (text == NULL) return cli_fail("out of memory");
  int rc = CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_ITEM);
  if (areaprint_check_text("agenda item", text) != CLI_OK) goto out;
  if (set_meeting(&req, core, id) != 0 || sv_request_set_str(&req, SV_F_TEXT, text) != 0 ||
      (o && sv_request_set_uint(&req, SV_F_OBSERVATION, o) != 0) ||
      (v && sv_request_set_uint(&req, SV_F_INTERVENTION, v) != 0)) {
    rc = cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  rc = cmdutil_request(&ctx, "meeting item", &req, &resp, &res, &audit);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      print_meeting_head(res);
      print_meeting_body(res);
      printf("(item added, audit #%llu)\n", (unsigned long long)audit);
    }
  }
  msgpack_unpacked_destroy(&resp);
out:
  sv_request_free(&req);
  free(text);
  return rc;
}

static int cmd_meeting_decide(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *level = NULL, *step = NULL, *owner = NULL, *due = NULL, *size_s = NULL;
  const cli_opt opts[] = {
      {"--level", "area|group", "whom the intervention is for (default area)", &level, NULL, false},
      {"--size", "N", "approximate number of people in the group (group level)", &size_s, NULL,
       false},
      {"--step", "STEP", "establish, map, analyse or act (default act)", &step, NULL, false},
      {"--owner", "NAME", "who follows it up (default: you)", &owner, NULL, false},
      {"--due", "TIME", "when it is due", &due, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "MEETING TEXT...", &npos, &status) != 0) return status;
  bool core;
  uint64_t id;
  if ((status = meeting_arg(&ctx, npos, argv, &core, &id)) != 0) return status;
  if (npos < 2) return cli_usage_error(&ctx, "give the decision's TEXT");
  if (level && strcmp(level, "area") != 0 && strcmp(level, "group") != 0)
    return cli_usage_error(&ctx, "--level is area or group");
  uint64_t size = 0;
  if (size_s != NULL && (size = trackarg_id(size_s, 0)) == 0)
    return cli_usage_error(&ctx, "--size must be a positive whole number");
  if (level && strcmp(level, "group") == 0 && size_s == NULL)
    return cli_usage_error(&ctx, "a --level group intervention needs --size N (the group's "
                                 "approximate size)");
  if (step && strcmp(step, "establish") != 0 && strcmp(step, "map") != 0 &&
      strcmp(step, "analyse") != 0 && strcmp(step, "act") != 0)
    return cli_usage_error(&ctx, "--step is one of establish, map, analyse, act");
  uint64_t due_t = 0;
  char err[300];
  if (due && trackarg_time(due, true, &due_t, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "--due: %s", err);
  char *text = areaprint_join(argv, 2, npos + 1);
  if (text == NULL) return cli_fail("out of memory");
  int rc = CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_DECIDE);
  if (areaprint_check_text("decision", text) != CLI_OK) goto out;
  if (set_meeting(&req, core, id) != 0 || sv_request_set_str(&req, SV_F_TEXT, text) != 0 ||
      (level && sv_request_set_str(&req, SV_F_LEVEL, level) != 0) ||
      (step && sv_request_set_str(&req, SV_F_STEP, step) != 0) ||
      (owner && sv_request_set_str(&req, SV_F_OWNER, owner) != 0) ||
      (due && sv_request_set_uint(&req, SV_F_DUE, due_t) != 0) ||
      (size_s && sv_request_set_uint(&req, SV_F_SIZE, size) != 0)) {
    rc = cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  rc = cmdutil_request(&ctx, "meeting decide", &req, &resp, &res, &audit);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      const msgpack_object *iv = sv_map_get(res, "intervention");
      char label[24];
      trackarg_meeting_label(label, sizeof label, core, id);
      printf("decision of meeting %s recorded as intervention I%llu (audit #%llu)\n", label,
             (unsigned long long)cmdutil_get_uint(iv, "id"), (unsigned long long)audit);
      if (iv) areaprint_intervention(iv);
    }
  }
  msgpack_unpacked_destroy(&resp);
out:
  sv_request_free(&req);
  free(text);
  return rc;
}

/* ---- meeting minutes ---- */

/* Seal body as the core track's minutes to the meeting m's active attendees (each card proven
 * against the log) with purpose; the envelope into *env. Returns 0 or -1 (printed). */
static int seal_minutes(session *s, const client_config *cfg, const sv_identity *me,
                        const msgpack_object *m, const char *purpose, const uint8_t *body,
                        size_t blen, uint8_t **env, size_t *elen, size_t *nrcpt) {
  const msgpack_object *a = cmdutil_get_array(m, "attendees");
  if (a == NULL || a->via.array.size == 0)
    return cli_fail("meeting minutes: the meeting has no attendees to encrypt the minutes to"), -1;
  sv_card *cards = calloc(a->via.array.size, sizeof *cards);
  const sv_card **rcpt = calloc(a->via.array.size, sizeof *rcpt);
  size_t n = 0;
  int rc = -1;
  if (cards == NULL || rcpt == NULL) {
    cli_fail("out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < a->via.array.size; i++) {
    const msgpack_object *o = &a->via.array.ptr[i];
    char name[CARD_NAME_MAX + 1];
    if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > CARD_NAME_MAX) continue;
    memcpy(name, o->via.str.ptr, o->via.str.size);
    name[o->via.str.size] = '\0';
    directory_trust t;
    char err[512];
    if (directory_trust_card(s, cfg, name, 0, &t, err, sizeof err) != 0) {
      if (t.revoked) continue; /* a revoked attendee gets nothing */
      cli_fail("meeting minutes: cannot trust the card of %s: %s", name, err);
      goto out;
    }
    cards[n] = t.card;
    rcpt[n] = &cards[n];
    n++;
  }
  char area[256];
  cmdutil_get_str(m, "area", area, sizeof area);
  envelope_params p = {.klass = "individual", .area = area, .purpose = purpose,
                       .recipients = rcpt, .nrecipients = n};
  int er = envelope_seal(me, &p, body, blen, env, elen);
  if (er != ENVELOPE_OK) {
    cli_fail("meeting minutes: %s", envelope_strerror(er));
    goto out;
  }
  *nrcpt = n;
  rc = 0;
out:
  free(cards);
  free(rcpt);
  return rc;
}

static int cmd_meeting_minutes(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *purpose = NULL;
  const cli_opt opts[] = {
      {"--purpose", "CODE", "core track: the declared purpose of sharing (written in the log)",
       &purpose, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "MEETING [FILE|-]", &npos, &status) != 0) return status;
  bool core;
  uint64_t id;
  if ((status = meeting_arg(&ctx, npos, argv, &core, &id)) != 0) return status;
  if (npos > 2) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[3]);
  if (core && purpose == NULL)
    return cli_usage_error(&ctx, "core-track minutes need --purpose CODE (why they are shared)");
  if (!core && purpose != NULL)
    return cli_usage_error(&ctx, "--purpose is for core-track minutes; area minutes are area data");
  if (core && (status = purposearg_check(&ctx, purpose)) != CLI_OK) return status;
  client_config cfg;
  sv_identity *me = NULL;
  session *s = cmdutil_open_session_max(&ctx, &cfg, &me, CMD_NOTE_FRAME_MAX);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  uint8_t *body = NULL, *env = NULL;
  size_t blen = 0, elen = 0, nrcpt = 0;
  msgpack_unpacked mresp, resp;
  msgpack_unpacked_init(&resp);
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEETING_MINUTES);
  const msgpack_object *m = NULL;
  if (fetch_meeting(s, core, id, &mresp, &m) != 0) goto out;
  body = cmd_note_read_body(npos == 2 ? argv[2] : NULL, &blen);
  if (body == NULL) goto out;
  if (set_meeting(&req, core, id) != 0) {
    cli_fail("out of memory");
    goto out;
  }
  if (core) {
    if (seal_minutes(s, &cfg, me, m, purpose, body, blen, &env, &elen, &nrcpt) != 0) goto out;
    if (sv_request_set_bin(&req, SV_F_ENVELOPE, env, elen) != 0) {
      cli_fail("out of memory");
      goto out;
    }
  } else {
    char *text = malloc(blen + 1);
    if (text == NULL) {
      cli_fail("out of memory");
      goto out;
    }
    memcpy(text, body, blen);
    text[blen] = '\0';
    int ok = strlen(text) == blen && areaprint_check_text("minutes", text) == CLI_OK &&
             sv_request_set_str(&req, SV_F_TEXT, text) == 0;
    if (strlen(text) != blen) cli_fail("minutes: the text contains a NUL byte");
    free(text);
    if (!ok) goto out;
  }
  if (cmdutil_call(s, &req, &resp, "meeting minutes") != 0) goto out;
  uint64_t audit = cmdutil_last_audit(s);
  char label[24];
  trackarg_meeting_label(label, sizeof label, core, id);
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "meeting", label);
    json_kv_str(&j, "track", core ? "core" : "area");
    json_kv_uint(&j, "bytes", blen);
    if (core) json_kv_uint(&j, "recipients", nrcpt);
    cmdutil_json_audit(&j, audit);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
  } else {
    if (core)
      printf("minutes of %s encrypted to %zu attendees and stored (audit #%llu)\n", label, nrcpt,
             (unsigned long long)audit);
    else
      printf("minutes of %s stored (audit #%llu)\n", label, (unsigned long long)audit);
    rc = CLI_OK;
  }
out:
  sodium_free(body);
  free(env);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  msgpack_unpacked_destroy(&mresp);
  session_close(s);
  identity_free(me);
  return rc;
}

/* ---- meeting pack ---- */

static int cmd_meeting_pack(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *html = NULL, *lang_s = NULL;
  const cli_opt opts[] = {
      {"--html", "FILE", "write the printable page; - for stdout", &html, NULL, true},
      {"--lang", "da|en", "language (default da)", &lang_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "MEETING", &npos, &status) != 0) return status;
  bool core;
  uint64_t id;
  if ((status = meeting_arg(&ctx, npos, argv, &core, &id)) != 0) return status;
  enum doc_lang lang = DOC_DA;
  if (lang_s && docwords_lang(lang_s, &lang) != 0) return cli_usage_error(&ctx, "--lang is da or en");
  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  msgpack_unpacked resp;
  const msgpack_object *m = NULL;
  pack_meeting pm;
  memset(&pm, 0, sizeof pm);
  area_data ad;
  memset(&ad, 0, sizeof ad);
  char *svg = NULL;
  size_t svglen = 0;
  char err[512];
  if (fetch_meeting(s, core, id, &resp, &m) != 0) goto out;
  if (pack_meeting_from(m, &pm) != 0) {
    cli_fail("meeting pack: the server's answer is malformed");
    goto out;
  }
  if (areadata_load(s, pm.area, AREADATA_INTERVENTIONS | AREADATA_LINKS, &ad, NULL, err,
                    sizeof err) != 0) {
    cli_fail("meeting pack: %s", err);
    goto out;
  }
  FILE *ms = open_memstream(&svg, &svglen);
  if (ms == NULL || mapsvg_write(ms, &ad, lang, util_unix_time()) != 0 || fclose(ms) != 0) {
    cli_fail("out of memory");
    goto out;
  }
  FILE *f = cmdmap_open(html);
  if (f == NULL) {
    cli_fail("%s: %s", html, strerror(errno));
    goto out;
  }
  int w = pack_write_html(f, &pm, &ad, svg, svglen, lang, util_unix_time());
  if (cmdmap_close(f) != 0 || w != 0) {
    cli_fail("%s: cannot write", html);
    goto out;
  }
  if (strcmp(html, "-") != 0 && !ctx.json)
    printf("meeting pack written to %s (%zu agenda items, %zu interventions)\n", html, pm.nitems,
           ad.niv);
  rc = CLI_OK;
out:
  free(svg);
  areadata_free(&ad);
  pack_meeting_free(&pm);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}

const cli_cmd cmd_meeting_table[] = {
    {"add", cmd_meeting_add,
     "plan one: AREA --core|--area --at TIME [--title T] [--with NAMES] [--item TEXT]... [--draft]",
     NULL, NULL},
    {"list", cmd_meeting_list, "list meetings: [AREA] [--core|--area] [--since TIME]", NULL, NULL},
    {"show", cmd_meeting_show, "show one, with its minutes: MEETING (3, or K3 for the core track)",
     NULL, NULL},
    {"draft", cmd_meeting_draft, "what changed since the area's last meeting: AREA [--core]", NULL,
     NULL},
    {"item", cmd_meeting_item, "add an agenda item: MEETING TEXT [--observation ID]", NULL, NULL},
    {"minutes", cmd_meeting_minutes,
     "write the minutes: MEETING [FILE|-] (core track: --purpose CODE; encrypted to attendees)",
     NULL, NULL},
    {"decide", cmd_meeting_decide,
     "record a decision as an intervention: MEETING TEXT [--owner N] [--due T]", NULL, NULL},
    {"pack", cmd_meeting_pack, "the printable meeting pack: MEETING --html FILE [--lang da|en]",
     NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
