/* cmd_concern.c -- `samvirke concern ...`: a partner hands in a concern about a person, sealed to
 * the regime, and keeps a receipt; regime members list, read, assign, close and answer.
 *
 * A concern goes into the regime and never comes out: the client seals it (class `concern`) to
 * the intake recipients the daemon names (concern.intake), each of whose cards is first proven
 * against the audit log (directory_trust_card), so the daemon cannot slip in a key of its own.
 * The partner keeps only the receipt, here, and can ask whether it was received and handled. */
#include "cmd_concern.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "areaprint.h"
#include "cmd_note.h"
#include "cmdutil.h"
#include "concern_receipts.h"
#include "concern_seal.h"
#include "directory.h"
#include "envelope.h"
#include "json.h"
#include "purposearg.h"
#include "trackarg.h"
#include "util.h"

/* ---- concern submit ---- */

static int cmd_concern_submit(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *purpose = NULL, *area = NULL;
  const cli_opt opts[] = {
      {"--purpose", "CODE", "why you hand it in: a purpose the policy declares (e.g. "
                            "forebyggelse)", &purpose, NULL, true},
      {"--area", "AREA", "the area it is about (optional)", &area, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "[FILE|-]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  if ((status = purposearg_check(&ctx, purpose)) != CLI_OK) return status;
  if (area && areaprint_check_label("area", area) != CLI_OK) return CLI_FAIL;
  client_config cfg;
  sv_identity *me = NULL;
  session *s = cmdutil_open_session(&ctx, &cfg, &me);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  size_t blen = 0, nr = 0;
  concern_receipt r;
  uint8_t *body = cmd_note_read_body(npos == 1 ? argv[1] : NULL, &blen);
  if (body == NULL) goto out;
  char err[512], hex[33];
  if (concern_seal_submit(s, &cfg, me, area, purpose, body, blen, &r, &nr, err, sizeof err) != 0) {
    cli_fail("concern submit: %s", err);
    goto out;
  }
  util_hex(hex, r.id, 16);
  if (concern_receipt_save(ctx.identity_dir, &r, err, sizeof err) != 0)
    fprintf(stderr, "samvirke: the concern was handed in, but the receipt could not be kept "
                    "(%s); write it down: %s\n", err, hex);
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "receipt", hex);
    json_kv_uint(&j, "time", r.time);
    json_kv_uint(&j, "recipients", nr);
    cmdutil_json_audit(&j, r.audit);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
  } else {
    char when[32];
    cmdutil_fmt_time(when, sizeof when, "%Y-%m-%d %H:%M", r.time, true);
    printf("concern handed in to the SSP regime (%zu recipients), encrypted end to end\n"
           "receipt: %s\naudit:   #%llu\ntime:    %s\n"
           "Keep the receipt; 'samvirke concern status' tells you when it has been handled.\n",
           nr, hex, (unsigned long long)r.audit, when);
    rc = CLI_OK;
  }
out:
  sodium_free(body); /* wipes the plaintext */
  session_close(s);
  identity_free(me);
  return rc;
}

/* ---- concern status (the submitter's receipts) ---- */

static int cmd_concern_status(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "[RECEIPT]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  concern_receipt *rs = NULL, one;
  size_t n = 0;
  char err[512];
  if (npos == 1) {
    memset(&one, 0, sizeof one);
    if (strlen(argv[1]) != 32 || util_unhex(one.id, 16, argv[1]) != 0)
      return cli_usage_error(&ctx, "a receipt is 32 hex digits, as 'concern submit' printed it");
    rs = &one;
    n = 1;
  } else if (concern_receipt_load(ctx.identity_dir, &rs, &n, err, sizeof err) != 0) {
    return cli_fail("%s", err);
  }
  if (n == 0) {
    if (npos == 0 && rs != &one) free(rs);
    if (ctx.json) printf("{\"receipts\":[]}\n");
    else printf("no receipts kept here (you have not handed in a concern from this identity)\n");
    return CLI_OK;
  }
  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  int rc = s ? CLI_OK : CLI_FAIL;
  json_out j;
  if (s && ctx.json) {
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "receipts");
    json_begin_array(&j);
  }
  for (size_t i = 0; s && i < n; i++) {
    char hex[33];
    util_hex(hex, rs[i].id, 16);
    const char *state;
    uint64_t t, audit;
    char e[512];
    if (concern_receipt_state(s, rs[i].id, &state, &t, &audit, e, sizeof e) != 0) {
      rc = cli_fail("concern status: %s", e);
      break;
    }
    bool known = strcmp(state, "unknown") != 0;
    if (ctx.json) {
      json_begin_object(&j);
      json_kv_str(&j, "receipt", hex);
      json_kv_str(&j, "state", state);
      if (known) json_kv_uint(&j, "time", t);
      json_kv_uint(&j, "audit", audit);
      json_end_object(&j);
    } else {
      char when[32] = "-";
      if (known) cmdutil_fmt_time(when, sizeof when, "%Y-%m-%d %H:%M", t, true);
      printf("%s  %-8s  handed in %s%s%s\n", hex, state, when, rs[i].area[0] ? "  area " : "",
             rs[i].area);
    }
  }
  if (s && ctx.json && rc == CLI_OK) {
    json_end_array(&j);
    json_end_object(&j);
    if (json_finish(&j) != 0) rc = cli_fail("cannot write output");
  }
  session_close(s);
  if (rs != &one) free(rs);
  return rc;
}

