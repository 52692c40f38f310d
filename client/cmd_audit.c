/* cmd_audit.c -- `samvirke audit fetch|verify|show|prove`: the auditor's copy of the audit trail,
 * verified offline with nothing but the log's verifier key.
 *
 * Files (FILE defaults to <identity>/audit/entries.bin; --out / the FILE argument change it):
 *   FILE              fetched entries: the line "samvirke-audit-entries-v1\n"; the sequence
 *                     number START of the first entry (8 bytes, big-endian); a byte K and K
 *                     32-byte hashes: the Merkle frontier of the START entries before it (the
 *                     perfect subtree hashes for each set bit of START, lowest level first; none
 *                     for START 0); then records: length (4 bytes, big-endian) and one canonical
 *                     entry. `fetch` appends to it; `--since N` starts a new one at N.
 *   FILE.checkpoint   the latest fetched signed checkpoint note, verbatim.
 *   FILE.consistency  "samvirke-audit-consistency-v1\nOLD NEW\n" then one base64 hash per line:
 *                     the consistency proof from the trusted checkpoint's size to the fetched one.
 *   <identity>/audit/trusted.txt   the last checkpoint this client accepted (signed note):
 *                     written by `verify`, and advanced by `prove` and `member verify` along
 *                     consistency proofs (client/trusted.h); the first one seen is trusted.
 *
 * Verification: the root of the fetched checkpoint's size is recomputed from the frontier at
 * START and every entry after it; a match binds the frontier hashes and every entry to the
 * signed root. Consistency with the trusted checkpoint (size T) is checked by recomputation
 * when START <= T (the running root at T must equal the trusted root), otherwise with the
 * stored consistency proof. A fetched checkpoint smaller than T is a rollback. */
#include "cmd_audit.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit_entry.h"
#include "checkpoint.h"
#include "cmdutil.h"
#include "codec.h"
#include "json.h"
#include "merkle.h"
#include "signed_note.h"
#include "timearg.h"
#include "tlog.h"
#include "trusted.h"
#include "util.h"

#define ENTRIES_MAGIC "samvirke-audit-entries-v1\n"
#define ENTRIES_MAGIC_LEN (sizeof ENTRIES_MAGIC - 1)
#define CONS_MAGIC "samvirke-audit-consistency-v1\n"
#define ENTRY_MAX 4096          /* larger than any canonical entry */
#define FETCH_BATCH 1000        /* entries asked for per audit.entries call */
#define PROGRESS_MIN 10000      /* entries before a progress bar is worth showing */

