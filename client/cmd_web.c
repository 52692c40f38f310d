/* cmd_web.c -- `samvirke web`: serve the browser interface on this machine, with this member's
 * identity, until Ctrl-C. The pages talk to this process only; it talks to samvirked over the
 * same Noise session the CLI uses, so keys and decrypted notes never leave it. */
#include "cmd_web.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmdutil.h"
#include "web_app.h"
#include "web_area.h"
#include "web_audit.h"
#include "web_assets.h"
#include "web_conf.h"
#include "web_notes.h"
#include "web_concerns.h"
#include "web_tracks.h"
#include "web_pages.h"
#include "web_server.h"

#define WEB_DEFAULT_LISTEN "127.0.0.1:0"
#define WEB_OPEN_FILE "web-open.html"

/* Keep secrets out of core files and other processes' reach (ptrace by the same user). */
static void harden_process(void) {
  struct rlimit rl = {0, 0};
  setrlimit(RLIMIT_CORE, &rl);
  prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Write a page that forwards the browser to url (0600, in the identity directory) and start the
 * desktop's browser on it with xdg-open, so the token is in no process's command line. The
 * page is removed at the first login or when samvirke web stops. Returns 0 or -1 (printed). */
static int open_browser(web_app *app, const char *url) {
  const char *path = app->open_file; /* set before the server started */
  unlink(path);
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    fprintf(stderr, "samvirke web: cannot write %s: %s\n", path, strerror(errno));
    return -1;
  }
  char page[1024];
  int n = snprintf(page, sizeof page,
                   "<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
                   "<meta http-equiv=\"refresh\" content=\"0;url=%s\">"
                   "<title>samvirke</title></head><body></body></html>\n", url);
  bool ok = n > 0 && (size_t)n < sizeof page && write(fd, page, (size_t)n) == (ssize_t)n;
  close(fd);
  if (!ok) {
    unlink(path);
    fprintf(stderr, "samvirke web: cannot write %s\n", path);
    return -1;
  }
  atomic_store(&app->open_pending, true);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "samvirke web: cannot start a browser: %s\n", strerror(errno));
    return -1;
  }
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);
    }
    execlp("xdg-open", "xdg-open", path, (char *)NULL);
    fprintf(stderr, "samvirke web: cannot start a browser (xdg-open: %s); open the address "
                    "above yourself\n", strerror(errno));
    _exit(127);
  }
  return 0;
}

