/* job.c -- request jobs: allocation, internal entries, errors, and the audit entry of a job. */
#include "job.h"

#include <assert.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Entry salts come from a pool of random bytes filled by one call to the system's generator for
 * SALT_POOL / AUDIT_SALT_LEN entries, instead of a getrandom(2) per entry. The bytes not yet
 * used are secret until their entries exist (a salt known in advance would let a proof's
 * neighbouring leaf be guessed back into its entry), so the pool is secure memory, each salt
 * is wiped from it when taken, and a forked child (which must not repeat its parent's salts)
 * starts with an empty pool. */
#define SALT_POOL 4096
static struct {
  pthread_mutex_t mu;
  uint8_t *bytes; /* sodium_malloc'd on first use, kept for the life of the process */
  size_t left;    /* unused bytes at the end of bytes */
  bool atfork;
} salts = {.mu = PTHREAD_MUTEX_INITIALIZER};

/* In a forked child: no salts of the parent's, and a lock no other thread of the parent holds. */
static void salts_forked(void) {
  salts.left = 0;
  pthread_mutex_init(&salts.mu, NULL);
}

static void take_salt(uint8_t out[AUDIT_SALT_LEN]) {
  pthread_mutex_lock(&salts.mu);
  if (!salts.atfork) salts.atfork = pthread_atfork(NULL, NULL, salts_forked) == 0;
  if (salts.bytes == NULL) salts.bytes = sodium_malloc(SALT_POOL);
  if (salts.bytes == NULL) { /* no secure memory: one call per salt, as without the pool */
    pthread_mutex_unlock(&salts.mu);
    randombytes_buf(out, AUDIT_SALT_LEN);
    return;
  }
  if (salts.left < AUDIT_SALT_LEN) {
    randombytes_buf(salts.bytes, SALT_POOL);
    salts.left = SALT_POOL;
  }
  uint8_t *p = salts.bytes + SALT_POOL - salts.left;
  memcpy(out, p, AUDIT_SALT_LEN);
  sodium_memzero(p, AUDIT_SALT_LEN);
  salts.left -= AUDIT_SALT_LEN;
  pthread_mutex_unlock(&salts.mu);
}

/* Room for a typical answer, allocated here on the loop thread that frees it. */
#define JOB_RESULT_CAP 512

job *job_new(void) {
  job *j = calloc(1, sizeof *j);
  if (j == NULL) return NULL;
  sv_sbuffer_init_cap(&j->result, JOB_RESULT_CAP);
  return j;
}

job *job_internal(const actor *who, const char *op, const char *klass, const char *object,
                  const char *rule) {
  job *j = job_new();
  if (j == NULL) return NULL;
  j->internal = true;
  if (who != NULL) {
    j->who = *who;
  } else {
    snprintf(j->who.keyid, sizeof j->who.keyid, "-");
    snprintf(j->who.role, sizeof j->who.role, "daemon");
  }
  snprintf(j->op, sizeof j->op, "%s", op);
  snprintf(j->klass, sizeof j->klass, "%s", klass);
  snprintf(j->object, sizeof j->object, "%s", object);
  snprintf(j->dec.rule, sizeof j->dec.rule, "%s", rule);
  j->dec.permit = true;
  return j;
}

void job_drop_result(job *j) {
  if (j->secret_result && j->result.data != NULL) sodium_memzero(j->result.data, j->result.alloc);
  msgpack_sbuffer_destroy(&j->result);
  msgpack_sbuffer_init(&j->result);
}

void job_free(job *j) {
  if (j == NULL) return;
  for (job *f = j->follow, *n; f != NULL; f = n) {
    n = f->next;
    job_free(f);
  }
  if (j->decoded || j->req.zone) sv_request_free(&j->req); /* wipes an invite argument */
  job_drop_result(j);
  free(j->op_data);
  free(j->member);
  free(j);
}

void job_fail(job *j, enum sv_err err, const char *fmt, ...) {
  j->err = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(j->errmsg, sizeof j->errmsg, fmt, ap);
  va_end(ap);
}

void job_deny(job *j, enum sv_err err, const char *rule, const char *fmt, ...) {
  j->dec.permit = false;
  snprintf(j->dec.rule, sizeof j->dec.rule, "%s", rule);
  j->dec.rule_name[0] = '\0';
  j->err = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(j->errmsg, sizeof j->errmsg, fmt, ap);
  va_end(ap);
}

/* Copy src into dst (capacity cap) as text an audit entry accepts: valid UTF-8 without
 * control characters, truncated on a character boundary. Anything else becomes '?'. An empty
 * result becomes dflt (when non-NULL). */
static void clean_copy(char *dst, size_t cap, const char *src, const char *dflt) {
  assert(cap > 1);
  size_t o = 0, len = strlen(src);
  for (size_t i = 0; i < len;) {
    unsigned c = (unsigned char)src[i];
    if (c >= 0x20 && c < 0x7f) { /* printable ASCII, the common case: copied as is */
      if (o + 1 > cap - 1) break;
      dst[o++] = (char)c;
      i++;
      continue;
    }
    size_t n = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
    bool ok = i + n <= len && c != '\t' && util_utf8_valid(src + i, n, false) &&
              !(c == 0xc2 && (unsigned char)src[i + 1] < 0xa0); /* C1 controls */
    if (!ok) n = 1;
    size_t w = ok ? n : 1;
    if (o + w > cap - 1) break;
    if (ok)
      memcpy(dst + o, src + i, n);
    else
      dst[o] = '?';
    o += w;
    i += n;
  }
  dst[o] = '\0';
  if (o == 0 && dflt != NULL) snprintf(dst, cap, "%s", dflt);
}

void job_audit_entry(const job *j, audit_entry *e) {
  memset(e, 0, sizeof *e);
  e->version = AUDIT_ENTRY_V2;
  e->time_ms = util_unix_ms();
  /* Everything that may come from a client is cleaned: one odd byte must not make the
   * entry unencodable, which would fail the whole batch. */
  clean_copy(e->actor, sizeof e->actor, j->who.keyid, "-");
  clean_copy(e->role, sizeof e->role, j->who.role, "-");
  clean_copy(e->op, sizeof e->op, j->op, "?");
  clean_copy(e->data_class, sizeof e->data_class, j->klass, "-");
  clean_copy(e->object, sizeof e->object, j->object, NULL);
  e->decision = j->dec.permit ? AUDIT_PERMIT : AUDIT_DENY;
  clean_copy(e->rule, sizeof e->rule, j->dec.rule, "-");
  /* What the request got: its error code, whatever the decision was (a permitted request that
   * a guard or the store refused is logged with that refusal). A denial always carries one. */
  const char *outcome = j->err != SV_OK ? sv_err_code(j->err)
                        : j->dec.permit ? AUDIT_OUTCOME_OK
                                        : sv_err_code(SV_ERR_DENIED);
  snprintf(e->outcome, sizeof e->outcome, "%s", outcome);
  /* A refused purpose is not logged: it may be free text naming a person. */
  clean_copy(e->purpose, sizeof e->purpose, j->code_refused ? "" : j->purpose, NULL);
  memcpy(e->policy, j->policy_hash, 32);
  take_salt(e->salt);
}