const cli_cmd cmd_audit_table[] = {
    {"fetch", cmd_audit_fetch, "download new audit entries and the latest signed checkpoint", NULL,
     NULL},
    {"verify", cmd_audit_verify, "verify the fetched trail offline against the log key", NULL,
     NULL},
    {"show", cmd_audit_show, "list fetched audit entries, with filters", NULL, TIMEARG_HELP_BACK},
    {"prove", cmd_audit_prove, "fetch and verify the inclusion proof of one entry", NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

typedef struct audit_paths {
  char dir[CLIENT_PATH_MAX];
  char entries[CLIENT_PATH_MAX];
  char checkpoint[CLIENT_PATH_MAX + 16];
  char consistency[CLIENT_PATH_MAX + 16];
} audit_paths;

/* Fill p for the identity directory and an optional entries file. Returns 0 or -1. */
static int paths_init(const cli_ctx *ctx, const char *file, audit_paths *p) {
  if (client_config_path(ctx->identity_dir, "audit", p->dir, sizeof p->dir) != 0) return -1;
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

/* ---- progress bar (stderr, only on a terminal, only for long runs) ---- */

typedef struct progress {
  bool on;
  const char *what;
  uint64_t total, last;
} progress;

static void progress_start(progress *p, const char *what, uint64_t total) {
  p->on = total >= PROGRESS_MIN && isatty(2);
  p->what = what;
  p->total = total;
  p->last = 0;
}

static void progress_update(progress *p, uint64_t done) {
  if (!p->on || (done - p->last < 8192 && done != p->total)) return;
  p->last = done;
  int pct = p->total ? (int)(done * 100 / p->total) : 100;
  char bar[31];
  int fill = pct * 30 / 100;
  for (int i = 0; i < 30; i++) bar[i] = i < fill ? '#' : '.';
  bar[30] = '\0';
  fprintf(stderr, "\r%s [%s] %3d%% %llu/%llu", p->what, bar, pct, (unsigned long long)done,
          (unsigned long long)p->total);
  fflush(stderr);
}

static void progress_end(progress *p) {
  if (p->on) fprintf(stderr, "\r%*s\r", 70, "");
}

/* ---- the entries file ---- */

typedef struct efile {
  FILE *f;
  uint64_t start;
  merkle_frontier fr; /* the frontier of the first `start` entries */
} efile;

static void put_be(uint8_t *p, uint64_t v, int n) {
  for (int i = n - 1; i >= 0; i--, v >>= 8) p[i] = (uint8_t)v;
}

static uint64_t get_be(const uint8_t *p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; i++) v = (v << 8) | p[i];
  return v;
}

/* Open an entries file and read its header. Returns 0, or -1 with err (ENOENT in errno when
 * the file does not exist). */
static int efile_open(const char *path, efile *e, char *err, size_t errlen) {
  memset(e, 0, sizeof *e);
  e->f = fopen(path, "rb");
  if (e->f == NULL) {
    int saved = errno;
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    errno = saved;
    return -1;
  }
  uint8_t head[ENTRIES_MAGIC_LEN + 9];
  if (fread(head, 1, sizeof head, e->f) != sizeof head ||
      memcmp(head, ENTRIES_MAGIC, ENTRIES_MAGIC_LEN) != 0)
    goto bad;
  e->start = get_be(head + ENTRIES_MAGIC_LEN, 8);
  unsigned k = head[ENTRIES_MAGIC_LEN + 8];
  if (k != (unsigned)__builtin_popcountll(e->start)) goto bad;
  merkle_frontier_init(&e->fr);
  e->fr.size = e->start;
  for (int level = 0; level < MERKLE_FRONTIER_LEVELS; level++) {
    if (!((e->start >> level) & 1)) continue;
    if (fread(e->fr.hash[level], 1, 32, e->f) != 32) goto bad;
  }
  return 0;
bad:
  snprintf(err, errlen, "%s: not a samvirke audit entries file (or truncated header)", path);
  fclose(e->f);
  e->f = NULL;
  errno = EINVAL;
  return -1;
}

/* Next record into buf. Returns 1, 0 at a clean end of file, -1 on a truncated or oversized
 * record. */
static int efile_next(efile *e, uint8_t buf[ENTRY_MAX], size_t *len) {
  uint8_t l[4];
  size_t got = fread(l, 1, 4, e->f);
  if (got == 0 && feof(e->f)) return 0;
  if (got != 4) return -1;
  *len = (size_t)get_be(l, 4);
  if (*len == 0 || *len > ENTRY_MAX || fread(buf, 1, *len, e->f) != *len) return -1;
  return 1;
}

/* Count the records after the header (skipping their bodies). -1 if the file is damaged. */
static int64_t efile_count(efile *e) {
  int64_t n = 0;
  uint8_t l[4];
  size_t got;
  while ((got = fread(l, 1, 4, e->f)) == 4) {
    uint64_t len = get_be(l, 4);
    if (len == 0 || len > ENTRY_MAX || fseek(e->f, (long)len, SEEK_CUR) != 0) return -1;
    n++;
  }
  if (got != 0) return -1;
  /* fseek past the end succeeds: make sure the last record was complete. */
  long pos = ftell(e->f);
  struct stat sb;
  if (pos < 0 || fstat(fileno(e->f), &sb) != 0 || (off_t)pos != sb.st_size) return -1;
  return n;
}

/* Create (truncate) an entries file starting at fr->size with frontier fr. */
static int efile_create(const char *path, const merkle_frontier *fr, char *err, size_t errlen) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) {
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  uint8_t head[ENTRIES_MAGIC_LEN + 9];
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

/* ---- small helpers ---- */

/* Load the log verifier key from client.conf. Returns 0 or -1 (message printed). */
static int load_log_key(const cli_ctx *ctx, client_config *cfg, note_verifier *v) {
  char err[400];
  if (cmdutil_load_config(ctx, cfg) != 0) return -1;
  if (tlog_key_parse(cfg->log_key, v, err, sizeof err) != 0) {
    cli_fail("%s", err);
    return -1;
  }
  return 0;
}

/* One call; on failure prints the error and returns -1. */
static int call(session *s, sv_request *req, msgpack_unpacked *resp, const msgpack_object **res) {
  char err[512];
  const char *name = sv_op_name(req->op);
  int r = session_call(s, req, resp, err, sizeof err);
  sv_request_free(req);
  if (r != 0) {
    cli_fail("%s: %s", name, err);
    return -1;
  }
  *res = session_result(resp);
  if (*res == NULL || (*res)->type != MSGPACK_OBJECT_MAP) {
    cli_fail("%s: the server sent no result map", name);
    return -1;
  }
  return 0;
}

/* The frontier of the first n leaves from leaf n-1 and its inclusion proof in the tree of size
 * n: the proof is the leaf's left siblings inside the lowest perfect subtree, then the higher
 * perfect subtrees from the lowest up. Unauthenticated by itself: the root check binds it. */
static int frontier_from_last(uint64_t n, const uint8_t leaf[32], const uint8_t (*proof)[32],
                              size_t np, merkle_frontier *fr) {
  int b0 = __builtin_ctzll(n);
  if (np != (size_t)b0 + (size_t)__builtin_popcountll(n) - 1) return -1;
  merkle_frontier_init(fr);
  fr->size = n;
  uint8_t r[32];
  memcpy(r, leaf, 32);
  size_t i = 0;
  for (; i < (size_t)b0; i++) merkle_node_hash(proof[i], r, r);
  memcpy(fr->hash[b0], r, 32);
  for (int level = b0 + 1; level < MERKLE_FRONTIER_LEVELS; level++)
    if ((n >> level) & 1) memcpy(fr->hash[level], proof[i++], 32);
  return 0;
}

static int parse_u64(const char *s, uint64_t *out) {
  char *end = NULL;
  errno = 0;
  if (s[0] < '0' || s[0] > '9') return -1;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0') return -1;
  *out = v;
  return 0;
}

/* ---- fetch ---- */

int cmd_audit_fetch(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *since_s = NULL, *out = NULL;
  const cli_opt opts[] = {
      {"--since", "N", "start a new entries file at entry N (default: continue the file)",
       &since_s, NULL, false},
      {"--out", "FILE", "entries file (default <identity>/audit/entries.bin)", &out, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "", &npos, &status) != 0) return status;
  if (npos != 0) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[1]);
  uint64_t since = 0;
  if (since_s != NULL && parse_u64(since_s, &since) != 0)
    return cli_usage_error(&ctx, "--since takes an entry number");
  audit_paths p;
  if (paths_init(&ctx, out, &p) != 0) return cli_fail("path too long");
  char err[512];
  if (client_config_mkdir(p.dir, err, sizeof err) != 0) return cli_fail("%s", err);

  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  int rc = CLI_FAIL;
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  const msgpack_object *res = NULL;
  sv_request req;
  efile e = {0};
  FILE *af = NULL;
  char *note = NULL;
  progress pg = {0};

  /* 1. The latest checkpoint (verified by `verify`, offline). */
  sv_request_init(&req, 0, SV_OP_AUDIT_CHECKPOINT);
  if (call(s, &req, &resp, &res) != 0) goto out;
  const char *np;
  size_t nlen;
  uint64_t size = 0;
  if (sv_map_str(res, "checkpoint", &np, &nlen) != 0 || sv_map_uint(res, "size", &size) != 0) {
    cli_fail("audit.checkpoint: malformed result");
    goto out;
  }
  note = malloc(nlen + 1);
  if (note == NULL) goto out;
  memcpy(note, np, nlen);
  note[nlen] = '\0';

  /* 2. Where to start: continue the file, or a new file at --since (default 0). */
  uint64_t start = since;
  bool fresh = since_s != NULL;
  if (!fresh) {
    if (efile_open(p.entries, &e, err, sizeof err) == 0) {
      int64_t n = efile_count(&e);
      fclose(e.f);
      e.f = NULL;
      if (n < 0) {
        cli_fail("%s is damaged; fetch again with --since 0", p.entries);
        goto out;
      }
      start = e.start + (uint64_t)n;
    } else if (errno == ENOENT) {
      fresh = true;
      start = 0;
    } else {
      cli_fail("%s", err);
      goto out;
    }
  }
  if (start > size) {
    if (fresh) {
      cli_fail("--since %llu is beyond the server's checkpoint (size %llu)",
               (unsigned long long)start, (unsigned long long)size);
      goto out;
    }
    /* We hold more than the server signs now: keep our copy; `verify` reports it. */
    fprintf(stderr, "samvirke: warning: the server's checkpoint (size %llu) is smaller than the "
            "%llu entries already fetched\n", (unsigned long long)size, (unsigned long long)start);
  }
  if (fresh) {
    merkle_frontier fr;
    merkle_frontier_init(&fr);
    if (start > 0) {
      sv_request_init(&req, 0, SV_OP_AUDIT_INCLUSION);
      sv_request_set_uint(&req, SV_F_SEQ, start - 1);
      sv_request_set_uint(&req, SV_F_SIZE, start);
      msgpack_unpacked_destroy(&resp);
      if (call(s, &req, &resp, &res) != 0) goto out;
      tlog_proof proof;
      uint8_t leaf[32];
      const uint8_t *ep;
      size_t elen;
      if (tlog_proof_answer(res, "proof", &proof) != 0 ||
          sv_map_bin(res, "entry", &ep, &elen) != 0) {
        cli_fail("audit.inclusion: malformed result");
        goto out;
      }
      merkle_leaf_hash(ep, elen, leaf);
      if (frontier_from_last(start, leaf, (const uint8_t(*)[32])proof.hash, proof.n, &fr) != 0) {
        cli_fail("audit.inclusion: proof of the wrong length");
        goto out;
      }
    }
    if (efile_create(p.entries, &fr, err, sizeof err) != 0) {
      cli_fail("%s", err);
      goto out;
    }
  }

  /* 3. The entries [start, size). */
  af = fopen(p.entries, "ab");
  if (af == NULL) {
    cli_fail("%s: %s", p.entries, strerror(errno));
    goto out;
  }
  uint64_t next = start;
  progress_start(&pg, "fetching", size > start ? size - start : 0);
  while (next < size) {
    sv_request_init(&req, 0, SV_OP_AUDIT_ENTRIES);
    sv_request_set_uint(&req, SV_F_START, next);
    sv_request_set_uint(&req, SV_F_COUNT, FETCH_BATCH);
    msgpack_unpacked_destroy(&resp);
    if (call(s, &req, &resp, &res) != 0) goto out;
    const msgpack_object *arr = sv_map_get(res, "entries");
    uint64_t got_start = 0;
    if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY ||
        sv_map_uint(res, "start", &got_start) != 0 || got_start != next) {
      cli_fail("audit.entries: malformed result");
      goto out;
    }
    if (arr->via.array.size == 0) break;
    for (uint32_t i = 0; i < arr->via.array.size && next < size; i++) {
      const msgpack_object *b = &arr->via.array.ptr[i];
      if (b->type != MSGPACK_OBJECT_BIN || b->via.bin.size == 0 || b->via.bin.size > ENTRY_MAX) {
        cli_fail("audit.entries: entry %llu is not a binary entry", (unsigned long long)next);
        goto out;
      }
      uint8_t l[4];
      put_be(l, b->via.bin.size, 4);
      if (fwrite(l, 1, 4, af) != 4 ||
          fwrite(b->via.bin.ptr, 1, b->via.bin.size, af) != b->via.bin.size) {
        cli_fail("%s: cannot write", p.entries);
        goto out;
      }
      next++;
    }
    progress_update(&pg, next - start);
  }
  progress_end(&pg);
  if (fflush(af) != 0 || fsync(fileno(af)) != 0 || fclose(af) != 0) {
    af = NULL;
    cli_fail("%s: cannot write", p.entries);
    goto out;
  }
  af = NULL;

  /* 4. A consistency proof from the trusted checkpoint, for `verify` when the entries file
   * does not reach back to it. */
  note_verifier v;
  checkpoint trusted;
  bool have_trusted = tlog_key_parse(cfg.log_key, &v, err, sizeof err) == 0 &&
                      trusted_load(cfg.dir, &v, &trusted, err, sizeof err) == 1;
  unlink(p.consistency);
  if (have_trusted && trusted.size > 0 && trusted.size < size) {
    sv_request_init(&req, 0, SV_OP_AUDIT_CONSISTENCY);
    sv_request_set_uint(&req, SV_F_OLD_SIZE, trusted.size);
    sv_request_set_uint(&req, SV_F_SIZE, size);
    msgpack_unpacked_destroy(&resp);
    if (call(s, &req, &resp, &res) != 0) goto out;
    tlog_proof proof;
    if (tlog_proof_answer(res, "proof", &proof) != 0) {
      cli_fail("audit.consistency: malformed result");
      goto out;
    }
    char text[128 + MERKLE_MAX_PROOF * 48];
    int off = snprintf(text, sizeof text, "%s%llu %llu\n", CONS_MAGIC,
                       (unsigned long long)trusted.size, (unsigned long long)size);
    for (size_t i = 0; i < proof.n; i++) {
      char *b = util_b64(proof.hash[i], 32);
      if (b == NULL) goto out;
      off += snprintf(text + off, sizeof text - (size_t)off, "%s\n", b);
      free(b);
    }
    if (util_write_file(p.consistency, text, (size_t)off, 0600) != 0) {
      cli_fail("%s: %s", p.consistency, strerror(errno));
      goto out;
    }
  }
  if (util_write_file(p.checkpoint, note, strlen(note), 0600) != 0) {
    cli_fail("%s: %s", p.checkpoint, strerror(errno));
    goto out;
  }
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "file", p.entries);
    json_kv_uint(&j, "fetched", next - start);
    json_kv_uint(&j, "start", start);
    json_kv_uint(&j, "size", size);
    json_end_object(&j);
    if (json_finish(&j) != 0) goto out;
  } else {
    printf("fetched %llu entries (%llu..%llu) into %s; checkpoint size %llu\n",
           (unsigned long long)(next - start), (unsigned long long)start,
           (unsigned long long)(next ? next - 1 : 0), p.entries, (unsigned long long)size);
  }
  rc = CLI_OK;
