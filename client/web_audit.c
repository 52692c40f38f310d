/* web_audit.c -- the auditor's pages in `samvirke web`: verify the whole log against the log key
 * (in a worker thread with its own session, reporting progress), list refusals and failed
 * outcomes with member names resolved from the key-transparent directory, page through every
 * entry, and prove one entry.
 *
 * Verification recomputes the Merkle root from every entry (RFC 9162) and requires the signed
 * checkpoint's root; entries must be canonical, numbered in order, and never go back in format
 * version. The checkpoint then moves the client's trusted checkpoint (trusted.h), with the
 * recomputed root at the trusted size as the link, so a rolled-back or forked log is refused.
 * What is kept afterwards: one leaf hash per entry (a page fetched later is checked against it),
 * and the bytes of the refusals and failed outcomes. A member's name is shown only after the
 * entry that registered their card is proven under a signed checkpoint (directory_verify_proof)
 * and found, with the same leaf hash, in the verified log. */
#include "web_audit.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_entry.h"
#include "directory.h"
#include "merkle.h"
#include "tlog.h"
#include "trusted.h"
#include "util.h"
#include "web_api.h"
#include "web_app.h"
#include "web_reply.h"

#define FETCH_BATCH 1000
#define NOTABLE_MAX 100000u /* refusals and failures kept for the list */
#define PAGE_MAX 200

/* A notable entry's bytes in the notable buffer. */
typedef struct notable {
  uint64_t seq;
  size_t off;
  uint32_t len;
} notable;

/* A member as the verified directory names them. */
typedef struct audit_name {
  char keyid[CARD_KEYID_HEX];
  char name[CARD_NAME_MAX + 1];
  char role[64];
  bool revoked;
  bool proven;
} audit_name;

/* The outcome of one verification, owned as a whole. */
typedef struct audit_result {
  uint64_t size;
  uint8_t root[32];
  int trusted;                 /* a trusted_outcome */
  uint64_t prev_trusted;       /* the trusted size before, 0 when none */
  uint8_t (*leaves)[32];       /* size leaf hashes */
  uint8_t *nbuf;
  size_t nbuf_len, nbuf_cap;
  notable *nidx;
  size_t nn, ncap;
  bool notable_cut;            /* more than NOTABLE_MAX: the oldest are left out */
  uint64_t permits, denials, failures;
  audit_name *names;
  size_t nnames;
} audit_result;

struct web_audit {
  web_app *app;
  pthread_mutex_t mu;
  pthread_t th;
  bool joinable;
  bool running;
  bool stop;
  char phase[16]; /* "", "checkpoint", "entries", "directory", "done", "failed" */
  uint64_t done, total;
  char error[800];
  audit_result *res; /* the last successful verification, or NULL */
};

static void result_free(audit_result *r) {
  if (r == NULL) return;
  free(r->leaves);
  free(r->nbuf);
  free(r->nidx);
  free(r->names);
  free(r);
}

web_audit *web_audit_new(web_app *app) {
  web_audit *a = calloc(1, sizeof *a);
  if (a == NULL) return NULL;
  a->app = app;
  pthread_mutex_init(&a->mu, NULL);
  return a;
}

void web_audit_free(web_audit *a) {
  if (a == NULL) return;
  pthread_mutex_lock(&a->mu);
  a->stop = true;
  pthread_mutex_unlock(&a->mu);
  if (a->joinable) pthread_join(a->th, NULL);
  result_free(a->res);
  pthread_mutex_destroy(&a->mu);
  free(a);
}

/* ---- the worker ---- */

static void progress(web_audit *a, const char *phase, uint64_t done, uint64_t total) {
  pthread_mutex_lock(&a->mu);
  snprintf(a->phase, sizeof a->phase, "%s", phase);
  a->done = done;
  a->total = total;
  pthread_mutex_unlock(&a->mu);
}

