/* cmdutil.c -- steps shared by commands: config and session, one call, fields of answers, output. */
#include "cmdutil.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int cmdutil_parse_noargs(int argc, char **argv, cli_ctx *ctx, const cli_opt *opts, int *status) {
  int npos = 0;
  if (cli_parse(argc, argv, ctx, opts, "", &npos, status) != 0) return -1;
  if (npos != 0) {
    *status = cli_usage_error(ctx, "unexpected argument '%s'", argv[1]);
    return -1;
  }
  return 0;
}

int cmdutil_load_config(const cli_ctx *ctx, client_config *cfg) {
  char err[512];
  if (client_config_load(ctx->identity_dir, cfg, err, sizeof err) != 0) {
    cli_fail("%s", err);
    return -1;
  }
  return 0;
}

session *cmdutil_open_session_max(const cli_ctx *ctx, client_config *cfg, sv_identity **id,
                                  size_t max_frame) {
  assert(ctx != NULL && cfg != NULL && id != NULL);
  char err[512];
  *id = NULL;
  if (cmdutil_load_config(ctx, cfg) != 0) return NULL;
  if (client_config_require_server(cfg, err, sizeof err) != 0) goto err;
  *id = client_config_load_identity(ctx->identity_dir, err, sizeof err);
  if (*id == NULL) goto err;
  session_params p = {.address = cfg->server, .server_pk = cfg->server_key,
                      .client_sk = (*id)->noise_sk, .max_frame = max_frame};
  session *s = session_connect(&p, err, sizeof err);
  if (s == NULL) goto err;
  return s;
err:
  cli_fail("%s", err);
  identity_free(*id);
  *id = NULL;
  return NULL;
}

session *cmdutil_open_session(const cli_ctx *ctx, client_config *cfg, sv_identity **id) {
  return cmdutil_open_session_max(ctx, cfg, id, 0);
}

session *cmdutil_open(const cli_ctx *ctx, client_config *cfg) {
  sv_identity *id = NULL;
  session *s = cmdutil_open_session(ctx, cfg, &id);
  identity_free(id);
  return s;
}

int cmdutil_call(session *s, sv_request *req, msgpack_unpacked *resp, const char *what) {
  assert(s != NULL && req != NULL && resp != NULL && what != NULL);
  char err[512];
  if (session_call(s, req, resp, err, sizeof err) != 0) {
    cli_fail("%s: %s", what, err);
    return -1;
  }
  return 0;
}

int cmdutil_request(const cli_ctx *ctx, const char *what, sv_request *req,
                    msgpack_unpacked *resp, const msgpack_object **result, uint64_t *audit) {
  msgpack_unpacked_init(resp);
  *result = NULL;
  *audit = CMDUTIL_NO_AUDIT;
  client_config cfg;
  session *s = cmdutil_open(ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  msgpack_unpacked_destroy(resp);
  int rc = CLI_FAIL;
  if (cmdutil_call(s, req, resp, what) == 0) {
    *result = session_result(resp);
    *audit = cmdutil_last_audit(s);
    rc = CLI_OK;
  }
  session_close(s);
  return rc;
}

int cmdutil_make_req(sv_request *req, enum sv_op op, enum sv_field f1, const char *v1,
                     enum sv_field f2, const char *v2) {
  sv_request_init(req, 0, op);
  if (v1 && sv_request_set_str(req, f1, v1) != 0) return -1;
  if (v2 && sv_request_set_str(req, f2, v2) != 0) return -1;
  return 0;
}

uint64_t cmdutil_last_audit(const session *s) {
  uint64_t a = 0;
  return session_last_audit(s, &a) ? a : CMDUTIL_NO_AUDIT;
}

void cmdutil_get_str(const msgpack_object *m, const char *key, char *out, size_t outlen) {
  assert(outlen > 0);
  const char *v = NULL;
  size_t n = 0;
  if (sv_map_str(m, key, &v, &n) != 0) n = 0;
  if (n >= outlen) n = outlen - 1;
  if (n) memcpy(out, v, n);
  out[n] = '\0';
}

uint64_t cmdutil_get_uint(const msgpack_object *m, const char *key) {
  uint64_t v = 0;
  sv_map_uint(m, key, &v);
  return v;
}

bool cmdutil_get_double(const msgpack_object *m, const char *key, double *out) {
  const msgpack_object *o = sv_map_get(m, key);
  if (o == NULL) return false;
  if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32)
    *out = o->via.f64;
  else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
    *out = (double)o->via.u64;
  else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
    *out = (double)o->via.i64;
  else
    return false;
  return true;
}