out:
  if (af) fclose(af);
  free(note);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}

/* ---- verify ---- */

/* Read FILE.consistency: returns 0 and fills old/new/proof, 1 if absent, -1 if malformed. */
static int read_consistency(const char *path, uint64_t *old, uint64_t *nsize, tlog_proof *proof) {
  size_t len = 0;
  uint8_t *buf = util_read_file(path, 64 * 1024, &len);
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

/* What one pass of `verify` found. */
typedef struct verify_result {
  int problems;
  uint64_t start, checked;
  bool have_trusted;
  checkpoint tr;
  int outcome; /* trusted_accept's, when problems == 0 */
} verify_result;

/* One pass of `verify` over the files in p against the checkpoint cp (its text note): the entries
 * must reproduce cp's root; then cp moves the trusted checkpoint (trusted_accept) with the root
 * recomputed at the trusted size, or the stored consistency proof, as the link. Problems are
 * printed as found and counted in r. */
static void verify_pass(const audit_paths *p, const char *dir, const note_verifier *v,
                        const checkpoint *cp, const char *note, verify_result *r) {
  char err[800];
  memset(r, 0, sizeof *r);
  r->outcome = TRUSTED_ERR;
  int tl = trusted_load(dir, v, &r->tr, err, sizeof err);
  if (tl < 0) {
    cli_fail("the trusted checkpoint does not verify (edited?): %s", err);
    r->problems++;
  }
  r->have_trusted = tl == 1;
  efile e;
  if (efile_open(p->entries, &e, err, sizeof err) != 0) {
    cli_fail("%s", err);
    r->problems++;
    return;
  }
  r->start = e.start;
  uint8_t buf[ENTRY_MAX], root[32];
  size_t len;
  merkle_frontier fr = e.fr;
  trusted_link link = {0};
  if (r->have_trusted && fr.size == r->tr.size) {
    link.has_prefix = true;
    link.prefix_size = fr.size;
    merkle_frontier_root(&fr, link.prefix_root);
  }
  progress pg;
  progress_start(&pg, "verifying", cp->size > e.start ? cp->size - e.start : 0);
  int nr;
  while ((nr = efile_next(&e, buf, &len)) == 1) {
    audit_entry ae;
    if (fr.size >= cp->size) {
      cli_fail("%s holds entries beyond the checkpoint's size %llu", p->entries,
               (unsigned long long)cp->size);
      r->problems++;
      break;
    }
    if (audit_entry_decode(buf, len, &ae) != AUDIT_OK) {
      cli_fail("entry %llu is not a canonical audit entry", (unsigned long long)fr.size);
      r->problems++;
    } else if (ae.seq != fr.size) {
      cli_fail("entry at position %llu carries sequence number %llu (reordered)",
               (unsigned long long)fr.size, (unsigned long long)ae.seq);
      r->problems++;
    }
    uint8_t leaf[32];
    merkle_leaf_hash(buf, len, leaf);
    merkle_frontier_append(&fr, leaf, NULL, NULL);
    if (r->have_trusted && fr.size == r->tr.size) {
      link.has_prefix = true;
      link.prefix_size = fr.size;
      merkle_frontier_root(&fr, link.prefix_root);
    }
    if (r->problems > 20) {
      cli_fail("too many problems; stopping");
      break;
    }
    progress_update(&pg, fr.size - e.start);
  }
  progress_end(&pg);
  if (nr < 0) {
    cli_fail("%s is truncated or damaged after entry %llu", p->entries,
             (unsigned long long)fr.size);
    r->problems++;
  }
  fclose(e.f);
  r->checked = fr.size - e.start;
  if (fr.size != cp->size) {
    cli_fail("the entries cover %llu..%llu but the checkpoint is for size %llu",
             (unsigned long long)e.start, (unsigned long long)(fr.size ? fr.size - 1 : 0),
             (unsigned long long)cp->size);
    r->problems++;
  } else {
    merkle_frontier_root(&fr, root);
    if (sodium_memcmp(root, cp->root, 32) != 0) {
      cli_fail("the root recomputed from the entries does not match the signed checkpoint "
               "(size %llu): an entry was changed, removed, added or reordered",
               (unsigned long long)cp->size);
      r->problems++;
    }
  }
  if (r->problems) return;
  /* The entries are bound to cp's root: cp may now move the trusted checkpoint. */
  tlog_proof cons;
  uint64_t o = 0, nsz = 0;
  if (r->have_trusted && read_consistency(p->consistency, &o, &nsz, &cons) == 0 &&
      o == r->tr.size && nsz == cp->size)
    link.proof = &cons;
  r->outcome = trusted_accept(dir, v, r->have_trusted ? &r->tr : NULL, cp, note,
                              strlen(note), &link, err, sizeof err);
  if (r->outcome == TRUSTED_ERR_STALE) return;
  if (r->outcome < 0) {
    cli_fail("%s%s", err,
             r->outcome == TRUSTED_ERR_ROLLBACK
                 ? " (if it was trusted after this fetch, by 'audit prove' or 'member verify', "
                   "fetch again)"
             : r->outcome == TRUSTED_ERR_NO_PROOF ? ": run 'samvirke audit fetch' again"
                                                  : "");
    r->problems++;
  }
}

int cmd_audit_verify(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "[FILE]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  audit_paths p;
  if (paths_init(&ctx, npos ? argv[1] : NULL, &p) != 0) return cli_fail("path too long");
  client_config cfg;
  note_verifier v;
  if (load_log_key(&ctx, &cfg, &v) != 0) return CLI_FAIL;

  char err[800];
  checkpoint cp;
  char *note = NULL;
  int rd = tlog_checkpoint_read(p.checkpoint, &v, &cp, &note, err, sizeof err);
  if (rd != 1) {
    if (rd == 0) return cli_fail("%s: no fetched checkpoint: run 'samvirke audit fetch'",
                                 p.checkpoint);
    return cli_fail("checkpoint does not verify with the log key: %s", err);
  }
  verify_result r;
  for (int attempt = 0;; attempt++) {
    verify_pass(&p, cfg.dir, &v, &cp, note, &r);
    if (r.outcome != TRUSTED_ERR_STALE) break;
    if (attempt + 1 == TRUSTED_RETRIES) {
      cli_fail("the trusted checkpoint keeps changing (another samvirke of this identity); "
               "verify again");
      r.problems++;
      break;
    }
  }
  free(note);
  if (r.problems) return CLI_FAIL;
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_bool(&j, "ok", true);
    json_kv_uint(&j, "size", cp.size);
    json_kv_uint(&j, "checked", r.checked);
    json_key(&j, "previous_trusted");
    if (r.have_trusted) json_uint(&j, r.tr.size); else json_null(&j);
    json_end_object(&j);
    if (json_finish(&j) != 0) return CLI_FAIL;
  } else {
    char hex[65];
    util_hex(hex, cp.root, 32);
    printf("verified: %llu entries (%llu..%llu), root %s, signed checkpoint size %llu",
           (unsigned long long)r.checked, (unsigned long long)r.start,
           (unsigned long long)(cp.size ? cp.size - 1 : 0), hex, (unsigned long long)cp.size);
    if (r.have_trusted)
      printf(", consistent with the trusted checkpoint (size %llu)\n",
             (unsigned long long)r.tr.size);
    else
      printf("; now trusted\n");
  }
  return CLI_OK;
}

