/* backup.c -- `samvirked backup` and `samvirked restore`: a consistent copy of a running daemon's
 * directory, and putting one back without rolling back a log that auditors already trust.
 *
 * A backup is a directory: samvirke.db (SQLite's online backup of the live database, fully
 * verified like `samvirked run --verify full`), samvirked.conf, policy.conf (the policy in force),
 * daemon.key only with --with-keys (mode 0600), and backup.txt, the manifest with the database's
 * SHA-256. It is built under DEST.partial-PID and renamed to DEST only once everything in it is
 * written and synced, the manifest last: an interrupted backup leaves a *.partial-PID directory
 * without a manifest, which restore refuses, and never a DEST. */
#include "backup.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "auditlog.h"
#include "checkpoint.h"
#include "config.h"
#include "keys.h"
#include "logkey.h"
#include "signer_state.h"
#include "merkle.h"
#include "signed_note.h"
#include "store.h"
#include "util.h"

#define BACKUP_MANIFEST "backup.txt"
#define BACKUP_FORMAT "samvirke-backup/1"
#define BACKUP_POLICY "policy.conf"
#define PATH_CAP (PATH_MAX + 64) /* a directory given (checked shorter than PATH_MAX) + suffix */
#define FILE_CAP (2 * PATH_CAP)    /* a file in such a directory */

typedef struct manifest {
  uint64_t created;
  uint64_t log_size;
  uint8_t db_sha256[32];
  bool keys;
} manifest;

/* ---- files ---- */

/* fsync the directory path, so that entries created or renamed in it are durable. */
static int fsync_dir(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return -1;
  int rc = fsync(fd);
  close(fd);
  return rc;
}

/* The directory part of path ("." when it has none) into out. */
static void parent_dir(const char *path, char *out, size_t outlen) {
  const char *slash = strrchr(path, '/');
  if (slash == NULL)
    snprintf(out, outlen, ".");
  else if (slash == path)
    snprintf(out, outlen, "/");
  else
    snprintf(out, outlen, "%.*s", (int)(slash - path), path);
}

/* Copy src to the new file dst (created with mode, O_EXCL) and fsync it. The copy buffer is
 * wiped, as it may have held a key. Returns 0, or -1 with the reason in err (dst removed). */
static int copy_file(const char *src, const char *dst, unsigned mode, char *err, size_t errlen) {
  unsigned char buf[65536];
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    snprintf(err, errlen, "%s: %s", src, strerror(errno));
    return -1;
  }
  int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
  if (out < 0) {
    snprintf(err, errlen, "%s: %s", dst, strerror(errno));
    close(in);
    return -1;
  }
  int rc = -1;
  for (;;) {
    ssize_t n = read(in, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      snprintf(err, errlen, "%s: %s", src, strerror(errno));
      goto out;
    }
    if (n == 0) break;
    for (ssize_t off = 0; off < n;) {
      ssize_t w = write(out, buf + off, (size_t)(n - off));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        snprintf(err, errlen, "%s: %s", dst, strerror(errno));
        goto out;
      }
      off += w;
    }
  }
  if (fchmod(out, (mode_t)mode) != 0 || fsync(out) != 0) {
    snprintf(err, errlen, "%s: %s", dst, strerror(errno));
    goto out;
  }
  rc = 0;
out:
  sodium_memzero(buf, sizeof buf);
  close(in);
  if (close(out) != 0 && rc == 0) {
    snprintf(err, errlen, "%s: %s", dst, strerror(errno));
    rc = -1;
  }
  if (rc != 0) unlink(dst);
  return rc;
}

/* SHA-256 of the file at path into out. Returns 0, or -1 with the reason in err. */
static int file_sha256(const char *path, uint8_t out[32], char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  crypto_hash_sha256_state h;
  crypto_hash_sha256_init(&h);
  unsigned char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) crypto_hash_sha256_update(&h, buf, n);
  int bad = ferror(f);
  fclose(f);
  crypto_hash_sha256_final(&h, out);
  if (bad) {
    snprintf(err, errlen, "%s: read error", path);
    return -1;
  }
  return 0;
}

