/* main.c -- samvirke entry point: global options and the command table. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd_actor.h"
#include "cmd_area.h"
#include "cmd_concern.h"
#include "cmd_export.h"
#include "cmd_link.h"
#include "cmd_map.h"
#include "cmd_meeting.h"
#include "cmd_audit.h"
#include "cmd_identity.h"
#include "cmd_member.h"
#include "cmd_note.h"
#include "cmd_server.h"
#include "cmd_status.h"
#include "cmd_web.h"
#include "config.h"
#include "timearg.h"
#include "cmd_policy.h"

/* Adapter for command groups written as int f(int argc, char **argv, bool json). */
static int run_policy(int argc, char **argv, const cli_ctx *ctx) {
  return cmd_policy(argc, argv, ctx->json);
}

/* Every command: {name, function (leaf) or NULL, one-line help, sub-table (group) or NULL}.
 * To add a command group: write client/cmd_<group>.{h,c} and add one row here. */
static const cli_cmd commands[] = {
    {"init", cmd_init, "create your identity (keys and member card)", NULL, NULL},
    {"card", cmd_card, "print your member card and its fingerprint", NULL, NULL},
    {"server", NULL, "set or show the server to talk to", cmd_server_table, NULL},
    {"ping", cmd_ping, "check the connection and measure round trips", NULL, NULL},
    {"whoami", cmd_whoami, "show who the server says you are", NULL, NULL},
    {"area", NULL, "add, list and change areas; where an area stands", cmd_area_table, NULL},
    {"observe", cmd_observe, "record a resource or challenge in an area", NULL, NULL},
    {"observations", cmd_observations, "list an area's observations", NULL, TIMEARG_HELP_BACK},
    {"observation", NULL, "correct or withdraw your own observation", cmd_observation_table,
     NULL},
    {"intervention", NULL, "plan and follow up interventions", cmd_intervention_table, NULL},
    {"link", NULL, "couple resources, challenges and interventions", cmd_link_table, NULL},
    {"meeting", NULL, "meetings in two tracks: core team and area meeting", cmd_meeting_table,
     NULL},
    {"concern", NULL, "hand in a concern about a person to the SSP regime; handle concerns",
     cmd_concern_table, NULL},
    {"actor", NULL, "the organisations and resource persons the team works with",
     cmd_actor_table, NULL},
    {"map", cmd_map, "export an area as GeoJSON or as an SVG wall map", NULL, NULL},
    {"network", cmd_network, "the actors' network map as Graphviz DOT or SVG", NULL, NULL},
    {"export", cmd_export, "an area's observations, interventions and actors as spreadsheets",
     NULL, NULL},
    {"enroll", cmd_enroll, "join a team with an invite code", NULL, NULL},
    {"member", NULL, "invite, list, show, change, revoke and verify members", cmd_member_table,
     NULL},
    {"note", NULL, "send, list, read, acknowledge and watch restricted notes", cmd_note_table,
     NULL},
    {"policy", run_policy, "check, explain and test a disclosure policy file", NULL, NULL},
    {"audit", NULL, "fetch, verify, show and prove the audit trail", cmd_audit_table, NULL},
    {"web", cmd_web, "serve the browser interface on this machine (map, notes, audit)", NULL,
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static const cli_cmd root = {
    "samvirke", NULL, "samvirke -- client for the samvirke coordination service.", commands,
    "Global options (before the command):\n"
    "  --json            print results as one JSON object\n"
    "  --identity DIR    identity directory (default $XDG_CONFIG_HOME/samvirke,\n"
    "                    else ~/.config/samvirke)\n"
    "  -h, --help        show this help\n"};

int main(int argc, char **argv) {
  char defdir[CLIENT_PATH_MAX], err[512];
  cli_ctx ctx = {.json = false, .identity_dir = NULL, .path = "samvirke", .cmd = &root};
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--json") == 0) {
      ctx.json = true;
    } else if (strcmp(a, "--identity") == 0 || strncmp(a, "--identity=", 11) == 0) {
      const char *v = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
      if (v == NULL || v[0] == '\0') return cli_usage_error(&ctx, "--identity needs a directory");
      ctx.identity_dir = v;
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      cli_usage_group(&root, &ctx, stdout);
      return CLI_OK;
    } else {
      return cli_usage_error(&ctx, "unknown option '%s'", a);
    }
  }
  if (ctx.identity_dir == NULL) {
    if (client_config_default_dir(defdir, sizeof defdir, err, sizeof err) != 0)
      return cli_fail("%s", err);
    ctx.identity_dir = defdir;
  }
  /* argv[i - 1] stands in for the program name: the dispatcher looks at argv[1] onward. */
  return cli_dispatch(&root, argc - i + 1, argv + i - 1, &ctx);
}