static bool stopping(web_audit *a) {
  pthread_mutex_lock(&a->mu);
  bool s = a->stop;
  pthread_mutex_unlock(&a->mu);
  return s;
}

/* One call on the worker's session; -1 with err on any failure (including "ok": false). */
static int wcall(session *s, sv_request *req, msgpack_unpacked *resp, const msgpack_object **res,
                 char *err, size_t errlen) {
  char why[600];
  int rc = session_call(s, req, resp, why, sizeof why);
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", sv_op_name(req->op), why);
    return -1;
  }
  *res = session_result(resp);
  if (*res == NULL || (*res)->type != MSGPACK_OBJECT_MAP) {
    snprintf(err, errlen, "%s: the server sent no result", sv_op_name(req->op));
    return -1;
  }
  return 0;
}

/* Keep a notable entry's bytes. Returns 0 or -1 (out of memory). */
static int keep_notable(audit_result *r, uint64_t seq, const uint8_t *p, size_t len) {
  if (r->nn == NOTABLE_MAX) { /* forget the oldest half: the newest matter most */
    size_t drop = NOTABLE_MAX / 2, from = r->nidx[drop].off;
    memmove(r->nbuf, r->nbuf + from, r->nbuf_len - from);
    r->nbuf_len -= from;
    memmove(r->nidx, r->nidx + drop, (r->nn - drop) * sizeof *r->nidx);
    r->nn -= drop;
    for (size_t i = 0; i < r->nn; i++) r->nidx[i].off -= from;
    r->notable_cut = true;
  }
  if (r->nbuf_len + len > r->nbuf_cap) {
    size_t nc = r->nbuf_cap ? r->nbuf_cap * 2 : 65536;
    while (nc < r->nbuf_len + len) nc *= 2;
    uint8_t *nb = realloc(r->nbuf, nc);
    if (nb == NULL) return -1;
    r->nbuf = nb;
    r->nbuf_cap = nc;
  }
  if (r->nn == r->ncap) {
    size_t nc = r->ncap ? r->ncap * 2 : 1024;
    notable *ni = realloc(r->nidx, nc * sizeof *ni);
    if (ni == NULL) return -1;
    r->nidx = ni;
    r->ncap = nc;
  }
  memcpy(r->nbuf + r->nbuf_len, p, len);
  r->nidx[r->nn++] = (notable){seq, r->nbuf_len, (uint32_t)len};
  r->nbuf_len += len;
  return 0;
}

/* True for a refusal, or an allowed request that still failed. */
static bool is_notable(const audit_entry *e) {
  return e->decision == AUDIT_DENY ||
         (e->outcome[0] != '\0' && strcmp(e->outcome, AUDIT_OUTCOME_OK) != 0);
}

/* Resolve the directory: every member's card proven under a signed checkpoint, and its
 * registering entry the one at reg_seq in the verified log. Names not proven are kept with
 * proven false. Returns 0 or -1 with err (transport). */
