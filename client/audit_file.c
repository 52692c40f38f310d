/* audit_file.c -- read and write the auditor's entries file and its consistency file (formats in
 * audit_file.h). */
#include "audit_file.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

#define ENTRIES_MAGIC "samvirke-audit-entries-v1\n"
#define ENTRIES_MAGIC_LEN (sizeof ENTRIES_MAGIC - 1)
#define HEADER_LEN (ENTRIES_MAGIC_LEN + 9) /* magic, START, K */
#define CONS_MAGIC "samvirke-audit-consistency-v1\n"
#define CONS_MAX (64 * 1024)

int audit_paths_init(const char *dir, const char *file, audit_paths *p) {
  assert(dir != NULL && p != NULL);
  if (client_config_path(dir, "audit", p->dir, sizeof p->dir) != 0) return -1;
  if (file != NULL) {
    if (strlen(file) >= sizeof p->entries) return -1;
    snprintf(p->entries, sizeof p->entries, "%s", file);
  } else if (client_config_path(p->dir, "entries.bin", p->entries, sizeof p->entries) != 0) {
    return -1;
  }
  snprintf(p->checkpoint, sizeof p->checkpoint, "%s.checkpoint", p->entries);
  snprintf(p->consistency, sizeof p->consistency, "%s.consistency", p->entries);
  return 0;
}

static void put_be(uint8_t *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

int audit_file_open(const char *path, audit_file *af, char *err, size_t errlen) {
  assert(path != NULL && af != NULL && err != NULL);
  memset(af, 0, sizeof *af);
  af->f = fopen(path, "rb");
  if (af->f == NULL) {
    int saved = errno;
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    errno = saved;
    return -1;
  }
  uint8_t head[HEADER_LEN];
  if (fread(head, 1, sizeof head, af->f) != sizeof head ||
      memcmp(head, ENTRIES_MAGIC, ENTRIES_MAGIC_LEN) != 0)
    goto err;
  af->start = get_be(head + ENTRIES_MAGIC_LEN, 8);
  unsigned k = head[ENTRIES_MAGIC_LEN + 8];
  if (k != (unsigned)__builtin_popcountll(af->start)) goto err;
  merkle_frontier_init(&af->fr);
  af->fr.size = af->start;
  for (int level = 0; level < MERKLE_FRONTIER_LEVELS; level++) {
    if (!((af->start >> level) & 1)) continue;
    if (fread(af->fr.hash[level], 1, 32, af->f) != 32) goto err;
  }
  return 0;
err:
  snprintf(err, errlen, "%.400s: not a samvirke audit entries file (or truncated header)", path);
  audit_file_close(af);
  errno = EINVAL;
  return -1;
}

int audit_file_next(audit_file *af, uint8_t *buf, size_t *len) {
  assert(af != NULL && af->f != NULL && buf != NULL && len != NULL);
  uint8_t l[4];
  size_t got = fread(l, 1, 4, af->f);
  if (got == 0 && feof(af->f)) return 0;
  if (got != 4) return -1;
  *len = (size_t)get_be(l, 4);
  if (*len == 0 || *len > AUDIT_FILE_ENTRY_MAX || fread(buf, 1, *len, af->f) != *len) return -1;
  return 1;
}

int64_t audit_file_count(audit_file *af) {
  assert(af != NULL && af->f != NULL);
  int64_t n = 0;
  uint8_t l[4];
  size_t got;
  while ((got = fread(l, 1, 4, af->f)) == 4) {
    uint64_t len = get_be(l, 4);
    if (len == 0 || len > AUDIT_FILE_ENTRY_MAX || fseek(af->f, (long)len, SEEK_CUR) != 0)
      return -1;
    n++;
  }
  if (got != 0) return -1;
  /* fseek past the end succeeds: make sure the last record was complete. */
  long pos = ftell(af->f);
  struct stat sb;
  if (pos < 0 || fstat(fileno(af->f), &sb) != 0 || (off_t)pos != sb.st_size) return -1;
  return n;
}

void audit_file_close(audit_file *af) {
  if (af->f != NULL) fclose(af->f);
  af->f = NULL;
}

int audit_file_create(const char *path, const merkle_frontier *fr, char *err, size_t errlen) {
  assert(path != NULL && fr != NULL && err != NULL);
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  uint8_t head[HEADER_LEN];
  memcpy(head, ENTRIES_MAGIC, ENTRIES_MAGIC_LEN);
  put_be(head + ENTRIES_MAGIC_LEN, fr->size, 8);
  head[ENTRIES_MAGIC_LEN + 8] = (uint8_t)__builtin_popcountll(fr->size);
  bool ok = fwrite(head, 1, sizeof head, f) == sizeof head;
  for (int level = 0; ok && level < MERKLE_FRONTIER_LEVELS; level++)
    if ((fr->size >> level) & 1) ok = fwrite(fr->hash[level], 1, 32, f) == 32;
  if (fclose(f) != 0) ok = false;
  if (!ok) snprintf(err, errlen, "%.400s: cannot write", path);
  return ok ? 0 : -1;
}

int audit_file_append(FILE *f, const uint8_t *entry, size_t len) {
  assert(f != NULL && entry != NULL && len > 0 && len <= AUDIT_FILE_ENTRY_MAX);
  uint8_t l[4];
  put_be(l, len, 4);
  return fwrite(l, 1, 4, f) == 4 && fwrite(entry, 1, len, f) == len ? 0 : -1;
}

int audit_consistency_write(const char *path, uint64_t old, uint64_t nsize,
                            const tlog_proof *proof, char *err, size_t errlen) {
  assert(path != NULL && proof != NULL && proof->n <= MERKLE_MAX_PROOF && err != NULL);
  char text[128 + MERKLE_MAX_PROOF * 48];
  int off = snprintf(text, sizeof text, "%s%llu %llu\n", CONS_MAGIC, (unsigned long long)old,
                     (unsigned long long)nsize);
  for (size_t i = 0; i < proof->n; i++) {
    char *b = util_b64(proof->hash[i], 32);
    if (b == NULL) {
      snprintf(err, errlen, "out of memory");
      return -1;
    }
    off += snprintf(text + off, sizeof text - (size_t)off, "%s\n", b);
    free(b);
  }
  if (util_write_file(path, text, (size_t)off, 0600) != 0) {
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int audit_consistency_read(const char *path, uint64_t *old, uint64_t *nsize, tlog_proof *proof) {
  assert(path != NULL && old != NULL && nsize != NULL && proof != NULL);
  size_t len = 0;
  uint8_t *buf = util_read_file(path, CONS_MAX, &len);
  if (buf == NULL) return errno == ENOENT ? 1 : -1;
  int rc = -1;
  char *text = (char *)buf;
  size_t ml = strlen(CONS_MAGIC);
  if (len < ml || memcmp(text, CONS_MAGIC, ml) != 0) goto out;
  char *save = NULL;
  char *line = strtok_r(text + ml, "\n", &save);
  unsigned long long a, b;
  char extra;
  if (line == NULL || sscanf(line, "%llu %llu%c", &a, &b, &extra) != 2) goto out;
  *old = a;
  *nsize = b;
  proof->n = 0;
  while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
    if (proof->n >= MERKLE_MAX_PROOF || util_unb64_exact(proof->hash[proof->n], 32, line) != 0)
      goto out;
    proof->n++;
  }
  rc = 0;
out:
  free(buf);
  return rc;
}
