/* config.c -- samvirked's configuration file: defaults, parsing, writing the commented template. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char template_text[] =
    "# samvirked configuration. Lines are 'key = value'; '#' starts a comment.\n"
    "# Relative paths are relative to this directory. Changes need a restart,\n"
    "# except the policy file, which SIGHUP reloads.\n"
    "\n"
    "# TCP listen address (host:port). Empty disables TCP.\n"
    "listen = 127.0.0.1:7350\n"
    "\n"
    "# Unix socket for local clients. Empty disables it.\n"
    "socket = samvirked.sock\n"
    "\n"
    "# Disclosure policy (see policy/POLICY.md). Reloaded on SIGHUP.\n"
    "policy = policy.conf\n"
    "\n"
    "# Origin line of the signed audit checkpoints: a name for this log, e.g. the\n"
    "# municipality's domain and a path. Do not change it once auditors trust the log.\n"
    "origin = %s\n"
    "\n"
    "# Log level: debug, info, warn or error. Logs go to stderr and never hold secrets.\n"
    "log_level = info\n"
    "\n"
    "# Limits.\n"
    "max_connections = 1024\n"
    "handshake_timeout_ms = 5000\n"
    "idle_timeout_ms = 600000\n"
    "# Largest frame (bytes). Raised automatically to hold the largest note plus 64 KiB.\n"
    "max_frame = 1048576\n"
    "# Bytes queued for one slow reader before its connection is dropped.\n"
    "max_write_queue = 16777216\n"
    "# Requests one connection may have in flight before the daemon stops reading it.\n"
    "max_inflight = 256\n"
    "# Restricted notes: largest envelope (bytes) and time-to-live for undelivered notes (s).\n"
    "note_max = 4194304\n"
    "note_ttl = 2592000\n"
    "# How often (ms) the daemon looks for expired notes to delete.\n"
    "note_sweep_ms = 60000\n"
    "# How often (s) the daemon deletes content past the retention its policy gives the\n"
    "# content's class (`retain` lines), besides at start-up and soon after a withdrawal.\n"
    "retention_sweep_s = 86400\n"
    "# Default lifetime of member invites (s).\n"
    "invite_ttl = 259200\n"
    "# Longest observation or intervention text (bytes).\n"
    "text_max = 4000\n"
    "# Most requests committed in one storage transaction.\n"
    "batch_max = 512\n"
    "# After a failed disk flush, how long (ms) answers wait for a later commit to prove the\n"
    "# failed one gone; past it they say the outcome is unknown.\n"
    "settle_ms = 2000\n"
    "\n"
    "# Connections that have not proven membership yet. At most max_handshakes may be in\n"
    "# the handshake (a new one pushes out the oldest) and max_unenrolled may have finished\n"
    "# it with a key that is not enrolled. Keep the two together below max_connections: the\n"
    "# rest is kept for enrolled members (one above max_connections is held to a quarter of\n"
    "# it). One IP address may hold at most max_per_address of these connections.\n"
    "max_handshakes = 128\n"
    "max_unenrolled = 64\n"
    "max_per_address = 32\n"
    "# Largest frame (bytes) before a key is enrolled: enough to enrol.\n"
    "max_frame_unenrolled = 16384\n"
    "# Bytes read or waiting to be written, all connections together; the connection that\n"
    "# would go over it is dropped.\n"
    "max_buffered = 268435456\n"
    "# Requests per second (and the burst on top) one key may send: an enrolled member's, and\n"
    "# one that is not enrolled (its IP address may send four times as many). Over it, one\n"
    "# refusal (rate_limited, in the audit log) and the connection closes. 0: no limit.\n"
    "rate_member = 1000\n"
    "rate_member_burst = 10000\n"
    "rate_unenrolled = 5\n"
    "rate_unenrolled_burst = 20\n"
    "# A refused handshake (a revoked key, too many unenrolled connections) is audited at most\n"
    "# once per key in this many seconds; the next entry counts the ones left out.\n"
    "refusal_audit_s = 60\n"
    "# Storage quotas for restricted notes waiting for delivery (bytes of envelopes): for one\n"
    "# recipient, and in all. A note over either is refused (too_large).\n"
    "note_quota_recipient = 268435456\n"
    "note_quota_total = 4294967296\n";

void config_defaults(config *c, const char *dir) {
  memset(c, 0, sizeof *c);
  snprintf(c->dir, sizeof c->dir, "%s", dir);
  snprintf(c->listen_host, sizeof c->listen_host, "127.0.0.1");
  c->listen_port = 7350;
  snprintf(c->socket_path, sizeof c->socket_path, "%s/samvirked.sock", dir);
  snprintf(c->policy_path, sizeof c->policy_path, "%s/policy.conf", dir);
  snprintf(c->origin, sizeof c->origin, "samvirke.local/audit");
  c->log_level = LOG_INFO;
  c->max_connections = 1024;
  c->handshake_timeout_ms = 5000;
  c->idle_timeout_ms = 600000;
  c->max_frame = 1u << 20;
  c->max_write_queue = 16u << 20;
  c->max_inflight = 256;
  c->note_max = 4u << 20;
  c->note_ttl = 30u * 24 * 3600;
  c->note_sweep_ms = 60000;
  c->retention_sweep_s = 86400;
  c->invite_ttl = 72u * 3600;
  c->text_max = 4000;
  c->batch_max = 512;
  c->settle_ms = 2000;
  c->max_handshakes = 128;
  c->max_unenrolled = 64;
  c->max_per_address = 32;
  c->max_frame_unenrolled = 16384;
  c->max_buffered = 256u << 20;
  c->rate_member = 1000;
  c->rate_member_burst = 10000;
  c->rate_unenrolled = 5;
  c->rate_unenrolled_burst = 20;
  c->refusal_audit_s = 60;
  c->note_quota_recipient = 256u << 20;
  c->note_quota_total = UINT64_C(4) << 30;
}

void config_path(const config *c, const char *name, char *out, size_t outlen) {
  if (name[0] == '/')
    snprintf(out, outlen, "%s", name);
  else
    snprintf(out, outlen, "%s/%s", c->dir, name);
}

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  return s;
}

static int parse_u64(const char *v, uint64_t min, uint64_t max, uint64_t *out) {
  if (*v == '\0' || !isdigit((unsigned char)*v)) return -1;
  errno = 0;
  char *end;
  unsigned long long x = strtoull(v, &end, 10);
  if (errno || *end != '\0' || x < min || x > max) return -1;
  *out = x;
  return 0;
}

/* Apply one key = value. Returns 0 or -1 with a reason in err. */
static int apply(config *c, const char *k, const char *v, char *err, size_t errlen) {
  uint64_t x;
#define NUM(name, field, lo, hi)                                                   \
  if (strcmp(k, name) == 0) {                                                      \
    if (parse_u64(v, lo, hi, &x) != 0) {                                           \
      snprintf(err, errlen, "%s must be a whole number from %llu to %llu", name,   \
               (unsigned long long)(lo), (unsigned long long)(hi));                \
      return -1;                                                                   \
    }                                                                              \
    c->field = x;                                                                  \
    return 0;                                                                      \
  }
  NUM("max_connections", max_connections, 1, 1000000)
  NUM("handshake_timeout_ms", handshake_timeout_ms, 100, 600000)
  NUM("idle_timeout_ms", idle_timeout_ms, 1000, 86400000)
  NUM("max_frame", max_frame, 1024, 1u << 30)
  NUM("max_write_queue", max_write_queue, 65536, UINT64_C(1) << 34)
  NUM("max_inflight", max_inflight, 1, 65536)
  NUM("note_max", note_max, 1024, 1u << 28)
  NUM("note_ttl", note_ttl, 1, UINT64_C(10) * 365 * 86400)
  NUM("note_sweep_ms", note_sweep_ms, 100, 86400000)
  NUM("retention_sweep_s", retention_sweep_s, 1, 31536000)
  NUM("invite_ttl", invite_ttl, 60, UINT64_C(365) * 86400)
  NUM("text_max", text_max, 16, 1u << 20)
  NUM("batch_max", batch_max, 1, 100000)
  NUM("settle_ms", settle_ms, 1, 600000)
  NUM("max_handshakes", max_handshakes, 1, 1000000)
  NUM("max_unenrolled", max_unenrolled, 1, 1000000)
  NUM("max_per_address", max_per_address, 1, 1000000)
  NUM("max_frame_unenrolled", max_frame_unenrolled, 4096, 1u << 30)
  NUM("max_buffered", max_buffered, 1u << 20, UINT64_C(1) << 40)
  NUM("rate_member", rate_member, 0, 10000000)
  NUM("rate_member_burst", rate_member_burst, 0, 100000000)
  NUM("rate_unenrolled", rate_unenrolled, 0, 10000000)
  NUM("rate_unenrolled_burst", rate_unenrolled_burst, 0, 100000000)
  NUM("refusal_audit_s", refusal_audit_s, 1, 86400)
  NUM("note_quota_recipient", note_quota_recipient, 1024, UINT64_C(1) << 50)
  NUM("note_quota_total", note_quota_total, 1024, UINT64_C(1) << 50)
#undef NUM
  if (strcmp(k, "listen") == 0) {
    if (*v == '\0') {
      c->listen_host[0] = '\0';
      return 0;
    }
    const char *colon = strrchr(v, ':');
    if (colon == NULL || colon == v || (size_t)(colon - v) >= sizeof c->listen_host ||
        parse_u64(colon + 1, 0, 65535, &x) != 0) {
      snprintf(err, errlen, "listen must be host:port");
      return -1;
    }
    memcpy(c->listen_host, v, (size_t)(colon - v));
    c->listen_host[colon - v] = '\0';
    c->listen_port = (int)x;
    return 0;
  }
  if (strcmp(k, "socket") == 0) {
    if (*v == '\0')
      c->socket_path[0] = '\0';
    else
      config_path(c, v, c->socket_path, sizeof c->socket_path);
    return 0;
  }
  if (strcmp(k, "policy") == 0) {
    config_path(c, v, c->policy_path, sizeof c->policy_path);
    return 0;
  }
  if (strcmp(k, "origin") == 0) {
    if (*v == '\0' || strlen(v) >= sizeof c->origin || strchr(v, '+') != NULL ||
        !util_utf8_valid(v, strlen(v), false) || strpbrk(v, " \t") != NULL) {
      snprintf(err, errlen, "origin must be a non-empty name without spaces or '+'");
      return -1;
    }
    snprintf(c->origin, sizeof c->origin, "%s", v);
    return 0;
  }
  if (strcmp(k, "log_level") == 0) {
    if (log_parse_level(v, &c->log_level) != 0) {
      snprintf(err, errlen, "log_level must be debug, info, warn or error");
      return -1;
    }
    return 0;
  }
  snprintf(err, errlen, "unknown setting \"%s\"", k);
  return -1;
}

