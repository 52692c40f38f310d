/* store.c -- the storage thread: owns the SQLite connection, runs jobs in group-commit batches,
 * appends each job's audit entry to the log, and hands finished jobs back to the loop thread.
 *
 * Once started, commits are pipelined: the storage thread commits without waiting for the disk
 * (synchronous=NORMAL in WAL mode) and a flush thread makes them durable (walsync.c). A batch is
 * answered, and its checkpoint signed, only after a flush that began after its COMMIT had
 * written its WAL frames has succeeded. While a flush runs, the storage thread keeps executing
 * the jobs that arrive in the next transaction; that transaction is committed when the flush
 * is done and it holds half as many jobs as the last answers released, or all the requests
 * those answers set off have come in (or stopped coming).
 * A flush that fails leaves the frames it covered possibly never on disk: nothing committed
 * since is answered until a TRUNCATE checkpoint has copied the whole log into the database file
 * (synced) and a flush has made the emptied log durable; answers held longer than settle_ms say
 * that the outcome is unknown. */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "merkle.h"
#include "slice.h"
#include "walsync.h"

#define SCHEMA_VERSION 5
#define STMT_CACHE 256
#define WATCH_MAX 8 /* tables whose changes are counted (store_changes) */
#define CACHE_MAX 8 /* ops' states kept between jobs (store_cache) */
#define SETTLE_RETRY_MS 100 /* how often held answers retry the settling commit or recovery */
/* The commit of the open transaction waits, after a flush, for the requests its answers set
 * off: until it holds half as many jobs as were answered, or as many jobs came in as were
 * answered, or none came for COMMIT_GAP_NS, or COMMIT_LINGER_NS passed since the answers. With
 * EAGER_JOBS jobs waiting it commits at once. */
#define COMMIT_GAP_NS 500000ull
#define COMMIT_LINGER_NS 2000000ull
#define EAGER_JOBS 64
/* Most batches awaiting their answers (a flush, or a fault's settling); the storage thread
 * takes no new jobs while the queue is full. */
#define BATCHQ 256
#define SCRUB_RETRY_MS 1000 /* how often emptying the write-ahead log is retried (store_scrub) */

