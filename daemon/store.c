/* store.c -- the storage thread: owns the SQLite connection, runs jobs in group-commit batches,
 * appends each job's audit entry to the log, and hands finished jobs back to the loop thread. */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define SCHEMA_VERSION 3
#define STMT_CACHE 256
#define SETTLE_RETRY_MS 100 /* how often held answers retry the settling commit */

static const char schema_sql[] =
    "CREATE TABLE schema_version(version INTEGER NOT NULL);"
    "CREATE TABLE members("
    " id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
    " card BLOB NOT NULL, card_hash BLOB NOT NULL, keyid TEXT NOT NULL UNIQUE,"
    " noise_pk BLOB NOT NULL UNIQUE, enc_pk BLOB NOT NULL, fingerprint TEXT NOT NULL,"
    " enrolled INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0, reg_seq INTEGER);"
    /* A name belongs to one active member; a revoked member's name may be enrolled again
     * (with new keys: keyid and noise_pk stay unique for ever). */
    "CREATE UNIQUE INDEX members_active_name ON members(name) WHERE revoked = 0;"
    "CREATE TABLE invites("
    " code_hash BLOB PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
    " created INTEGER NOT NULL, expires INTEGER NOT NULL, used INTEGER NOT NULL DEFAULT 0,"
    " created_by INTEGER) WITHOUT ROWID;"
    "CREATE TABLE audit_entries(seq INTEGER PRIMARY KEY, entry BLOB NOT NULL);"
    "CREATE TABLE audit_nodes(level INTEGER NOT NULL, idx INTEGER NOT NULL,"
    " hash BLOB NOT NULL, PRIMARY KEY(level, idx)) WITHOUT ROWID;"
    "CREATE TABLE checkpoints(size INTEGER PRIMARY KEY, note TEXT NOT NULL);"
    "CREATE TABLE areas(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
    " description TEXT NOT NULL DEFAULT '', created INTEGER NOT NULL, author INTEGER NOT NULL);"
    "CREATE TABLE observations(id INTEGER PRIMARY KEY, area INTEGER NOT NULL REFERENCES areas(id),"
    " kind TEXT NOT NULL, category TEXT NOT NULL, level TEXT NOT NULL, size INTEGER,"
    " lat REAL, lon REAL, text TEXT NOT NULL, author INTEGER NOT NULL, created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL, withdrawn INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX observations_area ON observations(area, created);"
    "CREATE TABLE interventions(id INTEGER PRIMARY KEY, area INTEGER NOT NULL REFERENCES areas(id),"
    " level TEXT NOT NULL, step TEXT NOT NULL, status TEXT NOT NULL, text TEXT NOT NULL,"
    " author INTEGER NOT NULL, created INTEGER NOT NULL, updated INTEGER NOT NULL);"
    /* Restricted notes: the envelope is ciphertext; the other columns copy its cleartext
     * header. note_recipients.role is the recipient's role when the daemon decided `receive`. */
    "CREATE TABLE notes(id BLOB PRIMARY KEY, sender INTEGER NOT NULL, sender_keyid TEXT NOT NULL,"
    " class TEXT NOT NULL, area TEXT NOT NULL, purpose TEXT NOT NULL, envelope BLOB NOT NULL,"
    " size INTEGER NOT NULL, created INTEGER NOT NULL, expires INTEGER NOT NULL,"
    " send_seq INTEGER NOT NULL);"
    "CREATE INDEX notes_expires ON notes(expires);"
    "CREATE TABLE note_recipients(note BLOB NOT NULL, member INTEGER NOT NULL,"
    " role TEXT NOT NULL DEFAULT '', acked INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(note, member))"
    " WITHOUT ROWID;"
    "CREATE INDEX note_recipients_member ON note_recipients(member, acked);";

/* Schema steps: migrations[v] takes a database from version v to v + 1. A new database is made
 * with schema_sql (version 1) and then every step, so a new database and a migrated one are the
 * same. Each step runs in the transaction that records its version. */