/* ---- the manifest ---- */

static int manifest_write(const char *path, const manifest *m, const char *source, char *err,
                          size_t errlen) {
  char hex[65], text[FILE_CAP + 512];
  util_hex(hex, m->db_sha256, 32);
  int n = snprintf(text, sizeof text,
                   "# samvirke backup: put it back with `samvirked restore DIR BACKUP`, see "
                   "samvirked(8).\n"
                   "format = %s\ncreated = %" PRIu64 "\nsource = %s\ndatabase_sha256 = %s\n"
                   "log_size = %" PRIu64 "\nkeys = %s\n",
                   BACKUP_FORMAT, m->created, source, hex, m->log_size, m->keys ? "yes" : "no");
  if (n < 0 || (size_t)n >= sizeof text || util_write_file(path, text, (size_t)n, 0600) != 0) {
    snprintf(err, errlen, "%s: cannot write the manifest: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

/* Read the manifest of backup directory src. Returns 0, or -1 with the reason in err. */
static int manifest_read(const char *src, manifest *m, char *err, size_t errlen) {
  char path[FILE_CAP];
  snprintf(path, sizeof path, "%s/%s", src, BACKUP_MANIFEST);
  memset(m, 0, sizeof *m);
  size_t len = 0;
  char *text = (char *)util_read_file(path, 65536, &len);
  if (text == NULL) {
    if (errno == ENOENT)
      snprintf(err, errlen,
               "%s is not a complete samvirke backup: it has no %s (an interrupted backup leaves "
               "a directory named DEST.partial-N without one, and nothing in it may be used)",
               src, BACKUP_MANIFEST);
    else
      snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  bool format = false, hash = false, size = false, keys = false;
  for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
    char key[32], val[PATH_CAP];
    if (line[0] == '#' || sscanf(line, "%31s = %4159[^\n]", key, val) != 2) continue;
    if (strcmp(key, "format") == 0)
      format = strcmp(val, BACKUP_FORMAT) == 0;
    else if (strcmp(key, "created") == 0)
      m->created = strtoull(val, NULL, 10);
    else if (strcmp(key, "database_sha256") == 0)
      hash = strlen(val) == 64 && util_unhex(m->db_sha256, 32, val) == 0;
    else if (strcmp(key, "log_size") == 0)
      size = sscanf(val, "%" SCNu64, &m->log_size) == 1;
    else if (strcmp(key, "keys") == 0) {
      keys = strcmp(val, "yes") == 0 || strcmp(val, "no") == 0;
      m->keys = strcmp(val, "yes") == 0;
    }
  }
  free(text);
  if (!format || !hash || !size || !keys) {
    snprintf(err, errlen, "%s is not a manifest of this samvirked's backup format (%s)", path,
             BACKUP_FORMAT);
    return -1;
  }
  return 0;
}

/* ---- the database ---- */

/* Copy the live database src_db into the new file dst_db with SQLite's online backup API, in
 * one step: one read transaction, so the copy is one consistent state even while the daemon
 * commits. The daemon is never blocked (WAL readers do not block writers). Returns 0 or -1. */
static int db_snapshot(const char *src_db, const char *dst_db, char *err, size_t errlen) {
  sqlite3 *src = NULL, *dst = NULL;
  int rc = -1;
  if (sqlite3_open_v2(src_db, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", src_db, src ? sqlite3_errmsg(src) : "cannot open");
    goto out;
  }
  sqlite3_busy_timeout(src, 5000);
  if (sqlite3_open_v2(dst_db, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", dst_db, dst ? sqlite3_errmsg(dst) : "cannot create");
    goto out;
  }
  sqlite3_exec(dst, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
  sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
  if (b == NULL) {
    snprintf(err, errlen, "cannot start the backup: %s", sqlite3_errmsg(dst));
    goto out;
  }
  int step;
  for (int tries = 0; tries < 100; tries++) {
    step = sqlite3_backup_step(b, -1);
    if (step != SQLITE_BUSY && step != SQLITE_LOCKED) break;
    sqlite3_sleep(50);
  }
  int fin = sqlite3_backup_finish(b);
  if (step != SQLITE_DONE || fin != SQLITE_OK) {
    snprintf(err, errlen, "the online backup of %s failed: %s", src_db, sqlite3_errstr(step));
    goto out;
  }
  rc = 0;
out:
  sqlite3_close(src);
  if (dst != NULL && chmod(dst_db, 0600) != 0 && rc == 0) {
    snprintf(err, errlen, "%s: %s", dst_db, strerror(errno));
    rc = -1;
  }
  if (sqlite3_close(dst) != SQLITE_OK && rc == 0) {
    snprintf(err, errlen, "%s: cannot close the copy", dst_db);
    rc = -1;
  }
  return rc;
}

/* The audit log of the daemon directory dir (a staged copy), fully verified as `run --verify
 * full` does, and the root of its last signed checkpoint. */
typedef struct verified_log {
  config cfg;
  store *st;
  uint64_t size;
  uint8_t root[32];
  note_verifier verifier;
} verified_log;

/* Open dir's store with keys, verifying every entry against the last signed checkpoint, and
 * claim its database. Returns 0 with *vl filled (close with vl->st), or -1 with err. */
static int verified_open(verified_log *vl, const char *dir, const sv_daemon_keys *keys, char *err,
                         size_t errlen) {
  memset(vl, 0, sizeof *vl);
  if (config_load(&vl->cfg, dir, err, errlen) != 0) return -1;
  vl->st = logkey_store_open(&vl->cfg, keys, AUDITLOG_VERIFY_FULL, err, errlen);
  if (vl->st == NULL) return -1;
  if (admin_claim(store_db(vl->st), dir, err, errlen) != 0) goto err;
  auditlog *al = store_auditlog(vl->st);
  vl->size = auditlog_signed_size(al);
  merkle_empty_root(vl->root);
  const char *note = auditlog_checkpoint(al);
  checkpoint cp;
  if (note_verifier_init(&vl->verifier, vl->cfg.origin, keys->log_pk) != NOTE_OK) {
    snprintf(err, errlen, "cannot set up the log key");
    goto err;
  }
  if (note != NULL) {
    if (checkpoint_open(note, strlen(note), &vl->verifier, vl->cfg.origin, &cp, NULL) !=
        CHECKPOINT_OK) {
      snprintf(err, errlen, "the last checkpoint does not verify");
      goto err;
    }
    memcpy(vl->root, cp.root, 32);
  }
  return 0;
err:
  store_close(vl->st);
  vl->st = NULL;
  return -1;
}

/* ---- backup ---- */

/* Remove what a failed backup created in its staging directory tmp (known names only). */
static void remove_stage(const char *tmp) {
  static const char *const names[] = {CONFIG_DB_FILE, CONFIG_DB_FILE "-wal", CONFIG_DB_FILE "-shm",
                                      CONFIG_FILE,    BACKUP_POLICY,        CONFIG_KEYS_FILE,
                                      BACKUP_MANIFEST};
  char path[FILE_CAP];
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", tmp, names[i]);
    unlink(path);
  }
  rmdir(tmp);
}

/* Paths given on the command line must leave room for the names made from them. */
static int check_lengths(const char *a, const char *b, char *err, size_t errlen) {
  if (strlen(a) < PATH_MAX && strlen(b) < PATH_MAX) return 0;
  snprintf(err, errlen, "path too long");
  return -1;
}

int backup_create(const char *dir, const char *dest, bool with_keys, char *err, size_t errlen) {
  assert(dir != NULL && dest != NULL);
  if (check_lengths(dir, dest, err, errlen) != 0) return -1;
  config cfg;
  if (config_load(&cfg, dir, err, errlen) != 0) return -1;
  char keypath[FILE_CAP], dbpath[FILE_CAP], tmp[PATH_CAP], p[FILE_CAP], parent[PATH_CAP];
  config_path(&cfg, CONFIG_KEYS_FILE, keypath, sizeof keypath);
  config_path(&cfg, CONFIG_DB_FILE, dbpath, sizeof dbpath);
  struct stat sb;
  if (lstat(dest, &sb) == 0) {
    snprintf(err, errlen, "%s already exists; give a new name for the backup", dest);
    return -1;
  }
  sv_daemon_keys *keys = daemon_keys_load(keypath, err, errlen);
  if (keys == NULL) return -1;
  snprintf(tmp, sizeof tmp, "%s.partial-%ld", dest, (long)getpid());
  if (mkdir(tmp, 0700) != 0) {
    snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
    daemon_keys_free(keys);
    return -1;
  }
  int rc = -1;
  manifest m = {.created = util_unix_time(), .keys = with_keys};
  verified_log vl = {0};
  snprintf(p, sizeof p, "%s/%s", tmp, CONFIG_DB_FILE);
  if (db_snapshot(dbpath, p, err, errlen) != 0) goto out;
  char src[FILE_CAP];
  config_path(&cfg, CONFIG_FILE, src, sizeof src);
  snprintf(p, sizeof p, "%s/%s", tmp, CONFIG_FILE);
  if (copy_file(src, p, 0600, err, errlen) != 0) goto out;
  snprintf(p, sizeof p, "%s/%s", tmp, BACKUP_POLICY);
  if (copy_file(cfg.policy_path, p, 0600, err, errlen) != 0) goto out;
  if (with_keys) {
    snprintf(p, sizeof p, "%s/%s", tmp, CONFIG_KEYS_FILE);
    if (copy_file(keypath, p, 0600, err, errlen) != 0) goto out;
  }
  /* The copy must be one that `samvirked run --verify full` accepts. */
  char why[1024];
  if (verified_open(&vl, tmp, keys, why, sizeof why) != 0) {
    snprintf(err, errlen, "the copy does not verify, nothing was kept: %s", why);
    goto out;
  }
  m.log_size = vl.size;
  store_close(vl.st);
  vl.st = NULL;
  snprintf(p, sizeof p, "%s/%s", tmp, CONFIG_DB_FILE);
  if (file_sha256(p, m.db_sha256, err, errlen) != 0) goto out;
  snprintf(p, sizeof p, "%s/%s", tmp, BACKUP_MANIFEST);
  if (manifest_write(p, &m, cfg.dir, err, errlen) != 0) goto out;
  parent_dir(dest, parent, sizeof parent);
  if (fsync_dir(tmp) != 0 || rename(tmp, dest) != 0 || fsync_dir(parent) != 0) {
    snprintf(err, errlen, "cannot put the backup in place as %s: %s", dest, strerror(errno));
    goto out;
  }
  struct stat db;
  snprintf(p, sizeof p, "%s/%s", dest, CONFIG_DB_FILE);
  double mib = stat(p, &db) == 0 ? (double)db.st_size / (1024.0 * 1024.0) : 0.0;
  printf("backup of %s in %s: %" PRIu64 " audit entries, database %.1f MiB, verified; %s\n",
         cfg.dir, dest, m.log_size, mib,
         with_keys ? "the daemon's keys are in daemon.key (mode 0600): keep the backup as safe as "
                     "the server"
                   : "keys not included (add --with-keys to include them)");
  rc = 0;
out:
  if (vl.st != NULL) store_close(vl.st);
  if (rc != 0) remove_stage(tmp);
  daemon_keys_free(keys);
  return rc;
}

/* ---- restore ---- */

/* A checkpoint auditors may already trust, and where it came from (for messages). */
typedef struct trusted_cp {
  bool have;
  checkpoint cp;
  char from[PATH_CAP + 96];
} trusted_cp;

/* Read the newest signed checkpoint of the live database db into *t, if it verifies with v. A
 * missing or unverifiable one leaves t->have false and says why in note (may be empty). */
static void live_checkpoint(sqlite3 *db, const char *dir, const note_verifier *v,
                            const char *origin, trusted_cp *t, char *note, size_t notelen) {
  sqlite3_stmt *s = NULL;
  note[0] = '\0';
  if (sqlite3_prepare_v2(db, "SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1", -1, &s,
                         NULL) != SQLITE_OK) {
    snprintf(note, notelen, "its checkpoints cannot be read (%s)", sqlite3_errmsg(db));
    return;
  }
  if (sqlite3_step(s) == SQLITE_ROW) {
    const char *text = (const char *)sqlite3_column_text(s, 0);
    size_t len = (size_t)sqlite3_column_bytes(s, 0);
    if (text != NULL && checkpoint_open(text, len, v, origin, &t->cp, NULL) == CHECKPOINT_OK) {
      t->have = true;
      snprintf(t->from, sizeof t->from, "the newest checkpoint %s signed", dir);
    } else {
      snprintf(note, notelen, "its newest checkpoint is not signed by its log key");
    }
  }
  sqlite3_finalize(s);
}

/* The log signer's record in dir (signer.state): the size and root of the tree it has signed,
 * as a checkpoint auditors may trust. None leaves t->have false. Returns 0, or -1 with err
 * (a damaged record). */
static int signer_checkpoint(const char *dir, trusted_cp *t, char *err, size_t errlen) {
  char path[FILE_CAP];
  snprintf(path, sizeof path, "%s/%s", dir, SIGNER_STATE_FILE);
  merkle_frontier fr;
  bool found = false;
  if (signer_state_peek(path, &fr, &found, err, errlen) != 0) return -1;
  if (!found) return 0;
  t->have = true;
  t->cp.size = fr.size;
  merkle_frontier_root(&fr, t->cp.root);
  snprintf(t->from, sizeof t->from, "the log signer's record (%s/%s)", dir, SIGNER_STATE_FILE);
  return 0;
}

/* Read the checkpoint file path (an auditor's trusted checkpoint) into *t; it must verify with
 * v. Returns 0, or -1 with the reason in err. */
static int file_checkpoint(const char *path, const note_verifier *v, const char *origin,
                           trusted_cp *t, char *err, size_t errlen) {
  size_t len = 0;
  char *text = (char *)util_read_file(path, 65536, &len);
  if (text == NULL) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  int rc = checkpoint_open(text, len, v, origin, &t->cp, NULL);
  free(text);
  if (rc != CHECKPOINT_OK) {
    snprintf(err, errlen, "%s is not a checkpoint signed by this daemon's log key for origin %s",
             path, origin);
    return -1;
  }
  t->have = true;
  snprintf(t->from, sizeof t->from, "the trusted checkpoint %s", path);
  return 0;
}

/* Is the backup's log (vl) an extension of t? Returns 0, or -1 with what a restore would do to
 * the auditors in err: roll the log back (t is larger) or fork it (the backup's first t->size
 * entries are not the ones t signed). */
static int check_extends(verified_log *vl, const trusted_cp *t, char *err, size_t errlen) {
  /* t->from names a file; at most 1024 bytes of it go into the one line of err. */
  uint64_t T = t->cp.size, B = vl->size;
  if (T > B) {
    snprintf(err, errlen,
             "the backup's audit log has %" PRIu64 " entries, but %.1024s covers %" PRIu64
             ": restoring it would roll the log back by %" PRIu64
             " entries, which every auditor's client reports as tampering",
             B, t->from, T, T - B);
    return -1;
  }
  uint8_t *proof = NULL;
  size_t n = 0;
  bool ok = auditlog_consistency(store_auditlog(vl->st), T, B, &proof, &n) == 0 &&
            merkle_verify_consistency(T, B, (const uint8_t(*)[32])proof, n, t->cp.root, vl->root);
  free(proof);
  if (!ok) {
    snprintf(err, errlen,
             "the backup's audit log is not an extension of %.1024s (its first %" PRIu64
             " entries differ): restoring it would fork the log, which every auditor's client "
             "reports as tampering",
             t->from, T);
    return -1;
  }
  return 0;
}

/* Append the entry that records the restore (op daemon.restore, class audit) to vl's log. */
static int log_restore(verified_log *vl, const manifest *m, bool forced, uint64_t *seq, char *err,
                       size_t errlen) {
  char hex[65], object[80];
  util_hex(hex, m->db_sha256, 32);
  snprintf(object, sizeof object, "backup:%" PRIu64 ":%.16s", vl->size, hex);
  job *j = job_internal(NULL, "daemon.restore", "audit", object,
                        forced ? "samvirked restore --force" : "samvirked restore");
  if (j == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  int rc = store_run_sync(vl->st, j);
  *seq = j->audit_seq;
  job_free(j);
  if (rc != 0) snprintf(err, errlen, "cannot record the restore in the audit log");
  return rc;
}

/* Move the live database of dir (and its -wal and -shm) aside to aside. Returns 0 or -1. */
static int move_aside(const char *dir, const char *aside, char *err, size_t errlen) {
  static const char *const sfx[] = {"", "-wal", "-shm"};
  for (size_t i = 0; i < 3; i++) {
    char from[FILE_CAP], to[FILE_CAP + 8];
    snprintf(from, sizeof from, "%s/%s%s", dir, CONFIG_DB_FILE, sfx[i]);
    snprintf(to, sizeof to, "%s%s", aside, sfx[i]);
    if (rename(from, to) != 0 && errno != ENOENT) {
      snprintf(err, errlen, "cannot move %s aside: %s", from, strerror(errno));
      return -1;
    }
  }
  return 0;
}

/* Copy name from the backup src into dir unless dir has it. Returns 0 or -1. */
static int copy_missing(const char *src, const char *dir, const char *name, unsigned mode,
                        char *err, size_t errlen) {
  char from[FILE_CAP], to[FILE_CAP];
  snprintf(from, sizeof from, "%s/%s", src, name);
  snprintf(to, sizeof to, "%s/%s", dir, name);
  if (access(to, F_OK) == 0) return 0;
  return copy_file(from, to, mode, err, errlen);
}

int backup_restore(const char *dir, const char *src, const char *trusted_path, bool force,
                   char *err, size_t errlen) {
  assert(dir != NULL && src != NULL);
  if (check_lengths(dir, src, err, errlen) != 0) return -1;
  manifest m;
  if (manifest_read(src, &m, err, errlen) != 0) return -1;
  char p[FILE_CAP], q[FILE_CAP], stage[PATH_CAP], why[2048];
  uint8_t sha[32];
  snprintf(p, sizeof p, "%s/%s", src, CONFIG_DB_FILE);
  if (file_sha256(p, sha, err, errlen) != 0) return -1;
  if (sodium_memcmp(sha, m.db_sha256, 32) != 0) {
    snprintf(err, errlen, "%s does not match the SHA-256 in its manifest: the backup is damaged "
             "or was changed", p);
    return -1;
  }
  if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return -1;
  }
  /* Keys: the live directory's, else the backup's; when both exist they must be the same. */
  sv_daemon_keys *keys = NULL, *bkeys = NULL;
  sqlite3 *guard = NULL;
  verified_log vl = {0};
  int rc = -1;
  stage[0] = '\0';
  snprintf(p, sizeof p, "%s/%s", dir, CONFIG_KEYS_FILE);
  snprintf(q, sizeof q, "%s/%s", src, CONFIG_KEYS_FILE);
  bool live_keys = access(p, F_OK) == 0;
  if (live_keys && (keys = daemon_keys_load(p, err, errlen)) == NULL) goto out;
  if (m.keys && (bkeys = daemon_keys_load(q, err, errlen)) == NULL) goto out;
  if (keys != NULL && bkeys != NULL &&
      (sodium_memcmp(keys->log_pk, bkeys->log_pk, 32) != 0 ||
       sodium_memcmp(keys->noise_pk, bkeys->noise_pk, 32) != 0)) {
    snprintf(err, errlen, "the backup's keys are not %s's keys: it is a backup of another daemon",
             dir);
    goto out;
  }
  if (keys == NULL && bkeys == NULL) {
    snprintf(err, errlen,
             "%s has no daemon.key and the backup holds none (it was made without --with-keys): "
             "put the daemon's daemon.key into %s first",
             dir, dir);
    goto out;
  }
  if (keys == NULL) {
    keys = bkeys;
    bkeys = NULL;
  }
  /* The live database, if any: claimed (no daemon may run), and its newest checkpoint. */
  trusted_cp live = {0}, file = {0}, rec = {0};
  char live_note[256] = "";
  snprintf(p, sizeof p, "%s/%s", dir, CONFIG_DB_FILE);
  bool live_db = access(p, F_OK) == 0;
  if (live_db) {
    if (sqlite3_open_v2(p, &guard, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
      snprintf(live_note, sizeof live_note, "it cannot be opened (%s)", sqlite3_errmsg(guard));
    } else {
      int claim = admin_claim(guard, dir, why, sizeof why);
      if (claim == -1) {
        snprintf(err, errlen, "%s", why);
        goto out;
      }
      if (claim == -2) snprintf(live_note, sizeof live_note, "it cannot be read");
    }
  }
  /* Stage the backup's database beside the live one and verify it in full. */
  snprintf(stage, sizeof stage, "%s/restore.partial-%ld", dir, (long)getpid());
  if (mkdir(stage, 0700) != 0) {
    snprintf(err, errlen, "%s: %s", stage, strerror(errno));
    stage[0] = '\0';
    goto out;
  }
  snprintf(p, sizeof p, "%s/%s", dir, CONFIG_FILE);
  snprintf(q, sizeof q, "%s/%s", stage, CONFIG_FILE);
  if (access(p, F_OK) != 0) snprintf(p, sizeof p, "%s/%s", src, CONFIG_FILE);
  if (copy_file(p, q, 0600, err, errlen) != 0) goto out;
  snprintf(p, sizeof p, "%s/%s", src, CONFIG_DB_FILE);
  snprintf(q, sizeof q, "%s/%s", stage, CONFIG_DB_FILE);
  if (copy_file(p, q, 0600, err, errlen) != 0) goto out;
  if (verified_open(&vl, stage, keys, why, sizeof why) != 0) {
    snprintf(err, errlen, "the backup does not verify with %s's keys: %s", dir, why);
    goto out;
  }
  /* What auditors may already trust: a checkpoint file given, and the live directory's newest. */
  if (trusted_path != NULL &&
      file_checkpoint(trusted_path, &vl.verifier, vl.cfg.origin, &file, err, errlen) != 0)
    goto out;
  if (guard != NULL && live_note[0] == '\0')
    live_checkpoint(guard, dir, &vl.verifier, vl.cfg.origin, &live, live_note, sizeof live_note);
  if (signer_checkpoint(dir, &rec, err, errlen) != 0) goto out;
  bool forced = false;
  if (!live.have && !file.have && !rec.have) {
    if (!force) {
      snprintf(err, errlen,
               "nothing shows which checkpoint auditors already trust (%s%s%s): give --trusted "
               "with an auditor's trusted checkpoint (their <identity>/audit/trusted.txt), or "
               "--force",
               live_db ? "the live database: " : "there is no live database",
               live_db ? (live_note[0] ? live_note : "no checkpoint") : "", "");
      goto out;
    }
    forced = true;
  }
  const trusted_cp *cps[3] = {&live, &file, &rec};
  bool rec_extended = true; /* the restored log extends the signer's record */
  for (int i = 0; i < 3; i++) {
    if (!cps[i]->have || check_extends(&vl, cps[i], why, sizeof why) == 0) continue;
    if (!force) {
      snprintf(err, errlen, "%s; use a newer backup, or --force once the auditors know why", why);
      goto out;
    }
    fprintf(stderr, "samvirked restore: warning (--force): %s\n", why);
    forced = true;
    if (cps[i] == &rec) rec_extended = false;
  }
  uint64_t seq = 0;
  if (log_restore(&vl, &m, forced, &seq, err, errlen) != 0) goto out;
  uint64_t restored = vl.size;
  store_close(vl.st);
  vl.st = NULL;
  /* Put it in place: configuration, policy and keys only where the directory lacks them; the
   * live database moved aside (never deleted), then the restored one renamed into place. */
  if (copy_missing(src, dir, CONFIG_FILE, 0644, err, errlen) != 0 ||
      copy_missing(src, dir, BACKUP_POLICY, 0644, err, errlen) != 0 ||
      (live_keys ? 0 : copy_missing(src, dir, CONFIG_KEYS_FILE, 0600, err, errlen)) != 0)
    goto out;
  char aside[FILE_CAP];
  snprintf(aside, sizeof aside, "%s/%s.replaced-%" PRIu64, dir, CONFIG_DB_FILE, util_unix_time());
  if (live_db && move_aside(dir, aside, err, errlen) != 0) goto out;
  /* A forced restore the signer's record does not lead to: the record is moved aside too, and
   * the signer starts a new one from the restored log's newest checkpoint. */
  char rec_aside[FILE_CAP + 32] = "";
  if (rec.have && !rec_extended) {
    char from[FILE_CAP];
    snprintf(from, sizeof from, "%s/%s", dir, SIGNER_STATE_FILE);
    snprintf(rec_aside, sizeof rec_aside, "%s.replaced-%" PRIu64, from, util_unix_time());
    if (rename(from, rec_aside) != 0) {
      snprintf(err, errlen, "cannot move %s aside: %s", from, strerror(errno));
      goto out;
    }
  }
  /* Closing the guard now finds no database under the live name to touch. */
  sqlite3_close(guard);
  guard = NULL;
  snprintf(p, sizeof p, "%s/%s", stage, CONFIG_DB_FILE);
  snprintf(q, sizeof q, "%s/%s", dir, CONFIG_DB_FILE);
  if (rename(p, q) != 0 || fsync_dir(dir) != 0) {
    snprintf(err, errlen, "cannot put the restored database in place as %s: %s", q,
             strerror(errno));
    goto out;
  }
  printf("restored %s into %s: %" PRIu64 " audit entries, verified", src, dir, restored);
  if (live.have) printf("; extends %s (%" PRIu64 " entries)", live.from, live.cp.size);
  if (file.have) printf("; extends %s (%" PRIu64 " entries)", file.from, file.cp.size);
  printf("%s; the restore is audit entry #%" PRIu64 "\n", forced ? " (forced)" : "", seq);
  if (live_db) printf("the replaced database is kept as %s\n", aside);
  if (rec_aside[0]) printf("the log signer's replaced record is kept as %s\n", rec_aside);
  rc = 0;
out:
  if (vl.st != NULL) store_close(vl.st);
  sqlite3_close(guard);
  if (stage[0]) remove_stage(stage);
  daemon_keys_free(keys);
  daemon_keys_free(bkeys);
  return rc;
}