/* A finished batch on its way back to the loop thread; batches are answered in commit order. */
typedef struct batch {
  job *head, *tail;
  enum batch_state {
    B_DONE,   /* failed and rolled back: answered as it is (nothing was done) */
    B_SYNC,   /* committed: answered once a flush (or a recovery) made it durable */
    B_SETTLE  /* its COMMIT failed in a flush: "not done" once a later commit is durable */
  } state;
  uint64_t gen;      /* B_SYNC: its commit's number; B_SETTLE: the number of the commit before */
  bool has_cp;       /* B_SYNC: it stored a checkpoint (tree head cp_size, cp_root) */
  uint64_t cp_size;
  uint8_t cp_root[32];
  uint64_t fault_ms; /* when a fault began to hold it (0: none) */
  uint64_t commit_ns; /* B_SYNC: when its COMMIT began (commit latency, store_stats) */
} batch;

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
    [3] = /* 3 -> 4: the bytes of notes waiting, kept by triggers for the storage quotas, in all
           * (notes_held, one row) and per recipient (the unacknowledged deliveries' notes), so
           * that a send reads two rows instead of summing every waiting note. Every change of
           * notes and note_recipients, in any order, keeps them equal to the sums. */
    "CREATE TABLE notes_held(id INTEGER PRIMARY KEY CHECK(id = 1), bytes INTEGER NOT NULL);"
    "INSERT INTO notes_held VALUES(1, (SELECT COALESCE(SUM(size), 0) FROM notes));"
    "CREATE TABLE note_waiting(member INTEGER PRIMARY KEY, bytes INTEGER NOT NULL);"
    "INSERT INTO note_waiting SELECT r.member, SUM(n.size) FROM note_recipients r"
    " JOIN notes n ON n.id = r.note WHERE r.acked = 0 GROUP BY r.member;"
    "CREATE TRIGGER notes_held_add AFTER INSERT ON notes BEGIN"
    " UPDATE notes_held SET bytes = bytes + NEW.size;"
    " UPDATE note_waiting SET bytes = bytes + NEW.size WHERE member IN"
    " (SELECT member FROM note_recipients WHERE note = NEW.id AND acked = 0); END;"
    "CREATE TRIGGER notes_held_del AFTER DELETE ON notes BEGIN"
    " UPDATE notes_held SET bytes = bytes - OLD.size;"
    " UPDATE note_waiting SET bytes = bytes - OLD.size WHERE member IN"
    " (SELECT member FROM note_recipients WHERE note = OLD.id AND acked = 0); END;"
    "CREATE TRIGGER note_waiting_add AFTER INSERT ON note_recipients WHEN NEW.acked = 0 BEGIN"
    " INSERT INTO note_waiting VALUES(NEW.member,"
    " COALESCE((SELECT size FROM notes WHERE id = NEW.note), 0))"
    " ON CONFLICT(member) DO UPDATE SET bytes = bytes + excluded.bytes; END;"
    "CREATE TRIGGER note_waiting_del AFTER DELETE ON note_recipients WHEN OLD.acked = 0 BEGIN"
    " UPDATE note_waiting SET bytes = bytes -"
    " COALESCE((SELECT size FROM notes WHERE id = OLD.note), 0) WHERE member = OLD.member; END;"
    /* An unacknowledged delivery's member always has its row (note_waiting_add made it). */
    "CREATE TRIGGER note_waiting_ack AFTER UPDATE OF acked ON note_recipients"
    " WHEN OLD.acked = 0 AND NEW.acked != 0 BEGIN"
    " UPDATE note_waiting SET bytes = bytes -"
    " COALESCE((SELECT size FROM notes WHERE id = OLD.note), 0) WHERE member = OLD.member; END;"
    "CREATE TRIGGER note_waiting_unack AFTER UPDATE OF acked ON note_recipients"
    " WHEN OLD.acked != 0 AND NEW.acked = 0 BEGIN"
    " INSERT INTO note_waiting VALUES(NEW.member,"
    " COALESCE((SELECT size FROM notes WHERE id = NEW.note), 0))"
    " ON CONFLICT(member) DO UPDATE SET bytes = bytes + excluded.bytes; END;"
    "CREATE TRIGGER note_recipients_fixed BEFORE UPDATE OF note, member ON note_recipients"
    " BEGIN SELECT RAISE(ABORT, 'a delivery keeps its note and member'); END;"
    "CREATE TRIGGER notes_size_fixed BEFORE UPDATE OF id, size ON notes"
    " BEGIN SELECT RAISE(ABORT, 'a note keeps its id and size'); END;",
    [4] = /* 4 -> 5: the audit log's subtree hashes keyed by their append-order position
           * (merkle_node_pos, as the SQL function subtree_pos). Keyed by (level, idx), a
           * batch's subtrees went into the middle of one key range per level, and the splits
           * there made audit_nodes 16 of the 29 pages a commit of 50 entries wrote; appended at
           * the end of one B-tree they take one or two. */
    "CREATE TABLE audit_subtrees(pos INTEGER PRIMARY KEY, hash BLOB NOT NULL);"
    "INSERT INTO audit_subtrees(pos, hash)"
    " SELECT subtree_pos(level, idx), hash FROM audit_nodes ORDER BY 1;"
    "DROP TABLE audit_nodes;",
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
  /* Storage thread: rows changed per watched table (the update hook), rows changed in all
   * (hooked), and rollbacks that may have undone some (store_changes). */
  struct {
    const char *table;
    uint64_t rows;
  } watch[WATCH_MAX];
  int nwatch;
  uint64_t hooked, rollbacks;
  struct {
    const void *key;
    void *state;
    void (*release)(void *);
  } caches[CACHE_MAX];
  int ncaches;
  /* queue from the loop thread */
  pthread_mutex_t mu;
  pthread_cond_t cv;
  job *in_head, *in_tail;
  job *out_head, *out_tail;
  /* Under mu: finished batches not yet answered, in commit order. The storage thread queues
   * them; it and the flush thread (the moment a flush makes them durable) answer them. */
  batch bq[BATCHQ]; /* ring: bq_count records from bq_first */
  unsigned bq_first, bq_count;
  /* Storage thread only: the open transaction (jobs executed, not yet committed). */
  bool txn;
  auditlog_mark mark;
  job *t_head, *t_tail;
  uint32_t t_jobs;
  uint64_t commits;       /* transactions committed; the last one's number */
  /* Written under mu. The storage thread also reads recover without it (it alone writes it),
   * and durable only while no flush thread runs (which writes it too). */
  uint64_t durable;       /* every commit up to this number is durable */
  bool recover;           /* a flush failed: commits since are durable only after a recovery */
  uint64_t retry_ms;      /* last settle or recovery attempt */
  /* Under mu: */
  uint64_t released_ns;   /* when answers were last released, and how many (the requests */
  uint32_t released;      /* they set off are awaited before the next commit) */
  uint32_t arrived;       /* jobs taken since */
  uint64_t arrived_ns;    /* when the last was */
  /* Under mu: the newest checkpoint whose answers were released and which is not signed yet
   * (the storage thread signs it, sign_released, before it takes another job). */
  bool to_sign;
  uint64_t to_sign_size;
  uint8_t to_sign_root[32];
  /* The flush thread (under mu): it flushes when want > tried. */
  bool pipelined;
  walsync *ws;
  pthread_t sync_thread;
  pthread_cond_t sync_cv;
  uint64_t sync_want, sync_tried, sync_ok, sync_failed;
  uint64_t flushes, jobs; /* for the log line at the stop */
  bool syncing, sync_stop;
  bool stopping;
  bool started;
  bool committing; /* the storage thread is committing a batch (commit_guard lets it) */
  store_stats stats; /* under mu */
  bool scrub;      /* empty the write-ahead log once the open transaction has committed */
  uint64_t scrub_ms; /* the last attempt */
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

uint64_t store_changes(store *st, const char *table) {
  for (int i = 0; i < st->nwatch; i++)
    if (strcmp(st->watch[i].table, table) == 0) return st->watch[i].rows + st->rollbacks;
  if (st->nwatch == WATCH_MAX) { /* unwatched: a new count every time, so never "unchanged" */
    log_error("storage: too many watched tables (%d); raise WATCH_MAX", WATCH_MAX);
    return ++st->rollbacks;
  }
  st->watch[st->nwatch].table = table;
  st->watch[st->nwatch].rows = 0;
  st->nwatch++;
  return st->rollbacks;
}

void *store_cache(store *st, const void *key, size_t size, void (*release)(void *state)) {
  for (int i = 0; i < st->ncaches; i++)
    if (st->caches[i].key == key) return st->caches[i].state;
  if (st->ncaches == CACHE_MAX) {
    log_error("storage: too many op caches (%d); raise CACHE_MAX", CACHE_MAX);
    return NULL;
  }
  void *state = calloc(1, size);
  if (state == NULL) return NULL;
  st->caches[st->ncaches].key = key;
  st->caches[st->ncaches].state = state;
  st->caches[st->ncaches].release = release;
  st->ncaches++;
  return state;
}

