/* test_client_directory.c -- directory_verify_proof: a member.proof answer is accepted only when
 * the checkpoint is signed by the log key, the entry is in that tree, and the entry registered
 * exactly the card given; every other answer is refused with a reason. */
#include <ctype.h>
#include <sodium.h>

#include "audit_entry.h"
#include "checkpoint.h"
#include "codec.h"
#include "directory.h"
#include "keys.h"
#include "merkle.h"
#include "signed_note.h"
#include "task.h"
#include "util.h"

#define NLEAVES 7
#define REG 4 /* index of the registering entry */
#define ORIGIN "test.example/log"

/* One member.proof answer under construction. */
typedef struct fixture {
  sv_identity *pia, *other;
  uint8_t *card;  /* Pia's canonical card */
  size_t cardlen;
  uint8_t *entries[NLEAVES];
  size_t entrylen[NLEAVES];
  uint8_t leaves[NLEAVES][MERKLE_HASH_LEN];
  note_signer *signer, *stranger;
  char *vkey, *stranger_vkey;
} fixture;

/* Entry i: a version 2 entry with that outcome, or a version 1 entry when outcome is NULL. */
static void make_entry_outcome(fixture *f, int i, const char *op, const char *object,
                               enum audit_decision d, const char *outcome) {
  audit_entry e;
  memset(&e, 0, sizeof e);
  e.version = outcome ? AUDIT_ENTRY_V2 : AUDIT_ENTRY_V1;
  if (outcome) {
    snprintf(e.outcome, sizeof e.outcome, "%s", outcome);
    randombytes_buf(e.salt, sizeof e.salt);
  }
  e.seq = (uint64_t)i;
  e.time_ms = 1700000000000ull + (uint64_t)i;
  snprintf(e.actor, sizeof e.actor, "-");
  snprintf(e.role, sizeof e.role, "daemon");
  snprintf(e.op, sizeof e.op, "%s", op);
  snprintf(e.data_class, sizeof e.data_class, "directory");
  snprintf(e.object, sizeof e.object, "%s", object);
  e.decision = d;
  snprintf(e.rule, sizeof e.rule, "test");
  free(f->entries[i]);
  ASSERT_INT_EQ(audit_entry_encode(&e, &f->entries[i], &f->entrylen[i]), AUDIT_OK);
  merkle_leaf_hash(f->entries[i], f->entrylen[i], f->leaves[i]);
}

static void make_entry(fixture *f, int i, const char *op, const char *object,
                       enum audit_decision d) {
  make_entry_outcome(f, i, op, object, d, NULL);
}

static void card_object(const uint8_t *card, size_t len, char out[5 + 65]) {
  uint8_t h[32];
  crypto_hash_sha256(h, card, len);
  memcpy(out, "card:", 5);
  util_hex(out + 5, h, 32);
}

static void fixture_init(fixture *f) {
  memset(f, 0, sizeof f[0]);
  uint8_t seed[32];
  int st = 0;
  memset(seed, 1, sizeof seed);
  f->pia = identity_from_seed("Pia Partner", seed, 1700000000, &st);
  memset(seed, 2, sizeof seed);
  f->other = identity_from_seed("Pia Partner", seed, 1700000000, &st);
  ASSERT(f->pia != NULL && f->other != NULL);
  ASSERT_INT_EQ(card_encode(&f->pia->card, &f->card, &f->cardlen), KEYS_OK);
  char obj[5 + 65];
  card_object(f->card, f->cardlen, obj);
  for (int i = 0; i < NLEAVES; i++) make_entry(f, i, "ping", "", AUDIT_PERMIT);
  make_entry(f, REG, "enroll", obj, AUDIT_PERMIT);
  memset(seed, 3, sizeof seed);
  f->signer = note_signer_from_seed(ORIGIN, seed, &st);
  memset(seed, 4, sizeof seed);
  f->stranger = note_signer_from_seed(ORIGIN, seed, &st);
  ASSERT(f->signer != NULL && f->stranger != NULL);
  ASSERT_INT_EQ(note_verifier_format(&f->signer->pub, &f->vkey), NOTE_OK);
  ASSERT_INT_EQ(note_verifier_format(&f->stranger->pub, &f->stranger_vkey), NOTE_OK);
}