/* ---- show ---- */

static void format_time(uint64_t ms, char out[32]) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, 32 - n, ".%03uZ", (unsigned)(ms % 1000));
}

static void json_entry(json_out *j, const audit_entry *e) {
  char t[32], pol[65];
  format_time(e->time_ms, t);
  util_hex(pol, e->policy, 32);
  json_begin_object(j);
  json_kv_uint(j, "seq", e->seq);
  json_kv_uint(j, "time_ms", e->time_ms);
  json_kv_str(j, "time", t);
  json_kv_str(j, "actor", e->actor);
  json_kv_str(j, "role", e->role);
  json_kv_str(j, "op", e->op);
  json_kv_str(j, "class", e->data_class);
  json_kv_str(j, "object", e->object);
  json_kv_str(j, "decision", e->decision == AUDIT_PERMIT ? "permit" : "deny");
  json_kv_str(j, "rule", e->rule);
  json_kv_str(j, "purpose", e->purpose);
  json_kv_str(j, "policy", pol);
  json_end_object(j);
}

static void print_entry(const audit_entry *e) {
  char t[32];
  format_time(e->time_ms, t);
  char line[2048];
  int n = snprintf(line, sizeof line, "#%llu %s %s %s %s %s %s %s %s%s%s",
                   (unsigned long long)e->seq, t, e->decision == AUDIT_PERMIT ? "permit" : "DENY",
                   e->actor, e->role, e->op, e->data_class, e->object[0] ? e->object : "-",
                   e->rule, e->purpose[0] ? " purpose=" : "", e->purpose);
  if (n < 0) return;
  cli_print_text(stdout, line, strlen(line));
  putchar('\n');
}