void *store_table_cache(store *st, const char *table, size_t size) {
  assert(size >= sizeof(uint64_t));
  uint64_t *c = store_cache(st, table, size, free);
  if (c == NULL) return NULL;
  uint64_t now = store_changes(st, table);
  if (*c != now) {
    memset(c, 0, size);
    *c = now;
  }
  return c;
}

/* SQLite update hook of the store's connection: count the row changes of watched tables. */
static void on_row_change(void *arg, int op, const char *dbname, const char *table,
                          sqlite3_int64 rowid) {
  (void)op;
  (void)dbname;
  (void)rowid;
  store *st = arg;
  st->hooked++;
  for (int i = 0; i < st->nwatch; i++)
    if (strcmp(st->watch[i].table, table) == 0) st->watch[i].rows++;
}

/* SQLite rollback hook: a rolled-back transaction may have undone counted changes. */
static void on_rollback(void *arg) {
  store *st = arg;
  st->rollbacks++;
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

/* SQL subtree_pos(level, idx): merkle_node_pos, for migration 4 -> 5. A row no log can hold
 * (not integers, level below 1, past MERKLE_POS_MAX_SIZE) is an error: the step rolls back. */
static void sql_subtree_pos(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  int64_t pos = -1;
  if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER &&
      sqlite3_value_type(argv[1]) == SQLITE_INTEGER) {
    sqlite3_int64 level = sqlite3_value_int64(argv[0]), idx = sqlite3_value_int64(argv[1]);
    if (level >= 1 && idx >= 0) pos = merkle_node_pos((uint64_t)level, (uint64_t)idx);
  }
  if (pos < 0) {
    sqlite3_result_error(ctx, "audit_nodes holds a subtree no audit log can have", -1);
    return;
  }
  sqlite3_result_int64(ctx, pos);
}