static const char *const migrations[] = {
    [1] = /* 1 -> 2: the two tracks (meetings, concerns), links, follow-up, actors. */
    "ALTER TABLE areas ADD COLUMN boundary BLOB;" /* msgpack array of lon, lat (area.update) */
    /* Follow-up: who answers for an intervention (its author until now), when it is due, what
     * came of it, and the meeting whose decision created it. */
    "ALTER TABLE interventions ADD COLUMN owner INTEGER;"
    "ALTER TABLE interventions ADD COLUMN due INTEGER;"
    "ALTER TABLE interventions ADD COLUMN outcome TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE interventions ADD COLUMN meeting INTEGER;"
    "ALTER TABLE interventions ADD COLUMN meeting_track TEXT;"
    "UPDATE interventions SET owner = author;"
    "CREATE INDEX interventions_area ON interventions(area, created);"
    /* Exactly two of resource, challenge, intervention are set (link.add). */
    "CREATE TABLE links(id INTEGER PRIMARY KEY, area INTEGER NOT NULL REFERENCES areas(id),"
    " kind TEXT NOT NULL, resource INTEGER, challenge INTEGER, intervention INTEGER,"
    " level TEXT NOT NULL, author INTEGER NOT NULL, created INTEGER NOT NULL);"
    "CREATE INDEX links_area ON links(area, created);"
    /* Meetings of both tracks, numbered per track: (track, id) names one. */
    "CREATE TABLE meetings(track TEXT NOT NULL, id INTEGER NOT NULL,"
    " area INTEGER NOT NULL REFERENCES areas(id), time INTEGER NOT NULL,"
    " title TEXT NOT NULL DEFAULT '', author INTEGER NOT NULL, created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL, minutes_text TEXT, minutes_envelope BLOB,"
    " minutes_author INTEGER, minutes_time INTEGER, PRIMARY KEY(track, id)) WITHOUT ROWID;"
    "CREATE INDEX meetings_area ON meetings(area, time);"
    "CREATE TABLE meeting_attendees(track TEXT NOT NULL, meeting INTEGER NOT NULL,"
    " pos INTEGER NOT NULL, member INTEGER NOT NULL, PRIMARY KEY(track, meeting, pos))"
    " WITHOUT ROWID;"
    "CREATE TABLE meeting_items(track TEXT NOT NULL, meeting INTEGER NOT NULL, n INTEGER NOT NULL,"
    " text TEXT NOT NULL, observation INTEGER, intervention INTEGER, author INTEGER NOT NULL,"
    " created INTEGER NOT NULL, PRIMARY KEY(track, meeting, n)) WITHOUT ROWID;"
    /* Concerns: the envelope is ciphertext; receipt is its id, area and purpose copy its
     * cleartext header. */
    "CREATE TABLE concerns(id INTEGER PRIMARY KEY, receipt BLOB NOT NULL UNIQUE,"
    " submitter INTEGER NOT NULL, area TEXT NOT NULL, purpose TEXT NOT NULL,"
    " envelope BLOB NOT NULL, created INTEGER NOT NULL, status TEXT NOT NULL,"
    " assignee INTEGER, updated INTEGER NOT NULL, answers INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE concern_recipients(concern INTEGER NOT NULL REFERENCES concerns(id)"
    " ON DELETE CASCADE, member INTEGER NOT NULL, PRIMARY KEY(concern, member)) WITHOUT ROWID;"
    /* The network map: actors of an area, and undirected ties (a < b). */
    "CREATE TABLE actors(id INTEGER PRIMARY KEY, area INTEGER NOT NULL REFERENCES areas(id),"
    " name TEXT NOT NULL, category TEXT NOT NULL, form TEXT NOT NULL,"
    " description TEXT NOT NULL DEFAULT '', author INTEGER NOT NULL, created INTEGER NOT NULL,"
    " updated INTEGER NOT NULL, UNIQUE(area, name));"
    "CREATE TABLE actor_ties(id INTEGER PRIMARY KEY, a INTEGER NOT NULL REFERENCES actors(id),"
    " b INTEGER NOT NULL REFERENCES actors(id), text TEXT NOT NULL DEFAULT '',"
    " author INTEGER NOT NULL, created INTEGER NOT NULL, UNIQUE(a, b));",
    [2] = /* 2 -> 3: a group-level intervention states the group's approximate size. */
    "ALTER TABLE interventions ADD COLUMN size INTEGER;",
};
_Static_assert(sizeof migrations / sizeof migrations[0] == SCHEMA_VERSION,
               "a migration step for every version before SCHEMA_VERSION");