static int resolve_names(web_audit *a, session *s, audit_result *r, char *err, size_t errlen) {
  const client_config *cfg = &a->app->backend.cfg;
  sv_request req;
  msgpack_unpacked resp;
  const msgpack_object *res;
  sv_request_init(&req, 0, SV_OP_MEMBER_LIST);
  int rc = session_call(s, &req, &resp, err, errlen);
  sv_request_free(&req);
  res = rc == 0 ? session_result(&resp) : NULL;
  if (res == NULL || res->type != MSGPACK_OBJECT_ARRAY) {
    if (rc == 0) snprintf(err, errlen, "member.list: the server sent no list");
    msgpack_unpacked_destroy(&resp);
    return -1;
  }
  uint32_t n = res->via.array.size;
  r->names = calloc(n + 1, sizeof *r->names);
  if (r->names == NULL) {
    msgpack_unpacked_destroy(&resp);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  for (uint32_t i = 0; i < n && !stopping(a); i++) {
    const msgpack_object *m = &res->via.array.ptr[i];
    audit_name *an = &r->names[r->nnames];
    const char *kid = NULL;
    size_t kl = 0;
    if (sv_map_str(m, "keyid", &kid, &kl) != 0 || kl >= sizeof an->keyid) continue;
    memcpy(an->keyid, kid, kl);
    an->keyid[kl] = '\0';
    r->nnames++;
    progress(a, "directory", i, n);
    sv_request pr;
    msgpack_unpacked presp;
    sv_request_init(&pr, 0, SV_OP_MEMBER_PROOF);
    char why[600];
    int pc = sv_request_set_str(&pr, SV_F_WHO, an->keyid) == 0
                 ? session_call(s, &pr, &presp, why, sizeof why) : -1;
    if (pc < 0) msgpack_unpacked_init(&presp);
    sv_request_free(&pr);
    directory_trust t;
    if (pc == 0 &&
        directory_verify_proof(session_result(&presp), cfg->log_key, an->keyid, &t, why,
                               sizeof why) == 0 &&
        t.reg_seq < r->size) {
      const uint8_t *entry = NULL;
      size_t elen = 0;
      uint8_t leaf[32];
      if (sv_map_bin(session_result(&presp), "entry", &entry, &elen) == 0) {
        merkle_leaf_hash(entry, elen, leaf);
        if (sodium_memcmp(leaf, r->leaves[t.reg_seq], 32) == 0) {
          an->proven = true;
          snprintf(an->name, sizeof an->name, "%s", t.card.name);
          an->revoked = t.revoked;
        }
      }
    }
    if (!an->proven) { /* the name as the server says, marked unproven */
      const char *nm = NULL;
      size_t nl = 0;
      if (sv_map_str(m, "name", &nm, &nl) == 0 && nl < sizeof an->name) {
        memcpy(an->name, nm, nl);
        an->name[nl] = '\0';
      }
    }
    const char *rl = NULL;
    size_t rll = 0;
    if (sv_map_str(m, "role", &rl, &rll) == 0 && rll < sizeof an->role) {
      memcpy(an->role, rl, rll);
      an->role[rll] = '\0';
    }
    msgpack_unpacked_destroy(&presp);
    if (pc < 0) { /* the session is gone */
      snprintf(err, errlen, "member.proof: %s", why);
      msgpack_unpacked_destroy(&resp);
      return -1;
    }
  }
  msgpack_unpacked_destroy(&resp);
  return 0;
}

/* The whole verification into a new result. Returns it, or NULL with err. */
static audit_result *verify(web_audit *a, char *err, size_t errlen) {
  web_backend *b = &a->app->backend;
  note_verifier v;
  if (tlog_key_parse(b->cfg.log_key, &v, err, errlen) != 0) return NULL;
  audit_result *r = calloc(1, sizeof *r);
  if (r == NULL) {
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  session_params p = {.address = b->cfg.server, .server_pk = b->cfg.server_key,
                      .client_sk = b->id->noise_sk, .max_frame = WEB_BACKEND_FRAME_MAX,
                      .client_name = "samvirke-web/0.1"};
  session *s = session_connect(&p, err, errlen);
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  char *note = NULL;
  if (s == NULL) goto fail;
  progress(a, "checkpoint", 0, 0);
  const msgpack_object *res;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_AUDIT_CHECKPOINT);
  int rc = wcall(s, &req, &resp, &res, err, errlen);
  sv_request_free(&req);
  if (rc != 0) goto fail;
  checkpoint cp;
  const char *np;
  size_t nlen;
  if (tlog_checkpoint_answer(res, &v, &cp, &np, &nlen, err, errlen) != 0) goto fail;
  note = malloc(nlen + 1);
  if (note == NULL) goto nomem;
  memcpy(note, np, nlen);
  note[nlen] = '\0';
  msgpack_unpacked_destroy(&resp);
  msgpack_unpacked_init(&resp);

  checkpoint tr;
  int have_tr = trusted_load(b->cfg.dir, &v, &tr, err, errlen);
  if (have_tr < 0) goto fail;
  r->size = cp.size;
  r->leaves = malloc((cp.size ? cp.size : 1) * sizeof *r->leaves);
  if (r->leaves == NULL) goto nomem;
  merkle_frontier fr;
  merkle_frontier_init(&fr);
  unsigned prev_version = 0;
  while (fr.size < cp.size) {
    if (stopping(a)) {
      snprintf(err, errlen, "stopped");
      goto fail;
    }
    progress(a, "entries", fr.size, cp.size);
    uint64_t want = cp.size - fr.size < FETCH_BATCH ? cp.size - fr.size : FETCH_BATCH;
    sv_request_init(&req, 0, SV_OP_AUDIT_ENTRIES);
    sv_request_set_uint(&req, SV_F_START, fr.size);
    sv_request_set_uint(&req, SV_F_COUNT, want);
    rc = wcall(s, &req, &resp, &res, err, errlen);
    sv_request_free(&req);
    if (rc != 0) goto fail;
    const msgpack_object *arr = sv_map_get(res, "entries");
    if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY || arr->via.array.size == 0) {
      snprintf(err, errlen, "audit.entries: no entries from %llu on, though the checkpoint "
                            "has %llu", (unsigned long long)fr.size, (unsigned long long)cp.size);
      goto fail;
    }
    for (uint32_t i = 0; i < arr->via.array.size && fr.size < cp.size; i++) {
      const msgpack_object *eo = &arr->via.array.ptr[i];
      audit_entry e;
      if (eo->type != MSGPACK_OBJECT_BIN ||
          audit_entry_decode((const uint8_t *)eo->via.bin.ptr, eo->via.bin.size, &e) != AUDIT_OK) {
        snprintf(err, errlen, "entry %llu is not a canonical audit entry",
                 (unsigned long long)fr.size);
        goto fail;
      }
      if (e.seq != fr.size) {
        snprintf(err, errlen, "entry at position %llu carries sequence number %llu (reordered)",
                 (unsigned long long)fr.size, (unsigned long long)e.seq);
        goto fail;
      }
      if (!audit_entry_version_follows(prev_version, e.version)) {
        snprintf(err, errlen, "entry %llu goes back to format version %u",
                 (unsigned long long)e.seq, e.version);
        goto fail;
      }
      prev_version = e.version;
      merkle_leaf_hash((const uint8_t *)eo->via.bin.ptr, eo->via.bin.size, r->leaves[fr.size]);
      if (is_notable(&e) &&
          keep_notable(r, e.seq, (const uint8_t *)eo->via.bin.ptr, eo->via.bin.size) != 0)
        goto nomem;
      if (e.decision == AUDIT_DENY)
        r->denials++;
      else if (is_notable(&e))
        r->failures++;
      else
        r->permits++;
      merkle_frontier_append(&fr, r->leaves[fr.size], NULL, NULL);
    }
    msgpack_unpacked_destroy(&resp);
    msgpack_unpacked_init(&resp);
  }
  progress(a, "entries", fr.size, cp.size);
  merkle_frontier_root(&fr, r->root);
  if (sodium_memcmp(r->root, cp.root, 32) != 0) {
    snprintf(err, errlen, "the root recomputed from the %llu entries does not match the signed "
                          "checkpoint: an entry was changed, removed, added or reordered",
             (unsigned long long)cp.size);
    goto fail;
  }
  /* The entries are bound to cp's root: cp may now move the trusted checkpoint, linked by the
   * recomputed root at the trusted size (another client of this identity may move it
   * meanwhile: then read it again). */
  for (int attempt = 0;; attempt++) {
    trusted_link link = {0};
    if (have_tr == 1 && tr.size <= cp.size) {
      link.has_prefix = true;
      link.prefix_size = tr.size;
      merkle_mem_root((const uint8_t(*)[32])r->leaves, tr.size, link.prefix_root);
    }
    r->prev_trusted = have_tr == 1 ? tr.size : 0;
    r->trusted = trusted_accept(b->cfg.dir, &v, have_tr == 1 ? &tr : NULL, &cp, note,
                                strlen(note), &link, err, errlen);
    if (r->trusted != TRUSTED_ERR_STALE || attempt + 1 == TRUSTED_RETRIES) break;
    have_tr = trusted_load(b->cfg.dir, &v, &tr, err, errlen);
    if (have_tr < 0) goto fail;
  }
  if (r->trusted < 0) goto fail;
  if (resolve_names(a, s, r, err, errlen) != 0) goto fail;
  session_close(s);
  free(note);
  return r;
nomem:
  snprintf(err, errlen, "out of memory");
fail:
  msgpack_unpacked_destroy(&resp);
  session_close(s);
  free(note);
  result_free(r);
  return NULL;
}

