/* test_client_audit_file.c -- the auditor's entries file and consistency file
 * (client/audit_file.c): written and read back, record sizes at their limits, and damaged files
 * refused; and the audit entry filter (client/audit_filter.c) with each option at its edges. */
#include <errno.h>
#include <sodium.h>

#include "audit_file.h"
#include "audit_filter.h"
#include "support/tmpdir.h"
#include "task.h"
#include "util.h"

static char *dir;
static char err[1024];

static char *path_of(const char *name) {
  static char p[4096];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return p;
}

static void test_paths(void) {
  audit_paths p;
  ASSERT_INT_EQ(audit_paths_init("/id", NULL, &p), 0);
  ASSERT_STR_EQ(p.dir, "/id/audit");
  ASSERT_STR_EQ(p.entries, "/id/audit/entries.bin");
  ASSERT_STR_EQ(p.checkpoint, "/id/audit/entries.bin.checkpoint");
  ASSERT_STR_EQ(p.consistency, "/id/audit/entries.bin.consistency");
  ASSERT_INT_EQ(audit_paths_init("/id", "x/part.bin", &p), 0);
  ASSERT_STR_EQ(p.entries, "x/part.bin");
  ASSERT_STR_EQ(p.checkpoint, "x/part.bin.checkpoint");
  char longp[CLIENT_PATH_MAX + 1];
  memset(longp, 'a', sizeof longp - 1);
  longp[sizeof longp - 1] = '\0';
  ASSERT_INT_EQ(audit_paths_init("/id", longp, &p), -1);
  ASSERT_INT_EQ(audit_paths_init(longp, NULL, &p), -1);
}

/* A frontier of size n with recognisable hashes. */
static merkle_frontier fake_frontier(uint64_t n) {
  merkle_frontier fr;
  merkle_frontier_init(&fr);
  fr.size = n;
  for (int l = 0; l < MERKLE_FRONTIER_LEVELS; l++)
    if ((n >> l) & 1) memset(fr.hash[l], 0x40 + l, 32);
  return fr;
}

static void test_entries_file(void) {
  const char *path = path_of("e.bin");
  audit_file af;
  ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), -1);
  ASSERT_INT_EQ(errno, ENOENT);
  uint64_t starts[] = {0, 1, 5, 0x8000000000000001ull};
  for (size_t k = 0; k < sizeof starts / sizeof starts[0]; k++) {
    merkle_frontier fr = fake_frontier(starts[k]);
    ASSERT_INT_EQ(audit_file_create(path, &fr, err, sizeof err), 0);
    FILE *f = fopen(path, "ab");
    ASSERT(f != NULL);
    uint8_t big[AUDIT_FILE_ENTRY_MAX], one = 7;
    memset(big, 0xee, sizeof big);
    ASSERT_INT_EQ(audit_file_append(f, &one, 1), 0);
    ASSERT_INT_EQ(audit_file_append(f, big, sizeof big), 0); /* the largest record */
    ASSERT_INT_EQ(fclose(f), 0);
    ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), 0);
    ASSERT_UINT_EQ(af.start, starts[k]);
    ASSERT_UINT_EQ(af.fr.size, starts[k]);
    for (int l = 0; l < MERKLE_FRONTIER_LEVELS; l++)
      if ((starts[k] >> l) & 1) ASSERT_MEM_EQ(af.fr.hash[l], fr.hash[l], 32);
    uint8_t buf[AUDIT_FILE_ENTRY_MAX];
    size_t len = 0;
    ASSERT_INT_EQ(audit_file_next(&af, buf, &len), 1);
    ASSERT_UINT_EQ(len, 1);
    ASSERT_INT_EQ(buf[0], 7);
    ASSERT_INT_EQ(audit_file_next(&af, buf, &len), 1);
    ASSERT_UINT_EQ(len, AUDIT_FILE_ENTRY_MAX);
    ASSERT_MEM_EQ(buf, big, sizeof big);
    ASSERT_INT_EQ(audit_file_next(&af, buf, &len), 0);
    audit_file_close(&af);
    ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), 0);
    ASSERT_INT_EQ(audit_file_count(&af), 2);
    audit_file_close(&af);
    audit_file_close(&af); /* twice is fine */
  }
}

