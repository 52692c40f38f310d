/* daemon_fixture.c -- test support: a temporary daemon directory for the daemon's modules. */
#include "support/daemon_fixture.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "support/tmpdir.h"

void fixture_init(daemon_fixture *f) {
  if (sodium_init() < 0) abort();
  f->dir = test_mkdtemp("svdaemon");
  config_defaults(&f->cfg, f->dir);
  config_path(&f->cfg, CONFIG_DB_FILE, f->db_path, sizeof f->db_path);
  char err[256];
  if (store_create(f->db_path, err, sizeof err) != 0) {
    fprintf(stderr, "store_create: %s\n", err);
    abort();
  }
  crypto_sign_keypair(f->log_pk, f->log_sk);
  f->key = logkey_new(f->cfg.origin, f->log_sk, err, sizeof err);
  if (f->key == NULL) {
    fprintf(stderr, "logkey_new: %s\n", err);
    abort();
  }
  f->sg = logkey_signer(f->key);
}

store *fixture_store(daemon_fixture *f) {
  char err[512];
  store *st = store_open(&f->cfg, f->log_pk, &f->sg, AUDITLOG_VERIFY_FULL, err, sizeof err);
  if (st == NULL) {
    fprintf(stderr, "store_open: %s\n", err);
    abort();
  }
  return st;
}

void fixture_free(daemon_fixture *f) {
  logkey_free(f->key);
  test_rmtree(f->dir);
  free(f->dir);
  sodium_memzero(f->log_sk, sizeof f->log_sk);
}
