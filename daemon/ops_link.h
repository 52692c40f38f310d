/* ops_link.h -- links: a resource coupled with the challenge it can answer, an intervention
 * with the challenges it addresses and the resources it uses (link.add, link.remove,
 * link.list). */
#ifndef SAMVIRKED_OPS_LINK_H
#define SAMVIRKED_OPS_LINK_H

#include "request.h"
#include "store.h"

int ops_link_add_prepare(rq_ctx *ctx, job *j, int *level);
int ops_link_add_exec(store *st, job *j);
int ops_link_remove_prepare(rq_ctx *ctx, job *j, int *level);
int ops_link_remove_exec(store *st, job *j);
int ops_link_list_prepare(rq_ctx *ctx, job *j, int *level);
int ops_link_list_exec(store *st, job *j);

/* The SQL condition that a link row l (with its ends joined as ro (resource observation) and
 * co (challenge observation)) is visible: its ends are not withdrawn, and it is area level
 * unless parameter :group is true. For the other handlers that count or list links. */
#define OPS_LINK_VISIBLE                                                                     \
  " (l.resource IS NULL OR EXISTS (SELECT 1 FROM observations o WHERE o.id = l.resource"     \
  " AND o.withdrawn = 0)) AND (l.challenge IS NULL OR EXISTS (SELECT 1 FROM observations o"   \
  " WHERE o.id = l.challenge AND o.withdrawn = 0)) AND (l.level = 'area' OR :group) "

#endif