struct store {
  config cfg;
  sqlite3 *db;
  auditlog *al;
  job_exec_fn run;
  struct {
    const char *sql;
    sqlite3_stmt *stmt;
  } stmts[STMT_CACHE];
  int nstmts;
  /* queue from the loop thread */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  job *in_head, *in_tail;
  job *out_head, *out_tail;
  /* Finished jobs held back because a batch's COMMIT failed in its disk flush: its commit
   * record may be on disk, so a crash could still bring it back. They are answered (in order,
   * with everything finished after them) once a later commit has overwritten that record, or
   * after cfg.settle_ms without one (then saying the outcome is unknown). Storage thread only. */
  job *held_head, *held_tail;
  uint64_t held_since_ms;
  bool stopping;
  bool started;
  bool committing; /* the storage thread is committing a batch (commit_guard lets it) */
  bool wrote;      /* a batch committed: this store writes (not a reader that never claimed
                    * the database) */
  pthread_t thread;
  uv_async_t async;
  store_done_fn done;
  void *done_ctx;
};

sqlite3 *store_db(store *st) { return st->db; }
auditlog *store_auditlog(store *st) { return st->al; }
const config *store_config(store *st) { return &st->cfg; }

sqlite3_stmt *store_stmt(store *st, const char *sql) {
  for (int i = 0; i < st->nstmts; i++) {
    if (st->stmts[i].sql == sql) {
      sqlite3_reset(st->stmts[i].stmt);
      sqlite3_clear_bindings(st->stmts[i].stmt);
      return st->stmts[i].stmt;
    }
  }
  sqlite3_stmt *s = NULL;
  if (sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK) {
    log_error("storage: cannot prepare statement: %s", sqlite3_errmsg(st->db));
    return NULL;
  }
  if (st->nstmts == STMT_CACHE) { /* a statement the cache cannot own would leak */
    log_error("storage: statement cache full (%d); raise STMT_CACHE", STMT_CACHE);
    sqlite3_finalize(s);
    return NULL;
  }
  st->stmts[st->nstmts].sql = sql;
  st->stmts[st->nstmts].stmt = s;
  st->nstmts++;
  return s;
}

static int exec_sql(sqlite3 *db, const char *sql, char *err, size_t errlen) {
  char *msg = NULL;
  if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "%s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
  }
  return 0;
}

/* SQLite commit hook of the store's connection: the only commit allowed is a batch's COMMIT.
 * An I/O error makes SQLite roll the whole transaction back; a statement run after that
 * would otherwise commit on its own, outside the batch and without its audit entry. Refused
 * here, it fails instead (and so does its batch). */
static int commit_guard(void *arg) {
  const store *st = arg;
  return st->committing ? 0 : 1;
}

/* Commit the open transaction as the store's own (commit_guard lets it). */
static int commit(store *st, char *err, size_t errlen) {
  st->committing = true;
  int rc = exec_sql(st->db, "COMMIT", err, errlen);
  st->committing = false;
  return rc;
}

static int db_settings(sqlite3 *db, char *err, size_t errlen) {
  sqlite3_busy_timeout(db, 5000);
  return exec_sql(db,
                  "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
                  /* Deleted and overwritten content (a withdrawn observation's text, what
                   * retention removes) is zeroed in the file, not left in free space. */
                  "PRAGMA secure_delete=ON; PRAGMA cache_size=-65536;",
                  err, errlen);
}