int cmd_audit_show(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *actor = NULL, *op = NULL, *decision = NULL, *since_s = NULL, *file = NULL;
  const cli_opt opts[] = {
      {"--actor", "KEYID", "only entries by this key id (or its prefix)", &actor, NULL, false},
      {"--op", "OP", "only this op (e.g. audit.entries)", &op, NULL, false},
      {"--decision", "deny|permit", "only denials or only permits", &decision, NULL, false},
      {"--since", "TIME", "only entries at or after TIME (see Times below)", &since_s, NULL,
       false},
      {"--file", "FILE", "entries file (default <identity>/audit/entries.bin)", &file, NULL,
       false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "", &npos, &status) != 0) return status;
  if (npos != 0) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[1]);
  int want_dec = -1;
  if (decision != NULL) {
    if (strcmp(decision, "deny") == 0)
      want_dec = AUDIT_DENY;
    else if (strcmp(decision, "permit") == 0)
      want_dec = AUDIT_PERMIT;
    else
      return cli_usage_error(&ctx, "--decision takes deny or permit");
  }
  uint64_t since = 0;
  char terr[200];
  if (since_s != NULL &&
      timearg_parse_time(since_s, util_unix_ms(), TIMEARG_BACK, &since, terr, sizeof terr) != 0)
    return cli_usage_error(&ctx, "--since takes a time: %s", terr);
  audit_paths p;
  if (paths_init(&ctx, file, &p) != 0) return cli_fail("path too long");
  char err[600];
  efile e;
  if (efile_open(p.entries, &e, err, sizeof err) != 0) {
    if (errno == ENOENT) return cli_fail("%s: nothing fetched yet: run 'samvirke audit fetch'",
                                         p.entries);
    return cli_fail("%s", err);
  }
  json_out j;
  if (ctx.json) {
    json_init(&j, stdout);
    json_begin_object(&j);
    json_key(&j, "entries");
    json_begin_array(&j);
  }
  uint8_t buf[ENTRY_MAX];
  size_t len;
  int nr, rc = CLI_OK;
  uint64_t pos = e.start, shown = 0;
  while ((nr = efile_next(&e, buf, &len)) == 1) {
    audit_entry ae;
    if (audit_entry_decode(buf, len, &ae) != AUDIT_OK) {
      fprintf(stderr, "samvirke: entry at position %llu is not a canonical entry (skipped)\n",
              (unsigned long long)pos);
      pos++;
      continue;
    }
    pos++;
    if (actor && strncmp(ae.actor, actor, strlen(actor)) != 0) continue;
    if (op && strcmp(ae.op, op) != 0) continue;
    if (want_dec >= 0 && (int)ae.decision != want_dec) continue;
    if (ae.time_ms < since) continue;
    shown++;
    if (ctx.json)
      json_entry(&j, &ae);
    else
      print_entry(&ae);
  }
  fclose(e.f);
  if (nr < 0) rc = cli_fail("%s is truncated or damaged after entry %llu", p.entries,
                            (unsigned long long)pos);
  if (ctx.json) {
    json_end_array(&j);
    json_kv_uint(&j, "shown", shown);
    json_end_object(&j);
    if (json_finish(&j) != 0) rc = CLI_FAIL;
  }
  return rc;
}

