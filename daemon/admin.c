/* admin.c -- offline administration of a daemon directory: init, info, and recovering the
 * directory's coordinator while the daemon is stopped. */
#include "admin.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auditlog.h"
#include "config.h"
#include "keys.h"
#include "logkey.h"
#include "ops_member.h"
#include "policy.h"
#include "signed_note.h"
#include "store.h"
#include "util.h"

extern const unsigned char default_policy[];
extern const size_t default_policy_len;

int admin_claim(sqlite3 *db, const char *dir, char *err, size_t errlen) {
  assert(db != NULL && dir != NULL);
  sqlite3_busy_timeout(db, 0);
  char *msg = NULL;
  /* The lock is taken by BEGIN EXCLUSIVE and, in exclusive locking mode, kept when the empty
   * transaction ends; ROLLBACK ends it (the store allows no commit but its batches'). */
  int rc = sqlite3_exec(db, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; ROLLBACK;", NULL,
                        NULL, &msg);
  sqlite3_busy_timeout(db, 5000);
  bool busy = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
  if (busy) {
    snprintf(err, errlen,
             "the database of %s is in use: stop samvirked first (systemctl stop samvirked)", dir);
  } else if (rc != SQLITE_OK) {
    snprintf(err, errlen, "%s: cannot lock the database: %s", dir, msg ? msg : sqlite3_errmsg(db));
  }
  sqlite3_free(msg);
  if (rc != SQLITE_OK) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return rc == SQLITE_OK ? 0 : busy ? -1 : -2;
}

/* Fail at once, with admin_claim's reason, when the database at path is in use; opening a store
 * while the daemon runs would wait on its locks. */
static int probe_unused(const char *path, const char *dir, char *err, size_t errlen) {
  sqlite3 *db = NULL;
  int rc = 0;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
    rc = admin_claim(db, dir, err, errlen) == -1 ? -1 : 0;
  sqlite3_close(db);
  return rc;
}

int admin_open(admin_dir *ad, const char *dir, char *err, size_t errlen) {
  memset(ad, 0, sizeof *ad);
  if (config_load(&ad->cfg, dir, err, errlen) != 0) return -1;
  char path[1100];
  config_path(&ad->cfg, CONFIG_DB_FILE, path, sizeof path);
  if (probe_unused(path, dir, err, errlen) != 0) return -1;
  config_path(&ad->cfg, CONFIG_KEYS_FILE, path, sizeof path);
  ad->keys = daemon_keys_load(path, err, errlen);
  if (ad->keys == NULL) return -1;
  ad->st = logkey_store_open(&ad->cfg, ad->keys, AUDITLOG_VERIFY_FULL, err, errlen);
  if (ad->st == NULL) goto err;
  sqlite3 *db = store_db(ad->st);
  if (admin_claim(db, dir, err, errlen) != 0) goto err;
  /* The log was read before the lock was taken: a daemon that appended meanwhile would leave
   * this store's view of the log behind. */
  sqlite3_stmt *s = NULL;
  int64_t next = -1;
  if (sqlite3_prepare_v2(db, "SELECT COALESCE(MAX(seq) + 1, 0) FROM audit_entries", -1, &s,
                         NULL) == SQLITE_OK &&
      sqlite3_step(s) == SQLITE_ROW)
    next = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  if (next < 0 || (uint64_t)next != auditlog_size(store_auditlog(ad->st))) {
    snprintf(err, errlen, "the audit log of %s changed while it was being opened; is samvirked "
             "starting? Stop it and try again", dir);
    goto err;
  }
  return 0;
err:
  admin_close(ad);
  return -1;
}

void admin_close(admin_dir *ad) {
  store_close(ad->st);
  daemon_keys_free(ad->keys);
  memset(ad, 0, sizeof *ad);
}

/* Run the internal job j in ad's store, then print done (what it did, e.g. "registered Anna as
 * coordinator") with the card's fingerprint and the job's audit entry. verb names the change
 * for an error ("register"). Returns 0, or -1 with the job's error in err. */
