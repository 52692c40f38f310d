/* job.c -- allocation and error helpers for request jobs. */
#include "job.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

job *job_new(void) {
  job *j = calloc(1, sizeof *j);
  if (j == NULL) return NULL;
  msgpack_sbuffer_init(&j->result);
  return j;
}

void job_free(job *j) {
  if (j == NULL) return;
  for (job *f = j->follow, *n; f != NULL; f = n) {
    n = f->next;
    job_free(f);
  }
  if (j->decoded || j->req.zone) sv_request_free(&j->req); /* wipes an invite argument */
  if (j->secret_result && j->result.data != NULL) sodium_memzero(j->result.data, j->result.alloc);
  msgpack_sbuffer_destroy(&j->result);
  free(j->effect_data);
  free(j);
}

void job_internal(job *j, const char *op, const char *klass, const char *object,
                  const char *rule) {
  j->internal = true;
  snprintf(j->who.keyid, sizeof j->who.keyid, "-");
  snprintf(j->who.role, sizeof j->who.role, "daemon");
  snprintf(j->op, sizeof j->op, "%s", op);
  snprintf(j->klass, sizeof j->klass, "%s", klass);
  snprintf(j->object, sizeof j->object, "%s", object);
  snprintf(j->rule, sizeof j->rule, "%s", rule);
  j->permit = true;
}

void job_fail(job *j, enum sv_err err, const char *fmt, ...) {
  j->err = err;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(j->errmsg, sizeof j->errmsg, fmt, ap);
  va_end(ap);
}
