/* cmd_area.c -- area data from the command line: areas, observations, interventions. */
#include "cmd_area.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "guard.h"
#include "json.h"
#include "timearg.h"
#include "util.h"

#define TEXT_MAX_LOCAL (1u << 20) /* the daemon enforces its own, smaller, limit */

/* ---- shared helpers ---- */

int area_parse_at(const char *s, double *lat, double *lon) {
  char *end = NULL;
  errno = 0;
  double a = strtod(s, &end);
  if (errno != 0 || end == s || *end != ',') return -1;
  const char *t = end + 1;
  double b = strtod(t, &end);
  if (errno != 0 || end == t || *end != '\0') return -1;
  if (!guard_coords_valid(a, b)) return -1;
  *lat = a;
  *lon = b;
  return 0;
}

/* Parse a positive id; 0 when s is not one. */
static uint64_t parse_id(const char *s) {
  if (s[0] == '#') s++;
  char *end = NULL;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v == 0) return 0;
  return v;
}

/* Join argv[from..to) with single spaces into a malloc'd string (NULL on allocation failure). */
static char *join_words(char **argv, int from, int to) {
  size_t n = 1;
  for (int i = from; i < to; i++) n += strlen(argv[i]) + 1;
  char *s = malloc(n);
  if (s == NULL) return NULL;
  s[0] = '\0';
  size_t at = 0;
  for (int i = from; i < to; i++) {
    size_t l = strlen(argv[i]);
    if (i > from) s[at++] = ' ';
    memcpy(s + at, argv[i], l);
    at += l;
    s[at] = '\0';
  }
  return s;
}

/* Refuse locally what the daemon would refuse as personal data (the text never leaves). */
static int local_text_check(const char *what, const char *text) {
  size_t n = strlen(text);
  if (n == 0) return cli_fail("%s is empty", what);
  if (n > TEXT_MAX_LOCAL) return cli_fail("%s is too long", what);
  if (!util_utf8_valid(text, n, true)) return cli_fail("%s is not valid UTF-8 text", what);
  if (guard_find_cpr(text, n, NULL, NULL))
    return cli_fail("personal_data: %s: %s (nothing was sent)", what, GUARD_CPR_MESSAGE);
  return CLI_OK;
}

static int local_label_check(const char *what, const char *s) {
  enum guard_label_status st = guard_label_check(s, strlen(s), GUARD_LABEL_MAX);
  if (st != GUARD_LABEL_OK)
    return cli_fail("%s %s", what, guard_label_message(st));
  if (guard_find_cpr(s, strlen(s), NULL, NULL))
    return cli_fail("personal_data: %s: %s (nothing was sent)", what, GUARD_CPR_MESSAGE);
  return CLI_OK;
}

/* Print field key of map m (a string) made safe for a terminal; "-" when absent. */
static void put_str(const msgpack_object *m, const char *key) {
  const char *v;
  size_t n;
  if (sv_map_str(m, key, &v, &n) == 0)
    cli_print_text(stdout, v, n);
  else
    fputs("-", stdout);
}

/* Print a string padded to width display columns (counting UTF-8 code points). */
static void put_str_w(const msgpack_object *m, const char *key, int width) {
  const char *v = "-";
  size_t n = 1;
  sv_map_str(m, key, &v, &n);
  cli_print_text(stdout, v, n);
  int cols = 0;
  for (size_t i = 0; i < n; i++)
    if (((unsigned char)v[i] & 0xc0) != 0x80) cols++;
  for (; cols < width; cols++) putchar(' ');
}

static void put_time(const msgpack_object *m, const char *key) {
  uint64_t t = 0;
  if (sv_map_uint(m, key, &t) != 0) {
    fputs("-", stdout);
    return;
  }
  char buf[32];
  cmdutil_fmt_time(buf, sizeof buf, "%Y-%m-%d %H:%M", t, true);
  fputs(buf, stdout);
}

/* Print multi-line text indented, each line made safe. */
static void put_text_block(const msgpack_object *m, const char *key, const char *indent) {
  const char *v;
  size_t n;
  if (sv_map_str(m, key, &v, &n) != 0) return;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || v[i] == '\n') {
      size_t end = i;
      if (end > start && v[end - 1] == '\r') end--;
      fputs(indent, stdout);
      cli_print_text(stdout, v + start, end - start);
      putchar('\n');
      start = i + 1;
    }
  }
}