static void *worker(void *arg) {
  web_audit *a = arg;
  char err[800] = "";
  audit_result *r = verify(a, err, sizeof err);
  pthread_mutex_lock(&a->mu);
  if (r != NULL) {
    result_free(a->res);
    a->res = r;
    snprintf(a->phase, sizeof a->phase, "done");
    a->done = a->total = r->size;
    a->error[0] = '\0';
  } else {
    snprintf(a->phase, sizeof a->phase, "failed");
    snprintf(a->error, sizeof a->error, "%s", err);
  }
  a->running = false;
  pthread_mutex_unlock(&a->mu);
  return NULL;
}

/* ---- the API ---- */

static const audit_name *name_of(const audit_result *r, const char *keyid) {
  for (size_t i = 0; r && i < r->nnames; i++)
    if (strcmp(r->names[i].keyid, keyid) == 0) return &r->names[i];
  return NULL;
}

/* One entry as JSON, with the actor's name when the directory resolved it. */
static void json_entry(json_out *j, const audit_entry *e, const audit_result *r) {
  json_begin_object(j);
  json_kv_uint(j, "seq", e->seq);
  json_kv_uint(j, "version", e->version);
  json_kv_uint(j, "time_ms", e->time_ms);
  json_kv_str(j, "actor", e->actor);
  const audit_name *n = name_of(r, e->actor);
  json_kv_str(j, "actor_name", n ? n->name : NULL);
  json_kv_bool(j, "actor_proven", n != NULL && n->proven);
  json_kv_str(j, "role", e->role);
  json_kv_str(j, "op", e->op);
  json_kv_str(j, "class", e->data_class);
  json_kv_str(j, "object", e->object);
  json_kv_str(j, "decision", e->decision == AUDIT_PERMIT ? "permit" : "deny");
  json_kv_str(j, "rule", e->rule);
  json_kv_str(j, "outcome", e->outcome);
  json_kv_str(j, "purpose", e->purpose);
  json_end_object(j);
}

