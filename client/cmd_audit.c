/* cmd_audit.c -- `samvirke audit fetch|verify|show|prove`: the auditor's copy of the audit trail,
 * verified offline with nothing but the log's verifier key.
 *
 * fetch keeps the files of audit_file.h up to date; verify checks them (audit_trail.h, with the
 * checks of audit_verify.h) and then moves the trusted checkpoint (trusted.h) with the root it
 * recomputed at the trusted size when the entries reach back to it (START <= T), otherwise with
 * the stored consistency proof; show lists entries through audit_filter.h; prove checks one
 * entry's inclusion proof and moves the trusted checkpoint along the server's consistency
 * proof, as `member verify` does. */
#include "cmd_audit.h"
#include "cmd_audit_report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit_entry.h"
#include "audit_file.h"
#include "audit_filter.h"
#include "audit_print.h"
#include "audit_trail.h"
#include "audit_verify.h"
#include "checkpoint.h"
#include "cmdutil.h"
#include "codec.h"
#include "json.h"
#include "merkle.h"
#include "progress.h"
#include "timearg.h"
#include "tlog.h"
#include "trusted.h"
#include "util.h"

#define FETCH_BATCH 1000 /* entries asked for per audit.entries call */

const cli_cmd cmd_audit_table[] = {
    {"fetch", cmd_audit_fetch, "download new audit entries and the latest signed checkpoint", NULL,
     NULL},
    {"verify", cmd_audit_verify, "verify the fetched trail offline against the log key", NULL,
     NULL},
    {"show", cmd_audit_show, "list fetched audit entries, with filters", NULL, TIMEARG_HELP_BACK},
    {"prove", cmd_audit_prove, "fetch and verify the inclusion proof of one entry", NULL, NULL},
    {"report", cmd_audit_report, "who did what over a period, by name, from the verified trail",
     NULL, TIMEARG_HELP_BACK},
    {NULL, NULL, NULL, NULL, NULL},
};

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

/* Send req over s (freeing req) and wait for its result map into resp (destroyed first; the
 * caller destroys it in the end) and *res. On failure prints the error and returns -1. */