static void print_observation(const msgpack_object *o) {
  printf("#%-5llu ", (unsigned long long)cmdutil_get_uint(o, "id"));
  put_str_w(o, "kind", 10);
  put_str_w(o, "category", 16);
  uint64_t size;
  if (sv_map_uint(o, "size", &size) == 0) {
    char lv[48];
    const char *l = "?";
    size_t ln = 1;
    sv_map_str(o, "level", &l, &ln);
    int w = snprintf(lv, sizeof lv, "%.*s ~%llu", (int)(ln < 16 ? ln : 16), l,
                     (unsigned long long)size);
    cli_print_text(stdout, lv, strlen(lv));
    for (; w < 11; w++) putchar(' ');
  } else {
    put_str_w(o, "level", 11);
  }
  fputs(" ", stdout);
  put_time(o, "time");
  fputs("  ", stdout);
  put_str(o, "author");
  double lat, lon;
  if (cmdutil_get_double(o, "lat", &lat) && cmdutil_get_double(o, "lon", &lon))
    printf("  @ %.5f,%.5f", lat, lon);
  putchar('\n');
  put_text_block(o, "text", "       ");
}

static void print_intervention(const msgpack_object *o) {
  printf("#%-5llu ", (unsigned long long)cmdutil_get_uint(o, "id"));
  put_str_w(o, "area", 16);
  put_str_w(o, "level", 6);
  put_str_w(o, "step", 10);
  put_str_w(o, "status", 8);
  put_time(o, "updated");
  fputs("  ", stdout);
  put_str(o, "author");
  putchar('\n');
  put_text_block(o, "text", "       ");
}

/* ---- area add / list ---- */