static void fixture_free(fixture *f) {
  identity_free(f->pia);
  identity_free(f->other);
  free(f->card);
  for (int i = 0; i < NLEAVES; i++) free(f->entries[i]);
  note_signer_free(f->signer);
  note_signer_free(f->stranger);
  free(f->vkey);
  free(f->stranger_vkey);
}

/* What to put into (or break in) the answer. */
typedef struct answer {
  const uint8_t *card; /* NULL: Pia's card */
  size_t cardlen;
  uint64_t reg_seq;    /* entry cited (and proven) */
  uint64_t size;       /* checkpoint tree size */
  const note_signer *signer;
  bool revoked;
  int flip_proof;      /* flip a bit in proof hash 0 */
  bool omit_proof;
  bool proof_not_array;
} answer;

static void pack_bin(msgpack_packer *pk, const char *key, const uint8_t *p, size_t n) {
  sv_pack_str(pk, key);
  msgpack_pack_bin(pk, n);
  msgpack_pack_bin_body(pk, p, n);
}

/* Build the answer, run directory_verify_proof; returns its result, err and t filled. */
static int run(fixture *f, const answer *a, const char *vkey, const char *who,
               directory_trust *t, char *err, size_t errlen) {
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, ORIGIN);
  cp.size = a->size;
  merkle_mem_root((const uint8_t(*)[MERKLE_HASH_LEN])f->leaves, a->size, cp.root);
  char *note = NULL;
  size_t notelen = 0;
  ASSERT_INT_EQ(checkpoint_sign(&cp, a->signer ? a->signer : f->signer, &note, &notelen),
                CHECKPOINT_OK);
  uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
  size_t nproof = 0;
  ASSERT_INT_EQ(merkle_mem_inclusion_proof((const uint8_t(*)[MERKLE_HASH_LEN])f->leaves, a->size,
                                           a->reg_seq, proof, &nproof),
                MERKLE_OK);
  ASSERT(nproof > 0);
  if (a->flip_proof) proof[0][5] ^= 0x10;
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, a->omit_proof ? 5 : 6);
  pack_bin(&pk, "card", a->card ? a->card : f->card, a->card ? a->cardlen : f->cardlen);
  pack_bin(&pk, "entry", f->entries[a->reg_seq], f->entrylen[a->reg_seq]);
  sv_pack_str(&pk, "reg_seq");
  msgpack_pack_uint64(&pk, a->reg_seq);
  sv_pack_str(&pk, "checkpoint");
  msgpack_pack_str(&pk, notelen);
  msgpack_pack_str_body(&pk, note, notelen);
  sv_pack_str(&pk, "revoked");
  if (a->revoked)
    msgpack_pack_true(&pk);
  else
    msgpack_pack_false(&pk);
  if (!a->omit_proof) {
    sv_pack_str(&pk, "proof");
    if (a->proof_not_array) {
      msgpack_pack_bin(&pk, MERKLE_HASH_LEN);
      msgpack_pack_bin_body(&pk, proof[0], MERKLE_HASH_LEN);
    } else {
      msgpack_pack_array(&pk, nproof);
      for (size_t i = 0; i < nproof; i++) {
        msgpack_pack_bin(&pk, MERKLE_HASH_LEN);
        msgpack_pack_bin_body(&pk, proof[i], MERKLE_HASH_LEN);
      }
    }
  }
  free(note);
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  ASSERT(msgpack_unpack_next(&up, sb.data, sb.size, NULL) == MSGPACK_UNPACK_SUCCESS);
  err[0] = '\0';
  int rc = directory_verify_proof(&up.data, vkey, who, t, err, errlen);
  msgpack_unpacked_destroy(&up);
  msgpack_sbuffer_destroy(&sb);
  return rc;
}