/* ---- prove ---- */

/* What one round of `prove` learnt. */
typedef struct prove_result {
  audit_entry entry;
  checkpoint cp;
  size_t nproof;
  int outcome; /* trusted_accept's */
} prove_result;

/* One round of `prove`: read the trusted checkpoint, ask for the inclusion proof of entry seq
 * (with the consistency proof from the trusted size), verify it and move the trusted
 * checkpoint. Returns 0 with r filled, TRUSTED_ERR_STALE when another client of this identity
 * moved the trusted checkpoint meanwhile (ask again), or -1 after printing why. */
static int prove_round(session *s, const char *dir, const note_verifier *v, uint64_t seq,
                       prove_result *r) {
  char err[800];
  checkpoint tr;
  int have_tr = trusted_load(dir, v, &tr, err, sizeof err);
  if (have_tr < 0) {
    cli_fail("%s (edited?)", err);
    return -1;
  }
  int rc = -1;
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  const msgpack_object *res = NULL;
  sv_request req;
  /* One call: the proof, the entry, the latest signed checkpoint and the consistency proof from
   * the trusted size. It works for any member on their own entries (policy: read session). */
  sv_request_init(&req, 0, SV_OP_AUDIT_INCLUSION);
  sv_request_set_uint(&req, SV_F_SEQ, seq);
  if (have_tr == 1) sv_request_set_uint(&req, SV_F_OLD_SIZE, tr.size);
  if (call(s, &req, &resp, &res) != 0) goto out;
  const char *np;
  size_t nlen;
  uint64_t size = 0;
  if (sv_map_str(res, "checkpoint", &np, &nlen) != 0 || sv_map_uint(res, "size", &size) != 0) {
    cli_fail("audit.inclusion: the server sent no checkpoint with the proof");
    goto out;
  }
  if (tlog_checkpoint_answer(res, v, &r->cp, &np, &nlen, err, sizeof err) != 0) {
    cli_fail("%s", err);
    goto out;
  }
  if (r->cp.size != size) {
    cli_fail("audit.inclusion: the proof is for size %llu but the checkpoint for size %llu",
             (unsigned long long)size, (unsigned long long)r->cp.size);
    goto out;
  }
  tlog_proof proof, cons;
  uint8_t leaf[32];
  const uint8_t *ep;
  size_t elen;
  int cr = tlog_proof_answer(res, "consistency", &cons);
  if (tlog_proof_answer(res, "proof", &proof) != 0 || sv_map_bin(res, "entry", &ep, &elen) != 0 ||
      cr < 0) {
    cli_fail("audit.inclusion: malformed result");
    goto out;
  }
  r->nproof = proof.n;
  if (audit_entry_decode(ep, elen, &r->entry) != AUDIT_OK || r->entry.seq != seq) {
    cli_fail("the server returned an entry that is not entry %llu", (unsigned long long)seq);
    goto out;
  }
  merkle_leaf_hash(ep, elen, leaf);
  if (!merkle_verify_inclusion(leaf, seq, r->cp.size, (const uint8_t(*)[32])proof.hash, proof.n,
                               r->cp.root)) {
    cli_fail("the inclusion proof of entry %llu does not verify against the signed checkpoint "
             "(size %llu)", (unsigned long long)seq, (unsigned long long)r->cp.size);
    goto out;
  }
  /* The checkpoint must extend the one this client trusts; then it is trusted (trust on first
   * use when there is none). */
  trusted_link link = {.proof = cr == 0 ? &cons : NULL};
  r->outcome = trusted_accept(dir, v, have_tr == 1 ? &tr : NULL, &r->cp, np, nlen, &link, err,
                              sizeof err);
  if (r->outcome == TRUSTED_ERR_STALE) {
    rc = TRUSTED_ERR_STALE;
  } else if (r->outcome < 0) {
    cli_fail("%s", err);
  } else {
    rc = 0;
  }
out:
  msgpack_unpacked_destroy(&resp);
  return rc;
}