static int cmd_area_add(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *desc = NULL;
  const cli_opt opts[] = {
      {"--description", "TEXT", "what the area is (optional)", &desc, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "NAME", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the area's NAME (quote it if it has spaces)");
  if (local_label_check("area name", argv[1]) != CLI_OK) return CLI_FAIL;
  if (desc != NULL && desc[0] && local_text_check("description", desc) != CLI_OK) return CLI_FAIL;
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_AREA_ADD, SV_F_NAME, argv[1], SV_F_DESCRIPTION, desc) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "area add", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      printf("area #%llu '", (unsigned long long)cmdutil_get_uint(res, "id"));
      put_str(res, "name");
      printf("' added (audit #%llu)\n", (unsigned long long)audit);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_area_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, NULL, &status) != 0) return status;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_AREA_LIST);
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "area list", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *a = cmdutil_get_array(res, "areas");
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else if (a == NULL || a->via.array.size == 0) {
      printf("no areas yet (add one with 'samvirke area add NAME')\n");
    } else {
      for (uint32_t i = 0; i < a->via.array.size; i++) {
        const msgpack_object *o = &a->via.array.ptr[i];
        printf("#%-4llu ", (unsigned long long)cmdutil_get_uint(o, "id"));
        put_str_w(o, "name", 24);
        const char *d;
        size_t dn;
        if (sv_map_str(o, "description", &d, &dn) == 0 && dn > 0) {
          const char *nl = memchr(d, '\n', dn);
          cli_print_text(stdout, d, nl ? (size_t)(nl - d) : dn);
        }
        putchar('\n');
      }
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

const cli_cmd cmd_area_table[] = {
    {"add", cmd_area_add, "add an area: samvirke area add NAME [--description TEXT]", NULL, NULL},
    {"list", cmd_area_list, "list the areas", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- observe / observations ---- */

int cmd_observe(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  bool resource = false, challenge = false, group = false;
  const char *category = NULL, *size_s = NULL, *at = NULL;
  const cli_opt opts[] = {
      {"--resource", NULL, "a resource (a playground, a choir, a fathers' group)", NULL, &resource,
       false},
      {"--challenge", NULL, "a challenge (an unsafe spot, a worrying grouping)", NULL, &challenge,
       false},
      {"--category", "CAT", "category, e.g. fritid, tryghed, skole", &category, NULL, true},
      {"--group", NULL, "about a group of people (needs --size)", NULL, &group, false},
      {"--size", "N", "approximate number of people in the group", &size_s, NULL, false},
      {"--at", "LAT,LON", "where (WGS 84 degrees), e.g. 56.1535,10.1330", &at, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA TEXT...", &npos, &status) != 0) return status;
  if (npos < 2) return cli_usage_error(&ctx, "give the AREA and the observation TEXT");
  if (resource == challenge) return cli_usage_error(&ctx, "give exactly one of --resource or --challenge");
  uint64_t size = 0;
  if (size_s != NULL && (size = parse_id(size_s)) == 0)
    return cli_usage_error(&ctx, "--size must be a positive whole number");
  if (group && size_s == NULL)
    return cli_usage_error(&ctx, "a --group observation needs --size N (the group's approximate size)");
  double lat = 0, lon = 0;
  if (at != NULL && area_parse_at(at, &lat, &lon) != 0)
    return cli_usage_error(&ctx, "--at takes LAT,LON in degrees, e.g. 56.1535,10.1330");
  char *text = join_words(argv, 2, npos + 1);
  if (text == NULL) return cli_fail("out of memory");
  int rc = CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_ADD);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  if (local_label_check("area", argv[1]) != CLI_OK ||
      local_label_check("category", category) != CLI_OK ||
      local_text_check("text", text) != CLI_OK)
    goto out;
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0 ||
      sv_request_set_str(&req, SV_F_KIND, resource ? "resource" : "challenge") != 0 ||
      sv_request_set_str(&req, SV_F_CATEGORY, category) != 0 ||
      sv_request_set_str(&req, SV_F_LEVEL, group ? "group" : "area") != 0 ||
      sv_request_set_str(&req, SV_F_TEXT, text) != 0 ||
      (size_s && sv_request_set_uint(&req, SV_F_SIZE, size) != 0) ||
      (at && (sv_request_set_double(&req, SV_F_LAT, lat) != 0 ||
              sv_request_set_double(&req, SV_F_LON, lon) != 0))) {
    rc = cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked_destroy(&resp);
  const msgpack_object *res;
  uint64_t audit;
  rc = cmdutil_request(&ctx, "observe", &req, &resp, &res, &audit);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      printf("observation #%llu recorded in ", (unsigned long long)cmdutil_get_uint(res, "id"));
      put_str(res, "area");
      printf(" (audit #%llu)\n", (unsigned long long)audit);
    }
  }
out:
  msgpack_unpacked_destroy(&resp);
  sv_request_free(&req);
  free(text);
  return rc;
}

int cmd_observations(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *kind = NULL, *category = NULL, *since_s = NULL;
  const cli_opt opts[] = {
      {"--kind", "KIND", "resource or challenge", &kind, NULL, false},
      {"--category", "CAT", "only this category", &category, NULL, false},
      {"--since", "TIME", "only observations made at or after TIME (see Times below)", &since_s,
       NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  if (kind && strcmp(kind, "resource") != 0 && strcmp(kind, "challenge") != 0)
    return cli_usage_error(&ctx, "--kind is resource or challenge");
  uint64_t since = 0;
  char terr[200];
  if (since_s && timearg_parse_time(since_s, util_unix_ms(), TIMEARG_BACK, &since, terr,
                                    sizeof terr) != 0)
    return cli_usage_error(&ctx, "--since takes a time: %s", terr);
  since /= 1000; /* the daemon compares Unix seconds */
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_LIST);
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0 ||
      (kind && sv_request_set_str(&req, SV_F_KIND, kind) != 0) ||
      (category && sv_request_set_str(&req, SV_F_CATEGORY, category) != 0) ||
      (since_s && sv_request_set_uint(&req, SV_F_SINCE, since) != 0)) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "observations", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *a = cmdutil_get_array(res, "observations");
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else if (a == NULL || a->via.array.size == 0) {
      printf("no observations\n");
    } else {
      for (uint32_t i = 0; i < a->via.array.size; i++) print_observation(&a->via.array.ptr[i]);
      bool trunc = false;
      sv_map_bool(res, "truncated", &trunc);
      if (trunc) printf("(list cut short by the server; narrow it with --since)\n");
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

/* ---- observation correct / withdraw ---- */

static int cmd_obs_correct(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *text = NULL, *category = NULL, *size_s = NULL, *at = NULL;
  const cli_opt opts[] = {
      {"--text", "TEXT", "new text", &text, NULL, false},
      {"--category", "CAT", "new category", &category, NULL, false},
      {"--size", "N", "new group size", &size_s, NULL, false},
      {"--at", "LAT,LON", "new place", &at, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if (npos != 1 || (id = parse_id(argv[1])) == 0)
    return cli_usage_error(&ctx, "give the observation's ID");
  if (!text && !category && !size_s && !at)
    return cli_usage_error(&ctx, "nothing to correct: give --text, --category, --size or --at");
  uint64_t size = 0;
  if (size_s != NULL && (size = parse_id(size_s)) == 0)
    return cli_usage_error(&ctx, "--size must be a positive whole number");
  double lat = 0, lon = 0;
  if (at != NULL && area_parse_at(at, &lat, &lon) != 0)
    return cli_usage_error(&ctx, "--at takes LAT,LON in degrees, e.g. 56.1535,10.1330");
  if (text && local_text_check("text", text) != CLI_OK) return CLI_FAIL;
  if (category && local_label_check("category", category) != CLI_OK) return CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_UPDATE);
  if (sv_request_set_uint(&req, SV_F_OBSERVATION, id) != 0 ||
      (text && sv_request_set_str(&req, SV_F_TEXT, text) != 0) ||
      (category && sv_request_set_str(&req, SV_F_CATEGORY, category) != 0) ||
      (size_s && sv_request_set_uint(&req, SV_F_SIZE, size) != 0) ||
      (at && (sv_request_set_double(&req, SV_F_LAT, lat) != 0 ||
              sv_request_set_double(&req, SV_F_LON, lon) != 0))) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "observation correct", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else
      printf("observation #%llu corrected (audit #%llu)\n", (unsigned long long)id,
             (unsigned long long)audit);
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_obs_withdraw(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if (npos != 1 || (id = parse_id(argv[1])) == 0)
    return cli_usage_error(&ctx, "give the observation's ID");
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_WITHDRAW);
  if (sv_request_set_uint(&req, SV_F_OBSERVATION, id) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "observation withdraw", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else
      printf("observation #%llu withdrawn (audit #%llu)\n", (unsigned long long)id,
             (unsigned long long)audit);
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

const cli_cmd cmd_observation_table[] = {
    {"correct", cmd_obs_correct, "correct your own observation: ID [--text T] [--category C] "
                                 "[--size N] [--at LAT,LON]", NULL, NULL},
    {"withdraw", cmd_obs_withdraw, "withdraw your own observation: ID", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- interventions ---- */

static int cmd_iv_add(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *level = NULL, *step = NULL;
  const cli_opt opts[] = {
      {"--level", "area|group", "whom it is for", &level, NULL, true},
      {"--step", "STEP", "establish, map, analyse or act", &step, NULL, true},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA TEXT...", &npos, &status) != 0) return status;
  if (npos < 2) return cli_usage_error(&ctx, "give the AREA and the intervention TEXT");
  if (strcmp(level, "area") != 0 && strcmp(level, "group") != 0)
    return cli_usage_error(&ctx, "--level is area or group");
  if (strcmp(step, "establish") != 0 && strcmp(step, "map") != 0 && strcmp(step, "analyse") != 0 &&
      strcmp(step, "act") != 0)
    return cli_usage_error(&ctx, "--step is one of establish, map, analyse, act");
  char *text = join_words(argv, 2, npos + 1);
  if (text == NULL) return cli_fail("out of memory");
  int rc = CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_IV_ADD);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  if (local_label_check("area", argv[1]) != CLI_OK || local_text_check("text", text) != CLI_OK)
    goto out;
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0 ||
      sv_request_set_str(&req, SV_F_LEVEL, level) != 0 ||
      sv_request_set_str(&req, SV_F_STEP, step) != 0 ||
      sv_request_set_str(&req, SV_F_TEXT, text) != 0) {
    rc = cli_fail("out of memory");
    goto out;
  }
  msgpack_unpacked_destroy(&resp);
  const msgpack_object *res;
  uint64_t audit;
  rc = cmdutil_request(&ctx, "intervention add", &req, &resp, &res, &audit);
  if (rc == CLI_OK) {
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else
      printf("intervention #%llu planned (audit #%llu)\n",
             (unsigned long long)cmdutil_get_uint(res, "id"), (unsigned long long)audit);
  }
out:
  msgpack_unpacked_destroy(&resp);
  sv_request_free(&req);
  free(text);
  return rc;
}

static int cmd_iv_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "[AREA]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_IV_LIST, SV_F_AREA, npos == 1 ? argv[1] : NULL, SV_F_AREA,
                       NULL) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "intervention list", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *a = cmdutil_get_array(res, "interventions");
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else if (a == NULL || a->via.array.size == 0) {
      printf("no interventions\n");
    } else {
      for (uint32_t i = 0; i < a->via.array.size; i++) print_intervention(&a->via.array.ptr[i]);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_iv_update(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *st = NULL;
  const cli_opt opts[] = {
      {"--status", "STATUS", "planned, running or done", &st, NULL, true},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if (npos != 1 || (id = parse_id(argv[1])) == 0)
    return cli_usage_error(&ctx, "give the intervention's ID");
  if (strcmp(st, "planned") != 0 && strcmp(st, "running") != 0 && strcmp(st, "done") != 0)
    return cli_usage_error(&ctx, "--status is planned, running or done");
  sv_request req;
  sv_request_init(&req, 0, SV_OP_IV_UPDATE);
  if (sv_request_set_uint(&req, SV_F_INTERVENTION, id) != 0 ||
      sv_request_set_str(&req, SV_F_STATUS, st) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "intervention update", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else
      printf("intervention #%llu is now %s (audit #%llu)\n", (unsigned long long)id, st,
             (unsigned long long)audit);
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

const cli_cmd cmd_intervention_table[] = {
    {"add", cmd_iv_add, "plan one: AREA --level area|group --step STEP TEXT", NULL, NULL},
    {"list", cmd_iv_list, "list interventions: [AREA]", NULL, NULL},
    {"update", cmd_iv_update, "follow up: ID --status planned|running|done", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
