/* status_show.c -- `samvirked status DIR [--json]` (see status_show.h): the running daemon's live
 * figures from its status socket, and what the database says, read only. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <sqlite3.h>

#include "admin.h"
#include "audit_entry.h"
#include "config.h"
#include "status_serve.h"
#include "status_show.h"
#include "util.h"

/* What the database says. */
typedef struct db_figures {
  uint64_t log_size, db_bytes;
  uint64_t cp_size, cp_time; /* the newest signed checkpoint; the time of its last entry (s) */
  uint64_t notes, note_bytes, deliveries;
} db_figures;

/* The daemon's answer, or false when nothing answers on the socket. */
static bool ask_daemon(const char *dir, char *buf, size_t n) {
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if ((size_t)snprintf(sa.sun_path, sizeof sa.sun_path, "%s/%s", dir, STATUS_SOCKET_FILE) >=
      sizeof sa.sun_path)
    return false;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  struct timeval tv = {.tv_sec = 5};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  size_t got = 0;
  bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  while (ok && got + 1 < n) {
    ssize_t r = read(fd, buf + got, n - 1 - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      ok = r == 0;
      break;
    }
    got += (size_t)r;
  }
  close(fd);
  buf[got] = '\0';
  return ok && strncmp(buf, "version 1\n", 10) == 0;
}

/* The value of key in the daemon's answer ("" when it has none). */
static const char *field(const char *ans, const char *key, char *out, size_t n) {
  size_t k = strlen(key);
  out[0] = '\0';
  for (const char *p = ans; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
    if (strncmp(p, key, k) == 0 && p[k] == ' ') {
      const char *v = p + k + 1, *e = strchr(v, '\n');
      size_t len = e ? (size_t)(e - v) : strlen(v);
      if (len >= n) len = n - 1;
      memcpy(out, v, len);
      out[len] = '\0';
      break;
    }
  }
  return out;
}

static uint64_t num(const char *ans, const char *key) {
  char v[64];
  return strtoull(field(ans, key, v, sizeof v), NULL, 10);
}

static int64_t one(sqlite3 *db, const char *sql, int col) {
  sqlite3_stmt *s = NULL;
  int64_t v = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
    v = sqlite3_column_int64(s, col);
  sqlite3_finalize(s);
  return v;
}

static int read_db(const config *cfg, db_figures *f, char *err, size_t errlen) {
  char path[1100];
  config_path(cfg, CONFIG_DB_FILE, path, sizeof path);
  memset(f, 0, sizeof *f);
  struct stat sb;
  if (stat(path, &sb) == 0) f->db_bytes = (uint64_t)sb.st_size;
  sqlite3 *db = admin_read_db(cfg, err, errlen);
  if (db == NULL) return -1;
  int rc = -1;
  int64_t v = one(db, "SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entries", 0);
  if (v < 0) goto out;
  f->log_size = (uint64_t)v;
  v = one(db, "SELECT COALESCE(MAX(size), 0) FROM checkpoints", 0);
  f->cp_size = v > 0 ? (uint64_t)v : 0;
  if (f->cp_size > 0) {
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, "SELECT entry FROM audit_entries WHERE seq = ?", -1, &s, NULL) ==
        SQLITE_OK) {
      sqlite3_bind_int64(s, 1, (sqlite3_int64)(f->cp_size - 1));
      audit_entry e;
      if (sqlite3_step(s) == SQLITE_ROW &&
          audit_entry_decode(sqlite3_column_blob(s, 0), (size_t)sqlite3_column_bytes(s, 0), &e) ==
              AUDIT_OK)
        f->cp_time = e.time_ms / 1000;
    }
    sqlite3_finalize(s);
  }
  f->notes = (uint64_t)one(db, "SELECT count(*) FROM notes", 0);
  f->note_bytes = (uint64_t)one(db, "SELECT COALESCE(SUM(size), 0) FROM notes", 0);
  f->deliveries = (uint64_t)one(db, "SELECT count(*) FROM note_recipients WHERE acked = 0", 0);
  rc = 0;
out:
  if (rc != 0) snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
  sqlite3_close(db);
  return rc;
}

