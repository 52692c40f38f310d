/* cmd_actor.c -- `samvirke actor ...` and `samvirke network`: the organisations and resource
 * persons the team works with, their forms of collaboration and ties, as a network map. */
#include "cmd_actor.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "areadata.h"
#include "areaprint.h"
#include "cmd_map.h"
#include "cmdutil.h"
#include "docwords.h"
#include "json.h"
#include "netdot.h"
#include "trackarg.h"

extern char **environ;

static const char FORMS[] = "exchange, partnership or co-creation";

static bool form_ok(const char *f) {
  return strcmp(f, "exchange") == 0 || strcmp(f, "partnership") == 0 ||
         strcmp(f, "co-creation") == 0;
}

static void print_actor(const msgpack_object *a) {
  printf("A%-4llu ", (unsigned long long)cmdutil_get_uint(a, "id"));
  areaprint_str_w(a, "name", 26);
  areaprint_str_w(a, "category", 18);
  areaprint_str(a, "form");
  putchar('\n');
  areaprint_text_block(a, "description", "       ");
}

/* Send req and print the actor map it answers with (or JSON). */
static int actor_call(const cli_ctx *ctx, sv_request *req, const char *what, const char *done) {
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(ctx, what, req, &resp, &res, &audit);
  if (rc == CLI_OK) {
    if (ctx->json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      print_actor(res);
      printf("(%s, audit #%llu)\n", done, (unsigned long long)audit);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_actor_add(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *category = NULL, *form = NULL, *desc = NULL;
  const cli_opt opts[] = {
      {"--category", "CAT", "what kind of actor: forening, religiøst samfund, boligsocial, ...",
       &category, NULL, true},
      {"--form", "FORM", "form of collaboration: exchange, partnership or co-creation", &form,
       NULL, true},
      {"--description", "TEXT", "what they do with the team", &desc, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA NAME", &npos, &status) != 0) return status;
  if (npos != 2) return cli_usage_error(&ctx, "give the AREA and the actor's NAME (quoted)");
  if (!form_ok(form)) return cli_usage_error(&ctx, "--form is %s", FORMS);
  if (areaprint_check_label("area", argv[1]) != CLI_OK ||
      areaprint_check_label("name", argv[2]) != CLI_OK ||
      areaprint_check_label("category", category) != CLI_OK ||
      (desc && desc[0] && areaprint_check_text("description", desc) != CLI_OK))
    return CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_ACTOR_ADD);
  int rc;
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0 ||
      sv_request_set_str(&req, SV_F_NAME, argv[2]) != 0 ||
      sv_request_set_str(&req, SV_F_CATEGORY, category) != 0 ||
      sv_request_set_str(&req, SV_F_FORM, form) != 0 ||
      (desc && sv_request_set_str(&req, SV_F_DESCRIPTION, desc) != 0))
    rc = cli_fail("out of memory");
  else
    rc = actor_call(&ctx, &req, "actor add", "added");
  sv_request_free(&req);
  return rc;
}

static int cmd_actor_update(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *name = NULL, *category = NULL, *form = NULL, *desc = NULL;
  const cli_opt opts[] = {
      {"--name", "NAME", "a new name", &name, NULL, false},
      {"--category", "CAT", "a new category", &category, NULL, false},
      {"--form", "FORM", "exchange, partnership or co-creation", &form, NULL, false},
      {"--description", "TEXT", "a new description", &desc, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if (npos != 1 || (id = trackarg_id(argv[1], 'A')) == 0)
    return cli_usage_error(&ctx, "give the actor's ID (see 'samvirke actor list AREA')");
  if (!name && !category && !form && !desc)
    return cli_usage_error(&ctx, "nothing to change: give --name, --category, --form or --description");
  if (form && !form_ok(form)) return cli_usage_error(&ctx, "--form is %s", FORMS);
  if ((name && areaprint_check_label("name", name) != CLI_OK) ||
      (category && areaprint_check_label("category", category) != CLI_OK) ||
      (desc && desc[0] && areaprint_check_text("description", desc) != CLI_OK))
    return CLI_FAIL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_ACTOR_UPDATE);
  int rc;
  if (sv_request_set_uint(&req, SV_F_ACTOR, id) != 0 ||
      (name && sv_request_set_str(&req, SV_F_NAME, name) != 0) ||
      (category && sv_request_set_str(&req, SV_F_CATEGORY, category) != 0) ||
      (form && sv_request_set_str(&req, SV_F_FORM, form) != 0) ||
      (desc && sv_request_set_str(&req, SV_F_DESCRIPTION, desc) != 0))
    rc = cli_fail("out of memory");
  else
    rc = actor_call(&ctx, &req, "actor update", "updated");
  sv_request_free(&req);
  return rc;
}

/* actor tie A B [TEXT...] and actor untie A B. */
static int tie_cmd(int argc, char **argv, const cli_ctx *ctx0, bool tie) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, tie ? "ACTOR ACTOR [TEXT...]" : "ACTOR ACTOR", &npos,
                &status) != 0)
    return status;
  uint64_t a, b;
  if (npos < 2 || (!tie && npos > 2) || (a = trackarg_id(argv[1], 'A')) == 0 ||
      (b = trackarg_id(argv[2], 'A')) == 0)
    return cli_usage_error(&ctx, "give two actor IDs%s", tie ? " (and what ties them)" : "");
  char *text = tie && npos > 2 ? areaprint_join(argv, 3, npos + 1) : NULL;
  if (text && areaprint_check_text("text", text) != CLI_OK) {
    free(text);
    return CLI_FAIL;
  }
  sv_request req;
  sv_request_init(&req, 0, tie ? SV_OP_ACTOR_TIE : SV_OP_ACTOR_UNTIE);
  int rc = CLI_FAIL;
  if (sv_request_set_uint(&req, SV_F_ACTOR, a) != 0 || sv_request_set_uint(&req, SV_F_PEER, b) != 0 ||
      (text && sv_request_set_str(&req, SV_F_TEXT, text) != 0)) {
    rc = cli_fail("out of memory");
  } else {
    msgpack_unpacked resp;
    const msgpack_object *res;
    uint64_t audit;
    rc = cmdutil_request(&ctx, tie ? "actor tie" : "actor untie", &req, &resp, &res, &audit);
    if (rc == CLI_OK) {
      if (ctx.json)
        rc = cmdutil_print_json_result(NULL, res, audit);
      else
        printf("A%llu and A%llu %s (audit #%llu)\n", (unsigned long long)a, (unsigned long long)b,
               tie ? "are tied" : "are no longer tied", (unsigned long long)audit);
    }
    msgpack_unpacked_destroy(&resp);
  }
  sv_request_free(&req);
  free(text);
  return rc;
}

static int cmd_actor_tie(int argc, char **argv, const cli_ctx *ctx) { return tie_cmd(argc, argv, ctx, true); }
static int cmd_actor_untie(int argc, char **argv, const cli_ctx *ctx) { return tie_cmd(argc, argv, ctx, false); }

static int cmd_actor_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_ACTOR_LIST, SV_F_AREA, argv[1], SV_F_AREA, NULL) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "actor list", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *a = cmdutil_get_array(res, "actors"), *t = cmdutil_get_array(res, "ties");
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else if (a == NULL || a->via.array.size == 0) {
      printf("no actors yet (add one with 'samvirke actor add AREA NAME --category C --form F')\n");
    } else {
      for (uint32_t i = 0; i < a->via.array.size; i++) print_actor(&a->via.array.ptr[i]);
      for (uint32_t i = 0; t && i < t->via.array.size; i++) {
        const msgpack_object *x = &t->via.array.ptr[i];
        printf("tie   A%llu -- A%llu  ", (unsigned long long)cmdutil_get_uint(x, "actor"),
               (unsigned long long)cmdutil_get_uint(x, "peer"));
        areaprint_str(x, "text");
        putchar('\n');
      }
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

const cli_cmd cmd_actor_table[] = {
    {"add", cmd_actor_add, "add one: AREA NAME --category CAT --form FORM [--description T]",
     NULL, NULL},
    {"update", cmd_actor_update, "change one: ID [--name] [--category] [--form] [--description]",
     NULL, NULL},
    {"tie", cmd_actor_tie, "tie two actors: ACTOR ACTOR [TEXT]", NULL, NULL},
    {"untie", cmd_actor_untie, "remove a tie: ACTOR ACTOR", NULL, NULL},
    {"list", cmd_actor_list, "list an area's actors and ties: AREA", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* Render dot (the DOT text) to SVG at path ("-": stdout) with Graphviz's dot. Returns 0, or -1
 * with one line in err. */
static int render_svg(const char *dot, size_t len, const char *path, char *err, size_t errlen) {
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(err, errlen, "pipe: %s", strerror(errno));
    return -1;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[0], STDIN_FILENO);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addclose(&fa, fds[1]);
  char prog[] = "dot", fmt[] = "-Tsvg";
  char *out_arg = NULL;
  if (strcmp(path, "-") != 0) {
    size_t n = strlen(path) + 3;
    out_arg = malloc(n);
    if (out_arg == NULL) {
      close(fds[0]);
      close(fds[1]);
      posix_spawn_file_actions_destroy(&fa);
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    snprintf(out_arg, n, "-o%s", path);
  }
  char *args[] = {prog, fmt, out_arg, NULL};
  pid_t pid;
  int sr = posix_spawnp(&pid, "dot", &fa, NULL, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[0]);
  free(out_arg);
  if (sr != 0) {
    close(fds[1]);
    snprintf(err, errlen, "cannot run Graphviz's dot (%s); install the graphviz package, or "
                          "write --dot FILE and render it elsewhere", strerror(sr));
    return -1;
  }
  void (*old)(int) = signal(SIGPIPE, SIG_IGN);
  size_t off = 0;
  while (off < len) {
    ssize_t w = write(fds[1], dot + off, len - off);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) break;
    off += (size_t)w;
  }
  close(fds[1]);
  signal(SIGPIPE, old);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (off < len || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    snprintf(err, errlen, "Graphviz's dot could not render the network map (exit status %d)",
             WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    return -1;
  }
  return 0;
}

int cmd_network(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *dot_path = NULL, *svg = NULL, *lang_s = NULL;
  const cli_opt opts[] = {
      {"--dot", "FILE", "write the Graphviz DOT graph; - for stdout", &dot_path, NULL, false},
      {"--svg", "FILE", "write it rendered as SVG (needs Graphviz's dot); - for stdout", &svg,
       NULL, false},
      {"--lang", "da|en", "language of the map (default da)", &lang_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  if (!dot_path && !svg) return cli_usage_error(&ctx, "give --dot FILE and/or --svg FILE");
  if (dot_path && svg && strcmp(dot_path, "-") == 0 && strcmp(svg, "-") == 0)
    return cli_usage_error(&ctx, "only one of the outputs can go to stdout");
  enum doc_lang lang = DOC_DA;
  if (lang_s && docwords_lang(lang_s, &lang) != 0) return cli_usage_error(&ctx, "--lang is da or en");
  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  area_data ad;
  char err[512];
  uint64_t audit = 0;
  int r = areadata_load(s, argv[1], AREADATA_ACTORS, &ad, &audit, err, sizeof err);
  session_close(s);
  if (r != 0) return cli_fail("network: %s", err);
  int rc = CLI_FAIL;
  char *dot = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&dot, &len);
  if (m == NULL || netdot_write(m, &ad, lang) != 0 || fclose(m) != 0) {
    rc = cli_fail("out of memory");
    goto out;
  }
  if (dot_path) {
    FILE *f = cmdmap_open(dot_path);
    if (f == NULL) {
      rc = cli_fail("%s: %s", dot_path, strerror(errno));
      goto out;
    }
    size_t w = fwrite(dot, 1, len, f);
    if (cmdmap_close(f) != 0 || w != len) {
      rc = cli_fail("%s: cannot write", dot_path);
      goto out;
    }
  }
  if (svg && render_svg(dot, len, svg, err, sizeof err) != 0) {
    rc = cli_fail("network: %s", err);
    goto out;
  }
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "area", argv[1]);
    json_kv_uint(&j, "actors", ad.nactors);
    json_kv_uint(&j, "ties", ad.nties);
    if (dot_path) json_kv_str(&j, "dot", dot_path);
    if (svg) json_kv_str(&j, "svg", svg);
    json_kv_uint(&j, "audit", audit);
    json_end_object(&j);
    if (json_finish(&j) != 0) {
      rc = cli_fail("cannot write output");
      goto out;
    }
  } else if ((!dot_path || strcmp(dot_path, "-") != 0) && (!svg || strcmp(svg, "-") != 0))
    printf("%zu actors, %zu ties:%s%s%s%s\n", ad.nactors, ad.nties, dot_path ? " " : "",
           dot_path ? dot_path : "", svg ? " " : "", svg ? svg : "");
  rc = CLI_OK;
out:
  free(dot);
  areadata_free(&ad);
  return rc;
}