/* ---- the regime's side ---- */

static void print_concern(const msgpack_object *c) {
  printf("C%-4llu ", (unsigned long long)cmdutil_get_uint(c, "id"));
  areaprint_str_w(c, "status", 9);
  areaprint_time(c, "time");
  fputs("  from ", stdout);
  areaprint_str(c, "submitter");
  const char *area;
  size_t an;
  if (sv_map_str(c, "area", &area, &an) == 0 && an) {
    fputs("  area ", stdout);
    cli_print_text(stdout, area, an);
  }
  fputs("  purpose ", stdout);
  areaprint_str(c, "purpose");
  const char *as;
  size_t asn;
  if (sv_map_str(c, "assignee", &as, &asn) == 0 && asn) {
    fputs("  assigned to ", stdout);
    cli_print_text(stdout, as, asn);
  }
  uint64_t answers = cmdutil_get_uint(c, "answers");
  if (answers) printf("  %llu answer%s", (unsigned long long)answers, answers == 1 ? "" : "s");
  putchar('\n');
}

static int cmd_concern_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *st = NULL, *area = NULL;
  const cli_opt opts[] = {
      {"--status", "STATUS", "received, assigned or closed (default: all open ones)", &st, NULL,
       false},
      {"--area", "AREA", "only concerns about this area", &area, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;
  if (st && strcmp(st, "received") != 0 && strcmp(st, "assigned") != 0 && strcmp(st, "closed") != 0)
    return cli_usage_error(&ctx, "--status is received, assigned or closed");
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_CONCERN_LIST, SV_F_STATUS, st, SV_F_AREA, area) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "concern list", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *a = cmdutil_get_array(res, "concerns");
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else if (a == NULL || a->via.array.size == 0)
      printf("no concerns\n");
    else
      for (uint32_t i = 0; i < a->via.array.size; i++) print_concern(&a->via.array.ptr[i]);
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

/* The concern ID argument ("C3" or "3"). */
static int concern_arg(const cli_ctx *ctx, int npos, char **argv, uint64_t *id) {
  if (npos < 1 || (*id = trackarg_id(argv[1], 'C')) == 0)
    return cli_usage_error(ctx, "give the concern's ID (as 'samvirke concern list' shows it)");
  return 0;
}

static int cmd_concern_read(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if ((status = concern_arg(&ctx, npos, argv, &id)) != 0) return status;
  client_config cfg;
  sv_identity *me = NULL;
  session *s = cmdutil_open_session_max(&ctx, &cfg, &me, CMD_NOTE_FRAME_MAX);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  uint8_t *body = NULL;
  size_t blen = 0;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_CONCERN_FETCH);
  msgpack_unpacked resp;
  if (sv_request_set_uint(&req, SV_F_CONCERN, id) != 0) {
    msgpack_unpacked_init(&resp);
    cli_fail("out of memory");
    goto out;
  }
  if (cmdutil_call(s, &req, &resp, "concern read") != 0) goto out;
  uint64_t audit = cmdutil_last_audit(s);
  const msgpack_object *c = session_result(&resp);
  const uint8_t *env;
  size_t elen;
  if (c == NULL || sv_map_bin(c, "envelope", &env, &elen) != 0) {
    cli_fail("concern read: the server's answer is malformed");
    goto out;
  }
  envelope_header h;
  char sender[CARD_NAME_MAX + 1];
  if (cmd_note_open(s, &cfg, me, env, elen, &h, sender, sizeof sender, &body, &blen) != 0) goto out;
  if (strcmp(h.klass, "concern") != 0) {
    cli_fail("concern read: the envelope is of class %s, not concern", h.klass);
    goto out;
  }
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    static const char *const keys[] = {"id", "area", "purpose", "submitter", "time", "status",
                                       "assignee", "answers"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
      json_kv_msgpack(&j, keys[k], sv_map_get(c, keys[k]));
    json_kv_str(&j, "from_name", sender);
    json_key(&j, "body");
    json_strn(&j, (const char *)body, blen);
    cmdutil_json_audit(&j, audit);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
  } else {
    print_concern(c);
    printf("(signed by %s; audit #%llu)\n\n", sender, (unsigned long long)audit);
    size_t start = 0;
    for (size_t i = 0; i <= blen; i++)
      if (i == blen || body[i] == '\n') {
        cli_print_text(stdout, (const char *)body + start, i - start);
        putchar('\n');
        start = i + 1;
      }
    rc = CLI_OK;
  }
out:
  envelope_free_body(body, blen);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  identity_free(me);
  return rc;
}

