/* admin.h -- offline administration of a daemon directory: init, info, and recovering the
 * directory's coordinator while the daemon is stopped. */
#ifndef SAMVIRKED_ADMIN_H
#define SAMVIRKED_ADMIN_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "keys.h"
#include "policy.h"
#include "store.h"

#define ADMIN_COORDINATOR_ROLE "coordinator"
/* The deciding rule the audit entry of `samvirked admin add-coordinator` names. */
#define ADMIN_ADD_COORDINATOR_RULE "samvirked admin add-coordinator"

/* An offline tool's hold on a daemon directory: its configuration, keys, and store, whose
 * connection holds SQLite's exclusive lock, so that no daemon runs on it meanwhile. */
typedef struct admin_dir {
  config cfg;
  sv_daemon_keys *keys;
  store *st;
} admin_dir;

/* Take SQLite's exclusive lock on db (a connection to dir's database) and keep it until db is
 * closed. Returns 0; -1 at once, with "stop samvirked first" in err, when another connection
 * (the daemon) has the database open; -2 when the database cannot be read at all (err says
 * why). */
int admin_claim(sqlite3 *db, const char *dir, char *err, size_t errlen);
/* Open dir for an offline change: load its config and keys, open and fully verify its store,
 * and claim the database (admin_claim). Returns 0 with *ad filled (release with admin_close),
 * or -1 with the reason in err and *ad empty. */
int admin_open(admin_dir *ad, const char *dir, char *err, size_t errlen);
void admin_close(admin_dir *ad);

/* A read-only connection to cfg's database in a read transaction of its own (one consistent
 * view, beside a running daemon or not), for tools that only look. NULL with the reason in
 * err. sqlite3_close ends it. */
sqlite3 *admin_read_db(const config *cfg, char *err, size_t errlen);
/* Load and check the policy file cfg names. Returns it (policy_free), or NULL with "the policy
 * FILE does not load: ..." in err. */
policy *admin_load_policy(const config *cfg, char *err, size_t errlen);
/* Create dir with daemon keys, config, default policy and database; register admin_card (a
 * member card file, or NULL) as the first coordinator, then each "CARD:ROLE" of members (a
 * tool for tests and for seeding a team). Returns 0 or -1 with a reason in err. */
int admin_init(const char *dir, const char *origin, const char *admin_card,
               const char *const *members, size_t nmembers, char *err, size_t errlen);
/* Print the address, socket, Noise public key and log verifier key of dir. */
int admin_info(const char *dir, bool json, char *err, size_t errlen);
/* For a directory left without a coordinator (the daemon stopped): register the member card
 * file card_path as a coordinator, or, when its keys are an active member's, change that
 * member's role to coordinator. Either is an audit entry (member.register or member.role, rule
 * ADMIN_ADD_COORDINATOR_RULE). Refuses when the daemon runs, when the policy does not let
 * coordinators manage the directory, and for revoked keys or a card other than the one
 * registered for its keys. Returns 0, or -1 with the reason in err. */
int admin_add_coordinator(const char *dir, const char *card_path, char *err, size_t errlen);

#endif
