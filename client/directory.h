/* directory.h -- key transparency on the client: a colleague's card is used only after the audit
 * entry that registered it is proven under a checkpoint signed by the log key, and cards once
 * seen are remembered (known_cards), so a changed key for the same name is caught. */
#ifndef SAMVIRKE_CLIENT_DIRECTORY_H
#define SAMVIRKE_CLIENT_DIRECTORY_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "keys.h"
#include "session.h"

#define DIRECTORY_KNOWN_FILE "known_cards"

/* Flags of directory_trust_card. */
#define DIRECTORY_ACCEPT_NEW_KEY 1u /* a changed key for a known name is accepted and recorded */

/* What known_cards said about a card. */
enum directory_known {
  DIRECTORY_KNOWN_NEW = 0, /* first time this name is seen: recorded */
  DIRECTORY_KNOWN_SAME,    /* the same keys as remembered */
  DIRECTORY_KNOWN_CHANGED, /* other keys than remembered for this name */
};

/* Everything learnt while checking one member's card. */
typedef struct directory_trust {
  sv_card card;                               /* valid when card_ok */
  bool card_ok;                               /* card decoded and its signature verified */
  char keyid[CARD_KEYID_HEX];
  char fingerprint[CARD_FINGERPRINT_LEN];
  bool revoked;                               /* the directory says the member is revoked */
  bool proven;                                /* registering entry proven under the checkpoint */
  uint64_t reg_seq;                           /* the registering audit entry */
  uint64_t tree_size;                         /* size of the checkpoint it was proven under */
  enum directory_known known;                 /* set once proven */
  char old_fingerprint[CARD_FINGERPRINT_LEN]; /* the remembered one, when CHANGED */
} directory_trust;

/* Check a member.proof result (a map; see PROTOCOL.md section 6) against the log's C2SP verifier
 * key: checkpoint signature and origin, inclusion of the entry, the entry's seq, decision, op and
 * object "card:<sha256 of the card>", and the card's own signature. who, when non-NULL, must
 * name the card: 16 or 40 hex digits (spaces and case ignored) must be its key id or
 * fingerprint, anything else its exact name. Fills t (t->proven on success). Returns 0,
 * or -1 with the first failed check in err. No I/O. */
int directory_verify_proof(const msgpack_object *result, const char *log_key, const char *who,
                           directory_trust *t, char *err, size_t errlen);

/* known_cards in identity directory dir: one line per card seen,
 *   "<fingerprint, 40 hex> <key id> <card sha256 hex> <name>\n"
 * (a later line for a name replaces earlier ones). Look up the remembered fingerprint (spaced
 * form) for name: returns 1 and fills fp, 0 when the name is unknown, -1 with err. */
int directory_known_lookup(const char *dir, const char *name, char fp[CARD_FINGERPRINT_LEN],
                           char *err, size_t errlen);
/* Append card to known_cards (created 0600). Returns 0 or -1 with err. */
int directory_known_record(const char *dir, const sv_card *card, char *err, size_t errlen);

/* Decide whether to trust the card of member who (name, key id or fingerprint): fetch it with
 * member.proof over s, verify it with cfg->log_key (directory_verify_proof), check that its
 * checkpoint extends the one the client trusts (cfg->dir/audit/trusted.txt; a consistency proof
 * is asked for with old_size; a rollback or fork fails loudly) and then trust it (trusted.h),
 * refuse a revoked member, then compare it with known_cards in cfg->dir: a new name is recorded; a changed key is
 * refused with a loud message unless flags has DIRECTORY_ACCEPT_NEW_KEY (then it is recorded).
 * Returns 0 when the card may be used (t->card), or -1 with one line in err (t holds what was
 * learnt so far, e.g. the fingerprint to compare). */
int directory_trust_card(session *s, const client_config *cfg, const char *who, unsigned flags,
                         directory_trust *t, char *err, size_t errlen);

#endif