static answer good(void) {
  answer a;
  memset(&a, 0, sizeof a);
  a.reg_seq = REG;
  a.size = NLEAVES;
  return a;
}

static void expect_refused(fixture *f, const answer *a, const char *vkey, const char *who,
                           const char *reason) {
  directory_trust t;
  char err[512];
  ASSERT_INT_EQ(run(f, a, vkey, who, &t, err, sizeof err), -1);
  ASSERT(!t.proven);
  ASSERT_STR_CONTAINS(err, reason);
}

static void test_valid_proof(void) {
  fixture f;
  fixture_init(&f);
  directory_trust t;
  char err[512];
  answer a = good();
  ASSERT_INT_EQ(run(&f, &a, f.vkey, NULL, &t, err, sizeof err), 0);
  ASSERT(t.proven && t.card_ok && !t.revoked);
  ASSERT_UINT_EQ(t.reg_seq, REG);
  ASSERT_UINT_EQ(t.tree_size, NLEAVES);
  ASSERT_STR_EQ(t.card.name, "Pia Partner");
  char keyid[CARD_KEYID_HEX], fp[CARD_FINGERPRINT_LEN];
  card_keyid(&f.pia->card, keyid);
  card_fingerprint(&f.pia->card, fp);
  ASSERT_STR_EQ(t.keyid, keyid);
  ASSERT_STR_EQ(t.fingerprint, fp);
  /* who may be the name, the key id or the fingerprint (spaces and case ignored). */
  ASSERT_INT_EQ(run(&f, &a, f.vkey, "Pia Partner", &t, err, sizeof err), 0);
  ASSERT_INT_EQ(run(&f, &a, f.vkey, keyid, &t, err, sizeof err), 0);
  char fpu[CARD_FINGERPRINT_LEN];
  for (size_t i = 0; i < sizeof fp; i++) fpu[i] = (char)toupper((unsigned char)fp[i]);
  ASSERT_INT_EQ(run(&f, &a, f.vkey, fpu, &t, err, sizeof err), 0);
  /* The revoked flag is reported, the proof still holds. */
  a.revoked = true;
  ASSERT_INT_EQ(run(&f, &a, f.vkey, NULL, &t, err, sizeof err), 0);
  ASSERT(t.revoked && t.proven);
  /* A later, larger checkpoint still proves an earlier entry. */
  a = good();
  make_entry(&f, NLEAVES - 1, "member.list", "", AUDIT_PERMIT);
  ASSERT_INT_EQ(run(&f, &a, f.vkey, NULL, &t, err, sizeof err), 0);
  fixture_free(&f);
}