static int db_settings(sqlite3 *db, char *err, size_t errlen) {
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_create_function_v2(db, "subtree_pos", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                 sql_subtree_pos, NULL, NULL, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "cannot register subtree_pos: %s", sqlite3_errmsg(db));
    return -1;
  }
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
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&st->cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_cond_init(&st->sync_cv, NULL);
  char path[1100];
  config_path(cfg, CONFIG_DB_FILE, path, sizeof path);
  if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, st->db ? sqlite3_errmsg(st->db) : "cannot open");
    goto err;
  }
  if (db_settings(st->db, err, errlen) != 0) goto err;
  sqlite3_commit_hook(st->db, commit_guard, st);
  sqlite3_update_hook(st->db, on_row_change, st);
  sqlite3_rollback_hook(st->db, on_rollback, st);
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
  uint64_t hooked = st->hooked; /* rows changed before j: a rollback of j undoes later ones */
  if (j->err == SV_OK && j->exec == NULL && st->run != NULL) {
    /* Nothing to change, so nothing to roll back: run only decides whether the job still
     * stands (a revocation committed ahead of it voids it). */
    if (st->run(st, j) != 0) {
      if (j->err == SV_OK) job_fail(j, SV_ERR_INTERNAL, "internal error");
      msgpack_sbuffer_clear(&j->result);
      j->effect = EFFECT_NONE;
    }
  } else if (j->err == SV_OK && j->exec != NULL) {
    bool savepoint = !j->one_write;
    if (savepoint && step_sql(st, sql_savepoint, err, errlen) != 0) return -1;
    sqlite3_int64 changes = sqlite3_total_changes64(st->db);
    int rc = st->run ? st->run(st, j) : j->exec(st, j);
    if (rc != 0) {
      if (!savepoint && sqlite3_total_changes64(st->db) != changes) {
        snprintf(err, errlen, "%s changed rows and then failed without a savepoint", j->op);
        return -1; /* nothing can undo them but the whole transaction */
      }
      if (j->err == SV_OK) job_fail(j, SV_ERR_INTERNAL, "internal error");
      if (st->hooked != hooked) st->rollbacks++; /* it undoes rows the hook counted */
      if (savepoint && step_sql(st, sql_rollback_to, err, errlen) != 0) return -1;
      msgpack_sbuffer_clear(&j->result);
      j->effect = EFFECT_NONE;
    }
    if (savepoint && step_sql(st, sql_release, err, errlen) != 0) return -1;
    /* An internal job that found nothing to do (a sweep) is not worth an entry. A request
     * always is, and so is anything that changed a row. */
    if (rc == 0 && j->audit_if_changed && j->internal && j->session == NULL &&
        sqlite3_total_changes64(st->db) == changes)
      return 0;
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

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t now_ms(void) { return now_ns() / 1000000ull; }

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

/* Answer the committed jobs of the list as of unknown outcome: their changes are in the
 * database and stay, so the directory effects are kept (the loop thread's cache follows the
 * database), but no answer promises durability or names an entry. */
static void unknown_list(job *head) {
  for (job *j = head; j != NULL; j = j->next) {
    for (job *f = j->follow; f != NULL; f = f->next) fail_job(f, msg_unknown);
    enum job_effect keep = j->effect;
    fail_job(j, msg_unknown);
    j->effect = keep;
  }
}

/* ---- transactions (storage thread) ---------------------------------------------------------- */

/* Queue a finished batch, complete in *rec, behind the others (a transaction begins only while
 * the queue has room for its batch: see thread_main). From here on the flush thread may
 * answer it. */
static void enqueue(store *st, const batch *rec) {
  pthread_mutex_lock(&st->mu);
  assert(st->bq_count < BATCHQ);
  st->bq[(st->bq_first + st->bq_count++) % BATCHQ] = *rec;
  pthread_mutex_unlock(&st->mu);
}

/* mu held: the oldest queued batch, or NULL. */
static batch *queue_head(store *st) { return st->bq_count ? &st->bq[st->bq_first] : NULL; }

/* mu held. */
static void dequeue(store *st) {
  st->bq_first = (st->bq_first + 1) % BATCHQ;
  st->bq_count--;
}

/* The open transaction failed: roll it back and fail its jobs (nothing was done). */
static void txn_fail(store *st, const char *why, bool uncertain) {
  char err[128];
  if (exec_sql(st->db, "ROLLBACK", err, sizeof err) != 0 && !sqlite3_get_autocommit(st->db))
    log_error("storage: batch failed: %s; it is rolled back before the next one begins (%s)",
              why, err);
  else
    log_error("storage: batch failed and was rolled back: %s", why);
  auditlog_restore(st->al, &st->mark);
  fail_list(st->t_head, uncertain ? msg_unknown : msg_not_done);
  if (st->t_head) {
    batch b = {.head = st->t_head, .tail = st->t_tail, .state = uncertain ? B_SETTLE : B_DONE,
               .gen = st->commits, .fault_ms = uncertain ? now_ms() : 0};
    enqueue(st, &b);
  }
  st->rollbacks++; /* what it undid (also when SQLite had rolled it back on its own) */
  st->txn = false;
  st->t_head = st->t_tail = NULL;
  st->t_jobs = 0;
}

/* A failed batch whose ROLLBACK failed too (out of memory) is still open: roll it back now, so
 * that nothing of it is ever committed and the next batch can begin. Returns 0 when no
 * transaction is open any more. */
static int rollback_leftover(store *st, char *err, size_t errlen) {
  if (sqlite3_get_autocommit(st->db)) return 0;
  if (exec_sql(st->db, "ROLLBACK", err, errlen) != 0 && !sqlite3_get_autocommit(st->db))
    return -1;
  log_info("storage: the failed batch is rolled back");
  return 0;
}

/* Run the jobs head.. (and their follow-ups) in the open transaction, beginning it if needed.
 * A job ends up audited (its changes kept) or failed; a failure of the transaction itself
 * fails every job in it. */
static void txn_run(store *st, job *head) {
  char err[256];
  if (st->txn && sqlite3_get_autocommit(st->db)) {
    /* An I/O error made SQLite roll the transaction back behind our back. */
    txn_fail(st, "the transaction was rolled back by an I/O error", false);
  }
  if (!st->txn) {
    auditlog_save(st->al, &st->mark);
    if (rollback_leftover(st, err, sizeof err) != 0 ||
        exec_sql(st->db, "BEGIN IMMEDIATE", err, sizeof err) != 0) {
      log_error("storage: cannot begin a batch: %s", err);
      job *tail = head;
      while (tail->next) tail = tail->next;
      fail_list(head, msg_not_done);
      enqueue(st, &(batch){.head = head, .tail = tail, .state = B_DONE});
      return;
    }
    st->txn = true;
  }
  for (job *j = head, *next; j != NULL; j = next) {
    next = j->next;
    j->next = NULL;
    if (st->t_tail)
      st->t_tail->next = j;
    else
      st->t_head = j;
    st->t_tail = j;
    st->t_jobs++;
    if (run_job(st, j, err, sizeof err) != 0) goto fail;
    for (job *f = j->follow; f != NULL; f = f->next) {
      if (!j->audited || j->err != SV_OK) {
        f->dropped = true;
        continue;
      }
      f->lead_seq = j->audit_seq;
      if (run_job(st, f, err, sizeof err) != 0) goto fail;
    }
    continue;
  fail:
    /* The jobs not yet run join the failed transaction's (they fail with it). */
    st->t_tail->next = next;
    while (st->t_tail->next) st->t_tail = st->t_tail->next;
    txn_fail(st, err, false);
    return;
  }
}

/* Commit the open transaction with its checkpoint: a B_SYNC batch (or, when the COMMIT fails,
 * a failed one). Without the pipeline the commit is durable at once (synchronous=FULL). */
static void txn_commit(store *st) {
  char err[256];
  uint64_t began = now_ns();
  assert(st->txn);
  if (sqlite3_get_autocommit(st->db)) {
    txn_fail(st, "the transaction was rolled back by an I/O error", false);
    return;
  }
  if (auditlog_put_checkpoint(st->al, err, sizeof err) != 0) {
    txn_fail(st, err, false);
    return;
  }
  if (commit(st, err, sizeof err) != 0) {
    int code = sqlite3_extended_errcode(st->db);
    txn_fail(st, err, code == SQLITE_IOERR_FSYNC || code == SQLITE_IOERR_DIR_FSYNC);
    return;
  }
  st->wrote = true;
  st->commits++;
  batch b = {.head = st->t_head, .tail = st->t_tail, .state = B_SYNC, .gen = st->commits,
             .commit_ns = began, .fault_ms = st->recover ? now_ms() : 0};
  b.has_cp = auditlog_committed(st->al, &b.cp_size, b.cp_root);
  if (!st->pipelined && !st->recover) st->durable = st->commits;
  enqueue(st, &b);
  st->txn = false;
  st->t_head = st->t_tail = NULL;
  st->t_jobs = 0;
}

/* Commit a transaction that changes nothing but writes a page, so that the WAL frames of a
 * batch whose COMMIT failed in its flush are overwritten by a committed transaction (durable
 * once flushed). Returns 0 when it committed. */
static int settle(store *st) {
  char err[256];
  if (rollback_leftover(st, err, sizeof err) != 0 ||
      exec_sql(st->db, "BEGIN IMMEDIATE", err, sizeof err) != 0)
    return -1;
  /* Twice: the page must be written, and SQLite skips an update that changes no byte. */
  if (exec_sql(st->db,
               "UPDATE schema_version SET version = -version;"
               "UPDATE schema_version SET version = -version",
               err, sizeof err) != 0 ||
      commit(st, err, sizeof err) != 0) {
    exec_sql(st->db, "ROLLBACK", err + 128, sizeof err - 128);
    return -1;
  }
  st->commits++;
  if (!st->pipelined && !st->recover) st->durable = st->commits;
  return 0;
}

/* After a failed flush: copy the whole log into the database file (synced by the checkpoint)
 * and empty it, then flush the emptied log, so that everything committed is durable and no
 * stale frame can come back after a crash. Needs no open transaction and an idle flush thread.
 * Returns 0 when it worked. */
static int recover(store *st) {
  char err[256];
  if (rollback_leftover(st, err, sizeof err) != 0) return -1;
  int nlog = -1, nckpt = -1;
  int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &nlog, &nckpt);
  if (rc != SQLITE_OK) {
    log_debug("storage: recovery checkpoint: %s", sqlite3_errmsg(st->db));
    return -1;
  }
  if (st->ws != NULL && (rc = walsync_flush(st->ws)) != SQLITE_OK) {
    log_debug("storage: recovery flush: %s", sqlite3_errstr(rc));
    return -1;
  }
  return 0;
}