/* POST /api/audit/verify: start a verification unless one runs. */
static void api_verify(web_req *r) {
  web_audit *a = web_req_app(r)->audit;
  pthread_mutex_lock(&a->mu);
  if (a->running) {
    pthread_mutex_unlock(&a->mu);
    web_reply_error(r, 409, "web_busy", NULL, "a verification is running already");
    return;
  }
  if (a->joinable) pthread_join(a->th, NULL); /* the last one has finished */
  a->joinable = false;
  a->running = true;
  a->done = a->total = 0;
  a->error[0] = '\0';
  snprintf(a->phase, sizeof a->phase, "checkpoint");
  int tc = pthread_create(&a->th, NULL, worker, a);
  if (tc == 0) a->joinable = true;
  else a->running = false;
  pthread_mutex_unlock(&a->mu);
  if (tc != 0) {
    web_reply_error(r, 500, "web_internal", NULL, "cannot start the verification");
    return;
  }
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) return;
  json_kv_bool(j, "started", true);
  json_end_object(j);
  web_reply_json(r, 200, &w);
}

/* GET /api/audit/status: progress, or the last result's summary. */
static void api_status(web_req *r) {
  web_audit *a = web_req_app(r)->audit;
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) return;
  pthread_mutex_lock(&a->mu);
  json_kv_bool(j, "running", a->running);
  json_kv_str(j, "phase", a->phase);
  json_kv_uint(j, "done", a->done);
  json_kv_uint(j, "total", a->total);
  json_kv_str(j, "error", a->error[0] ? a->error : NULL);
  json_key(j, "verified");
  if (a->res) {
    const audit_result *v = a->res;
    char root[65];
    util_hex(root, v->root, 32);
    json_begin_object(j);
    json_kv_uint(j, "size", v->size);
    json_kv_str(j, "root", root);
    json_kv_str(j, "trusted", v->trusted == TRUSTED_FIRST ? "first"
                              : v->trusted == TRUSTED_SAME ? "same" : "advanced");
    json_kv_uint(j, "previous_trusted", v->prev_trusted);
    json_kv_uint(j, "permits", v->permits);
    json_kv_uint(j, "denials", v->denials);
    json_kv_uint(j, "failures", v->failures);
    json_kv_bool(j, "notable_cut", v->notable_cut);
    json_key(j, "members");
    json_begin_array(j);
    for (size_t i = 0; i < v->nnames; i++) {
      json_begin_object(j);
      json_kv_str(j, "keyid", v->names[i].keyid);
      json_kv_str(j, "name", v->names[i].name);
      json_kv_str(j, "role", v->names[i].role);
      json_kv_bool(j, "proven", v->names[i].proven);
      json_kv_bool(j, "revoked", v->names[i].revoked);
      json_end_object(j);
    }
    json_end_array(j);
    json_end_object(j);
  } else {
    json_null(j);
  }
  json_end_object(j);
  pthread_mutex_unlock(&a->mu);
  web_reply_json(r, 200, &w);
}

