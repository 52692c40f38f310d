/* test_client_config.c -- client.conf, the identity directory, addresses, and option parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "config.h"
#include "task.h"
#include "support/tmpdir.h"
#include "util.h"

static void test_default_dir(void) {
  char out[CLIENT_PATH_MAX], err[256];
  setenv("XDG_CONFIG_HOME", "/x/conf", 1);
  setenv("HOME", "/home/h", 1);
  ASSERT_INT_EQ(client_config_default_dir(out, sizeof out, err, sizeof err), 0);
  ASSERT_STR_EQ(out, "/x/conf/samvirke");
  setenv("XDG_CONFIG_HOME", "relative", 1); /* not absolute: ignored, as the XDG spec says */
  ASSERT_INT_EQ(client_config_default_dir(out, sizeof out, err, sizeof err), 0);
  ASSERT_STR_EQ(out, "/home/h/.config/samvirke");
  unsetenv("XDG_CONFIG_HOME");
  unsetenv("HOME");
  ASSERT_INT_EQ(client_config_default_dir(out, sizeof out, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "--identity");
}

static void test_addresses(void) {
  char err[256];
  const char *good[] = {"127.0.0.1:7350", "localhost:1", "[::1]:65535", "unix:/run/s.sock",
                        "unix:rel.sock", "example.org:443"};
  const char *bad[] = {"127.0.0.1", ":7350", "h:0", "h:65536", "h:12x", "h:", "::1:7350",
                       "[::1]7350", "unix:", "h :1", "[]:1", "h:-1"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    if (client_config_check_address(good[i], err, sizeof err) != 0)
      TASK_FAIL("address %s rejected: %s", good[i], err);
  }
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    if (client_config_check_address(bad[i], err, sizeof err) == 0)
      TASK_FAIL("address %s accepted", bad[i]);
  }
}

static void test_log_key(void) {
  char err[256];
  uint8_t raw[33];
  memset(raw, 0x42, sizeof raw);
  raw[0] = 0x01;
  char *b = util_b64(raw, sizeof raw);
  char vkey[256];
  snprintf(vkey, sizeof vkey, "example.org/log+0a1b2c3d+%s", b);
  ASSERT_INT_EQ(client_config_check_log_key(vkey, err, sizeof err), 0);
  snprintf(vkey, sizeof vkey, "example.org/log+0a1b2c3+%s", b); /* 7 hex digits */
  ASSERT_INT_EQ(client_config_check_log_key(vkey, err, sizeof err), -1);
  snprintf(vkey, sizeof vkey, "+0a1b2c3d+%s", b); /* no name */
  ASSERT_INT_EQ(client_config_check_log_key(vkey, err, sizeof err), -1);
  free(b);
  raw[0] = 0x02; /* not an Ed25519 key type */
  b = util_b64(raw, sizeof raw);
  snprintf(vkey, sizeof vkey, "log+0a1b2c3d+%s", b);
  ASSERT_INT_EQ(client_config_check_log_key(vkey, err, sizeof err), -1);
  free(b);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  ASSERT(f != NULL);
  fputs(text, f);
  fclose(f);
}