void store_scrub(store *st) { st->scrub = true; }

/* ---- answers (storage thread) ---------------------------------------------------------------- */

static bool try_recover(store *st);

/* mu held: queue the finished jobs head..tail for the loop thread; true when the caller is to
 * wake it (uv_async_send, once mu is released). The synchronous mode keeps them. */
static bool deliver_locked(store *st, job *head, job *tail) {
  if (head == NULL || !st->started) return false;
  if (st->out_tail)
    st->out_tail->next = head;
  else
    st->out_head = head;
  st->out_tail = tail;
  return true;
}

/* mu held: a committed batch is durable: how long that took since its COMMIT began
 * (store_stats). */
static void note_latency(store *st, const batch *b) {
  uint64_t us = (now_ns() - b->commit_ns) / 1000u;
  store_stats *x = &st->stats;
  x->commits++;
  x->latency_last_us = us;
  /* an exponential average over about the last 16 commits */
  x->latency_avg_us = x->commits == 1 ? us : x->latency_avg_us - x->latency_avg_us / 16 + us / 16;
  if (us > x->latency_max_us) x->latency_max_us = us;
}

void store_get_stats(store *st, store_stats *out) {
  pthread_mutex_lock(&st->mu);
  *out = st->stats;
  pthread_mutex_unlock(&st->mu);
}

/* mu held: answer the batches at the head of the queue that can be answered now, in order: a
 * committed one once durable (its checkpoint, the newest of those, is to be signed), a settled
 * one as not done, and any held by a fault for settle_ms as of unknown outcome. Returns true
 * when it stopped at a batch that a recovery attempt might make durable (try_recover, which
 * only the storage thread may run); with tried, such an attempt just failed and the batch is
 * answered as of unknown outcome. *wake: the loop thread is to be woken. */
static bool release_locked(store *st, bool tried, bool *wake) {
  uint64_t now = now_ms();
  job *out_head = NULL, *out_tail = NULL;
  uint32_t n = 0;
  bool need_recovery = false;
  batch *b;
  while ((b = queue_head(st)) != NULL) {
    bool timed_out = b->fault_ms != 0 && now - b->fault_ms >= st->cfg.settle_ms;
    if (b->state == B_SYNC) {
      if (!st->recover && b->gen <= st->durable) {
        note_latency(st, b);
        if (b->has_cp) {
          st->to_sign = true;
          st->to_sign_size = b->cp_size;
          memcpy(st->to_sign_root, b->cp_root, 32);
        }
      } else if (timed_out && st->recover && !tried) {
        need_recovery = true; /* a last attempt before giving up may make it durable */
        break;
      } else if (timed_out) {
        log_error("storage: no durable commit for %u ms after a failed disk flush; answering "
                  "that the outcome is unknown", st->cfg.settle_ms);
        unknown_list(b->head);
      } else {
        break;
      }
    } else if (b->state == B_SETTLE) {
      if (!st->recover && st->durable > b->gen) {
        fail_list(b->head, msg_not_done); /* a later durable commit overwrote the failed one */
        log_info("storage: a later commit settled the failed one; held answers are sent");
      } else if (timed_out) {
        log_error("storage: no commit for %u ms after a failed disk flush; answering that the "
                  "outcome is unknown", st->cfg.settle_ms);
      } else {
        break;
      }
    }
    for (job *j = b->head; j != NULL; j = j->next) {
      if (j->session) n++;
      for (job *f = j->follow; f != NULL; f = f->next) n += f->session ? 1 : 0;
    }
    if (b->head) {
      if (out_tail)
        out_tail->next = b->head;
      else
        out_head = b->head;
      out_tail = b->tail;
    }
    dequeue(st);
  }
  if (out_head) {
    st->released_ns = now_ns();
    st->released = n;
    st->arrived = 0;
    if (deliver_locked(st, out_head, out_tail)) *wake = true;
  }
  return need_recovery;
}