/* Parse an optional unsigned query argument; -1 after answering r when malformed. */
static int query_uint(web_req *r, const char *key, uint64_t *out) {
  const char *v = web_req_query(r, key);
  if (v == NULL || v[0] == '\0') return 0;
  char *end = NULL;
  unsigned long long x = strtoull(v, &end, 10);
  if (v[0] < '0' || v[0] > '9' || *end != '\0') {
    web_reply_error(r, 422, "web_number", key, "%s must be a whole number", key);
    return -1;
  }
  *out = x;
  return 0;
}

/* GET /api/audit/entries?show=notable|all&before=SEQ&count=N: newest first. "notable" comes
 * from the verified copy; "all" is fetched from the server and each entry checked against the
 * verified leaf hash of its number. */
static void api_entries(web_req *r) {
  web_audit *a = web_req_app(r)->audit;
  const char *show = web_req_query(r, "show");
  bool all = show != NULL && strcmp(show, "all") == 0;
  uint64_t before = UINT64_MAX, count = 50;
  if (query_uint(r, "before", &before) != 0 || query_uint(r, "count", &count) != 0) return;
  if (count == 0 || count > PAGE_MAX) count = PAGE_MAX;
  pthread_mutex_lock(&a->mu);
  audit_result *v = a->running ? NULL : a->res; /* stable while no verification runs */
  pthread_mutex_unlock(&a->mu);
  if (v == NULL) {
    web_reply_error(r, 409, "web_unverified", NULL, "verify the log first");
    return;
  }
  if (before > v->size) before = v->size;
  msgpack_unpacked resp;
  msgpack_unpacked_init(&resp);
  const msgpack_object *arr = NULL;
  uint64_t start = before > count ? before - count : 0;
  if (all && before > start) {
    sv_request req;
    uint64_t audit;
    sv_request_init(&req, 0, SV_OP_AUDIT_ENTRIES);
    sv_request_set_uint(&req, SV_F_START, start);
    sv_request_set_uint(&req, SV_F_COUNT, before - start);
    int rc = web_api_call(r, &req, true, NULL, &resp, &audit);
    sv_request_free(&req);
    if (rc != 0) return;
    arr = sv_map_get(session_result(&resp), "entries");
    if (arr == NULL || arr->type != MSGPACK_OBJECT_ARRAY) {
      msgpack_unpacked_destroy(&resp);
      web_reply_error(r, 502, "bad_request", NULL, "audit.entries: no entries");
      return;
    }
  }
  web_json w;
  json_out *j = web_reply_ok_begin(r, &w, 0);
  if (j == NULL) {
    msgpack_unpacked_destroy(&resp);
    return;
  }
  json_kv_uint(j, "size", v->size);
  json_key(j, "entries");
  json_begin_array(j);
  uint64_t shown = 0, next = 0;
  if (all) {
    uint32_t n = arr ? arr->via.array.size : 0;
    for (uint32_t k = n; k-- > 0;) {
      const msgpack_object *eo = &arr->via.array.ptr[k];
      audit_entry e;
      uint8_t leaf[32];
      uint64_t seq = start + k;
      if (eo->type != MSGPACK_OBJECT_BIN || seq >= v->size) continue;
      merkle_leaf_hash((const uint8_t *)eo->via.bin.ptr, eo->via.bin.size, leaf);
      if (sodium_memcmp(leaf, v->leaves[seq], 32) != 0 ||
          audit_entry_decode((const uint8_t *)eo->via.bin.ptr, eo->via.bin.size, &e) != AUDIT_OK) {
        json_end_array(j);
        web_json_discard(&w);
        msgpack_unpacked_destroy(&resp);
        web_reply_error(r, 502, "web_tampered", NULL,
                        "entry %llu as the server sends it now differs from the verified one",
                        (unsigned long long)seq);
        return;
      }
      json_entry(j, &e, v);
      shown++;
    }
    next = start;
  } else {
    size_t k = v->nn;
    while (k > 0 && v->nidx[k - 1].seq >= before) k--;
    for (; k > 0 && shown < count; k--, shown++) {
      const notable *nb = &v->nidx[k - 1];
      audit_entry e;
      if (audit_entry_decode(v->nbuf + nb->off, nb->len, &e) == AUDIT_OK) json_entry(j, &e, v);
      next = nb->seq;
    }
    if (k == 0) next = 0;
  }
  json_end_array(j);
  json_kv_uint(j, "next_before", next);
  json_end_object(j);
  msgpack_unpacked_destroy(&resp);
  web_reply_json(r, 200, &w);
}

