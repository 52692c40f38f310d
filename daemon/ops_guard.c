/* ops_guard.c -- the guards and questions the area-data handlers share (loop thread): free text
 * and labels (UTF-8, lengths, CPR-shaped numbers), members named in a request, the core team,
 * times, the meeting track, and policy questions asked ahead for what only storage knows. */
#include "ops_guard.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "ops.h"
#include "util.h"

int ops_guard_text(const rq_ctx *ctx, job *j, const char *what, const sv_str *s,
                   bool may_be_empty) {
  if (s->len == 0 && !may_be_empty) {
    job_fail(j, SV_ERR_INVALID, "%s is empty", what);
    return -1;
  }
  if (s->len > ctx->cfg->text_max) {
    job_fail(j, SV_ERR_INVALID, "%s is %zu bytes; the limit is %u", what, s->len,
             ctx->cfg->text_max);
    return -1;
  }
  if (!util_utf8_valid(s->ptr, s->len, true)) {
    job_fail(j, SV_ERR_INVALID, "%s is not valid UTF-8 text (or contains control characters)",
             what);
    return -1;
  }
  if (guard_find_cpr(s->ptr, s->len, NULL, NULL)) {
    job_fail(j, SV_ERR_PERSONAL_DATA, "%s: %s", what, GUARD_CPR_MESSAGE);
    return -1;
  }
  return 0;
}

int ops_guard_label(job *j, const char *what, const sv_str *s) {
  enum guard_label_status st = guard_label_check(s->ptr, s->len, GUARD_LABEL_MAX);
  if (st != GUARD_LABEL_OK) {
    job_fail(j, SV_ERR_INVALID, "%s %s", what, guard_label_message(st));
    return -1;
  }
  if (guard_find_cpr(s->ptr, s->len, NULL, NULL)) {
    job_fail(j, SV_ERR_PERSONAL_DATA, "%s: %s", what, GUARD_CPR_MESSAGE);
    return -1;
  }
  return 0;
}

int ops_guard_group_size(const rq_ctx *ctx, job *j, bool required, const char *what) {
  int min = policy_min_group_size(ctx->pol);
  if (!OPS_HAS(j, SIZE)) {
    if (!required) return 0;
    job_fail(j, SV_ERR_PERSONAL_DATA,
             "a group-level %s needs the group's approximate size (at least %d people); "
             "smaller groups are individuals, and information about them belongs in a "
             "restricted note",
             what, min);
    return -1;
  }
  if (j->req.a.size < (uint64_t)(min > 0 ? min : 0)) {
    job_fail(j, SV_ERR_PERSONAL_DATA,
             "a group of %llu is below the minimum group size of %d; information about so few "
             "people belongs in a restricted note",
             (unsigned long long)j->req.a.size, min);
    return -1;
  }
  if (j->req.a.size > 1000000000u) {
    job_fail(j, SV_ERR_INVALID, "size %llu is not a plausible group size",
             (unsigned long long)j->req.a.size);
    return -1;
  }
  return 0;
}

bool ops_guard_one_of(const sv_str *s, const char *const *set) {
  for (; *set != NULL; set++)
    if (strcmp(s->ptr, *set) == 0) return true;
  return false;
}

int ops_guard_time(job *j, const char *what, uint64_t t) {
  /* 0 is no time: meeting.draft's since says 0 for "there was no meeting" */
  if (t > 0 && t <= (UINT64_C(1) << 40)) return 0;
  job_fail(j, SV_ERR_INVALID, "%s %llu is not a plausible time (Unix seconds)", what,
           (unsigned long long)t);
  return -1;
}

void ops_guard_key_form(const char *s, char *out, size_t n) {
  size_t k = 0;
  for (; *s && k + 1 < n; s++)
    if (*s != ' ') out[k++] = (char)tolower((unsigned char)*s);
  out[k] = '\0';
}

/* As member.show finds a `who` (ops_member.c, member_find), among active members: a name,
 * which wins, or a key id or fingerprint in any letter case, with or without spaces. */
const dir_member *ops_guard_member(const rq_ctx *ctx, job *j, const char *what,
                                   const sv_str *who) {
  const dir_member *found = NULL;
  for (size_t i = 0; i < ctx->dir->n && found == NULL; i++) {
    const dir_member *m = &ctx->dir->m[i];
    if (!m->revoked && strcmp(m->name, who->ptr) == 0) found = m;
  }
  char want[CARD_FINGERPRINT_LEN], fp[CARD_FINGERPRINT_LEN];
  ops_guard_key_form(who->ptr, want, sizeof want);
  for (size_t i = 0; i < ctx->dir->n && found == NULL && want[0]; i++) {
    const dir_member *m = &ctx->dir->m[i];
    ops_guard_key_form(m->fingerprint, fp, sizeof fp);
    if (!m->revoked && (strcmp(m->keyid, want) == 0 || strcmp(fp, want) == 0)) found = m;
  }
  if (found == NULL)
    job_fail(j, SV_ERR_INVALID, "%s '%s' is not an active member", what, who->ptr);
  return found;
}

bool ops_guard_core_team(const rq_ctx *ctx, const char *role) {
  int cls = policy_class(ctx->pol, "core-meeting");
  int r = policy_role(ctx->pol, role);
  return cls >= 0 && r >= 0 && policy_class_in_regime(ctx->pol, cls) &&
         policy_role_may_receive(ctx->pol, r, cls);
}

int ops_guard_track(job *j, bool *core, int *level) {
  *core = false;
  if (OPS_HAS(j, TRACK)) {
    if (strcmp(j->req.a.track.ptr, "core") == 0) {
      *core = true;
    } else if (strcmp(j->req.a.track.ptr, "area") != 0) {
      job_fail(j, SV_ERR_BAD_REQUEST, "track must be \"area\" or \"core\"");
      return -1;
    }
  }
  snprintf(j->klass, sizeof j->klass, "%s", *core ? "core-meeting" : "meeting");
  *level = *core ? POLICY_LEVEL_NONE : POLICY_LEVEL_AREA;
  return 0;
}

void ops_guard_ask(const rq_ctx *ctx, const job *j, const char *klass, enum policy_level level,
                   struct job_alt *out) {
  memset(out, 0, sizeof *out);
  out->asked = true;
  out->level = (int)level;
  snprintf(out->klass, sizeof out->klass, "%s", klass);
  request_ask(ctx, j, klass, level, &out->dec);
}

void ops_guard_by_level(const rq_ctx *ctx, job *j, int *level, const char *area_class,
                        const char *group_class) {
  struct job_alt a, g;
  ops_guard_ask(ctx, j, area_class, POLICY_LEVEL_AREA, &a);
  ops_guard_ask(ctx, j, group_class, POLICY_LEVEL_GROUP, &g);
  bool group_first = !a.dec.permit && g.dec.permit;
  const struct job_alt *primary = group_first ? &g : &a;
  snprintf(j->klass, sizeof j->klass, "%s", primary->klass);
  *level = primary->level;
  j->alt = group_first ? a : g;
}

bool ops_guard_may(const rq_ctx *ctx, const job *j, const char *action, const char *klass,
                   enum policy_level level) {
  rq_question q = {.role = j->who.role, .action = action, .klass = klass, .level = level,
                   .area = OPS_HAS(j, AREA) ? j->req.a.area.ptr : NULL, .purpose = NULL};
  decision d;
  request_authorize(ctx, &q, &d);
  return d.permit;
}