int store_create(const char *path, char *err, size_t errlen) {
  struct stat sb;
  if (stat(path, &sb) == 0) {
    snprintf(err, errlen, "%s already exists", path);
    return -1;
  }
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return -1;
  }
  char buf[64];
  snprintf(buf, sizeof buf, "INSERT INTO schema_version VALUES(%d);", SCHEMA_VERSION);
  int rc = -1;
  if (db_settings(db, err, errlen) != 0) goto out;
  if (exec_sql(db, "BEGIN", err, errlen) != 0) goto out;
  bool ok = exec_sql(db, schema_sql, err, errlen) == 0;
  for (int v = 1; ok && v < SCHEMA_VERSION; v++) ok = exec_sql(db, migrations[v], err, errlen) == 0;
  if (!ok || exec_sql(db, buf, err, errlen) != 0 || exec_sql(db, "COMMIT", err, errlen) != 0) {
    exec_sql(db, "ROLLBACK", buf, sizeof buf);
    goto out;
  }
  chmod(path, 0600);
  rc = 0;
out:
  sqlite3_close(db);
  return rc;
}

/* Bring the database at path from schema version to SCHEMA_VERSION, each step in a transaction
 * of its own that also records the new version (so an interrupted migration resumes from the
 * last whole step). Returns 0, or -1 with the reason in err (that step rolled back). */
static int migrate(store *st, const char *path, int version, char *err, size_t errlen) {
  for (int v = version; v < SCHEMA_VERSION; v++) {
    char set[64], ignored[64];
    snprintf(set, sizeof set, "UPDATE schema_version SET version = %d;", v + 1);
    char why[256] = "";
    if (exec_sql(st->db, "BEGIN IMMEDIATE", why, sizeof why) != 0 ||
        exec_sql(st->db, migrations[v], why, sizeof why) != 0 ||
        exec_sql(st->db, set, why, sizeof why) != 0 || commit(st, why, sizeof why) != 0) {
      exec_sql(st->db, "ROLLBACK", ignored, sizeof ignored);
      snprintf(err, errlen, "%s: cannot migrate from schema version %d to %d: %s", path, v,
               v + 1, why);
      return -1;
    }
    log_info("%s: schema migrated from version %d to %d", path, v, v + 1);
  }
  return 0;
}