int cmd_audit_prove(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "SEQ", &npos, &status) != 0) return status;
  uint64_t seq = 0;
  if (npos != 1 || parse_u64(argv[1], &seq) != 0)
    return cli_usage_error(&ctx, "prove takes one entry number (the \"audit\" of a response)");
  client_config cfg;
  note_verifier v;
  if (load_log_key(&ctx, &cfg, &v) != 0) return CLI_FAIL;
  char err[800];
  checkpoint tr;
  if (trusted_load(cfg.dir, &v, &tr, err, sizeof err) < 0) return cli_fail("%s (edited?)", err);
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  prove_result r;
  int pr;
  for (int attempt = 0;; attempt++) {
    pr = prove_round(s, cfg.dir, &v, seq, &r);
    if (pr != TRUSTED_ERR_STALE) break;
    if (attempt + 1 == TRUSTED_RETRIES) {
      pr = cli_fail("the trusted checkpoint keeps changing (another samvirke of this identity); "
                    "prove again");
      break;
    }
  }
  session_close(s);
  if (pr != 0) return CLI_FAIL;
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_bool(&j, "ok", true);
    json_kv_uint(&j, "size", r.cp.size);
    json_kv_uint(&j, "proof_hashes", r.nproof);
    json_key(&j, "entry");
    json_entry(&j, &r.entry);
    json_end_object(&j);
    if (json_finish(&j) != 0) return CLI_FAIL;
  } else {
    printf("entry %llu is in the log: inclusion proof verified against the signed checkpoint "
           "(size %llu), %s\n", (unsigned long long)seq, (unsigned long long)r.cp.size,
           r.outcome == TRUSTED_FIRST ? "now trusted (first checkpoint this client has seen)"
           : r.outcome == TRUSTED_SAME ? "the checkpoint this client trusts"
                                       : "consistent with the checkpoint this client trusted");
    print_entry(&r.entry);
  }
  return CLI_OK;
}
