/* test_signer.c -- the log signer: its two-slot state file, and the signer process itself
 * (started from the real samvirked binary) refusing every request that could make it sign two
 * inconsistent checkpoints. */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checkpoint.h"
#include "keys.h"
#include "merkle.h"
#include "signed_note.h"
#include "signer.h"
#include "signer_state.h"
#include "support/tmpdir.h"
#include "task.h"

static void leaf(uint8_t out[32], unsigned i) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "entry %u", i);
  merkle_leaf_hash((const uint8_t *)buf, (size_t)n, out);
}

static merkle_frontier frontier_of(unsigned n) {
  merkle_frontier f;
  merkle_frontier_init(&f);
  for (unsigned i = 0; i < n; i++) {
    uint8_t h[32];
    leaf(h, i);
    ASSERT_INT_EQ(merkle_frontier_append(&f, h, NULL, NULL), MERKLE_OK);
  }
  return f;
}

static void write_bytes(const char *path, off_t off, const void *p, size_t n) {
  int fd = open(path, O_WRONLY);
  ASSERT(fd >= 0);
  ASSERT_INT_EQ(pwrite(fd, p, n, off), (long long)n);
  close(fd);
}

/* ---- the state file ---- */

static void test_state_roundtrip(void) {
  for (unsigned n = 0; n < 70; n += 7) {
    merkle_frontier f = frontier_of(n), g;
    uint8_t slot[SIGNER_STATE_SLOT];
    signer_state_encode(&f, 42 + n, slot);
    uint64_t gen = 0;
    ASSERT_INT_EQ(signer_state_decode(slot, &g, &gen), 0);
    ASSERT_UINT_EQ(gen, 42 + n);
    ASSERT_UINT_EQ(g.size, n);
    uint8_t r1[32], r2[32];
    merkle_frontier_root(&f, r1);
    merkle_frontier_root(&g, r2);
    ASSERT_MEM_EQ(r1, r2, 32);
    /* every byte up to the checksum's end is covered */
    size_t used = 32 + 32 * (size_t)__builtin_popcountll(n) + 32;
    for (size_t i = 0; i < used; i++) {
      slot[i] ^= 0x04;
      ASSERT_INT_EQ(signer_state_decode(slot, &g, &gen), -1);
      slot[i] ^= 0x04;
    }
  }
}