static int call(session *s, sv_request *req, msgpack_unpacked *resp, const msgpack_object **res) {
  char err[512];
  const char *name = sv_op_name(req->op);
  msgpack_unpacked_destroy(resp);
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

/* Where fetch starts: *start is the first entry to ask for, after the entries already in
 * p->entries, or at since (a new file, when since_s is given, or no file exists yet: *fresh).
 * size is the server's checkpoint size. Returns 0, or -1 after printing why. */
static int fetch_start(const audit_paths *p, const char *since_s, uint64_t since, uint64_t size,
                       uint64_t *start, bool *fresh) {
  char err[600];
  *start = since;
  *fresh = since_s != NULL;
  if (!*fresh) {
    audit_file af;
    if (audit_file_open(p->entries, &af, err, sizeof err) == 0) {
      int64_t n = audit_file_count(&af);
      audit_file_close(&af);
      if (n < 0) {
        cli_fail("%s is damaged; fetch again with --since 0", p->entries);
        return -1;
      }
      *start = af.start + (uint64_t)n;
    } else if (errno == ENOENT) {
      *fresh = true;
      *start = 0;
    } else {
      cli_fail("%s", err);
      return -1;
    }
  }
  if (*start > size) {
    if (*fresh) {
      cli_fail("--since %llu is beyond the server's checkpoint (size %llu)",
               (unsigned long long)*start, (unsigned long long)size);
      return -1;
    }
    /* We hold more than the server signs now: keep our copy; `verify` reports it. */
    fprintf(stderr, "samvirke: warning: the server's checkpoint (size %llu) is smaller than the "
            "%llu entries already fetched\n", (unsigned long long)size, (unsigned long long)*start);
  }
  return 0;
}

/* Create a new entries file at start: its frontier comes from the inclusion proof of entry
 * start-1 (none for 0), authenticated later when `verify` recomputes the signed root.
 * Returns 0, or -1 after printing why. */
static int fetch_create(session *s, const audit_paths *p, uint64_t start,
                        msgpack_unpacked *resp) {
  merkle_frontier fr;
  merkle_frontier_init(&fr);
  if (start > 0) {
    const msgpack_object *res = NULL;
    sv_request req;
    sv_request_init(&req, 0, SV_OP_AUDIT_INCLUSION);
    sv_request_set_uint(&req, SV_F_SEQ, start - 1);
    sv_request_set_uint(&req, SV_F_SIZE, start);
    if (call(s, &req, resp, &res) != 0) return -1;
    tlog_proof proof;
    uint8_t leaf[32];
    const uint8_t *ep;
    size_t elen;
    if (tlog_proof_answer(res, "proof", &proof) != 0 ||
        sv_map_bin(res, "entry", &ep, &elen) != 0) {
      cli_fail("audit.inclusion: malformed result");
      return -1;
    }
    merkle_leaf_hash(ep, elen, leaf);
    if (audit_verify_frontier_from_last(start, leaf, &proof, &fr) != 0) {
      cli_fail("audit.inclusion: proof of the wrong length");
      return -1;
    }
  }
  char err[600];
  if (audit_file_create(p->entries, &fr, err, sizeof err) != 0) {
    cli_fail("%s", err);
    return -1;
  }
  return 0;
}

/* Append the entries [start, size) to p->entries, synced. *next is the first entry not
 * fetched. Returns 0, or -1 after printing why. */
static int fetch_entries(session *s, const audit_paths *p, uint64_t start, uint64_t size,
                         msgpack_unpacked *resp, uint64_t *next) {
  *next = start;
  FILE *f = fopen(p->entries, "ab");
  if (f == NULL) {
    cli_fail("%s: %s", p->entries, strerror(errno));
    return -1;
  }
  progress pg;
  progress_start(&pg, "fetching", size > start ? size - start : 0);
  int rc = -1;
  while (*next < size) {
    const msgpack_object *res = NULL;
    sv_request req;
    sv_request_init(&req, 0, SV_OP_AUDIT_ENTRIES);
    sv_request_set_uint(&req, SV_F_START, *next);
    sv_request_set_uint(&req, SV_F_COUNT, FETCH_BATCH);
    if (call(s, &req, resp, &res) != 0) goto out;
    const msgpack_object *arr = sv_map_get(res, "entries");
    uint64_t got_start = 0;
    if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY ||
        sv_map_uint(res, "start", &got_start) != 0 || got_start != *next) {
      cli_fail("audit.entries: malformed result");
      goto out;
    }
    if (arr->via.array.size == 0) break;
    for (uint32_t i = 0; i < arr->via.array.size && *next < size; i++) {
      const msgpack_object *b = &arr->via.array.ptr[i];
      if (b->type != MSGPACK_OBJECT_BIN || b->via.bin.size == 0 ||
          b->via.bin.size > AUDIT_FILE_ENTRY_MAX) {
        cli_fail("audit.entries: entry %llu is not a binary entry", (unsigned long long)*next);
        goto out;
      }
      if (audit_file_append(f, (const uint8_t *)b->via.bin.ptr, b->via.bin.size) != 0) {
        cli_fail("%s: cannot write", p->entries);
        goto out;
      }
      (*next)++;
    }
    progress_update(&pg, *next - start);
  }
  if (fflush(f) != 0 || fsync(fileno(f)) != 0) {
    cli_fail("%s: cannot write", p->entries);
    goto out;
  }
  rc = 0;
out:
  progress_end(&pg);
  if (fclose(f) != 0 && rc == 0) {
    cli_fail("%s: cannot write", p->entries);
    rc = -1;
  }
  return rc;
}

/* Store the consistency proof from the trusted checkpoint to size, for `verify` when the
 * entries file does not reach back to it (an old proof is removed first). Returns 0, or -1
 * after printing why. */
static int fetch_consistency(session *s, const audit_paths *p, const client_config *cfg,
                             uint64_t size, msgpack_unpacked *resp) {
  char err[600];
  note_verifier v;
  checkpoint trusted;
  bool have_trusted = tlog_key_parse(cfg->log_key, &v, err, sizeof err) == 0 &&
                      trusted_load(cfg->dir, &v, &trusted, err, sizeof err) == 1;
  unlink(p->consistency);
  if (!have_trusted || trusted.size == 0 || trusted.size >= size) return 0;
  const msgpack_object *res = NULL;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_AUDIT_CONSISTENCY);
  sv_request_set_uint(&req, SV_F_OLD_SIZE, trusted.size);
  sv_request_set_uint(&req, SV_F_SIZE, size);
  if (call(s, &req, resp, &res) != 0) return -1;
  tlog_proof proof;
  if (tlog_proof_answer(res, "proof", &proof) != 0) {
    cli_fail("audit.consistency: malformed result");
    return -1;
  }
  if (audit_consistency_write(p->consistency, trusted.size, size, &proof, err, sizeof err) != 0) {
    cli_fail("%s", err);
    return -1;
  }
  return 0;
}

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
  if (audit_paths_init(ctx.identity_dir, out, &p) != 0) return cli_fail("path too long");
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
  char *note = NULL;

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

  /* 2. Where to start; 3. the entries [start, size); 4. the consistency proof. */
  uint64_t start = 0, next = 0;
  bool fresh = false;
  if (fetch_start(&p, since_s, since, size, &start, &fresh) != 0 ||
      (fresh && fetch_create(s, &p, start, &resp) != 0) ||
      fetch_entries(s, &p, start, size, &resp, &next) != 0 ||
      fetch_consistency(s, &p, &cfg, size, &resp) != 0)
    goto out;
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
  free(note);
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  return rc;
}

