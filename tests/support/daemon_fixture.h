/* daemon_fixture.h -- test support for the daemon's own modules: a temporary daemon directory
 * with a configuration, a fresh database and a log key, and the store opened on it. */
#ifndef SAMVIRKE_TEST_DAEMON_FIXTURE_H
#define SAMVIRKE_TEST_DAEMON_FIXTURE_H

#include <stdint.h>

#include "config.h"
#include "logkey.h"
#include "store.h"

typedef struct daemon_fixture {
  char *dir;             /* malloc'd temporary directory */
  config cfg;            /* defaults for dir */
  char db_path[1100];    /* dir/samvirke.db, created with the current schema */
  uint8_t log_pk[32];
  uint8_t log_sk[64];
  logkey *key;           /* signs with log_sk for cfg.origin */
  auditlog_signer sg;    /* through key */
} daemon_fixture;

/* Make the directory, the database and a fresh log key (aborts on failure). */
void fixture_init(daemon_fixture *f);
/* Open the store on the fixture's database with a full check; aborts with the reason when it
 * cannot be opened. */
store *fixture_store(daemon_fixture *f);
/* Remove the directory and free everything (the store must be closed). */
void fixture_free(daemon_fixture *f);

#endif