static int run_directory_job(admin_dir *ad, job *j, const char *verb, const char *done,
                             const sv_card *card, char *err, size_t errlen) {
  if (store_run_sync(ad->st, j) != 0 || j->err != SV_OK) {
    snprintf(err, errlen, "cannot %s %s: %s", verb, card->name,
             j->errmsg[0] ? j->errmsg : "storage failure");
    return -1;
  }
  char fp[CARD_FINGERPRINT_LEN];
  card_fingerprint(card, fp);
  printf("%s (fingerprint %s, audit #%llu)\n", done, fp, (unsigned long long)j->audit_seq);
  return 0;
}

/* Register a member from a card file with role (runs one job synchronously). */
static int register_card(const char *dir, const char *card_path, const char *role,
                         const char *rule, char *err, size_t errlen) {
  sv_card card;
  if (card_read_file(card_path, &card, err, errlen) != KEYS_OK) return -1;
  admin_dir ad;
  if (admin_open(&ad, dir, err, errlen) != 0) return -1;
  int rc = -1;
  job *j = ops_member_register_job(&card, role, rule);
  if (j == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  char done[CARD_NAME_MAX + 64];
  snprintf(done, sizeof done, "registered %s as %s", card.name, role);
  rc = run_directory_job(&ad, j, "register", done, &card, err, errlen);
out:
  job_free(j);
  admin_close(&ad);
  return rc;
}

int admin_init(const char *dir, const char *origin, const char *admin_card,
               const char *const *members, size_t nmembers, char *err, size_t errlen) {
  if (!note_name_valid(origin, strlen(origin))) {
    snprintf(err, errlen, "origin '%s' is not a valid log name (no spaces or '+')", origin);
    return -1;
  }
  if (mkdir(dir, 0700) != 0) {
    if (errno != EEXIST) {
      snprintf(err, errlen, "%s: %s", dir, strerror(errno));
      return -1;
    }
    char probe[1100];
    snprintf(probe, sizeof probe, "%s/%s", dir, CONFIG_FILE);
    if (access(probe, F_OK) == 0) {
      snprintf(err, errlen, "%s is already a daemon directory", dir);
      return -1;
    }
  }
  char abs[PATH_MAX];
  if (realpath(dir, abs) == NULL) {
    snprintf(err, errlen, "%s: %s", dir, strerror(errno));
    return -1;
  }
  char path[PATH_MAX + 64];
  int status = 0;
  sv_daemon_keys *keys = daemon_keys_generate(&status);
  if (keys == NULL) {
    snprintf(err, errlen, "cannot generate daemon keys");
    return -1;
  }
  snprintf(path, sizeof path, "%s/%s", abs, CONFIG_KEYS_FILE);
  int rc = daemon_keys_save(keys, path, err, errlen);
  daemon_keys_free(keys);
  if (rc != KEYS_OK) return -1;
  if (config_write_template(abs, origin) != 0) {
    snprintf(err, errlen, "%s/%s: %s", abs, CONFIG_FILE, strerror(errno));
    return -1;
  }
  snprintf(path, sizeof path, "%s/policy.conf", abs);
  if (util_write_file(path, default_policy, default_policy_len, 0644) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  snprintf(path, sizeof path, "%s/%s", abs, CONFIG_DB_FILE);
  if (store_create(path, err, errlen) != 0) return -1;
  if (admin_card != NULL &&
      register_card(abs, admin_card, "coordinator", "samvirked init", err, errlen) != 0)
    return -1;
  for (size_t i = 0; i < nmembers; i++) {
    const char *colon = strrchr(members[i], ':');
    char card_path[PATH_MAX];
    if (colon == NULL || colon == members[i] || colon[1] == '\0' ||
        (size_t)(colon - members[i]) >= sizeof card_path) {
      snprintf(err, errlen, "--member takes CARD:ROLE, not '%s'", members[i]);
      return -1;
    }
    memcpy(card_path, members[i], (size_t)(colon - members[i]));
    card_path[colon - members[i]] = '\0';
    if (register_card(abs, card_path, colon + 1, "samvirked init", err, errlen) != 0) return -1;
  }
  return 0;
}

int admin_info(const char *dir, bool json, char *err, size_t errlen) {
  config cfg;
  if (config_load(&cfg, dir, err, errlen) != 0) return -1;
  char path[1100];
  config_path(&cfg, CONFIG_KEYS_FILE, path, sizeof path);
  sv_daemon_keys *keys = daemon_keys_load(path, err, errlen);
  if (keys == NULL) return -1;
  char *noise = util_b64(keys->noise_pk, 32);
  note_verifier v;
  char *vkey = NULL;
  int rc = -1;
  if (noise == NULL || note_verifier_init(&v, cfg.origin, keys->log_pk) != NOTE_OK ||
      note_verifier_format(&v, &vkey) != NOTE_OK) {
    snprintf(err, errlen, "cannot format the daemon's public keys");
    goto out;
  }
  char address[300];
  if (cfg.listen_host[0])
    snprintf(address, sizeof address, "%s:%d", cfg.listen_host, cfg.listen_port);
  else
    address[0] = '\0';
  if (json) {
    /* All values are printable ASCII without quotes or backslashes, except the socket path,
     * which is escaped. */
    printf("{\"address\":\"%s\",\"socket\":\"", address);
    for (const char *p = cfg.socket_path; *p; p++) {
      if (*p == '"' || *p == '\\')
        printf("\\%c", *p);
      else if ((unsigned char)*p < 0x20)
        printf("\\u%04x", *p);
      else
        putchar(*p);
    }
    printf("\",\"server_key\":\"%s\",\"log_key\":\"%s\",\"origin\":\"%s\"}\n", noise, vkey,
           cfg.origin);
  } else {
    printf("address:    %s\n", address[0] ? address : "(TCP disabled)");
    printf("socket:     %s\n", cfg.socket_path[0] ? cfg.socket_path : "(disabled)");
    printf("server key: %s\n", noise);
    printf("log key:    %s\n", vkey);
    printf("\nconnect a client with:\n  samvirke server set --address %s --key %s --log-key %s\n",
           address[0] ? address : cfg.socket_path, noise, vkey);
  }
  rc = 0;
out:
  free(noise);
  free(vkey);
  daemon_keys_free(keys);
  return rc;
}

/* The directory's policy must let role coordinator manage the directory, or a coordinator added
 * to recover it could not invite anyone. Returns 0, or -1 with the reason in err. */
sqlite3 *admin_read_db(const config *cfg, char *err, size_t errlen) {
  char path[1100];
  config_path(cfg, CONFIG_DB_FILE, path, sizeof path);
  sqlite3 *db = NULL;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) : "cannot open");
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 5000);
  if (sqlite3_exec(db, "BEGIN; SELECT count(*) FROM schema_version", NULL, NULL, NULL) !=
      SQLITE_OK) {
    snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
    sqlite3_close(db);
    return NULL;
  }
  return db;
}