const msgpack_object *cmdutil_get_array(const msgpack_object *m, const char *key) {
  const msgpack_object *a = sv_map_get(m, key);
  return a != NULL && a->type == MSGPACK_OBJECT_ARRAY ? a : NULL;
}

void cmdutil_fmt_time(char *out, size_t outlen, const char *fmt, uint64_t t, bool local) {
  assert(out != NULL && outlen > 0);
  time_t tt = (time_t)t;
  struct tm tm;
  struct tm *ok = local ? localtime_r(&tt, &tm) : gmtime_r(&tt, &tm);
  /* fmt is checked at every call site (the declaration's format attribute). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  size_t n = ok != NULL ? strftime(out, outlen, fmt, &tm) : 0;
#pragma GCC diagnostic pop
  if (n == 0) snprintf(out, outlen, "%llu", (unsigned long long)t);
}

void cmdutil_print_field(const char *label, const msgpack_object *m, const char *key) {
  const char *v = NULL;
  size_t n = 0;
  if (sv_map_str(m, key, &v, &n) != 0) return;
  printf("%-12s ", label);
  cli_print_text(stdout, v, n);
  putchar('\n');
}

void cmdutil_print_member(const msgpack_object *m) {
  cmdutil_print_field("name", m, "name");
  cmdutil_print_field("role", m, "role");
  cmdutil_print_field("key id", m, "keyid");
  cmdutil_print_field("fingerprint", m, "fingerprint");
}

void cmdutil_json_audit(json_out *j, uint64_t audit) {
  json_key(j, "audit");
  if (audit != CMDUTIL_NO_AUDIT)
    json_uint(j, audit);
  else
    json_null(j);
}

int cmdutil_print_json_result(const char *key, const msgpack_object *r, uint64_t audit) {
  json_out j;
  json_init(&j, stdout);
  json_begin_object(&j);
  if (key != NULL) {
    json_kv_msgpack(&j, key, r);
  } else if (r != NULL && r->type == MSGPACK_OBJECT_MAP) {
    for (uint32_t i = 0; i < r->via.map.size; i++) {
      const msgpack_object_kv *kv = &r->via.map.ptr[i];
      if (kv->key.type != MSGPACK_OBJECT_STR) continue;
      char k[64];
      snprintf(k, sizeof k, "%.*s", (int)kv->key.via.str.size, kv->key.via.str.ptr);
      json_kv_msgpack(&j, k, &kv->val);
    }
  }
  cmdutil_json_audit(&j, audit);
  json_end_object(&j);
  return json_finish(&j) == 0 ? CLI_OK : cli_fail("cannot write output");
}

/* ---- the regime and confirmations ---- */

bool cmdutil_regime_role(const char *role) {
  static const char *const regime[] = {"coordinator", "ssp", "police", NULL};
  for (int i = 0; regime[i] != NULL; i++)
    if (strcmp(regime[i], role) == 0) return true;
  return false;
}

int cmdutil_confirm(const cli_ctx *ctx, bool yes, const char *what, const char *question) {
  if (yes) return CLI_OK;
  if (!isatty(STDIN_FILENO) || !isatty(STDERR_FILENO))
    return cli_usage_error(ctx, "%s: %s Add --yes to confirm when not at a terminal", what,
                           question);
  fprintf(stderr, "%s Type yes to go on: ", question);
  fflush(stderr);
  char line[16];
  if (fgets(line, sizeof line, stdin) == NULL || strcmp(line, "yes\n") != 0)
    return cli_fail("%s: not confirmed; nothing was changed", what);
  return CLI_OK;
}
