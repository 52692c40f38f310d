/* cmd_audit_report.c -- `samvirke audit report`: for the people who oversee the service, who did
 * what over a period, by name, with refusals, failed requests, directory changes and policy
 * reloads, from the fetched trail once it has verified against the signed checkpoint (as
 * `audit verify` does, moving the trusted checkpoint). Names come from the server's directory,
 * each bound to its key by the trail's own registration entry (audit_report.h). */
#include "cmd_audit_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_file.h"
#include "audit_report.h"
#include "audit_trail.h"
#include "cmdutil.h"
#include "codec.h"
#include "keys.h"
#include "timearg.h"
#include "tlog.h"
#include "trusted.h"
#include "util.h"

/* Read the directory from the server into resp (destroyed by the caller). Returns the member
 * array, or NULL after printing why. */
static const msgpack_object *read_directory(const cli_ctx *ctx, msgpack_unpacked *resp) {
  client_config cfg;
  session *s = cmdutil_open(ctx, &cfg);
  if (s == NULL) return NULL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEMBER_LIST);
  int rc = cmdutil_call(s, &req, resp, "member list");
  sv_request_free(&req);
  session_close(s);
  if (rc != 0) return NULL;
  const msgpack_object *r = session_result(resp);
  if (r == NULL || r->type != MSGPACK_OBJECT_ARRAY) {
    cli_fail("member list: the server's answer is malformed");
    return NULL;
  }
  return r;
}

/* Add the members of dir (member.list's array; NULL: none) to r. Returns 0, or -1 after
 * printing why. */
static int add_members(audit_report *r, const msgpack_object *dir) {
  for (uint32_t i = 0; dir != NULL && i < dir->via.array.size; i++) {
    const msgpack_object *m = &dir->via.array.ptr[i];
    char name[CARD_NAME_MAX + 1], keyid[CARD_KEYID_HEX], role[AUDIT_NAME_MAX + 1], err[300];
    const uint8_t *card = NULL;
    size_t cardlen = 0;
    uint64_t reg = 0;
    cmdutil_get_str(m, "name", name, sizeof name);
    cmdutil_get_str(m, "keyid", keyid, sizeof keyid);
    cmdutil_get_str(m, "role", role, sizeof role);
    bool has_reg = sv_map_uint(m, "reg_seq", &reg) == 0;
    if (sv_map_bin(m, "card", &card, &cardlen) != 0) {
      cli_fail("member list: '%s' has no card", name);
      return -1;
    }
    if (audit_report_add_member(r, name, keyid, role, card, cardlen, reg, has_reg, err,
                                sizeof err) != 0) {
      cli_fail("member list: %s", err);
      return -1;
    }
  }
  return 0;
}

int cmd_audit_report(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *since_s = NULL, *until_s = NULL, *actor = NULL, *format_s = NULL, *file = NULL;
  bool offline = false;
  const cli_opt opts[] = {
      {"--since", "TIME", "only entries at or after TIME (see Times below)", &since_s, NULL,
       false},
      {"--until", "TIME", "only entries at or before TIME", &until_s, NULL, false},
      {"--actor", "NAME", "only this member's requests (a name, or a key id prefix)", &actor,
       NULL, false},
      {"--format", "text|csv|html", "the report's form (default text)", &format_s, NULL, false},
      {"--file", "FILE", "entries file (default <identity>/audit/entries.bin)", &file, NULL,
       false},
      {"--offline", NULL, "do not read the directory from the server: key ids, no names", NULL,
       &offline, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "", &npos, &status) != 0) return status;
  if (npos != 0) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[1]);
  if (ctx.json) return cli_usage_error(&ctx, "the report is text, CSV or HTML: use --format");
  enum audit_report_format format;
  if (audit_report_format_parse(format_s, &format) != 0)
    return cli_usage_error(&ctx, "--format takes text, csv or html");
  uint64_t now = util_unix_ms(), since = 0, until = UINT64_MAX;
  char err[800];
  if (since_s != NULL &&
      timearg_parse_time(since_s, now, TIMEARG_BACK, &since, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "--since takes a time: %s", err);
  if (until_s != NULL &&
      timearg_parse_time(until_s, now, TIMEARG_BACK, &until, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "--until takes a time: %s", err);
  if (until < since) return cli_usage_error(&ctx, "--until is before --since");
  if (actor != NULL && actor[0] == '\0') return cli_usage_error(&ctx, "--actor needs a name");

  audit_paths p;
  if (audit_paths_init(ctx.identity_dir, file, &p) != 0) return cli_fail("path too long");
  client_config cfg;
  note_verifier v;
  if (cmdutil_load_config(&ctx, &cfg) != 0) return CLI_FAIL;
  if (tlog_key_parse(cfg.log_key, &v, err, sizeof err) != 0) return cli_fail("%s", err);
  checkpoint cp, tr;
  char *note = NULL;
  if (audit_trail_checkpoint(&p, &v, &cp, &note) != 0) return CLI_FAIL;

  int rc = CLI_FAIL;
  audit_report *r = NULL;
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  const msgpack_object *dir = NULL;
  if (!offline && (dir = read_directory(&ctx, &resp)) == NULL) goto out;
  audit_trail_result res;
  bool have_tr = false;
  int outcome = TRUSTED_ERR;
  for (int attempt = 0;; attempt++) {
    /* A fresh report for every pass: what a pass fed is authenticated only if it verified. */
    audit_report_free(r);
    r = audit_report_new(format, since, until, actor);
    if (r == NULL) {
      cli_fail("out of memory");
      goto out;
    }
    if (add_members(r, dir) != 0) goto out;
    if (!audit_report_actor_known(r)) {
      cli_fail("the directory has no member named '%s' (give a name as 'member list' shows it, "
               "or a key id)", actor);
      goto out;
    }
    if (audit_trail_verify(&p, cfg.dir, &v, &cp, note, NULL, audit_report_entry, r, &res, &tr,
                           &have_tr, &outcome) != 0) {
      cli_fail("the audit trail does not verify: nothing is reported");
      goto out;
    }
    if (outcome != TRUSTED_ERR_STALE) break;
    if (attempt + 1 == TRUSTED_RETRIES) {
      cli_fail("the trusted checkpoint keeps changing (another samvirke of this identity); "
               "report again");
      goto out;
    }
  }
  audit_report_source src = {.start = res.start, .size = cp.size, .have_trusted = have_tr,
                             .trusted_size = have_tr ? tr.size : 0, .names = dir != NULL};
  memcpy(src.root, cp.root, 32);
  if (audit_report_write(r, &src, stdout) != 0) {
    cli_fail("cannot write the report");
    goto out;
  }
  rc = CLI_OK;
out:
  audit_report_free(r);
  msgpack_unpacked_destroy(&resp);
  free(note);
  return rc;
}