/* concern assign ID WHO / concern close ID */
static int change_cmd(int argc, char **argv, const cli_ctx *ctx0, bool assign) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, assign ? "ID MEMBER" : "ID", &npos, &status) != 0)
    return status;
  uint64_t id;
  if ((status = concern_arg(&ctx, npos, argv, &id)) != 0) return status;
  if (npos != (assign ? 2 : 1))
    return cli_usage_error(&ctx, assign ? "give the concern's ID and the member to assign it to"
                                        : "give only the concern's ID");
  sv_request req;
  sv_request_init(&req, 0, assign ? SV_OP_CONCERN_ASSIGN : SV_OP_CONCERN_CLOSE);
  if (sv_request_set_uint(&req, SV_F_CONCERN, id) != 0 ||
      (assign && sv_request_set_str(&req, SV_F_WHO, argv[2]) != 0)) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, assign ? "concern assign" : "concern close", &req, &resp, &res,
                           &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      print_concern(res);
      printf("(%s, audit #%llu)\n", assign ? "assigned" : "closed; the receipt now says handled",
             (unsigned long long)audit);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_concern_assign(int argc, char **argv, const cli_ctx *ctx) { return change_cmd(argc, argv, ctx, true); }
static int cmd_concern_close(int argc, char **argv, const cli_ctx *ctx) { return change_cmd(argc, argv, ctx, false); }

