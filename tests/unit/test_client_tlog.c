/* test_client_tlog.c -- the client's one reader of log keys, signed checkpoints and proofs
 * (client/tlog.c): what it accepts, and each refusal with the words the user sees. */
#include <msgpack.h>
#include <sodium.h>

#include "checkpoint.h"
#include "codec.h"
#include "support/tmpdir.h"
#include "task.h"
#include "tlog.h"
#include "util.h"

#define ORIGIN "tlog.test/log"

static note_signer *log_signer, *other_signer;
static char err[1024];

static note_signer *make_signer(const char *name, int fill) {
  uint8_t seed[32];
  memset(seed, fill, sizeof seed);
  int st = 0;
  note_signer *s = note_signer_from_seed(name, seed, &st);
  ASSERT(s != NULL);
  return s;
}

/* A checkpoint of size with a recognisable root, signed by signer. Caller frees. */
static char *signed_cp(const note_signer *signer, const char *origin, uint64_t size) {
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, "%s", origin);
  cp.size = size;
  memset(cp.root, 0x5a, 32);
  char *note = NULL;
  size_t len = 0;
  ASSERT_INT_EQ(checkpoint_sign(&cp, signer, &note, &len), CHECKPOINT_OK);
  return note;
}

static void test_key(void) {
  note_verifier v;
  ASSERT_INT_EQ(tlog_key_parse(NULL, &v, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "no log key is configured");
  ASSERT_STR_CONTAINS(err, "--log-key");
  ASSERT_INT_EQ(tlog_key_parse("", &v, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "no log key");
  ASSERT_INT_EQ(tlog_key_parse("not a key", &v, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "not a valid verifier key");
  char *vkey = NULL;
  ASSERT_INT_EQ(note_verifier_format(&log_signer->pub, &vkey), NOTE_OK);
  ASSERT_INT_EQ(tlog_key_parse(vkey, &v, err, sizeof err), 0);
  ASSERT_STR_EQ(v.name, ORIGIN);
  ASSERT_MEM_EQ(v.pk, log_signer->pub.pk, 32);
  vkey[strlen(vkey) - 2] ^= 1; /* the key no longer matches its key id */
  ASSERT_INT_EQ(tlog_key_parse(vkey, &v, err, sizeof err), -1);
  free(vkey);
}

static void test_checkpoint_open(void) {
  checkpoint cp;
  char *note = signed_cp(log_signer, ORIGIN, 42);
  ASSERT_INT_EQ(tlog_checkpoint_open(note, strlen(note), &log_signer->pub, "X", &cp, err,
                                     sizeof err), 0);
  ASSERT_UINT_EQ(cp.size, 42);
  ASSERT_STR_EQ(cp.origin, ORIGIN);
  /* another key */
  ASSERT_INT_EQ(tlog_checkpoint_open(note, strlen(note), &other_signer->pub, "the server's "
                                     "checkpoint", &cp, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "the server's checkpoint is not signed by the configured log key (");
  /* an edited body */
  char *edited = strdup(note);
  ASSERT(edited != NULL);
  char *nl = strchr(edited, '\n');
  nl[1] = '9';
  ASSERT_INT_EQ(tlog_checkpoint_open(edited, strlen(edited), &log_signer->pub, "F", &cp, err,
                                     sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "F is not signed by the configured log key");
  free(edited);
  free(note);
  /* signed by the log key, but for another origin */
  note_signer *same_key_other_name = make_signer("elsewhere.test/log", 1);
  note = signed_cp(same_key_other_name, "elsewhere.test/log", 3);
  note_verifier v = log_signer->pub; /* the configured key, with its own name */
  ASSERT_INT_EQ(tlog_checkpoint_open(note, strlen(note), &v, "C", &cp, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "C is not signed");
  free(note);
  note = signed_cp(log_signer, "another.origin", 3);
  ASSERT_INT_EQ(tlog_checkpoint_open(note, strlen(note), &log_signer->pub, "C", &cp, err,
                                     sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "C names another log than the configured log key");
  free(note);
  note_signer_free(same_key_other_name);
  /* signed, but the body is no checkpoint */
  const note_signer *signers[1] = {log_signer};
  char *junk = NULL;
  size_t jl = 0;
  ASSERT_INT_EQ(note_sign(ORIGIN "\nnot a size\n", strlen(ORIGIN) + 12, signers, 1, &junk, &jl),
                NOTE_OK);
  ASSERT_INT_EQ(tlog_checkpoint_open(junk, jl, &log_signer->pub, "J", &cp, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "J is not a well-formed checkpoint");
  free(junk);
}

static void test_checkpoint_read(void) {
  char *dir = test_mkdtemp("tlog");
  char path[4096];
  snprintf(path, sizeof path, "%s/cp", dir);
  checkpoint cp;
  char *text = (char *)1;
  ASSERT_INT_EQ(tlog_checkpoint_read(path, &log_signer->pub, &cp, &text, err, sizeof err), 0);
  ASSERT(text == NULL);
  char *note = signed_cp(log_signer, ORIGIN, 7);
  ASSERT_INT_EQ(util_write_file(path, note, strlen(note), 0600), 0);
  ASSERT_INT_EQ(tlog_checkpoint_read(path, &log_signer->pub, &cp, &text, err, sizeof err), 1);
  ASSERT_STR_EQ(text, note);
  ASSERT_UINT_EQ(cp.size, 7);
  free(text);
  ASSERT_INT_EQ(tlog_checkpoint_read(path, &log_signer->pub, &cp, NULL, err, sizeof err), 1);
  ASSERT_INT_EQ(tlog_checkpoint_read(path, &other_signer->pub, &cp, NULL, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, path);
  ASSERT_STR_CONTAINS(err, "is not signed by the configured log key");
  /* a file over the limit, and one at it */
  char *big = malloc(TLOG_NOTE_MAX + 1);
  ASSERT(big != NULL);
  memset(big, 'a', TLOG_NOTE_MAX + 1);
  ASSERT_INT_EQ(util_write_file(path, big, TLOG_NOTE_MAX + 1, 0600), 0);
  ASSERT_INT_EQ(tlog_checkpoint_read(path, &log_signer->pub, &cp, NULL, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, path);
  ASSERT_INT_EQ(util_write_file(path, big, TLOG_NOTE_MAX, 0600), 0);
  ASSERT_INT_EQ(tlog_checkpoint_read(path, &log_signer->pub, &cp, NULL, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "is not signed"); /* read, then refused as a note */
  free(big);
  free(note);
  test_rmtree(dir);
  free(dir);
}

/* An answer map {"proof": <n hashes, each of hlen bytes>, "checkpoint": note}; with n < 0
 * "proof" is a bin instead of an array. */
static void answer(msgpack_sbuffer *sb, msgpack_unpacked *up, int n, size_t hlen,
                   const char *note) {
  msgpack_sbuffer_init(sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, note ? 2 : 1);
  sv_pack_str(&pk, "proof");
  uint8_t h[40];
  if (n < 0) {
    msgpack_pack_bin(&pk, 32);
    msgpack_pack_bin_body(&pk, h, 32);
  } else {
    msgpack_pack_array(&pk, (size_t)n);
    for (int i = 0; i < n; i++) {
      memset(h, i, sizeof h);
      msgpack_pack_bin(&pk, hlen);
      msgpack_pack_bin_body(&pk, h, hlen);
    }
  }
  if (note) {
    sv_pack_str(&pk, "checkpoint");
    sv_pack_str(&pk, note);
  }
  msgpack_unpacked_init(up);
  ASSERT(msgpack_unpack_next(up, sb->data, sb->size, NULL) == MSGPACK_UNPACK_SUCCESS);
}

static void test_answers(void) {
  msgpack_sbuffer sb;
  msgpack_unpacked up;
  tlog_proof p;
  answer(&sb, &up, MERKLE_MAX_PROOF, 32, NULL);
  ASSERT_INT_EQ(tlog_proof_answer(&up.data, "proof", &p), 0);
  ASSERT_UINT_EQ(p.n, MERKLE_MAX_PROOF);
  ASSERT_UINT_EQ(p.hash[MERKLE_MAX_PROOF - 1][31], MERKLE_MAX_PROOF - 1);
  ASSERT_INT_EQ(tlog_proof_answer(&up.data, "consistency", &p), 1); /* absent */
  ASSERT_INT_EQ(tlog_proof_answer(NULL, "proof", &p), 1);
  checkpoint cp;
  const char *note = NULL;
  size_t nl = 0;
  ASSERT_INT_EQ(tlog_checkpoint_answer(&up.data, &log_signer->pub, &cp, &note, &nl, err,
                                       sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "the server sent no checkpoint");
  msgpack_unpacked_destroy(&up);
  msgpack_sbuffer_destroy(&sb);
  const struct {
    int n;
    size_t hlen;
  } bad[] = {{MERKLE_MAX_PROOF + 1, 32}, {3, 31}, {3, 33}, {-1, 32}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    answer(&sb, &up, bad[i].n, bad[i].hlen, NULL);
    ASSERT_INT_EQ(tlog_proof_answer(&up.data, "proof", &p), -1);
    ASSERT_UINT_EQ(p.n, 0);
    msgpack_unpacked_destroy(&up);
    msgpack_sbuffer_destroy(&sb);
  }
  answer(&sb, &up, 0, 32, NULL);
  ASSERT_INT_EQ(tlog_proof_answer(&up.data, "proof", &p), 0);
  ASSERT_UINT_EQ(p.n, 0);
  msgpack_unpacked_destroy(&up);
  msgpack_sbuffer_destroy(&sb);
  char *signed_note = signed_cp(log_signer, ORIGIN, 9);
  answer(&sb, &up, 1, 32, signed_note);
  ASSERT_INT_EQ(tlog_checkpoint_answer(&up.data, &log_signer->pub, &cp, &note, &nl, err,
                                       sizeof err), 0);
  ASSERT_UINT_EQ(cp.size, 9);
  ASSERT_UINT_EQ(nl, strlen(signed_note));
  ASSERT_MEM_EQ(note, signed_note, nl);
  ASSERT_INT_EQ(tlog_checkpoint_answer(&up.data, &other_signer->pub, &cp, &note, &nl, err,
                                       sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "the server's checkpoint is not signed by the configured log key");
  msgpack_unpacked_destroy(&up);
  msgpack_sbuffer_destroy(&sb);
  free(signed_note);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  log_signer = make_signer(ORIGIN, 1);
  other_signer = make_signer(ORIGIN, 2);
  RUN_TEST(test_key);
  RUN_TEST(test_checkpoint_open);
  RUN_TEST(test_checkpoint_read);
  RUN_TEST(test_answers);
  note_signer_free(log_signer);
  note_signer_free(other_signer);
  return 0;
}