/* The storage thread's answering: release_locked, with a recovery attempt where one may help. */
static void release(store *st) {
  bool wake = false, tried = false;
  pthread_mutex_lock(&st->mu);
  while (release_locked(st, tried, &wake)) {
    pthread_mutex_unlock(&st->mu);
    try_recover(st); /* success clears recover: the batch is then answered as durable */
    tried = true;
    pthread_mutex_lock(&st->mu);
  }
  pthread_mutex_unlock(&st->mu);
  if (wake) uv_async_send(&st->async);
}

/* Sign the checkpoint of the answers released last, if not yet signed. It is signed after the
 * answers are on their way (they are durable; the round trip to the signer need not hold
 * them), and before this thread takes another job: a request sent after its answer reads the
 * signed checkpoint that covers it. */
static void sign_released(store *st) {
  pthread_mutex_lock(&st->mu);
  bool due = st->to_sign;
  uint64_t size = st->to_sign_size;
  uint8_t root[32];
  memcpy(root, st->to_sign_root, 32);
  st->to_sign = false;
  pthread_mutex_unlock(&st->mu);
  if (!due) return;
  char err[256];
  if (auditlog_sign(st->al, size, root, err, sizeof err) != 0)
    log_error("storage: cannot sign the checkpoint of size %llu (%s); the next batch's will "
              "cover it", (unsigned long long)size, err);
}

/* ---- the flush thread -------------------------------------------------------------------- */

/* The start of both threads below: the name the kernel shows for the thread (top -H, ps -L,
 * /proc/PID/task/TID/comm, and the bench's CPU per thread), and a short time slice, as they
 * wake for brief work that others wait on (slice.h); without it they work as well, only later
 * when the cores are busy. */
static void thread_begin(const char *thread, const char *comm) {
  if (prctl(PR_SET_NAME, comm, 0, 0, 0) != 0)
    log_debug("storage: the %s thread keeps its process's name (%s)", thread, strerror(errno));
  if (slice_request(SLICE_SHORT_NS) != 0)
    log_debug("storage: the %s thread keeps the default time slice (%s)", thread,
              strerror(errno));
}

/* Flush the WAL whenever the storage thread asks (sync_want > sync_tried), and report. */
static void *sync_main(void *arg) {
  store *st = arg;
  thread_begin("flush", STORE_FLUSH_THREAD);
  pthread_mutex_lock(&st->mu);
  for (;;) {
    while (st->sync_want == st->sync_tried && !st->sync_stop)
      pthread_cond_wait(&st->sync_cv, &st->mu);
    if (st->sync_want == st->sync_tried) break; /* stopping, nothing asked */
    uint64_t gen = st->sync_want;
    st->syncing = true;
    pthread_mutex_unlock(&st->mu);
    int rc = walsync_flush(st->ws);
    pthread_mutex_lock(&st->mu);
    st->syncing = false;
    st->sync_tried = gen;
    st->flushes++;
    bool wake = false;
    if (rc == SQLITE_OK) {
      st->sync_ok = gen;
      /* No fault pending: what this flush made durable is answered from here, without waiting
       * for the storage thread (which may be running jobs); it signs the checkpoint before
       * it takes another job. A failure, now or pending, leaves all to the storage thread. */
      if (st->sync_failed == 0 && !st->recover) {
        if (gen > st->durable) st->durable = gen;
        release_locked(st, true, &wake);
      }
    } else {
      st->sync_failed = gen;
    }
    pthread_cond_signal(&st->cv);
    if (wake) {
      pthread_mutex_unlock(&st->mu);
      uv_async_send(&st->async);
      pthread_mutex_lock(&st->mu);
    }
  }
  pthread_mutex_unlock(&st->mu);
  return NULL;
}

/* ---- the storage thread ------------------------------------------------------------------- */

/* Have the flush thread flush everything committed so far. */
static void ask_flush(store *st) {
  pthread_mutex_lock(&st->mu);
  st->sync_want = st->commits;
  pthread_cond_signal(&st->sync_cv);
  pthread_mutex_unlock(&st->mu);
}

/* Whether the flush thread is busy or has work asked of it (mu held). */
static bool flush_busy(const store *st) { return st->syncing || st->sync_want > st->sync_tried; }

/* mu held: whether the open transaction should be committed now; else *wake_ns gets the time
 * the linger ends (0: no deadline). */
static bool commit_due(const store *st, uint64_t now, uint64_t *wake_ns) {
  *wake_ns = 0;
  if (!st->txn) return false;
  if (st->t_jobs >= st->cfg.batch_max || st->stopping || !st->pipelined) return true;
  if (flush_busy(st)) return false;  /* keep collecting while the disk works */
  if (st->t_jobs >= EAGER_JOBS) return true;
  /* Half a wave: with many clients of one request each, the clients fall into two groups, and
   * one group's requests are executed while the other's flush runs, instead of the disk
   * waiting while one wave of answers goes out and the next comes in. What is still queued
   * goes into the next batch. */
  if (st->t_jobs > 0 && 2 * (uint64_t)st->t_jobs >= st->released) return true;
  if (st->in_head != NULL) return false; /* run what is queued first */
  if (st->arrived >= st->released) return true;
  uint64_t last = st->arrived_ns > st->released_ns ? st->arrived_ns : st->released_ns;
  uint64_t gap_end = last + COMMIT_GAP_NS, linger_end = st->released_ns + COMMIT_LINGER_NS;
  uint64_t end = gap_end < linger_end ? gap_end : linger_end;
  if (now >= end) return true;
  *wake_ns = end;
  return false;
}

/* Wait on cv until abs_ns (CLOCK_MONOTONIC), mu held. */
static void wait_until(store *st, uint64_t abs_ns) {
  struct timespec ts = {.tv_sec = (time_t)(abs_ns / 1000000000ull),
                        .tv_nsec = (long)(abs_ns % 1000000000ull)};
  pthread_cond_timedwait(&st->cv, &st->mu, &ts);
}