static int cmd_concern_answer(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *purpose = NULL, *to = NULL;
  const cli_opt opts[] = {
      {"--purpose", "CODE", "the declared purpose of sharing (written in the log)", &purpose, NULL,
       true},
      {"--to", "NAMES", "regime members to send the answer to (default: the concern's other "
                        "recipients), separated by commas", &to, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "ID [FILE|-]", &npos, &status) != 0) return status;
  uint64_t id;
  if ((status = concern_arg(&ctx, npos, argv, &id)) != 0) return status;
  if (npos > 2) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[3]);
  if ((status = purposearg_check(&ctx, purpose)) != CLI_OK) return status;
  char *to_copy = to ? strdup(to) : NULL;
  char *names[ENVELOPE_MAX_RECIPIENTS];
  int nnames = to_copy ? trackarg_split(to_copy, names, ENVELOPE_MAX_RECIPIENTS) : 0;
  client_config cfg;
  sv_identity *me = NULL;
  session *s = cmdutil_open_session_max(&ctx, &cfg, &me, CMD_NOTE_FRAME_MAX);
  if (s == NULL) {
    free(to_copy);
    return CLI_FAIL;
  }
  int rc = CLI_FAIL;
  uint8_t *body = NULL, *env = NULL;
  size_t blen = 0, elen = 0, nr = 0;
  sv_card *cards = calloc(ENVELOPE_MAX_RECIPIENTS, sizeof *cards);
  const sv_card *rcpt[ENVELOPE_MAX_RECIPIENTS];
  char rnames[ENVELOPE_MAX_RECIPIENTS][CARD_NAME_MAX + 1];
  sv_request req;
  sv_request_init(&req, 0, SV_OP_CONCERN_FETCH);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  if (cards == NULL || sv_request_set_uint(&req, SV_F_CONCERN, id) != 0) {
    cli_fail("out of memory");
    goto out;
  }
  if (nnames == 0) {
    msgpack_unpacked_destroy(&resp);
    if (cmdutil_call(s, &req, &resp, "concern answer") != 0) goto out;
    const msgpack_object *rl = cmdutil_get_array(session_result(&resp), "recipients");
    for (uint32_t i = 0; rl && i < rl->via.array.size && nnames < ENVELOPE_MAX_RECIPIENTS; i++) {
      const msgpack_object *o = &rl->via.array.ptr[i];
      if (o->type != MSGPACK_OBJECT_STR || o->via.str.size > CARD_NAME_MAX) continue;
      if (o->via.str.size == strlen(me->card.name) &&
          memcmp(o->via.str.ptr, me->card.name, o->via.str.size) == 0)
        continue;
      memcpy(rnames[nnames], o->via.str.ptr, o->via.str.size);
      rnames[nnames][o->via.str.size] = '\0';
      names[nnames] = rnames[nnames];
      nnames++;
    }
    if (nnames == 0) {
      cli_fail("concern answer: nobody else received the concern; name recipients with --to");
      goto out;
    }
  }
  for (int i = 0; i < nnames; i++) {
    directory_trust t;
    char err[512];
    if (directory_trust_card(s, &cfg, names[i], 0, &t, err, sizeof err) != 0) {
      if (t.revoked && to == NULL) continue;
      cli_fail("concern answer: cannot trust the card of %s: %s", names[i], err);
      goto out;
    }
    cards[nr] = t.card;
    rcpt[nr] = &cards[nr];
    nr++;
  }
  body = cmd_note_read_body(npos == 2 ? argv[2] : NULL, &blen);
  if (body == NULL) goto out;
  envelope_params p = {.klass = "individual", .purpose = purpose, .recipients = rcpt,
                       .nrecipients = nr};
  int er = envelope_seal(me, &p, body, blen, &env, &elen);
  if (er != ENVELOPE_OK) {
    cli_fail("concern answer: %s", envelope_strerror(er));
    goto out;
  }
  sv_request_free(&req);
  sv_request_init(&req, 0, SV_OP_CONCERN_ANSWER);
  if (sv_request_set_uint(&req, SV_F_CONCERN, id) != 0 ||
      sv_request_set_bin(&req, SV_F_ENVELOPE, env, elen) != 0) {
    cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked_destroy(&resp);
  if (cmdutil_call(s, &req, &resp, "concern answer") != 0) goto out;
  uint64_t audit = cmdutil_last_audit(s);
  const msgpack_object *res = session_result(&resp);
  const uint8_t *nid;
  size_t nlen;
  char hex[33] = "?";
  if (res && sv_map_bin(res, "note", &nid, &nlen) == 0 && nlen == 16) util_hex(hex, nid, 16);
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_uint(&j, "concern", id);
    json_kv_str(&j, "note", hex);
    json_kv_uint(&j, "recipients", nr);
    cmdutil_json_audit(&j, audit);
    json_end_object(&j);
    rc = json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
  } else {
    printf("answered concern C%llu with note %s to %zu regime members (audit #%llu)\n",
           (unsigned long long)id, hex, nr, (unsigned long long)audit);
    rc = CLI_OK;
  }
out:
  sodium_free(body);
  free(env);
  free(cards);
  free(to_copy);
  sv_request_free(&req);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  identity_free(me);
  return rc;
}

const cli_cmd cmd_concern_table[] = {
    {"submit", cmd_concern_submit,
     "hand in a concern about a person, sealed to the SSP regime: --purpose CODE [--area A] "
     "[FILE|-]", NULL, NULL},
    {"status", cmd_concern_status, "whether your receipts were received and handled: [RECEIPT]",
     NULL, NULL},
    {"list", cmd_concern_list, "regime: list concerns: [--status S] [--area A]", NULL, NULL},
    {"read", cmd_concern_read, "regime: decrypt and read one: ID", NULL, NULL},
    {"assign", cmd_concern_assign, "regime: make a member responsible: ID MEMBER", NULL, NULL},
    {"close", cmd_concern_close, "regime: mark it handled: ID", NULL, NULL},
    {"answer", cmd_concern_answer,
     "regime: answer with a restricted note to the regime: ID --purpose CODE [--to NAMES] "
     "[FILE|-]", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