/* Write raw bytes as the file and expect open (or the records after it) to be refused. */
static void write_raw(const char *path, const void *data, size_t n) {
  ASSERT_INT_EQ(util_write_file(path, data, n, 0600), 0);
}

static void test_damaged(void) {
  const char *path = path_of("d.bin");
  static const char magic[] = "samvirke-audit-entries-v1\n";
  uint8_t raw[256];
  size_t m = sizeof magic - 1;
  audit_file af;
  /* bad magic; a header cut short; K that does not match START; a missing frontier hash */
  memcpy(raw, magic, m);
  raw[0] = 'S';
  memset(raw + m, 0, 9);
  write_raw(path, raw, m + 9);
  ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), -1);
  ASSERT_INT_EQ(errno, EINVAL);
  ASSERT_STR_CONTAINS(err, "not a samvirke audit entries file");
  raw[0] = 's';
  write_raw(path, raw, m + 8);
  ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), -1);
  raw[m + 7] = 3; /* START 3: two frontier hashes */
  raw[m + 8] = 1;
  write_raw(path, raw, m + 9 + 64);
  ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), -1);
  raw[m + 8] = 2;
  write_raw(path, raw, m + 9 + 63);
  ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), -1);
  /* records: empty, oversized, cut short */
  merkle_frontier fr = fake_frontier(0);
  const struct {
    uint8_t rec[8];
    size_t n;
  } bad[] = {
      {{0, 0, 0, 0}, 4},                       /* length 0 */
      {{0, 0, 0x10, 0x01, 1, 2, 3, 4}, 8},     /* AUDIT_FILE_ENTRY_MAX + 1 */
      {{0, 0, 0, 5, 1, 2}, 6},                 /* 5 announced, 2 there */
      {{0, 0, 0}, 3},                          /* a length cut short */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ASSERT_INT_EQ(audit_file_create(path, &fr, err, sizeof err), 0);
    FILE *f = fopen(path, "ab");
    ASSERT(f != NULL);
    uint8_t ok = 1;
    ASSERT_INT_EQ(audit_file_append(f, &ok, 1), 0);
    ASSERT_UINT_EQ(fwrite(bad[i].rec, 1, bad[i].n, f), bad[i].n);
    if (i == 1) { /* the oversized record is all there */
      uint8_t body[AUDIT_FILE_ENTRY_MAX + 1 - 4];
      memset(body, 9, sizeof body);
      ASSERT_UINT_EQ(fwrite(body, 1, sizeof body, f), sizeof body);
    }
    fclose(f);
    ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), 0);
    uint8_t buf[AUDIT_FILE_ENTRY_MAX];
    size_t len;
    ASSERT_INT_EQ(audit_file_next(&af, buf, &len), 1);
    ASSERT_INT_EQ(audit_file_next(&af, buf, &len), -1);
    audit_file_close(&af);
    ASSERT_INT_EQ(audit_file_open(path, &af, err, sizeof err), 0);
    ASSERT_INT_EQ(audit_file_count(&af), -1);
    audit_file_close(&af);
  }
}