int config_load(config *c, const char *dir, char *err, size_t errlen) {
  config_defaults(c, dir);
  char path[1100];
  config_path(c, CONFIG_FILE, path, sizeof path);
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  char line[2048];
  int lineno = 0;
  while (fgets(line, sizeof line, f) != NULL) {
    lineno++;
    char *hash = strchr(line, '#');
    if (hash) *hash = '\0';
    char *s = trim(line);
    if (*s == '\0') continue;
    char *eq = strchr(s, '=');
    if (eq == NULL) {
      snprintf(err, errlen, "%s:%d: expected 'key = value'", path, lineno);
      fclose(f);
      return -1;
    }
    *eq = '\0';
    char reason[256];
    if (apply(c, trim(s), trim(eq + 1), reason, sizeof reason) != 0) {
      snprintf(err, errlen, "%s:%d: %s", path, lineno, reason);
      fclose(f);
      return -1;
    }
  }
  fclose(f);
  if (c->max_frame < c->note_max + 65536) c->max_frame = c->note_max + 65536;
  /* Slots kept for members: a limit on what has not proven membership that is above
   * max_connections (e.g. a lowered max_connections with the default limits) is held to a
   * quarter of it. */
  uint32_t quarter = c->max_connections / 4 > 0 ? c->max_connections / 4 : 1;
  if (c->max_handshakes > c->max_connections) c->max_handshakes = quarter;
  if (c->max_unenrolled > c->max_connections) c->max_unenrolled = quarter;
  if (c->max_frame_unenrolled > c->max_frame) c->max_frame_unenrolled = c->max_frame;
  return 0;
}

int config_write_template(const char *dir, const char *origin) {
  char path[1100], *text;
  snprintf(path, sizeof path, "%s/%s", dir, CONFIG_FILE);
  size_t n = sizeof template_text + strlen(origin);
  text = malloc(n);
  if (text == NULL) return -1;
  int len = snprintf(text, n, template_text, origin);
  int rc = util_write_file(path, text, (size_t)len, 0644);
  free(text);
  return rc;
}
