/* ops_actor.h -- the network map: the organisations and resource persons the team works with,
 * their form of collaboration and their ties (actor.add, actor.update, actor.tie, actor.untie,
 * actor.list). */
#ifndef SAMVIRKED_OPS_ACTOR_H
#define SAMVIRKED_OPS_ACTOR_H

#include "request.h"
#include "store.h"

int ops_actor_add_prepare(rq_ctx *ctx, job *j, int *level);
int ops_actor_add_exec(store *st, job *j);
int ops_actor_update_prepare(rq_ctx *ctx, job *j, int *level);
int ops_actor_update_exec(store *st, job *j);
int ops_actor_tie_prepare(rq_ctx *ctx, job *j, int *level);
int ops_actor_tie_exec(store *st, job *j);
int ops_actor_untie_exec(store *st, job *j);
int ops_actor_list_prepare(rq_ctx *ctx, job *j, int *level);
int ops_actor_list_exec(store *st, job *j);

#endif