/* mu held: what the flush thread reported since the last look. A failure puts the store in
 * recovery: every batch committed so far waits for it. */
static void take_flush_results(store *st) {
  if (st->sync_failed > 0) {
    st->sync_failed = 0;
    if (!st->recover) {
      log_error("storage: a disk flush of the write-ahead log failed; holding answers until "
                "the log is copied into the database file");
      st->recover = true;
    }
    uint64_t now = now_ms();
    for (unsigned i = 0; i < st->bq_count; i++) {
      batch *b = &st->bq[(st->bq_first + i) % BATCHQ];
      if (b->state == B_SYNC && b->fault_ms == 0) b->fault_ms = now;
    }
  }
  if (!st->recover && st->sync_ok > st->durable) st->durable = st->sync_ok;
}

/* Attempt a recovery now (recover set): commit the open transaction first, wait for the flush
 * thread to be idle, then recover(). Returns true when it worked: everything committed so far
 * is durable. */
static bool try_recover(store *st) {
  if (st->txn) txn_commit(st); /* its jobs wait with the rest (no flush asked: recovering) */
  pthread_mutex_lock(&st->mu);
  while (flush_busy(st)) pthread_cond_wait(&st->cv, &st->mu);
  pthread_mutex_unlock(&st->mu);
  st->retry_ms = now_ms();
  if (recover(st) != 0) return false;
  log_info("storage: the log is in the database file and synced; held answers are sent");
  pthread_mutex_lock(&st->mu);
  st->recover = false;
  st->durable = st->commits;
  pthread_mutex_unlock(&st->mu);
  return true;
}

/* Settling and recovery, retried every SETTLE_RETRY_MS while a fault holds answers. */
static void fault_work(store *st) {
  uint64_t now = now_ms();
  if (now - st->retry_ms < SETTLE_RETRY_MS) return;
  if (st->recover) {
    try_recover(st);
    return;
  }
  pthread_mutex_lock(&st->mu);
  const batch *b = queue_head(st);
  bool settle_due = b != NULL && b->state == B_SETTLE && st->commits == b->gen && !st->txn;
  pthread_mutex_unlock(&st->mu);
  if (settle_due) {
    st->retry_ms = now;
    if (settle(st) == 0 && st->pipelined) ask_flush(st);
  }
}

/* Whether a fault holds answers (the storage thread then wakes every SETTLE_RETRY_MS). */
static bool fault_pending(const store *st) {
  const batch *b = st->bq_count ? &st->bq[st->bq_first] : NULL;
  return st->recover || (b != NULL && b->fault_ms != 0);
}

/* Deleted content is zeroed in the pages that held it (secure_delete), but the write-ahead
 * log still holds earlier images of those pages. Once nothing is open, copy the log into the
 * database file and empty it (recover() does exactly that), without waiting for readers: one
 * that is open (a backup) makes it fail, and it is tried again every SCRUB_RETRY_MS. Closing
 * the database does it too. */
static bool scrub_due(const store *st, uint64_t now_ms_, uint64_t *at_ms) {
  *at_ms = st->scrub_ms ? st->scrub_ms + SCRUB_RETRY_MS : 0;
  return st->scrub && !st->txn && !st->recover && now_ms_ >= *at_ms;
}

static void scrub_work(store *st) {
  uint64_t at;
  if (!scrub_due(st, now_ms(), &at)) return;
  pthread_mutex_lock(&st->mu);
  while (flush_busy(st)) pthread_cond_wait(&st->cv, &st->mu);
  pthread_mutex_unlock(&st->mu);
  sqlite3_busy_timeout(st->db, 0);
  int rc = recover(st);
  sqlite3_busy_timeout(st->db, 5000);
  if (rc != 0) {
    st->scrub_ms = now_ms();
    log_warn("storage: cannot empty the write-ahead log yet (%s); deleted content stays in it "
             "until the next attempt, in %d ms", sqlite3_errmsg(st->db), SCRUB_RETRY_MS);
    return;
  }
  st->scrub = false;
  st->scrub_ms = 0;
  pthread_mutex_lock(&st->mu);
  st->durable = st->commits; /* the checkpoint synced everything into the database file */
  pthread_mutex_unlock(&st->mu);
  log_info("storage: write-ahead log copied into the database file and emptied");
}

/* Commit the open transaction if it is due (commit_due), and have the flush thread flush it. */
static void commit_if_due(store *st) {
  uint64_t wake;
  pthread_mutex_lock(&st->mu);
  bool due = commit_due(st, now_ns(), &wake);
  pthread_mutex_unlock(&st->mu);
  if (!due) return;
  txn_commit(st);
  if (st->pipelined && !st->recover) ask_flush(st); /* recovering: a recovery makes it durable */
}