/* ---- verify ---- */

int cmd_audit_verify(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, NULL, "[FILE]", &npos, &status) != 0) return status;
  if (npos > 1) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[2]);
  audit_paths p;
  if (audit_paths_init(ctx.identity_dir, npos ? argv[1] : NULL, &p) != 0)
    return cli_fail("path too long");
  client_config cfg;
  note_verifier v;
  if (load_log_key(&ctx, &cfg, &v) != 0) return CLI_FAIL;
  checkpoint cp, tr;
  char *note = NULL;
  if (audit_trail_checkpoint(&p, &v, &cp, &note) != 0) return CLI_FAIL;
  audit_trail_result r;
  bool have_tr = false;
  int outcome = TRUSTED_ERR;
  for (int attempt = 0;; attempt++) {
    audit_trail_verify(&p, cfg.dir, &v, &cp, note, NULL, NULL, NULL, &r, &tr, &have_tr, &outcome);
    if (outcome != TRUSTED_ERR_STALE) break;
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
    if (have_tr) json_uint(&j, tr.size); else json_null(&j);
    json_end_object(&j);
    if (json_finish(&j) != 0) return CLI_FAIL;
  } else {
    char hex[65];
    util_hex(hex, cp.root, 32);
    printf("verified: %llu entries (%llu..%llu), root %s, signed checkpoint size %llu",
           (unsigned long long)r.checked, (unsigned long long)r.start,
           (unsigned long long)(cp.size ? cp.size - 1 : 0), hex, (unsigned long long)cp.size);
    if (have_tr)
      printf(", consistent with the trusted checkpoint (size %llu)\n", (unsigned long long)tr.size);
    else
      printf("; now trusted\n");
  }
  return CLI_OK;
}

/* ---- show ---- */

int cmd_audit_show(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  audit_filter_args fa = {0};
  const char *file = NULL;
  const cli_opt opts[] = {
      AUDIT_FILTER_OPTS(fa),
      {"--file", "FILE", "entries file (default <identity>/audit/entries.bin)", &file, NULL,
       false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "", &npos, &status) != 0) return status;
  if (npos != 0) return cli_usage_error(&ctx, "unexpected argument '%s'", argv[1]);
  audit_filter f;
  char err[600];
  if (audit_filter_init(&f, &fa, util_unix_ms(), err, sizeof err) != 0)
    return cli_usage_error(&ctx, "%s", err);
  audit_paths p;
  if (audit_paths_init(ctx.identity_dir, file, &p) != 0) return cli_fail("path too long");
  audit_file af;
  if (audit_file_open(p.entries, &af, err, sizeof err) != 0) {
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
  uint8_t buf[AUDIT_FILE_ENTRY_MAX];
  size_t len;
  int nr, rc = CLI_OK;
  uint64_t pos = af.start, shown = 0;
  while ((nr = audit_file_next(&af, buf, &len)) == 1) {
    audit_entry e;
    if (audit_entry_decode(buf, len, &e) != AUDIT_OK) {
      fprintf(stderr, "samvirke: entry at position %llu is not a canonical entry (skipped)\n",
              (unsigned long long)pos);
      pos++;
      continue;
    }
    pos++;
    if (!audit_filter_match(&f, &e)) continue;
    shown++;
    if (ctx.json)
      audit_print_json(&j, &e);
    else
      audit_print_line(stdout, &e);
  }
  audit_file_close(&af);
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
  if (r->outcome == TRUSTED_ERR_STALE)
    rc = TRUSTED_ERR_STALE;
  else if (r->outcome < 0)
    cli_fail("%s", err);
  else
    rc = 0;
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
    audit_print_json(&j, &r.entry);
    json_end_object(&j);
    if (json_finish(&j) != 0) return CLI_FAIL;
  } else {
    printf("entry %llu is in the log: inclusion proof verified against the signed checkpoint "
           "(size %llu), %s\n", (unsigned long long)seq, (unsigned long long)r.cp.size,
           r.outcome == TRUSTED_FIRST ? "now trusted (first checkpoint this client has seen)"
           : r.outcome == TRUSTED_SAME ? "the checkpoint this client trusts"
                                       : "consistent with the checkpoint this client trusted");
    audit_print_line(stdout, &r.entry);
  }
  return CLI_OK;
}
