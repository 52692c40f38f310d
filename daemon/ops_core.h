/* ops_core.h -- the session ops every connected key may call: ping and whoami. */
#ifndef SAMVIRKED_OPS_CORE_H
#define SAMVIRKED_OPS_CORE_H

#include "request.h"

/* Answered on the loop thread (no exec): the result is packed here. */
int ops_ping_prepare(rq_ctx *ctx, job *j, int *level);
int ops_whoami_prepare(rq_ctx *ctx, job *j, int *level);

#endif