static void *thread_main(void *arg) {
  store *st = arg;
  thread_begin("storage", STORE_THREAD);
  for (;;) {
    job *head = NULL;
    pthread_mutex_lock(&st->mu);
    for (;;) {
      take_flush_results(st);
      uint64_t now = now_ns(), wake = 0;
      bool room = st->txn || st->bq_count < BATCHQ;
      if (st->to_sign) break; /* answers went out: sign their checkpoint */
      if (st->in_head != NULL && room && st->t_jobs < st->cfg.batch_max) break;
      if (commit_due(st, now, &wake)) break;
      batch *b = queue_head(st);
      if (b != NULL && (b->state == B_DONE || (b->state == B_SYNC && !st->recover &&
                                               b->gen <= st->durable)))
        break; /* answers to send */
      if (st->stopping && st->in_head == NULL && !st->txn && st->bq_count == 0) break;
      if (fault_pending(st)) {
        uint64_t retry = now + (uint64_t)SETTLE_RETRY_MS * 1000000ull;
        if (wake == 0 || retry < wake) wake = retry;
      }
      uint64_t scrub_at;
      if (scrub_due(st, now / 1000000ull, &scrub_at)) break; /* empty the log */
      if (st->scrub && !st->txn && !st->recover && (wake == 0 || scrub_at * 1000000ull < wake))
        wake = scrub_at * 1000000ull;
      if (wake)
        wait_until(st, wake);
      else
        pthread_cond_wait(&st->cv, &st->mu);
      if (fault_pending(st)) break; /* settle, recover or time out */
    }
    /* Take what is queued, up to the batch limit; not while a released checkpoint waits for its
     * signature (a request may come from a client its answers reached). */
    if (!st->to_sign && st->in_head != NULL && (st->txn || st->bq_count < BATCHQ) &&
        st->t_jobs < st->cfg.batch_max) {
      uint32_t room = st->cfg.batch_max - st->t_jobs, n = 1;
      job *tail = st->in_head;
      while (tail->next != NULL && n < room) {
        tail = tail->next;
        n++;
      }
      head = st->in_head;
      st->in_head = tail->next;
      if (st->in_head == NULL) st->in_tail = NULL;
      tail->next = NULL;
      st->arrived += n;
      st->jobs += n;
      st->arrived_ns = now_ns();
    }
    bool done = st->stopping && st->in_head == NULL && !st->txn && st->bq_count == 0 &&
                !st->to_sign && head == NULL;
    pthread_mutex_unlock(&st->mu);
    if (done) break;

    /* Answers the flush thread left (after a fault, or a failed batch): what they release is
     * awaited by the commit below (commit_due). The jobs in head were taken before any
     * answers still unsigned went out, so they may run, and the open transaction be committed,
     * before that checkpoint is signed; the signature then overlaps that commit's flush. */
    release(st);
    if (head != NULL) txn_run(st, head);
    commit_if_due(st);
    sign_released(st);
    scrub_work(st);
    fault_work(st);
    release(st);
    sign_released(st);
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
  char path[1100], err[256];
  config_path(&st->cfg, CONFIG_DB_FILE, path, sizeof path);
  /* Commits no longer wait for the disk: the flush thread makes them durable. */
  st->ws = walsync_open(path, err, sizeof err);
  if (st->ws == NULL) {
    log_error("storage: %s", err);
    return -1;
  }
  if (exec_sql(st->db, "PRAGMA synchronous=NORMAL", err, sizeof err) != 0) {
    log_error("storage: %s", err);
    goto fail_ws;
  }
  if (uv_async_init(loop, &st->async, on_async) != 0) goto fail_sync;
  st->async.data = st;
  st->pipelined = true;
  st->started = true;
  if (pthread_create(&st->sync_thread, NULL, sync_main, st) != 0) goto fail_async;
  if (pthread_create(&st->thread, NULL, thread_main, st) != 0) {
    pthread_mutex_lock(&st->mu);
    st->sync_stop = true;
    pthread_cond_signal(&st->sync_cv);
    pthread_mutex_unlock(&st->mu);
    pthread_join(st->sync_thread, NULL);
    goto fail_async;
  }
  return 0;
fail_async:
  st->pipelined = st->started = false;
  uv_close((uv_handle_t *)&st->async, NULL);
fail_sync:
  exec_sql(st->db, "PRAGMA synchronous=FULL", err, sizeof err);
fail_ws:
  walsync_close(st->ws);
  st->ws = NULL;
  return -1;
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
  txn_run(st, j);
  if (st->txn) txn_commit(st);
  scrub_work(st);
  /* synchronous=FULL: a commit is durable; answer (sign) at once. */
  release(st);
  sign_released(st);
  while (st->bq_count) dequeue(st); /* a held failure: the caller reads the job */
  return j->audited ? 0 : -1;
}

void store_stop(store *st) {
  if (!st->started) return;
  pthread_mutex_lock(&st->mu);
  st->stopping = true;
  pthread_cond_signal(&st->cv);
  pthread_mutex_unlock(&st->mu);
  pthread_join(st->thread, NULL);
  pthread_mutex_lock(&st->mu);
  st->sync_stop = true;
  pthread_cond_signal(&st->sync_cv);
  pthread_mutex_unlock(&st->mu);
  pthread_join(st->sync_thread, NULL);
  st->started = false;
  log_info("storage: %llu requests in %llu commits and %llu disk flushes",
           (unsigned long long)st->jobs, (unsigned long long)st->commits,
           (unsigned long long)st->flushes);
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
  uint64_t size;
  uint8_t root[32];
  auditlog_committed(st->al, &size, root);
  return;
fail:
  log_warn("storage: the last checkpoint's signature was not stored (%s); it is signed again at "
           "the next start", err);
}

void store_close(store *st) {
  if (st == NULL) return;
  store_note(st);
  walsync_close(st->ws);
  auditlog_close(st->al);
  for (int i = 0; i < st->nstmts; i++) sqlite3_finalize(st->stmts[i].stmt);
  for (int i = 0; i < st->ncaches; i++) st->caches[i].release(st->caches[i].state);
  if (st->db) sqlite3_close(st->db);
  pthread_mutex_destroy(&st->mu);
  pthread_cond_destroy(&st->cv);
  pthread_cond_destroy(&st->sync_cv);
  free(st);
}