static void test_state_file(void) {
  char *dir = test_mkdtemp("signer-state");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, SIGNER_STATE_FILE);
  char err[512];
  signer_state ss;
  merkle_frontier f;
  bool found = true;
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  ASSERT(!found);
  struct stat st;
  ASSERT_INT_EQ(stat(path, &st), 0);
  ASSERT_INT_EQ(st.st_mode & 0777, 0600);
  ASSERT_INT_EQ(st.st_size, 2 * SIGNER_STATE_SLOT);
  ss.sync_ms = 0; /* flush at every save: the slots alternate */
  for (unsigned n = 1; n <= 5; n++) {
    merkle_frontier g = frontier_of(n);
    ASSERT_INT_EQ(signer_state_save(&ss, &g, err, sizeof err), 0);
  }
  signer_state_close(&ss);
  /* the newest of the two slots wins */
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  ASSERT(found);
  ASSERT_UINT_EQ(f.size, 5);
  int newest = ss.slot;
  signer_state_close(&ss);
  /* a torn write of the newest slot falls back to the one before it (4 entries), never to
   * nothing */
  uint8_t junk[64];
  memset(junk, 0x5a, sizeof junk);
  write_bytes(path, (off_t)newest * SIGNER_STATE_SLOT + 40, junk, sizeof junk);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  ASSERT(found);
  ASSERT_UINT_EQ(f.size, 4);
  signer_state_close(&ss);
  /* Between flushes the saves go to one slot and the one flushed last is left as it is: a
   * write torn there (a power cut before the next flush) falls back to the flushed state. */
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  ss.sync_ms = 3600 * 1000;
  int flushed = ss.slot;
  for (unsigned n = 6; n <= 9; n++) { /* the first save flushes (none yet in this run) */
    merkle_frontier g = frontier_of(n);
    ASSERT_INT_EQ(signer_state_save(&ss, &g, err, sizeof err), 0);
    if (n == 6) flushed = ss.slot;
    else ASSERT_INT_NE(ss.slot, flushed);
  }
  ASSERT(ss.dirty);
  int hot = ss.slot;
  close(ss.fd); /* no flush: as after a crash (the page cache still has it) */
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  ASSERT_UINT_EQ(f.size, 9);
  signer_state_close(&ss);
  write_bytes(path, (off_t)hot * SIGNER_STATE_SLOT + 40, junk, sizeof junk);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  ASSERT_UINT_EQ(f.size, 6);
  signer_state_close(&ss);
  newest = hot; /* the slot left valid is 1 - hot */
  /* both slots damaged: refused, not treated as new */
  write_bytes(path, (off_t)(1 - newest) * SIGNER_STATE_SLOT + 40, junk, sizeof junk);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "damaged");
  /* a readable-by-others file is refused */
  unlink(path);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  signer_state_close(&ss);
  chmod(path, 0640);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "chmod 600");
  /* a newer slot holding a smaller tree than the older one is refused: the state never shrinks */
  chmod(path, 0600);
  uint8_t two[2][SIGNER_STATE_SLOT];
  merkle_frontier big = frontier_of(9), small = frontier_of(5);
  signer_state_encode(&big, 7, two[0]);
  signer_state_encode(&small, 8, two[1]);
  write_bytes(path, 0, two, sizeof two);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "smaller tree");
  signer_state_encode(&small, 6, two[1]); /* the same pair in the right order loads */
  write_bytes(path, 0, two, sizeof two);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), 0);
  ASSERT_UINT_EQ(f.size, 9);
  signer_state_close(&ss);
  /* a file of another size is refused */
  ASSERT_INT_EQ(truncate(path, SIGNER_STATE_SLOT), 0);
  ASSERT_INT_EQ(signer_state_open(&ss, path, &f, &found, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "not a signer state file");
  test_rmtree(dir);
  free(dir);
}

/* ---- the process ---- */

typedef struct fixture {
  char *dir;
  char exe[4096];
  sv_daemon_keys *file_keys; /* read from daemon.key by the test itself */
  note_signer *sign;         /* the log key, to make checkpoints the signer must accept */
  note_verifier vkey;
  char origin[64];
} fixture;

static void fixture_init(fixture *fx) {
  const char *exe = getenv("SAMVIRKED");
  ASSERT(exe != NULL);
  snprintf(fx->exe, sizeof fx->exe, "%s", exe);
  fx->dir = test_mkdtemp("signer-proc");
  char cmd[8192];
  snprintf(fx->origin, sizeof fx->origin, "signer.test/log");
  snprintf(cmd, sizeof cmd, "'%s' init '%s/d' --origin %s >/dev/null", exe, fx->dir, fx->origin);
  ASSERT_INT_EQ(system(cmd), 0);
  char path[4200];
  snprintf(path, sizeof path, "%s/d/daemon.key", fx->dir);
  char err[512];
  fx->file_keys = daemon_keys_load(path, err, sizeof err);
  ASSERT(fx->file_keys != NULL);
  fx->sign = note_signer_from_seed(fx->origin, fx->file_keys->log_sk, NULL);
  ASSERT(fx->sign != NULL);
  ASSERT_INT_EQ(note_verifier_init(&fx->vkey, fx->origin, fx->file_keys->log_pk), NOTE_OK);
  char *tmp = fx->dir;
  fx->dir = malloc(strlen(tmp) + 3);
  sprintf(fx->dir, "%s/d", tmp);
  free(tmp);
}