store *store_open(const config *cfg, const uint8_t log_pk[32], const auditlog_signer *sg,
                  enum auditlog_verify mode, char *err, size_t errlen) {
  store *st = calloc(1, sizeof *st);
  if (st == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  st->cfg = *cfg;
  pthread_mutex_init(&st->mu, NULL);
  pthread_cond_init(&st->cv, NULL);
  char path[1100];
  config_path(cfg, CONFIG_DB_FILE, path, sizeof path);
  if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
    goto err;
  }
  if (db_settings(st->db, err, errlen) != 0) goto err;
  sqlite3_commit_hook(st->db, commit_guard, st);
  sqlite3_stmt *s = NULL;
  int version = -1;
  if (sqlite3_prepare_v2(st->db, "SELECT version FROM schema_version", -1, &s, NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    version = sqlite3_column_int(s, 0);
  sqlite3_finalize(s);
  if (version >= 1 && version < SCHEMA_VERSION && migrate(st, path, version, err, errlen) != 0)
    goto err;
  if (version < 1 || version > SCHEMA_VERSION) {
    snprintf(err, errlen, "%s: schema version %d, this samvirked needs %d", path, version,
             SCHEMA_VERSION);
    goto err;
  }
  st->al = auditlog_open(st->db, cfg->origin, log_pk, sg, mode, err, errlen);
  if (st->al == NULL) goto err;
  return st;
err:
  store_close(st);
  return NULL;
}

/* Run one step of the open transaction through the statement cache (no re-parsing per job). */
static int step_sql(store *st, const char *sql, char *err, size_t errlen) {
  sqlite3_stmt *s = store_stmt(st, sql);
  int rc = s ? sqlite3_step(s) : SQLITE_ERROR;
  if (s) sqlite3_reset(s);
  if (rc == SQLITE_DONE) return 0;
  snprintf(err, errlen, "%s", sqlite3_errmsg(st->db));
  return -1;
}

static const char sql_savepoint[] = "SAVEPOINT job";
static const char sql_rollback_to[] = "ROLLBACK TO job";
static const char sql_release[] = "RELEASE job";

/* Run one job inside the batch: its exec under a savepoint (rolled back if it fails), then its
 * audit entry. Returns 0, or -1 when the transaction itself failed (err set). */
static int run_job(store *st, job *j, char *err, size_t errlen) {
  if (j->err == SV_OK && j->exec == NULL && st->run != NULL) {
    /* Nothing to change, so nothing to roll back: run only decides whether the job still
     * stands (a revocation committed ahead of it voids it). */
    if (st->run(st, j) != 0) {
      if (j->err == SV_OK) job_fail(j, SV_ERR_INTERNAL, "internal error");
      msgpack_sbuffer_clear(&j->result);
      j->effect = EFFECT_NONE;
    }
  } else if (j->err == SV_OK && j->exec != NULL) {
    if (step_sql(st, sql_savepoint, err, errlen) != 0) return -1;
    int rc = st->run ? st->run(st, j) : j->exec(st, j);
    if (rc != 0) {
      if (j->err == SV_OK) job_fail(j, SV_ERR_INTERNAL, "internal error");
      if (step_sql(st, sql_rollback_to, err, errlen) != 0) return -1;
      msgpack_sbuffer_clear(&j->result);
      j->effect = EFFECT_NONE;
    }
    if (step_sql(st, sql_release, err, errlen) != 0) return -1;
  }
  audit_entry e;
  job_audit_entry(j, &e);
  if (auditlog_append(st->al, &e, err, errlen) != 0) return -1;
  j->audit_seq = e.seq;
  j->audited = true;
  return 0;
}

static const char msg_not_done[] = "storage failure; the request was not carried out";
static const char msg_unknown[] =
    "storage failure: the disk did not confirm the write, so the request may or may not have "
    "been carried out";

static void fail_job(job *j, const char *msg) {
  j->audited = false;
  j->effect = EFFECT_NONE;
  msgpack_sbuffer_clear(&j->result);
  job_fail(j, SV_ERR_UNAVAILABLE, "%s", msg);
}

/* Fail every job of the list (and its follow-ups) with msg. */
static void fail_list(job *head, const char *msg) {
  for (job *j = head; j != NULL; j = j->next) {
    fail_job(j, msg);
    for (job *f = j->follow; f != NULL; f = f->next) fail_job(f, msg);
  }
}

enum batch_result { BATCH_COMMITTED, BATCH_FAILED, BATCH_UNCERTAIN };

/* Run one batch of jobs in a single transaction. Every job ends up either audited (and its
 * changes committed) or failed with SV_ERR_UNAVAILABLE and no audit entry; a follow-up runs
 * only after its leader succeeded and is dropped (not audited) otherwise. BATCH_UNCERTAIN:
 * the COMMIT failed in the disk flush after writing its WAL frames, which a crash before the
 * next commit would bring back (the jobs say the outcome is unknown). */
static enum batch_result run_batch(store *st, job *head) {
  char err[256];
  bool uncertain = false;
  auditlog_mark mark;
  auditlog_save(st->al, &mark);
  if (exec_sql(st->db, "BEGIN IMMEDIATE", err, sizeof err) != 0) goto fail;
  for (job *j = head; j != NULL; j = j->next) {
    if (run_job(st, j, err, sizeof err) != 0) goto fail_tx;
    for (job *f = j->follow; f != NULL; f = f->next) {
      if (!j->audited || j->err != SV_OK) {
        f->dropped = true;
        continue;
      }
      f->lead_seq = j->audit_seq;
      if (run_job(st, f, err, sizeof err) != 0) goto fail_tx;
    }
  }
  if (auditlog_put_checkpoint(st->al, err, sizeof err) != 0) goto fail_tx;
  if (commit(st, err, sizeof err) != 0) {
    int code = sqlite3_extended_errcode(st->db);
    uncertain = code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_DIR_FSYNC;
    goto fail_tx;
  }
  if (auditlog_committed(st->al, err, sizeof err) != 0)
    log_error("storage: cannot sign the checkpoint of size %llu (%s); the next batch's will "
              "cover it", (unsigned long long)auditlog_size(st->al), err);
  st->wrote = true;
  return BATCH_COMMITTED;
fail_tx:
  exec_sql(st->db, "ROLLBACK", err + 128, sizeof err - 128);
fail:
  log_error("storage: batch failed and was rolled back: %s", err);
  auditlog_restore(st->al, &mark);
  fail_list(head, uncertain ? msg_unknown : msg_not_done);
  return uncertain ? BATCH_UNCERTAIN : BATCH_FAILED;
}

/* Commit a transaction that changes nothing but writes a page, so that the WAL frames of a
 * batch whose flush failed are overwritten by a committed, synced transaction. Returns 0 when
 * it committed. */
static int settle(store *st) {
  char err[256];
  if (exec_sql(st->db, "BEGIN IMMEDIATE", err, sizeof err) != 0) return -1;
  /* Twice: the page must be written, and SQLite skips an update that changes no byte. */
  if (exec_sql(st->db,
               "UPDATE schema_version SET version = -version;"
               "UPDATE schema_version SET version = -version",
               err, sizeof err) != 0 ||
      commit(st, err, sizeof err) != 0) {
    exec_sql(st->db, "ROLLBACK", err + 128, sizeof err - 128);
    return -1;
  }
  return 0;
}

/* Hand the finished jobs head..tail to the loop thread. */
static void deliver(store *st, job *head, job *tail) {
  if (head == NULL) return;
  pthread_mutex_lock(&st->mu);
  if (st->out_tail)
    st->out_tail->next = head;
  else
    st->out_head = head;
  st->out_tail = tail;
  pthread_mutex_unlock(&st->mu);
  uv_async_send(&st->async);
}

/* Answer the held jobs: settled (a commit overwrote the failed one: nothing was done), or
 * not (the outcome stays unknown, as their messages already say). */
static void release_held(store *st, bool settled) {
  if (settled) {
    for (job *j = st->held_head; j != NULL; j = j->next)
      if (j->err == SV_ERR_UNAVAILABLE) fail_job(j, msg_not_done);
    log_info("storage: a later commit settled the failed one; held answers are sent");
  } else {
    log_error("storage: no commit for %u ms after a failed disk flush; answering that the "
              "outcome is unknown", st->cfg.settle_ms);
  }
  deliver(st, st->held_head, st->held_tail);
  st->held_head = st->held_tail = NULL;
}

/* Queue the finished batch head..tail behind the held jobs (answers keep request order). */
static void hold(store *st, job *head, job *tail) {
  if (st->held_head == NULL) st->held_since_ms = (uv_hrtime() / 1000000);
  if (st->held_tail)
    st->held_tail->next = head;
  else
    st->held_head = head;
  st->held_tail = tail;
}

/* Storage thread, nothing queued while answers are held: settle them or give up. */
static void retry_held(store *st) {
  if (settle(st) == 0)
    release_held(st, true);
  else if ((uv_hrtime() / 1000000) - st->held_since_ms >= st->cfg.settle_ms)
    release_held(st, false);
}

/* Wait on cv for at most ms (mu held). */
static void wait_ms(store *st, uint32_t ms) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  ts.tv_sec += ms / 1000;
  ts.tv_nsec += (long)(ms % 1000) * 1000000L;
  if (ts.tv_nsec >= 1000000000L) {
    ts.tv_sec++;
    ts.tv_nsec -= 1000000000L;
  }
  pthread_cond_timedwait(&st->cv, &st->mu, &ts);
}

static void *thread_main(void *arg) {
  store *st = arg;
  for (;;) {
    pthread_mutex_lock(&st->mu);
    while (st->in_head == NULL && !st->stopping && st->held_head == NULL)
      pthread_cond_wait(&st->cv, &st->mu);
    if (st->in_head == NULL && st->held_head != NULL) { /* answers held: try to settle */
      wait_ms(st, st->cfg.settle_ms < SETTLE_RETRY_MS ? st->cfg.settle_ms : SETTLE_RETRY_MS);
      if (st->in_head == NULL) {
        pthread_mutex_unlock(&st->mu);
        retry_held(st);
        continue;
      }
    }
    job *head = st->in_head, *tail = head;
    if (head == NULL) { /* stopping, and nothing left to do */
      pthread_mutex_unlock(&st->mu);
      break;
    }
    uint32_t n = 1;
    while (tail->next != NULL && n < st->cfg.batch_max) {
      tail = tail->next;
      n++;
    }
    st->in_head = tail->next;
    if (st->in_head == NULL) st->in_tail = NULL;
    tail->next = NULL;
    pthread_mutex_unlock(&st->mu);

    enum batch_result r = run_batch(st, head);
    if (r == BATCH_COMMITTED) {
      if (st->held_head != NULL) release_held(st, true); /* this commit settled them */
      deliver(st, head, tail);
    } else if (r == BATCH_UNCERTAIN || st->held_head != NULL) {
      hold(st, head, tail);
      if (r == BATCH_UNCERTAIN) retry_held(st);
    } else {
      deliver(st, head, tail);
    }
  }
  return NULL;
}

static void on_async(uv_async_t *h) {
  store *st = h->data;
  pthread_mutex_lock(&st->mu);
  job *j = st->out_head;
  st->out_head = st->out_tail = NULL;
  pthread_mutex_unlock(&st->mu);
  while (j != NULL) {
    job *next = j->next;
    j->next = NULL;
    st->done(j, st->done_ctx);
    j = next;
  }
}

int store_start(store *st, uv_loop_t *loop, job_exec_fn run, store_done_fn done, void *ctx) {
  st->run = run;
  st->done = done;
  st->done_ctx = ctx;
  if (uv_async_init(loop, &st->async, on_async) != 0) return -1;
  st->async.data = st;
  if (pthread_create(&st->thread, NULL, thread_main, st) != 0) {
    uv_close((uv_handle_t *)&st->async, NULL);
    return -1;
  }
  st->started = true;
  return 0;
}

void store_submit(store *st, job *j) {
  assert(st->started);
  j->next = NULL;
  pthread_mutex_lock(&st->mu);
  if (st->in_tail)
    st->in_tail->next = j;
  else
    st->in_head = j;
  st->in_tail = j;
  pthread_cond_signal(&st->cv);
  pthread_mutex_unlock(&st->mu);
}

int store_run_sync(store *st, job *j) {
  assert(!st->started);
  j->next = NULL;
  run_batch(st, j);
  return j->audited ? 0 : -1;
}

void store_stop(store *st) {
  if (!st->started) return;
  pthread_mutex_lock(&st->mu);
  st->stopping = true;
  pthread_cond_signal(&st->cv);
  pthread_mutex_unlock(&st->mu);
  pthread_join(st->thread, NULL);
  st->started = false;
  on_async(&st->async); /* deliver what finished last */
  uv_close((uv_handle_t *)&st->async, NULL);
}

/* Write the latest checkpoint's signed note into its row if no batch has yet (before the
 * store closes; a failure leaves the text, which the next start-up signs again). Only a store
 * that committed batches does: one that only read (an offline tool refused because the daemon
 * runs) leaves the row to its writer. */
static void store_note(store *st) {
  char err[256];
  if (st->al == NULL || st->db == NULL || !st->wrote || !auditlog_note_unstored(st->al)) return;
  if (exec_sql(st->db, "BEGIN IMMEDIATE", err, sizeof err) != 0) goto fail;
  if (auditlog_store_note(st->al, err, sizeof err) != 0 || commit(st, err, sizeof err) != 0) {
    exec_sql(st->db, "ROLLBACK", err + 128, sizeof err - 128);
    goto fail;
  }
  auditlog_committed(st->al, err, sizeof err);
  return;
fail:
  log_warn("storage: the last checkpoint's signature was not stored (%s); it is signed again at "
           "the next start", err);
}

void store_close(store *st) {
  if (st == NULL) return;
  store_note(st);
  auditlog_close(st->al);
  for (int i = 0; i < st->nstmts; i++) sqlite3_finalize(st->stmts[i].stmt);
  if (st->db) sqlite3_close(st->db);
  pthread_mutex_destroy(&st->mu);
  pthread_cond_destroy(&st->cv);
  free(st);
}
