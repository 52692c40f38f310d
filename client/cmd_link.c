/* cmd_link.c -- `samvirke link ...`: couple resources, challenges and interventions. */
#include "cmd_link.h"

#include <stdio.h>
#include <string.h>

#include "areaprint.h"
#include "cmdutil.h"
#include "trackarg.h"

/* "#3 can answer #5", "I2 addresses #5", "I2 uses #3" for a link map. */
static void print_link(const msgpack_object *l) {
  uint64_t r = cmdutil_get_uint(l, "resource"), c = cmdutil_get_uint(l, "challenge"),
           i = cmdutil_get_uint(l, "intervention");
  printf("link %-4llu ", (unsigned long long)cmdutil_get_uint(l, "id"));
  if (i == 0)
    printf("#%llu can answer #%llu", (unsigned long long)r, (unsigned long long)c);
  else if (c)
    printf("I%llu addresses #%llu", (unsigned long long)i, (unsigned long long)c);
  else
    printf("I%llu uses #%llu", (unsigned long long)i, (unsigned long long)r);
  char level[8];
  cmdutil_get_str(l, "level", level, sizeof level);
  printf("%s  (", strcmp(level, "group") == 0 ? "  group level" : "");
  areaprint_str(l, "author");
  fputs(", ", stdout);
  areaprint_time(l, "time");
  puts(")");
}

static int cmd_link_add(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *res_s = NULL, *ch_s = NULL, *iv_s = NULL;
  const cli_opt opts[] = {
      {"--resource", "ID", "a resource observation", &res_s, NULL, false},
      {"--challenge", "ID", "a challenge observation", &ch_s, NULL, false},
      {"--intervention", "ID", "an intervention", &iv_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;
  if ((res_s != NULL) + (ch_s != NULL) + (iv_s != NULL) != 2)
    return cli_usage_error(&ctx, "give two of --resource, --challenge and --intervention: a "
                                 "resource that can answer a challenge, or an intervention and "
                                 "the challenge it addresses or the resource it uses");
  uint64_t r = res_s ? trackarg_id(res_s, 0) : 0, c = ch_s ? trackarg_id(ch_s, 0) : 0,
           i = iv_s ? trackarg_id(iv_s, 'I') : 0;
  if ((res_s && r == 0) || (ch_s && c == 0) || (iv_s && i == 0))
    return cli_usage_error(&ctx, "ids are positive whole numbers, as the lists show them");
  sv_request req;
  sv_request_init(&req, 0, SV_OP_LINK_ADD);
  if ((r && sv_request_set_uint(&req, SV_F_RESOURCE, r) != 0) ||
      (c && sv_request_set_uint(&req, SV_F_CHALLENGE, c) != 0) ||
      (i && sv_request_set_uint(&req, SV_F_INTERVENTION, i) != 0)) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "link add", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json) {
      rc = cmdutil_print_json_result(NULL, res, audit);
    } else {
      print_link(res);
      printf("(audit #%llu)\n", (unsigned long long)audit);
    }
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_link_list(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  sv_request req;
  if (cmdutil_make_req(&req, SV_OP_LINK_LIST, SV_F_AREA, argv[1], SV_F_AREA, NULL) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "link list", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    const msgpack_object *a = cmdutil_get_array(res, "links");
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else if (a == NULL || a->via.array.size == 0)
      printf("no links yet (add one with 'samvirke link add --resource ID --challenge ID')\n");
    else
      for (uint32_t k = 0; k < a->via.array.size; k++) print_link(&a->via.array.ptr[k]);
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

static int cmd_link_remove(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "ID", &npos, &status) != 0) return status;
  uint64_t id;
  if (npos != 1 || (id = trackarg_id(argv[1], 0)) == 0)
    return cli_usage_error(&ctx, "give the link's ID (see 'samvirke link list AREA')");
  sv_request req;
  sv_request_init(&req, 0, SV_OP_LINK_REMOVE);
  if (sv_request_set_uint(&req, SV_F_LINK, id) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  msgpack_unpacked resp;
  const msgpack_object *res;
  uint64_t audit;
  int rc = cmdutil_request(&ctx, "link remove", &req, &resp, &res, &audit);
  sv_request_free(&req);
  if (rc == CLI_OK) {
    if (ctx.json)
      rc = cmdutil_print_json_result(NULL, res, audit);
    else
      printf("link %llu removed (audit #%llu)\n", (unsigned long long)id,
             (unsigned long long)audit);
  }
  msgpack_unpacked_destroy(&resp);
  return rc;
}

const cli_cmd cmd_link_table[] = {
    {"add", cmd_link_add,
     "couple two: --resource ID --challenge ID, or --intervention ID with --challenge or --resource",
     NULL, NULL},
    {"list", cmd_link_list, "list an area's links: AREA", NULL, NULL},
    {"remove", cmd_link_remove, "remove a link: ID", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};