static void fixture_free(fixture *fx) {
  daemon_keys_free(fx->file_keys);
  note_signer_free(fx->sign);
  char *parent = strdup(fx->dir);
  parent[strlen(parent) - 2] = '\0';
  test_rmtree(parent);
  free(parent);
  free(fx->dir);
}

/* A checkpoint for the first n test leaves, signed by key s. */
static char *signed_checkpoint(const fixture *fx, const note_signer *s, unsigned n, size_t *len) {
  merkle_frontier f = frontier_of(n);
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, "%s", fx->origin);
  cp.size = n;
  merkle_frontier_root(&f, cp.root);
  char *note = NULL;
  ASSERT_INT_EQ(checkpoint_sign(&cp, s, &note, len), CHECKPOINT_OK);
  return note;
}

/* Open note with the log key; return its size and root. */
static void open_note(const fixture *fx, const char *note, size_t len, uint64_t *size,
                      uint8_t root[32]) {
  checkpoint cp;
  int ns = 0;
  ASSERT_INT_EQ(checkpoint_open(note, len, &fx->vkey, fx->origin, &cp, &ns), CHECKPOINT_OK);
  *size = cp.size;
  memcpy(root, cp.root, 32);
}

static void test_process(void) {
  fixture fx;
  fixture_init(&fx);
  char err[512];
  sv_daemon_keys *keys = NULL;
  signer *s = signer_spawn(fx.exe, fx.dir, &keys, err, sizeof err);
  ASSERT(s != NULL);
  /* the network-facing side gets the Noise keys and the log's public key, not its secret */
  ASSERT_MEM_EQ(keys->noise_sk, fx.file_keys->noise_sk, 32);
  ASSERT_MEM_EQ(keys->noise_pk, fx.file_keys->noise_pk, 32);
  ASSERT_MEM_EQ(keys->log_pk, fx.file_keys->log_pk, 32);
  static const uint8_t zero[64];
  ASSERT_MEM_EQ(keys->log_sk, zero, 64);
  ASSERT(!signer_has_state(s));

  uint8_t leaves[12][32];
  for (unsigned i = 0; i < 12; i++) leaf(leaves[i], i);
  char *note = NULL;
  size_t nlen = 0;
  /* nothing is signed before the signer has a state */
  ASSERT_INT_EQ(signer_extend(s, 0, (const uint8_t(*)[32])leaves, 1, &note, &nlen, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "init first");

  /* init: a checkpoint by another key, or one whose root is not the frontier's, is refused */
  note_signer *other = note_signer_from_seed(fx.origin, (const uint8_t *)"another key's 32-byte seed.....", NULL);
  ASSERT(other != NULL);
  size_t len = 0;
  char *foreign = signed_checkpoint(&fx, other, 3, &len);
  merkle_frontier f3 = frontier_of(3), f2 = frontier_of(2);
  ASSERT_INT_EQ(signer_init(s, &f3, foreign, len, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "not one this log key signed");
  free(foreign);
  note_signer_free(other);
  char *cp3 = signed_checkpoint(&fx, fx.sign, 3, &len);
  ASSERT_INT_EQ(signer_init(s, &f2, cp3, len, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "does not match");
  merkle_frontier other3 = frontier_of(4); /* three leaves of another history, same size */
  other3.size = 3;
  memcpy(other3.hash[0], other3.hash[2], 32);
  ASSERT_INT_EQ(signer_init(s, &other3, cp3, len, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "does not match");
  ASSERT_INT_EQ(signer_init(s, &f3, cp3, len, err, sizeof err), 0);
  ASSERT(signer_has_state(s));
  ASSERT_UINT_EQ(signer_size(s), 3);
  /* once only */
  ASSERT_INT_EQ(signer_init(s, &f3, cp3, len, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "never starts over");
  free(cp3);

  /* extension from any size but the signer's own is refused */
  ASSERT_INT_EQ(signer_extend(s, 2, (const uint8_t(*)[32])leaves + 2, 4, &note, &nlen, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "out of step");
  ASSERT_INT_EQ(signer_extend(s, 4, (const uint8_t(*)[32])leaves + 4, 4, &note, &nlen, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "out of step");
  /* the right base: signed, and the root is the one of all the leaves */
  ASSERT_INT_EQ(signer_extend(s, 3, (const uint8_t(*)[32])leaves + 3, 5, &note, &nlen, err, sizeof err), 0);
  uint64_t size = 0;
  uint8_t root8[32], want[32];
  open_note(&fx, note, nlen, &size, root8);
  ASSERT_UINT_EQ(size, 8);
  merkle_mem_root((const uint8_t(*)[32])leaves, 8, want);
  ASSERT_MEM_EQ(root8, want, 32);
  free(note);
  /* nothing new: the same tree signed again */
  ASSERT_INT_EQ(signer_extend(s, 8, NULL, 0, &note, &nlen, err, sizeof err), 0);
  uint8_t again[32];
  open_note(&fx, note, nlen, &size, again);
  ASSERT_UINT_EQ(size, 8);
  ASSERT_MEM_EQ(again, root8, 32);
  free(note);
  signer_close(s);
  daemon_keys_free(keys);

  /* a restart continues from the recorded state, and a later checkpoint is consistent */
  s = signer_spawn(fx.exe, fx.dir, &keys, err, sizeof err);
  ASSERT(s != NULL);
  ASSERT(signer_has_state(s));
  ASSERT_UINT_EQ(signer_size(s), 8);
  uint8_t r[32];
  signer_root(s, r);
  ASSERT_MEM_EQ(r, root8, 32);
  ASSERT_INT_EQ(signer_init(s, &f3, NULL, 0, err, sizeof err), -1);
  ASSERT_INT_EQ(signer_extend(s, 8, (const uint8_t(*)[32])leaves + 8, 4, &note, &nlen, err, sizeof err), 0);
  uint8_t root12[32];
  open_note(&fx, note, nlen, &size, root12);
  ASSERT_UINT_EQ(size, 12);
  uint8_t proof[MERKLE_MAX_PROOF][32];
  size_t np = 0;
  ASSERT_INT_EQ(merkle_mem_consistency_proof((const uint8_t(*)[32])leaves, 8, 12, proof, &np), MERKLE_OK);
  ASSERT(merkle_verify_consistency(8, 12, (const uint8_t(*)[32])proof, np, root8, root12));
  free(note);
  signer_close(s);
  daemon_keys_free(keys);

  /* a damaged state file stops the signer from starting, with the reason */
  char path[4200];
  snprintf(path, sizeof path, "%s/%s", fx.dir, SIGNER_STATE_FILE);
  uint8_t junk[2 * SIGNER_STATE_SLOT];
  memset(junk, 0x33, sizeof junk);
  write_bytes(path, 0, junk, sizeof junk);
  s = signer_spawn(fx.exe, fx.dir, &keys, err, sizeof err);
  ASSERT(s == NULL);
  ASSERT(keys == NULL);
  ASSERT_STR_CONTAINS(err, "damaged");
  fixture_free(&fx);
}

/* `samvirked signer` started by hand (no socket on descriptor 3) refuses, exit status 2. */
static void test_not_by_hand(void) {
  const char *exe = getenv("SAMVIRKED");
  ASSERT(exe != NULL);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "'%s' signer /nonexistent 3</dev/null 2>/dev/null", exe);
  int st = system(cmd);
  ASSERT(WIFEXITED(st));
  ASSERT_INT_EQ(WEXITSTATUS(st), 2);
}

int main(void) {
  ASSERT(sodium_init() >= 0);
  RUN_TEST(test_state_roundtrip);
  RUN_TEST(test_state_file);
  RUN_TEST(test_process);
  RUN_TEST(test_not_by_hand);
  return 0;
}