policy *admin_load_policy(const config *cfg, char *err, size_t errlen) {
  policy_diag diag;
  memset(&diag, 0, sizeof diag);
  policy *p = policy_load_file(cfg->policy_path, &diag);
  if (p == NULL) {
    char why[2048];
    policy_diag_format(&diag, why, sizeof why);
    snprintf(err, errlen, "the policy %s does not load: %s", cfg->policy_path, why);
  }
  return p;
}

static int check_coordinator_policy(const config *cfg, char *err, size_t errlen) {
  policy *p = admin_load_policy(cfg, err, errlen);
  if (p == NULL) return -1;
  policy_request rq = {.role = policy_role(p, ADMIN_COORDINATOR_ROLE),
                       .action = policy_action(p, "manage"),
                       .klass = policy_class(p, "directory"),
                       .level = POLICY_LEVEL_NONE};
  policy_decision d = {0};
  if (rq.role >= 0 && rq.action >= 0 && rq.klass >= 0) policy_decide(p, &rq, &d);
  policy_free(p);
  if (!d.permit) {
    snprintf(err, errlen,
             "the policy %s does not let role '%s' manage the directory, so a coordinator added "
             "now could not invite anyone; fix the policy first",
             cfg->policy_path, ADMIN_COORDINATOR_ROLE);
    return -1;
  }
  return 0;
}