static void test_consistency_file(void) {
  const char *path = path_of("c.cons");
  uint64_t o = 0, n = 0;
  tlog_proof p, q;
  ASSERT_INT_EQ(audit_consistency_read(path, &o, &n, &q), 1);
  memset(&p, 0, sizeof p);
  const size_t counts[] = {0, 1, MERKLE_MAX_PROOF};
  for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
    p.n = counts[k];
    for (size_t i = 0; i < p.n; i++) memset(p.hash[i], (int)i, 32);
    ASSERT_INT_EQ(audit_consistency_write(path, 17, 1234567890123ull, &p, err, sizeof err), 0);
    ASSERT_INT_EQ(audit_consistency_read(path, &o, &n, &q), 0);
    ASSERT_UINT_EQ(o, 17);
    ASSERT_UINT_EQ(n, 1234567890123ull);
    ASSERT_UINT_EQ(q.n, p.n);
    for (size_t i = 0; i < p.n; i++) ASSERT_MEM_EQ(q.hash[i], p.hash[i], 32);
  }
  const char *bad[] = {
      "samvirke-audit-consistency-v2\n1 2\n",
      "samvirke-audit-consistency-v1\n1 2x\n",
      "samvirke-audit-consistency-v1\n1\n",
      "samvirke-audit-consistency-v1\n",
      "samvirke-audit-consistency-v1\n1 2\nnot base64\n",
      "samvirke-audit-consistency-v1\n1 2\nAAAA\n", /* 3 bytes, not 32 */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    write_raw(path, bad[i], strlen(bad[i]));
    ASSERT_INT_EQ(audit_consistency_read(path, &o, &n, &q), -1);
  }
  /* one hash more than a proof can have */
  p.n = MERKLE_MAX_PROOF;
  ASSERT_INT_EQ(audit_consistency_write(path, 1, 2, &p, err, sizeof err), 0);
  char *text = test_read_file(path, NULL);
  char *more = malloc(strlen(text) + 64);
  ASSERT(more != NULL);
  sprintf(more, "%sAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", text);
  write_raw(path, more, strlen(more));
  ASSERT_INT_EQ(audit_consistency_read(path, &o, &n, &q), -1);
  free(more);
  free(text);
}

static audit_entry entry(const char *actor, const char *op, enum audit_decision d,
                         uint64_t time_ms) {
  audit_entry e;
  memset(&e, 0, sizeof e);
  snprintf(e.actor, sizeof e.actor, "%s", actor);
  snprintf(e.op, sizeof e.op, "%s", op);
  e.decision = d;
  e.time_ms = time_ms;
  return e;
}

static void test_filter(void) {
  audit_filter f;
  audit_filter_args a = {0};
  const uint64_t now = 1767225600000ull; /* 2026-01-01T00:00:00Z */
  audit_entry e = entry("0123456789abcdef", "ping", AUDIT_PERMIT, now);
  ASSERT(audit_filter_match(NULL, &e));
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  ASSERT(audit_filter_match(&f, &e));
  a.actor = "0123";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  ASSERT(audit_filter_match(&f, &e));
  a.actor = "0123456789abcdef0";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  ASSERT(!audit_filter_match(&f, &e));
  a.actor = NULL;
  a.op = "pin";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  ASSERT(!audit_filter_match(&f, &e)); /* ops match exactly */
  a.op = "ping";
  a.decision = "deny";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  ASSERT(!audit_filter_match(&f, &e));
  a.decision = "permit";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  ASSERT(audit_filter_match(&f, &e));
  a.decision = "DENY";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), -1);
  ASSERT_STR_EQ(err, "--decision takes deny or permit");
  a.decision = NULL;
  /* --since: an entry at the very millisecond passes, one a millisecond earlier not */
  a.since = "2026-01-01T00:00:00Z";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  ASSERT(audit_filter_match(&f, &e));
  e.time_ms = now - 1;
  ASSERT(!audit_filter_match(&f, &e));
  a.since = "1d"; /* a day back from now */
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), 0);
  e.time_ms = now - 86400000ull;
  ASSERT(audit_filter_match(&f, &e));
  e.time_ms--;
  ASSERT(!audit_filter_match(&f, &e));
  a.since = "garbage";
  ASSERT_INT_EQ(audit_filter_init(&f, &a, now, err, sizeof err), -1);
  ASSERT_STR_CONTAINS(err, "--since takes a time: 'garbage' is not a time");
}

int main(void) {
  if (sodium_init() < 0) return 1;
  dir = test_mkdtemp("audit-file");
  RUN_TEST(test_paths);
  RUN_TEST(test_entries_file);
  RUN_TEST(test_damaged);
  RUN_TEST(test_consistency_file);
  RUN_TEST(test_filter);
  test_rmtree(dir);
  free(dir);
  return 0;
}