static void test_refusals(void) {
  fixture f;
  fixture_init(&f);
  answer a = good();
  expect_refused(&f, &a, f.vkey, "Ola Other", "someone else");
  expect_refused(&f, &a, f.stranger_vkey, NULL, "not signed by the configured log key");
  expect_refused(&f, &a, NULL, NULL, "no log key");
  expect_refused(&f, &a, "", NULL, "no log key");
  expect_refused(&f, &a, "not a key", NULL, "not a valid verifier key");
  a.signer = f.stranger;
  expect_refused(&f, &a, f.vkey, NULL, "not signed by the configured log key");
  a = good();
  a.flip_proof = 1;
  expect_refused(&f, &a, f.vkey, NULL, "inclusion proof of entry #4");
  /* An entry that is in the log but registered nothing. */
  a = good();
  a.reg_seq = 2;
  expect_refused(&f, &a, f.vkey, NULL, "is not the registration");
  /* The entry registered another card (the server substitutes keys for the same name). */
  uint8_t *oc = NULL;
  size_t oclen = 0;
  ASSERT_INT_EQ(card_encode(&f.other->card, &oc, &oclen), KEYS_OK);
  a = good();
  a.card = oc;
  a.cardlen = oclen;
  expect_refused(&f, &a, f.vkey, NULL, "NOT the card");
  /* A card whose own signature is broken. */
  oc[oclen - 1] ^= 1;
  expect_refused(&f, &a, f.vkey, NULL, "not signed by its own key");
  free(oc);
  /* An entry at the right place that denied the enrolment. */
  char obj[5 + 65];
  card_object(f.card, f.cardlen, obj);
  make_entry(&f, REG, "enroll", obj, AUDIT_DENY);
  a = good();
  expect_refused(&f, &a, f.vkey, NULL, "is not the registration");
  /* A permitted entry with the card's hash but another op. */
  make_entry(&f, REG, "member.show", obj, AUDIT_PERMIT);
  expect_refused(&f, &a, f.vkey, NULL, "is not the registration");
  /* member.register (samvirked init) registers as well. */
  make_entry(&f, REG, "member.register", obj, AUDIT_PERMIT);
  directory_trust t;
  char err[512];
  ASSERT_INT_EQ(run(&f, &a, f.vkey, NULL, &t, err, sizeof err), 0);
  /* Version 2 entries: a permitted enrolment that failed registered nothing; one that
   * succeeded did. */
  make_entry_outcome(&f, REG, "enroll", obj, AUDIT_PERMIT, "invite_invalid");
  expect_refused(&f, &a, f.vkey, NULL, "is not the registration");
  make_entry_outcome(&f, REG, "enroll", obj, AUDIT_PERMIT, "conflict");
  expect_refused(&f, &a, f.vkey, NULL, "is not the registration");
  make_entry_outcome(&f, REG, "enroll", obj, AUDIT_PERMIT, "ok");
  ASSERT_INT_EQ(run(&f, &a, f.vkey, NULL, &t, err, sizeof err), 0);
  /* Malformed answers. */
  a.omit_proof = true;
  expect_refused(&f, &a, f.vkey, NULL, "malformed");
  a.omit_proof = false;
  a.proof_not_array = true;
  expect_refused(&f, &a, f.vkey, NULL, "malformed");
  ASSERT_INT_EQ(directory_verify_proof(NULL, f.vkey, NULL, &t, err, sizeof err), -1);
  fixture_free(&f);
}

/* A member whose *name* is another member's key id (or fingerprint) must not pass for that
 * member: asked for Pia's key id, an answer with the squatter's properly registered card is
 * someone else, even though the server resolves a name match first. */
static void test_name_shaped_like_keyid(void) {
  fixture f;
  fixture_init(&f);
  char keyid[CARD_KEYID_HEX], fp[CARD_FINGERPRINT_LEN];
  card_keyid(&f.pia->card, keyid);
  card_fingerprint(&f.pia->card, fp);
  const char *names[2] = {keyid, fp};
  for (int k = 0; k < 2; k++) {
    uint8_t seed[32];
    int st = 0;
    memset(seed, 9 + k, sizeof seed);
    sv_identity *sq = identity_from_seed(names[k], seed, 1700000000, &st);
    ASSERT(sq != NULL);
    uint8_t *sc = NULL;
    size_t sclen = 0;
    ASSERT_INT_EQ(card_encode(&sq->card, &sc, &sclen), KEYS_OK);
    char obj[5 + 65];
    card_object(sc, sclen, obj);
    make_entry(&f, REG, "enroll", obj, AUDIT_PERMIT);
    answer a = good();
    a.card = sc;
    a.cardlen = sclen;
    /* The squatter's card is proven in the log: asking for it by its name works... */
    directory_trust t;
    char err[512];
    ASSERT_INT_EQ(run(&f, &a, f.vkey, NULL, &t, err, sizeof err), 0);
    /* ...but it is not the card of the member with that key id or fingerprint. */
    expect_refused(&f, &a, f.vkey, keyid, "someone else");
    expect_refused(&f, &a, f.vkey, fp, "someone else");
    free(sc);
    identity_free(sq);
  }
  fixture_free(&f);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_valid_proof);
  RUN_TEST(test_refusals);
  RUN_TEST(test_name_shaped_like_keyid);
  return 0;
}