/* A daemon-internal role change of the member with key id keyid (audit op member.role,
 * decided by rule). NULL on allocation failure. */
static job *role_job(const char *keyid, const char *role, const char *rule) {
  job *j = job_internal(NULL, "member.role", "directory", "", rule);
  if (j == NULL) return NULL;
  sv_request_init(&j->req, 0, SV_OP_MEMBER_ROLE);
  if ((sv_request_set_str(&j->req, SV_F_WHO, keyid) |
       sv_request_set_str(&j->req, SV_F_ROLE, role)) != 0) {
    job_free(j);
    return NULL;
  }
  j->exec = ops_member_role_exec;
  return j;
}

static const char sql_member_by_keyid[] =
    "SELECT role, revoked, card_hash FROM members WHERE keyid = ?";

int admin_add_coordinator(const char *dir, const char *card_path, char *err, size_t errlen) {
  sv_card card;
  if (card_read_file(card_path, &card, err, errlen) != KEYS_OK) return -1;
  char keyid[CARD_KEYID_HEX];
  uint8_t hash[32];
  card_keyid(&card, keyid);
  if (card_hash(&card, hash) != KEYS_OK) {
    snprintf(err, errlen, "%s: cannot hash the member card", card_path);
    return -1;
  }
  admin_dir ad;
  if (admin_open(&ad, dir, err, errlen) != 0) return -1;
  int rc = -1;
  job *j = NULL;
  if (check_coordinator_policy(&ad.cfg, err, errlen) != 0) goto out;
  /* A member already holding these keys is made coordinator; anyone else is registered. */
  sqlite3_stmt *s = NULL;
  char role[32] = "";
  bool found = false, revoked = false, same_card = false;
  if (sqlite3_prepare_v2(store_db(ad.st), sql_member_by_keyid, -1, &s, NULL) != SQLITE_OK) {
    snprintf(err, errlen, "cannot read the directory: %s", sqlite3_errmsg(store_db(ad.st)));
    goto out;
  }
  sqlite3_bind_text(s, 1, keyid, -1, SQLITE_STATIC);
  if (sqlite3_step(s) == SQLITE_ROW) {
    found = true;
    snprintf(role, sizeof role, "%s", (const char *)sqlite3_column_text(s, 0));
    revoked = sqlite3_column_int64(s, 1) != 0;
    same_card = sqlite3_column_bytes(s, 2) == 32 &&
                sodium_memcmp(sqlite3_column_blob(s, 2), hash, 32) == 0;
  }
  sqlite3_finalize(s);
  if (found && revoked) {
    snprintf(err, errlen, "the keys of %s's card were revoked and cannot come back; make a new "
             "identity (samvirke init) and add its card", card.name);
    goto out;
  }
  if (found && !same_card) {
    snprintf(err, errlen, "%s is not the card registered for its keys (key id %s)", card_path,
             keyid);
    goto out;
  }
  if (found && strcmp(role, ADMIN_COORDINATOR_ROLE) == 0) {
    snprintf(err, errlen, "%s is already a coordinator", card.name);
    goto out;
  }
  char done[CARD_NAME_MAX + 96];
  if (found) {
    j = role_job(keyid, ADMIN_COORDINATOR_ROLE, ADMIN_ADD_COORDINATOR_RULE);
    if (j == NULL) goto oom;
    snprintf(done, sizeof done, "%s is now a coordinator (was %s)", card.name, role);
    rc = run_directory_job(&ad, j, "make a coordinator of", done, &card, err, errlen);
  } else {
    j = ops_member_register_job(&card, ADMIN_COORDINATOR_ROLE, ADMIN_ADD_COORDINATOR_RULE);
    if (j == NULL) goto oom;
    snprintf(done, sizeof done, "registered %s as %s", card.name, ADMIN_COORDINATOR_ROLE);
    rc = run_directory_job(&ad, j, "register", done, &card, err, errlen);
  }
  goto out;
oom:
  snprintf(err, errlen, "out of memory");
out:
  job_free(j);
  admin_close(&ad);
  return rc;
}