static void print_text(const char *dir, bool up, const char *a, const db_figures *f) {
  char when[64], v[80];
  if (up) {
    uint64_t s = num(a, "uptime_s");
    printf("samvirked %s: running (pid %s) for %lluh %02llum %02llus\n", dir,
           field(a, "pid", v, sizeof v), (unsigned long long)(s / 3600),
           (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
    printf("connections:     %llu (%llu in the handshake, %llu not enrolled)\n",
           (unsigned long long)num(a, "connections"), (unsigned long long)num(a, "handshaking"),
           (unsigned long long)num(a, "unenrolled"));
    printf("requests:        %llu answered, %llu in flight; %s/s over the last 10 s, ",
           (unsigned long long)num(a, "requests"), (unsigned long long)num(a, "inflight"),
           field(a, "requests_per_s_10s", v, sizeof v));
    printf("%s/s over the last minute\n", field(a, "requests_per_s_60s", v, sizeof v));
    printf("commits:         %llu; disk latency last %.1f ms, average %.1f ms, longest %.1f ms\n",
           (unsigned long long)num(a, "commits"), num(a, "commit_latency_last_us") / 1000.0,
           num(a, "commit_latency_avg_us") / 1000.0, num(a, "commit_latency_max_us") / 1000.0);
  } else {
    printf("samvirked %s: not running\n", dir);
  }
  printf("audit log:       %llu entries; database %.1f MiB\n", (unsigned long long)f->log_size,
         (double)f->db_bytes / (1024.0 * 1024.0));
  if (f->cp_size) {
    util_utc_text(when, sizeof when, f->cp_time);
    printf("last checkpoint: size %llu, its last entry from %s\n",
           (unsigned long long)f->cp_size, when);
  } else {
    printf("last checkpoint: none signed yet\n");
  }
  printf("pending notes:   %llu (%llu bytes), %llu deliveries waiting\n",
         (unsigned long long)f->notes, (unsigned long long)f->note_bytes,
         (unsigned long long)f->deliveries);
  uint64_t next = up ? num(a, "next_retention_sweep") : 0;
  if (up && next) {
    util_utc_text(when, sizeof when, next);
    printf("next retention sweep: %s (every %llu s)\n", when,
           (unsigned long long)num(a, "retention_sweep_s"));
  } else {
    printf("next retention sweep: %s\n", up ? "now" : "when samvirked starts");
  }
}

static void print_json(bool up, const char *a, const db_figures *f) {
  char v[80];
  printf("{\"running\":%s", up ? "true" : "false");
  if (up) {
    static const char *const keys[] = {"pid", "uptime_s", "connections", "handshaking",
                                       "unenrolled", "requests", "inflight", "requests_per_s_10s",
                                       "requests_per_s_60s", "commits", "commit_latency_last_us",
                                       "commit_latency_avg_us", "commit_latency_max_us",
                                       "retention_sweep_s", "next_retention_sweep"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      field(a, keys[i], v, sizeof v);
      printf(",\"%s\":%s", keys[i], v[0] ? v : "null");
    }
  }
  printf(",\"log_size\":%llu,\"database_bytes\":%llu,\"checkpoint_size\":%llu,"
         "\"checkpoint_time\":%llu,\"pending_notes\":%llu,\"pending_note_bytes\":%llu,"
         "\"pending_deliveries\":%llu}\n",
         (unsigned long long)f->log_size, (unsigned long long)f->db_bytes,
         (unsigned long long)f->cp_size, (unsigned long long)f->cp_time,
         (unsigned long long)f->notes, (unsigned long long)f->note_bytes,
         (unsigned long long)f->deliveries);
}

int status_show(const char *dir, bool json, char *err, size_t errlen) {
  config cfg;
  if (config_load(&cfg, dir, err, errlen) != 0) return -1;
  char ans[STATUS_MAX];
  bool up = ask_daemon(cfg.dir, ans, sizeof ans);
  db_figures f;
  if (read_db(&cfg, &f, err, errlen) != 0) return -1;
  if (json)
    print_json(up, ans, &f);
  else
    print_text(dir, up, ans, &f);
  return up ? 0 : 3;
}