/* POST /api/audit/prove: seq. The inclusion proof of one entry under the latest signed
 * checkpoint, which must extend the trusted one (and then is trusted). */
static void api_prove(web_req *r) {
  web_app *app = web_req_app(r);
  const char *sv = web_req_form(r, "seq", NULL);
  char *end = NULL;
  uint64_t seq = sv ? strtoull(sv, &end, 10) : 0;
  if (sv == NULL || sv[0] < '0' || sv[0] > '9' || *end != '\0' || strlen(sv) > 19) {
    web_reply_error(r, 422, "web_number", "seq", "give the entry's number (0 or more)");
    return;
  }
  char err[800];
  note_verifier v;
  if (tlog_key_parse(app->backend.cfg.log_key, &v, err, sizeof err) != 0) {
    web_reply_error(r, 422, "web_proof", NULL, "%s", err);
    return;
  }
  for (int attempt = 0; attempt < TRUSTED_RETRIES; attempt++) {
    checkpoint tr, cp;
    int have_tr = trusted_load(app->backend.cfg.dir, &v, &tr, err, sizeof err);
    if (have_tr < 0) {
      web_reply_error(r, 500, "web_proof", NULL, "%s (edited?)", err);
      return;
    }
    sv_request req;
    msgpack_unpacked resp;
    uint64_t audit;
    sv_request_init(&req, 0, SV_OP_AUDIT_INCLUSION);
    sv_request_set_uint(&req, SV_F_SEQ, seq);
    if (have_tr == 1) sv_request_set_uint(&req, SV_F_OLD_SIZE, tr.size);
    int rc = web_api_call(r, &req, true, NULL, &resp, &audit);
    sv_request_free(&req);
    if (rc != 0) return;
    const msgpack_object *res = session_result(&resp);
    const char *np = NULL;
    size_t nlen = 0, elen = 0;
    uint64_t size = 0;
    const uint8_t *ep = NULL;
    tlog_proof proof, cons;
    audit_entry e;
    uint8_t leaf[32];
    int cr = tlog_proof_answer(res, "consistency", &cons);
    if (tlog_checkpoint_answer(res, &v, &cp, &np, &nlen, err, sizeof err) != 0) {
      web_reply_error(r, 502, "web_proof", NULL, "%s", err);
    } else if (sv_map_uint(res, "size", &size) != 0 || size != cp.size ||
               tlog_proof_answer(res, "proof", &proof) != 0 ||
               sv_map_bin(res, "entry", &ep, &elen) != 0 || cr < 0) {
      web_reply_error(r, 502, "web_proof", NULL, "audit.inclusion: malformed result");
    } else if (audit_entry_decode(ep, elen, &e) != AUDIT_OK || e.seq != seq) {
      web_reply_error(r, 502, "web_proof", NULL,
                      "the server returned an entry that is not entry %llu",
                      (unsigned long long)seq);
    } else if (merkle_leaf_hash(ep, elen, leaf),
               !merkle_verify_inclusion(leaf, seq, cp.size, (const uint8_t(*)[32])proof.hash,
                                        proof.n, cp.root)) {
      web_reply_error(r, 502, "web_proof", NULL,
                      "the inclusion proof of entry %llu does not verify against the signed "
                      "checkpoint (size %llu)", (unsigned long long)seq,
                      (unsigned long long)cp.size);
    } else {
      trusted_link link = {.proof = cr == 0 ? &cons : NULL};
      int out = trusted_accept(app->backend.cfg.dir, &v, have_tr == 1 ? &tr : NULL, &cp, np,
                               nlen, &link, err, sizeof err);
      if (out == TRUSTED_ERR_STALE) {
        msgpack_unpacked_destroy(&resp);
        continue;
      }
      if (out < 0) {
        web_reply_error(r, 502, "web_proof", NULL, "%s", err);
      } else {
        web_json w;
        json_out *j = web_reply_ok_begin(r, &w, 0);
        if (j != NULL) {
          pthread_mutex_lock(&app->audit->mu);
          audit_result *vr = app->audit->running ? NULL : app->audit->res;
          pthread_mutex_unlock(&app->audit->mu);
          json_kv_uint(j, "audit", audit);
          json_kv_uint(j, "size", cp.size);
          json_kv_uint(j, "proof_hashes", proof.n);
          json_kv_str(j, "trusted", out == TRUSTED_FIRST ? "first"
                                    : out == TRUSTED_SAME ? "same" : "advanced");
          json_key(j, "entry");
          json_entry(j, &e, vr);
          json_end_object(j);
          web_reply_json(r, 200, &w);
        }
      }
    }
    msgpack_unpacked_destroy(&resp);
    return;
  }
  web_reply_error(r, 503, "web_proof", NULL,
                  "the trusted checkpoint keeps changing (another samvirke of this identity); "
                  "prove again");
}

const web_route web_audit_routes[] = {
    {"/api/audit/verify", WEB_API, WEB_R_CHANGE, api_verify},
    {"/api/audit/status", WEB_API, 0, api_status},
    {"/api/audit/entries", WEB_API, 0, api_entries},
    {"/api/audit/prove", WEB_API, WEB_R_CHANGE, api_prove},
    {NULL, WEB_API, 0, NULL},
};
