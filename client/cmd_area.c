/* cmd_area.c -- area data from the command line: areas, observations, interventions. */
#include "cmd_area.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "areaprint.h"
#include "cmdutil.h"
#include "geojson.h"
#include "guard.h"
#include "trackarg.h"
#include "json.h"
#include "timearg.h"
#include "util.h"

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
  if (areaprint_check_label("area name", argv[1]) != CLI_OK) return CLI_FAIL;
  if (desc != NULL && desc[0] && areaprint_check_text("description", desc) != CLI_OK) return CLI_FAIL;
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
      areaprint_str(res, "name");
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
        areaprint_str_w(o, "name", 24);
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

static int cmd_area_update(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *desc = NULL, *outline = NULL;
  bool clear = false;
  const cli_opt opts[] = {
      {"--description", "TEXT", "a new description", &desc, NULL, false},
      {"--boundary", "FILE", "the area's outline: a GeoJSON Polygon (or a Feature with one)",
       &outline, NULL, false},
      {"--no-boundary", NULL, "remove the outline", NULL, &clear, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  if (!desc && !outline && !clear)
    return cli_usage_error(&ctx, "nothing to change: give --description, --boundary or --no-boundary");
  if (outline && clear) return cli_usage_error(&ctx, "give --boundary or --no-boundary, not both");
  if (desc && desc[0] && areaprint_check_text("description", desc) != CLI_OK) return CLI_FAIL;
  double *pts = NULL;
  size_t npts = 0;
  if (outline) {
    size_t len = 0;
    char err[300];
    uint8_t *text = util_read_file(outline, 16u << 20, &len);
    if (text == NULL) return cli_fail("%s: %s", outline, strerror(errno));
    int r = geojson_outline((const char *)text, len, &pts, &npts, err, sizeof err);
    free(text);
    if (r != 0) return cli_fail("%s: %s", outline, err);
  }
  sv_request req;
  sv_request_init(&req, 0, SV_OP_AREA_UPDATE);
  int rc = CLI_FAIL;
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0 ||
      (desc && sv_request_set_str(&req, SV_F_DESCRIPTION, desc) != 0) ||
      ((outline || clear) && sv_request_set_doubles(&req, SV_F_BOUNDARY, pts, 2 * npts) != 0)) {
    free(pts);
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  free(pts);
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  rc = cmdutil_request(&ctx, "area update", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      const msgpack_object *b = cmdutil_get_array(res, "boundary");
      printf("area '");
      areaprint_str(res, "name");
      if (b)
        printf("' updated; its outline has %u points (audit #%llu)\n", b->via.array.size / 2,
               (unsigned long long)audit);
      else
        printf("' updated; it has no outline (audit #%llu)\n", (unsigned long long)audit);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

/* "#3 2024-05-01 17:00" (or "K3 ...") for a meeting map {id, track, time}; "-" for nil. */
static void print_meeting_ref(const msgpack_object *m) {
  if (m == NULL || m->type != MSGPACK_OBJECT_MAP) {
    fputs("-", stdout);
    return;
  }
  char track[8], when[32], label[24];
  cmdutil_get_str(m, "track", track, sizeof track);
  cmdutil_fmt_time(when, sizeof when, "%Y-%m-%d %H:%M", cmdutil_get_uint(m, "time"), true);
  trackarg_meeting_label(label, sizeof label, strcmp(track, "core") == 0, cmdutil_get_uint(m, "id"));
  printf("%s %s", label, when);
}

static int cmd_area_status(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_AREA_STATUS, SV_F_AREA, argv[1], SV_F_AREA, NULL) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "area status", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc != CLI_OK || ctx.json) {
    if (rc == CLI_OK) rc = cmdutil_print_json_result(NULL, res, audit);
    msgpack_unpacked_destroy(&resp);
    return rc;
  }
  static const char *const steps[] = {"establish", "map", "analyse", "act"};
  static const char *const what[] = {
      "a meeting about the area has been held",
      "resources and challenges are mapped",
      "resources and interventions are coupled with challenges",
      "interventions are under way and followed up",
  };
  char step[16];
  cmdutil_get_str(res, "step", step, sizeof step);
  int at = 0;
  for (int i = 0; i < 4; i++)
    if (strcmp(step, steps[i]) == 0) at = i;
  areaprint_str(res, "area");
  printf(": step %d of 4, %s\n", at + 1, step);
  const msgpack_object *sl = cmdutil_get_array(res, "steps");
  const msgpack_object *obs = sv_map_get(res, "observations");
  const msgpack_object *iv = sv_map_get(res, "interventions");
  for (int i = 0; i < 4; i++) {
    bool done = false;
    if (sl && (uint32_t)i < sl->via.array.size) sv_map_bool(&sl->via.array.ptr[i], "done", &done);
    printf("  [%c] %-10s %s\n", done ? 'x' : ' ', steps[i], what[i]);
  }
  printf("  observations: %llu resources, %llu challenges (%llu at group level, %llu located)\n",
         (unsigned long long)cmdutil_get_uint(obs, "resources"),
         (unsigned long long)cmdutil_get_uint(obs, "challenges"),
         (unsigned long long)cmdutil_get_uint(obs, "group"),
         (unsigned long long)cmdutil_get_uint(obs, "located"));
  printf("  links: %llu; actors: %llu\n", (unsigned long long)cmdutil_get_uint(res, "links"),
         (unsigned long long)cmdutil_get_uint(res, "actors"));
  printf("  interventions: %llu planned, %llu running, %llu done, %llu evaluated; %llu overdue\n",
         (unsigned long long)cmdutil_get_uint(iv, "planned"),
         (unsigned long long)cmdutil_get_uint(iv, "running"),
         (unsigned long long)cmdutil_get_uint(iv, "done"),
         (unsigned long long)cmdutil_get_uint(iv, "evaluated"),
         (unsigned long long)cmdutil_get_uint(res, "overdue"));
  printf("  last meeting: ");
  print_meeting_ref(sv_map_get(res, "last_meeting"));
  printf("\n  next meeting: ");
  print_meeting_ref(sv_map_get(res, "next_meeting"));
  putchar('\n');
  uint64_t concerns;
  if (sv_map_uint(res, "open_concerns", &concerns) == 0)
    printf("  open concerns about the area: %llu\n", (unsigned long long)concerns);
  msgpack_unpacked_destroy(&resp);
  return CLI_OK;
}

const cli_cmd cmd_area_table[] = {
    {"add", cmd_area_add, "add an area: samvirke area add NAME [--description TEXT]", NULL, NULL},
    {"list", cmd_area_list, "list the areas", NULL, NULL},
    {"update", cmd_area_update,
     "change an area: AREA [--description TEXT] [--boundary FILE.geojson | --no-boundary]", NULL,
     NULL},
    {"status", cmd_area_status, "where the area stands in the four steps: AREA", NULL, NULL},
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
  char *text = areaprint_join(argv, 2, npos + 1);
  if (text == NULL) return cli_fail("out of memory");
  int rc = CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_ADD);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  if (areaprint_check_label("area", argv[1]) != CLI_OK ||
      areaprint_check_label("category", category) != CLI_OK ||
      areaprint_check_text("text", text) != CLI_OK)
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
      areaprint_str(res, "area");
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
      for (uint32_t i = 0; i < a->via.array.size; i++) areaprint_observation(&a->via.array.ptr[i]);
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
  if (text && areaprint_check_text("text", text) != CLI_OK) return CLI_FAIL;
  if (category && areaprint_check_label("category", category) != CLI_OK) return CLI_FAIL;
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
  const char *reason = NULL;
  const cli_opt opts[] = {
      {"--reason", "personal_data",
       "it holds information about individuals (lets a coordinator withdraw anyone's; the "
       "reason is audited)",
       &reason, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if (npos != 1 || (id = parse_id(argv[1])) == 0)
    return cli_usage_error(&ctx, "give the observation's ID");
  if (reason != NULL && strcmp(reason, "personal_data") != 0)
    return cli_usage_error(&ctx, "--reason takes personal_data");
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_WITHDRAW);
  if (sv_request_set_uint(&req, SV_F_OBSERVATION, id) != 0 ||
      (reason != NULL && sv_request_set_str(&req, SV_F_REASON, reason) != 0)) {
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
    {"withdraw", cmd_obs_withdraw,
     "withdraw an observation (its text is deleted): ID [--reason personal_data]", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- interventions ---- */

static const char IV_STATUSES[] = "planned, running, done or evaluated";

static bool iv_status_ok(const char *st) {
  return strcmp(st, "planned") == 0 || strcmp(st, "running") == 0 || strcmp(st, "done") == 0 ||
         strcmp(st, "evaluated") == 0;
}

/* Set --due WHEN (or "none" for 0, when may_clear) on req. Returns 0, or CLI_USAGE after
 * reporting. */
static int set_due(const cli_ctx *ctx, sv_request *req, const char *due, bool may_clear) {
  uint64_t t = 0;
  char err[256];
  if (may_clear && strcmp(due, "none") == 0) t = 0;
  else if (trackarg_time(due, true, &t, err, sizeof err) != 0) return cli_usage_error(ctx, "--due: %s", err);
  if (sv_request_set_uint(req, SV_F_DUE, t) != 0) return cli_fail("out of memory");
  return 0;
}

static int cmd_iv_add(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *level = NULL, *step = NULL, *owner = NULL, *due = NULL, *size_s = NULL;
  const cli_opt opts[] = {
      {"--level", "area|group", "whom it is for", &level, NULL, true},
      {"--size", "N", "approximate number of people in the group (group level)", &size_s, NULL,
       false},
      {"--step", "STEP", "establish, map, analyse or act", &step, NULL, true},
      {"--owner", "NAME", "who answers for its follow-up (default: you)", &owner, NULL, false},
      {"--due", "TIME", "when it is due (a date, or +14d)", &due, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA TEXT...", &npos, &status) != 0) return status;
  if (npos < 2) return cli_usage_error(&ctx, "give the AREA and the intervention TEXT");
  if (strcmp(level, "area") != 0 && strcmp(level, "group") != 0)
    return cli_usage_error(&ctx, "--level is area or group");
  uint64_t size = 0;
  if (size_s != NULL && (size = parse_id(size_s)) == 0)
    return cli_usage_error(&ctx, "--size must be a positive whole number");
  if (strcmp(level, "group") == 0 && size_s == NULL)
    return cli_usage_error(&ctx, "a --level group intervention needs --size N (the group's "
                                 "approximate size)");
  if (strcmp(step, "establish") != 0 && strcmp(step, "map") != 0 && strcmp(step, "analyse") != 0 &&
      strcmp(step, "act") != 0)
    return cli_usage_error(&ctx, "--step is one of establish, map, analyse, act");
  char *text = areaprint_join(argv, 2, npos + 1);
  if (text == NULL) return cli_fail("out of memory");
  int rc = CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_IV_ADD);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  if (areaprint_check_label("area", argv[1]) != CLI_OK || areaprint_check_text("text", text) != CLI_OK)
    goto out;
  if (due && (rc = set_due(&ctx, &req, due, false)) != 0) goto out;
  rc = CLI_FAIL;
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0 ||
      sv_request_set_str(&req, SV_F_LEVEL, level) != 0 ||
      sv_request_set_str(&req, SV_F_STEP, step) != 0 ||
      sv_request_set_str(&req, SV_F_TEXT, text) != 0 ||
      (size_s && sv_request_set_uint(&req, SV_F_SIZE, size) != 0) ||
      (owner && sv_request_set_str(&req, SV_F_OWNER, owner) != 0)) {
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
  const char *st = NULL;
  bool overdue = false;
  const cli_opt opts[] = {
      {"--status", "STATUS", "only this status: planned, running, done or evaluated", &st, NULL,
       false},
      {"--overdue", NULL, "only those past their due date and not done", NULL, &overdue, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "[AREA]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  if (st && !iv_status_ok(st)) return cli_usage_error(&ctx, "--status is %s", IV_STATUSES);
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_IV_LIST, SV_F_AREA, npos == 1 ? argv[1] : NULL, SV_F_STATUS,
                       st) != 0 ||
      (overdue && sv_request_set_bool(&req, SV_F_OVERDUE, true) != 0)) {
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
      printf(overdue ? "no overdue interventions\n" : "no interventions\n");
    } else {
      for (uint32_t i = 0; i < a->via.array.size; i++) areaprint_intervention(&a->via.array.ptr[i]);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_iv_update(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *st = NULL, *owner = NULL, *due = NULL, *outcome = NULL;
  const cli_opt opts[] = {
      {"--status", "STATUS", "planned, running, done or evaluated", &st, NULL, false},
      {"--owner", "NAME", "hand the follow-up to another member", &owner, NULL, false},
      {"--due", "TIME", "a new due date, or 'none'", &due, NULL, false},
      {"--outcome", "TEXT", "what came of it (area-level text)", &outcome, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if (npos != 1 || (id = trackarg_id(argv[1], 'I')) == 0)
    return cli_usage_error(&ctx, "give the intervention's ID");
  if (!st && !owner && !due && !outcome)
    return cli_usage_error(&ctx, "nothing to change: give --status, --owner, --due or --outcome");
  if (st && !iv_status_ok(st)) return cli_usage_error(&ctx, "--status is %s", IV_STATUSES);
  if (outcome && outcome[0] && areaprint_check_text("outcome", outcome) != CLI_OK) return CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_IV_UPDATE);
  int rc = 0;
  if (due && (rc = set_due(&ctx, &req, due, true)) != 0) {
    sv_request_free(&req);
    return rc;
  }
  if (sv_request_set_uint(&req, SV_F_INTERVENTION, id) != 0 ||
      (st && sv_request_set_str(&req, SV_F_STATUS, st) != 0) ||
      (owner && sv_request_set_str(&req, SV_F_OWNER, owner) != 0) ||
      (outcome && sv_request_set_str(&req, SV_F_OUTCOME, outcome) != 0)) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  rc = cmdutil_request(&ctx, "intervention update", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      printf("intervention #%llu is now ", (unsigned long long)id);
      areaprint_str(res, "status");
      printf(" (audit #%llu)\n", (unsigned long long)audit);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

const cli_cmd cmd_intervention_table[] = {
    {"add", cmd_iv_add, "plan one: AREA --level area|group --step STEP [--owner N] [--due T] TEXT",
     NULL, NULL},
    {"list", cmd_iv_list, "list interventions: [AREA] [--status S] [--overdue]", NULL, NULL},
    {"update", cmd_iv_update,
     "follow up: ID [--status planned|running|done|evaluated] [--owner N] [--due T] [--outcome TEXT]",
     NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
