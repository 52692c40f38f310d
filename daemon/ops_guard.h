/* ops_guard.h -- the guards and questions the area-data handlers share (loop thread): free text
 * and labels (UTF-8, lengths, CPR-shaped numbers), members named in a request, the core team,
 * times, the meeting track, and policy questions asked ahead for what only storage knows. */
#ifndef SAMVIRKED_OPS_GUARD_H
#define SAMVIRKED_OPS_GUARD_H

#include <stdbool.h>
#include <stdint.h>

#include "directory.h"
#include "request.h"

/* Free text (observation, intervention, agenda item, description): valid UTF-8 with newlines
 * and tabs allowed, 1..text_max bytes (0 allowed when may_be_empty), no CPR-shaped number.
 * Returns 0, or -1 with invalid or personal_data set on j. */
int ops_guard_text(const rq_ctx *ctx, job *j, const char *what, const sv_str *s,
                   bool may_be_empty);
/* Short label (area name, category, title, actor name): 1..64 bytes of printable UTF-8 without
 * surrounding spaces, no CPR-shaped number. Returns 0, or -1 with invalid or personal_data. */
int ops_guard_label(job *j, const char *what, const sv_str *s);
/* The group size of an observation or intervention (what: "observation", "intervention"):
 * required when required (group level); whenever given at least the policy's min_group_size
 * and plausible. Returns 0, or -1 with personal_data (missing, too small) or invalid. */
int ops_guard_group_size(const rq_ctx *ctx, job *j, bool required, const char *what);
/* True when s is one of the NULL-terminated set. */
bool ops_guard_one_of(const sv_str *s, const char *const *set);
/* A time argument (Unix seconds) from 1 to 2^40. Returns 0, or -1 with invalid. */
int ops_guard_time(job *j, const char *what, uint64_t t);

/* s with ASCII spaces dropped and letters in lower case, in out (n bytes, cut short to fit):
 * the form in which a key id or fingerprint names a member (member_find, ops_guard_member). */
void ops_guard_key_form(const char *s, char *out, size_t n);
/* The active member who names (a name, which wins, or a key id or fingerprint in any letter
 * case, with or without spaces): NULL with invalid set
 * ("<what> '<who>' is not an active member") when there is none. */
const dir_member *ops_guard_member(const rq_ctx *ctx, job *j, const char *what,
                                   const sv_str *who);
/* True when role belongs to the core team: the regime that holds class core-meeting (with the
 * default policy coordinator, ssp and police). */
bool ops_guard_core_team(const rq_ctx *ctx, const char *role);

/* The request's track ("area" when absent): sets *core, j->klass ("meeting" or
 * "core-meeting") and *level (area, or none for the core track). Returns 0, or -1 with
 * bad_request for another value. */
int ops_guard_track(job *j, bool *core, int *level);

/* Ask the policy what it would decide for j's own op as class klass at level, into *out. */
void ops_guard_ask(const rq_ctx *ctx, const job *j, const char *klass, enum policy_level level,
                   struct job_alt *out);
/* For an op on a stored object whose level only storage knows: ask the area-level and the
 * group-level question; the permitted one (area first) becomes j's class and *level, the other
 * goes to j->alt for exec to switch to (request_settle). */
void ops_guard_by_level(const rq_ctx *ctx, job *j, int *level, const char *area_class,
                        const char *group_class);
/* May the caller (j's role) do action on klass at level? (A yes/no for filters.) */
bool ops_guard_may(const rq_ctx *ctx, const job *j, const char *action, const char *klass,
                   enum policy_level level);

#endif
