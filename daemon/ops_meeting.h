/* ops_meeting.h -- meetings in two tracks: the area meeting with partners (class meeting, area
 * level) and the core team's own (class core-meeting, a regime class; its minutes are
 * end-to-end encrypted envelopes): meeting.add, .list, .show, .item, .minutes, .decide, .draft.
 * The two tracks number their meetings separately, so nothing of the core track shows in the
 * area track's numbers. */
#ifndef SAMVIRKED_OPS_MEETING_H
#define SAMVIRKED_OPS_MEETING_H

#include "request.h"
#include "store.h"

int ops_meeting_add_prepare(rq_ctx *ctx, job *j, int *level);
int ops_meeting_add_exec(store *st, job *j);
int ops_meeting_list_prepare(rq_ctx *ctx, job *j, int *level);
int ops_meeting_list_exec(store *st, job *j);
int ops_meeting_show_prepare(rq_ctx *ctx, job *j, int *level);
int ops_meeting_show_exec(store *st, job *j);
int ops_meeting_item_prepare(rq_ctx *ctx, job *j, int *level);
int ops_meeting_item_exec(store *st, job *j);
int ops_meeting_minutes_prepare(rq_ctx *ctx, job *j, int *level);
int ops_meeting_minutes_exec(store *st, job *j);
int ops_meeting_decide_prepare(rq_ctx *ctx, job *j, int *level);
int ops_meeting_decide_exec(store *st, job *j);
int ops_meeting_draft_prepare(rq_ctx *ctx, job *j, int *level);
int ops_meeting_draft_exec(store *st, job *j);

#endif