static void test_load_save(void) {
  char *tmp = test_mkdtemp("clientconf");
  char dir[CLIENT_PATH_MAX], path[CLIENT_PATH_MAX], err[512];
  snprintf(dir, sizeof dir, "%s/a/b/samvirke", tmp);
  ASSERT_INT_EQ(client_config_mkdir(dir, err, sizeof err), 0);
  ASSERT_INT_EQ(client_config_mkdir(dir, err, sizeof err), 0); /* existing is fine */
  struct stat st;
  ASSERT_INT_EQ(stat(dir, &st), 0);
  ASSERT_UINT_EQ(st.st_mode & 0777, 0700);

  client_config cfg;
  ASSERT_INT_EQ(client_config_load(dir, &cfg, err, sizeof err), 0); /* no file yet */
  ASSERT_STR_EQ(cfg.server, "");
  ASSERT(!cfg.has_server_key);
  ASSERT_INT_EQ(client_config_require_server(&cfg, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "samvirke server set");

  snprintf(cfg.server, sizeof cfg.server, "[::1]:7350");
  for (int i = 0; i < 32; i++) cfg.server_key[i] = (uint8_t)(i * 7);
  cfg.has_server_key = true;
  ASSERT_INT_EQ(client_config_save(&cfg, err, sizeof err), 0);
  client_config_path(dir, CLIENT_CONF_FILE, path, sizeof path);
  ASSERT_INT_EQ(stat(path, &st), 0);
  ASSERT_UINT_EQ(st.st_mode & 0777, 0600);
  client_config back;
  ASSERT_INT_EQ(client_config_load(dir, &back, err, sizeof err), 0);
  ASSERT_STR_EQ(back.server, "[::1]:7350");
  ASSERT(back.has_server_key);
  ASSERT_MEM_EQ(back.server_key, cfg.server_key, 32);
  ASSERT_STR_EQ(back.log_key, "");
  ASSERT_STR_EQ(back.dir, dir);
  ASSERT_INT_EQ(client_config_require_server(&back, err, sizeof err), 0);

  /* comments, blank lines and spacing are accepted */
  write_text(path, "# c\n\n  server=unix:/tmp/s.sock   # trailing\nserver_key = "
                   "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
  ASSERT_INT_EQ(client_config_load(dir, &back, err, sizeof err), 0);
  ASSERT_STR_EQ(back.server, "unix:/tmp/s.sock");
  ASSERT_UINT_EQ(back.server_key[31], 31);

  /* errors name the file and line */
  write_text(path, "server = h:1\n\nserver_key = short\n");
  ASSERT_INT_EQ(client_config_load(dir, &back, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "client.conf:3:");
  ASSERT_STR_CONTAINS(err, "server_key");
  write_text(path, "colour = blue\n");
  ASSERT_INT_EQ(client_config_load(dir, &back, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, ":1: unknown setting 'colour'");
  write_text(path, "server h:1\n");
  ASSERT_INT_EQ(client_config_load(dir, &back, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "key = value");

  ASSERT(!client_config_has_identity(dir));
  ASSERT(client_config_load_identity(dir, err, sizeof err) == NULL);
  ASSERT_STR_CONTAINS(err, "samvirke init");

  /* a file where the directory should be */
  snprintf(path, sizeof path, "%s/file", tmp);
  write_text(path, "x");
  ASSERT_INT_EQ(client_config_mkdir(path, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "not a directory");
  test_rmtree(tmp);
  free(tmp);
}

static void test_cli_parse(void) {
  cli_cmd row = {"set", NULL, "help text", NULL, NULL};
  cli_ctx ctx = {false, "/d", "samvirke x set", &row};
  const char *a = NULL, *b = NULL;
  bool flag = false;
  const cli_opt opts[] = {
      {"--alpha", "A", "first", &a, NULL, true},
      {"--beta", "B", "second", &b, NULL, false},
      {"--flag", NULL, "a flag", NULL, &flag, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  char a0[] = "set", a1[] = "pos1", a2[] = "--alpha", a3[] = "1", a4[] = "--beta=two",
       a5[] = "--flag", a6[] = "--json", a7[] = "--", a8[] = "--pos2";
  char *argv[] = {a0, a1, a2, a3, a4, a5, a6, a7, a8, NULL};
  int npos = -1, status = -1;
  ASSERT_INT_EQ(cli_parse(9, argv, &ctx, opts, "ARGS", &npos, &status), 0);
  ASSERT_INT_EQ(npos, 2);
  ASSERT_STR_EQ(argv[1], "pos1");
  ASSERT_STR_EQ(argv[2], "--pos2");
  ASSERT(argv[3] == NULL);
  ASSERT_STR_EQ(a, "1");
  ASSERT_STR_EQ(b, "two");
  ASSERT(flag);
  ASSERT(ctx.json);

  /* missing required option, unknown option, missing value, value on a flag: usage (2) */
  char c0[] = "set", c1[] = "--beta", c2[] = "x", c3[] = "--nope", c4[] = "--alpha",
       c5[] = "--flag=1";
  a = NULL;
  char *m1[] = {c0, c1, c2, NULL};
  ASSERT_INT_EQ(cli_parse(3, m1, &ctx, opts, "", &npos, &status), -1);
  ASSERT_INT_EQ(status, CLI_USAGE);
  char *m2[] = {c0, c3, NULL};
  ASSERT_INT_EQ(cli_parse(2, m2, &ctx, opts, "", &npos, &status), -1);
  ASSERT_INT_EQ(status, CLI_USAGE);
  char *m3[] = {c0, c4, NULL};
  ASSERT_INT_EQ(cli_parse(2, m3, &ctx, opts, "", &npos, &status), -1);
  ASSERT_INT_EQ(status, CLI_USAGE);
  char *m4[] = {c0, c4, c2, c5, NULL};
  ASSERT_INT_EQ(cli_parse(4, m4, &ctx, opts, "", &npos, &status), -1);
  ASSERT_INT_EQ(status, CLI_USAGE);
}

static int leaf_calls;
static int leaf(int argc, char **argv, const cli_ctx *ctx) {
  leaf_calls++;
  ASSERT_INT_EQ(argc, 2);
  ASSERT_STR_EQ(argv[0], "show");
  ASSERT_STR_EQ(argv[1], "arg");
  ASSERT_STR_EQ(ctx->path, "samvirke grp show");
  ASSERT_STR_EQ(ctx->cmd->name, "show");
  return 7;
}

static void test_dispatch(void) {
  static const cli_cmd grp[] = {{"show", leaf, "show it", NULL, NULL},
                                {NULL, NULL, NULL, NULL, NULL}};
  static const cli_cmd top[] = {{"grp", NULL, "a group", grp, NULL},
                                {NULL, NULL, NULL, NULL, NULL}};
  static const cli_cmd root = {"samvirke", NULL, "root", top, NULL};
  cli_ctx ctx = {false, "/d", "samvirke", &root};
  char p[] = "samvirke", g[] = "grp", s[] = "show", x[] = "arg", u[] = "nosuch";
  char *ok[] = {p, g, s, x, NULL};
  ASSERT_INT_EQ(cli_dispatch(&root, 4, ok, &ctx), 7);
  ASSERT_INT_EQ(leaf_calls, 1);
  char *unknown[] = {p, g, u, NULL};
  ASSERT_INT_EQ(cli_dispatch(&root, 3, unknown, &ctx), CLI_USAGE);
  char *missing[] = {p, g, NULL};
  ASSERT_INT_EQ(cli_dispatch(&root, 2, missing, &ctx), CLI_USAGE);
  ASSERT_INT_EQ(leaf_calls, 1);
}

static void test_print_text(void) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  cli_print_text(f, "a\x1b[31mb\n\xc2\x9b\xc3\xa6", 12);
  fclose(f);
  ASSERT_STR_EQ(buf, "a?[31mb??\xc3\xa6");
  free(buf);
}

int main(void) {
  RUN_TEST(test_default_dir);
  RUN_TEST(test_addresses);
  RUN_TEST(test_log_key);
  RUN_TEST(test_load_save);
  RUN_TEST(test_cli_parse);
  RUN_TEST(test_dispatch);
  RUN_TEST(test_print_text);
  return 0;
}
