/* admin.c -- offline administration of a daemon directory: init and info. */
#include "admin.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "keys.h"
#include "ops_member.h"
#include "signed_note.h"
#include "logkey.h"
#include "store.h"
#include "util.h"

extern const unsigned char default_policy[];
extern const size_t default_policy_len;

/* Register a member from a card file with role (runs one job synchronously). */
static int register_card(const char *dir, const char *card_path, const char *role, char *err,
                         size_t errlen) {
  sv_card card;
  if (card_read_file(card_path, &card, err, errlen) != KEYS_OK) return -1;
  config cfg;
  if (config_load(&cfg, dir, err, errlen) != 0) return -1;
  char path[1100];
  config_path(&cfg, CONFIG_KEYS_FILE, path, sizeof path);
  sv_daemon_keys *keys = daemon_keys_load(path, err, errlen);
  if (keys == NULL) return -1;
  int rc = -1;
  store *st = NULL;
  job *j = NULL;
  logkey *lk = logkey_new(cfg.origin, keys->log_sk, err, errlen);
  if (lk == NULL) goto out;
  auditlog_signer sg = logkey_signer(lk);
  st = store_open(&cfg, keys->log_pk, &sg, AUDITLOG_VERIFY_FULL, err, errlen);
  if (st == NULL) goto out;
  j = ops_member_register_job(&card, role, "samvirked init");
  if (j == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if (store_run_sync(st, j) != 0 || j->err != SV_OK) {
    snprintf(err, errlen, "cannot register %s: %s", card.name, j->errmsg);
    goto out;
  }
  char fp[CARD_FINGERPRINT_LEN];
  card_fingerprint(&card, fp);
  printf("registered %s as %s (fingerprint %s, audit #%llu)\n", card.name, role, fp,
         (unsigned long long)j->audit_seq);
  rc = 0;
out:
  job_free(j);
  store_close(st);
  logkey_free(lk);
  daemon_keys_free(keys);
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
  if (admin_card != NULL && register_card(abs, admin_card, "coordinator", err, errlen) != 0)
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
    if (register_card(abs, card_path, colon + 1, err, errlen) != 0) return -1;
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
