/* cmd_status.c -- `samvirke ping` and `samvirke whoami`: is the server there, who am I to it. */
#include "cmd_status.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "codec.h"
#include "json.h"
#include "util.h"

#define PING_MAX_COUNT 1000000

/* Parse a positive count; -1 when s is not an integer in [1, max]. */
static long parse_count(const char *s, long max) {
  char *end = NULL;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || v < 1 || v > max) return -1;
  return v;
}

int cmd_ping(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *count_s = NULL;
  const cli_opt opts[] = {
      {"--count", "N", "send N pings (default 1)", &count_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;
  long count = 1;
  if (count_s != NULL && (count = parse_count(count_s, PING_MAX_COUNT)) < 0)
    return cli_usage_error(&ctx, "--count must be a whole number from 1 to %d", PING_MAX_COUNT);

  client_config cfg;
  uint64_t t0 = util_now_ns();
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  double connect_ms = (double)(util_now_ns() - t0) / 1e6;

  /* JSON goes to memory first, so a failure midway leaves no half object on stdout. */
  json_out j;
  char *jbuf = NULL;
  size_t jlen = 0;
  FILE *mem = NULL;
  if (ctx.json) {
    if ((mem = open_memstream(&jbuf, &jlen)) == NULL) {
      session_close(s);
      return cli_fail("out of memory");
    }
    json_init(&j, mem);
    json_begin_object(&j);
    json_kv_str(&j, "server", session_address(s));
    json_kv_double(&j, "connect_ms", connect_ms);
    json_key(&j, "pings");
    json_begin_array(&j);
  }
  int rc = CLI_OK;
  double min = 0, max = 0, sum = 0;
  char err[512];
  for (long i = 0; i < count; i++) {
    sv_request req;
    msgpack_unpacked resp;
    sv_request_init(&req, 0, SV_OP_PING);
    uint64_t t1 = util_now_ns();
    int r = session_call(s, &req, &resp, err, sizeof err);
    double ms = (double)(util_now_ns() - t1) / 1e6;
    sv_request_free(&req);
    if (r != 0) {
      msgpack_unpacked_destroy(&resp);
      rc = CLI_FAIL;
      break;
    }
    uint64_t stime = 0;
    uint64_t audit = cmdutil_last_audit(s);
    const msgpack_object *res = session_result(&resp);
    bool has_time = res != NULL && sv_map_uint(res, "time", &stime) == 0;
    if (i == 0 || ms < min) min = ms;
    if (i == 0 || ms > max) max = ms;
    sum += ms;
    if (ctx.json) {
      json_begin_object(&j);
      json_kv_double(&j, "rtt_ms", ms);
      cmdutil_json_audit(&j, audit);
      json_key(&j, "server_time_ms");
      if (has_time) json_uint(&j, stime); else json_null(&j);
      json_end_object(&j);
    } else if (audit != CMDUTIL_NO_AUDIT) {
      printf("pong from %s: %.2f ms (audit #%llu)\n", session_address(s), ms,
             (unsigned long long)audit);
    } else {
      printf("pong from %s: %.2f ms\n", session_address(s), ms);
    }
    fflush(stdout);
    msgpack_unpacked_destroy(&resp);
  }
  long done = rc == CLI_OK ? count : 0;
  if (ctx.json) {
    json_end_array(&j);
    if (rc == CLI_OK) {
      json_kv_double(&j, "min_ms", min);
      json_kv_double(&j, "avg_ms", sum / (double)count);
      json_kv_double(&j, "max_ms", max);
    }
    json_end_object(&j);
    int jr = json_finish(&j);
    fclose(mem);
    if (rc == CLI_OK && (jr != 0 || fwrite(jbuf, 1, jlen, stdout) != jlen || fflush(stdout) != 0))
      rc = cli_fail("cannot write output");
    free(jbuf);
  } else if (done > 1) {
    printf("%ld pings: min/avg/max = %.2f/%.2f/%.2f ms\n", done, min, sum / (double)done, max);
  }
  if (rc != CLI_OK && done == 0) cli_fail("ping: %s", err);
  session_close(s);
  return rc;
}

int cmd_whoami(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, NULL, &status) != 0) return status;

  client_config cfg;
  sv_identity *id = NULL;
  session *s = cmdutil_open_session(&ctx, &cfg, &id);
  if (s == NULL) return CLI_FAIL;
  char fp[CARD_FINGERPRINT_LEN];
  card_fingerprint(&id->card, fp);
  identity_free(id);

  sv_request req;
  msgpack_unpacked resp;
  sv_request_init(&req, 0, SV_OP_WHOAMI);
  int r = cmdutil_call(s, &req, &resp, "whoami");
  sv_request_free(&req);
  int rc = CLI_OK;
  if (r != 0) {
    rc = CLI_FAIL;
    goto out;
  }
  const msgpack_object *m = session_result(&resp);
  bool enrolled = m != NULL && m->type == MSGPACK_OBJECT_MAP;
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_bool(&j, "enrolled", enrolled);
    json_kv_msgpack(&j, "member", enrolled ? m : NULL);
    if (!enrolled) json_kv_str(&j, "fingerprint", fp);
    cmdutil_json_audit(&j, cmdutil_last_audit(s));
    json_end_object(&j);
    if (json_finish(&j) != 0) rc = cli_fail("cannot write output");
  } else if (enrolled) {
    cmdutil_print_member(m);
  } else {
    printf("not enrolled: %s does not know this key yet (your fingerprint: %s)\n",
           session_address(s), fp);
  }
out:
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}