int cmd_web(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *listen_s = NULL, *tiles = NULL, *attribution = NULL, *leaflet = NULL;
  bool open_it = false;
  const cli_opt opts[] = {
      {"--listen", "ADDR", "where to serve: 127.0.0.1:PORT (default: a free port), [::1]:PORT; "
                           "loopback only", &listen_s, NULL, false},
      {"--open", NULL, "open the interface in the desktop's browser", NULL, &open_it, false},
      {"--tiles", "URL", "base-map tiles, e.g. https://tiles.example.dk/{z}/{x}/{y}.png "
                         "(default: tiles in web.conf, else no base map)", &tiles, NULL, false},
      {"--tiles-attribution", "TEXT", "the tiles' attribution, shown on the map", &attribution,
       NULL, false},
      {"--leaflet", "DIR", "where Leaflet is (default " WEB_LEAFLET_DIR ")", &leaflet, NULL,
       false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int status = CLI_OK;
  if (cmdutil_parse_noargs(argc, argv, &ctx, opts, &status) != 0) return status;
  char err[512];
  web_listen l;
  if (web_guard_parse_listen(listen_s ? listen_s : WEB_DEFAULT_LISTEN, &l, err, sizeof err) != 0)
    return cli_usage_error(&ctx, "%s", err);
  web_conf conf;
  if (web_conf_load(ctx.identity_dir, &conf, err, sizeof err) != 0) return cli_fail("%s", err);
  if (tiles != NULL) snprintf(conf.tiles, sizeof conf.tiles, "%s", tiles);
  if (attribution != NULL)
    snprintf(conf.tiles_attribution, sizeof conf.tiles_attribution, "%s", attribution);
  if (tiles != NULL && strlen(tiles) >= sizeof conf.tiles)
    return cli_usage_error(&ctx, "--tiles: the URL is too long");

  harden_process();
  signal(SIGPIPE, SIG_IGN);
  web_app *app = calloc(1, sizeof *app);
  web_server *ws = NULL;
  int rc = CLI_FAIL;
  if (app == NULL) return cli_fail("out of memory");
  char origin[WEB_TILE_URL_MAX + 1] = "";
  if (conf.tiles[0] &&
      web_guard_tile_url_check(conf.tiles, origin, sizeof origin, err, sizeof err) != 0) {
    cli_fail("%s", err);
    goto out;
  }
  snprintf(app->tile_url, sizeof app->tile_url, "%s", conf.tiles);
  snprintf(app->dir, sizeof app->dir, "%s", ctx.identity_dir);
  snprintf(app->tile_attribution, sizeof app->tile_attribution, "%s", conf.tiles_attribution);
  if (web_guard_csp(origin, app->csp, sizeof app->csp) != 0) {
    cli_fail("the tile URL is too long");
    goto out;
  }
  const unsigned char *strings = NULL;
  size_t slen = 0;
  if (!web_static_embedded("strings.txt", &strings, &slen) ||
      (app->i18n = web_i18n_new((const char *)strings, slen, err, sizeof err)) == NULL) {
    cli_fail("the interface's strings: %s", err);
    goto out;
  }
  app->files = web_static_new(leaflet ? leaflet : WEB_LEAFLET_DIR);
  if (app->files == NULL) {
    cli_fail("out of memory");
    goto out;
  }
  if (web_static_problem(app->files))
    fprintf(stderr, "samvirke web: warning: %s\n", web_static_problem(app->files));
  if (web_backend_open(&app->backend, ctx.identity_dir, err, sizeof err) != 0) {
    cli_fail("%s", err);
    goto out;
  }
  app->audit = web_audit_new(app);
  if (app->audit == NULL) {
    cli_fail("out of memory");
    goto out;
  }

  /* Signals are taken by sigwait below; the HTTP thread inherits the blocked set. */
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &set, NULL);
  static const web_route *const tables[] = {web_pages_routes,  web_area_routes,
                                            web_notes_routes,  web_audit_routes,
                                            web_tracks_routes, web_concerns_routes, NULL};
  if (open_it &&
      client_config_path(ctx.identity_dir, WEB_OPEN_FILE, app->open_file, sizeof app->open_file) !=
          0) {
    cli_fail("the identity directory's path is too long for the page --open writes");
    goto out;
  }
  /* Once the server runs, the HTTP thread may reconnect and so rewrite backend.me. */
  const web_member me = app->backend.me;
  uint16_t port = 0;
  ws = web_server_start(app, &l, tables, &port, err, sizeof err);
  if (ws == NULL) {
    cli_fail("%s", err);
    goto out;
  }
  char url[256];
  snprintf(url, sizeof url, "http://%s/login?token=%s", app->guard->hosts[0], app->guard->token);
  printf("samvirke web: serving %s as %s (%s) on http://%s/\n", app->backend.cfg.server,
         me.name, me.role, app->guard->hosts[0]);
  printf("open: %s\n", url);
  printf("%s; Ctrl-C to stop\n",
         app->tile_url[0] ? "base map from the configured tiles" : "no base map configured");
  fflush(stdout);
  if (open_it) open_browser(app, url);
  sodium_memzero(url, sizeof url);
  int sig = 0;
  sigwait(&set, &sig);
  fprintf(stderr, "samvirke web: stopping\n");
  rc = CLI_OK;
out:
  web_server_stop(ws);
  web_audit_free(app->audit);
  web_app_drop_open_page(app);
  web_backend_close(&app->backend);
  web_static_free(app->files);
  web_i18n_free(app->i18n);
  free(app);
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  return rc;
}
