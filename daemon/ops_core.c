/* ops_core.c -- the session ops every connected key may call: ping and whoami. */
#include "ops_core.h"

#include "ops.h"
#include "util.h"

int ops_ping_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)ctx;
  (void)level;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  msgpack_pack_map(&pk, 2);
  sv_pack_str(&pk, "pong");
  msgpack_pack_true(&pk);
  sv_pack_str(&pk, "time");
  msgpack_pack_uint64(&pk, util_unix_ms());
  return 0;
}

int ops_whoami_prepare(rq_ctx *ctx, job *j, int *level) {
  (void)level;
  msgpack_packer pk;
  ops_result_packer(j, &pk);
  const dir_member *m = j->who.member_id ? directory_by_id(ctx->dir, j->who.member_id) : NULL;
  if (m != NULL && !m->revoked)
    directory_pack_member(&pk, m);
  else
    msgpack_pack_nil(&pk);
  return 0;
}
