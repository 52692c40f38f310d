/* audit_entry.c -- canonical msgpack encoding of one audit-log entry, and its leaf hash. */
#include "audit_entry.h"

#include <assert.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "merkle.h"
#include "util.h"

/* Keys of each version, in their fixed order. */
#define NFIELDS_V1 11
#define NFIELDS_V2 14
#define NFIELDS_MAX NFIELDS_V2
static const char *const fields_v1[NFIELDS_V1] = {"seq",    "time",     "actor", "role",
                                                  "op",     "class",    "object", "decision",
                                                  "rule",   "purpose",  "policy"};
static const char *const fields_v2[NFIELDS_V2] = {
    "v",      "seq",      "time", "actor",   "role",    "op",     "class",
    "object", "decision", "rule", "outcome", "purpose", "policy", "salt"};

static bool text_ok(const char *s, size_t len, size_t max, bool may_be_empty) {
  if (len > max || (len == 0 && !may_be_empty)) return false;
  if (memchr(s, '\0', len) != NULL) return false;
  return util_utf8_valid(s, len, false);
}

static bool actor_ok(const char *s, size_t len) {
  if (len == 1 && s[0] == '-') return true;
  if (len == 0 || len > AUDIT_ACTOR_MAX) return false;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
  return true;
}

/* An outcome is "ok" or an error code: 1..AUDIT_NAME_MAX of [a-z0-9_], starting with a
 * letter. */
static bool outcome_ok(const char *s, size_t len) {
  if (len == 0 || len > AUDIT_NAME_MAX || !(s[0] >= 'a' && s[0] <= 'z')) return false;
  for (size_t i = 0; i < len; i++)
    if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
      return false;
  return true;
}

static bool all_zero(const uint8_t *p, size_t n) {
  uint8_t acc = 0;
  for (size_t i = 0; i < n; i++) acc |= p[i];
  return acc == 0;
}

/* Field rules shared by encoder and decoder. */
static bool entry_valid(const audit_entry *e) {
  size_t la = strnlen(e->actor, sizeof e->actor), lr = strnlen(e->role, sizeof e->role),
         lo = strnlen(e->op, sizeof e->op), lc = strnlen(e->data_class, sizeof e->data_class),
         lobj = strnlen(e->object, sizeof e->object), lru = strnlen(e->rule, sizeof e->rule),
         lp = strnlen(e->purpose, sizeof e->purpose),
         lout = strnlen(e->outcome, sizeof e->outcome);
  bool common = actor_ok(e->actor, la) && text_ok(e->role, lr, AUDIT_NAME_MAX, false) &&
                text_ok(e->op, lo, AUDIT_NAME_MAX, false) &&
                text_ok(e->data_class, lc, AUDIT_NAME_MAX, false) &&
                text_ok(e->object, lobj, AUDIT_OBJECT_MAX, true) &&
                (e->decision == AUDIT_PERMIT || e->decision == AUDIT_DENY) &&
                text_ok(e->rule, lru, AUDIT_NAME_MAX, false) &&
                text_ok(e->purpose, lp, AUDIT_PURPOSE_MAX, true);
  if (!common) return false;
  if (e->version == AUDIT_ENTRY_V1) return lout == 0 && all_zero(e->salt, sizeof e->salt);
  if (e->version != AUDIT_ENTRY_V2 || !outcome_ok(e->outcome, lout)) return false;
  /* A denied request cannot have succeeded. */
  return !(e->decision == AUDIT_DENY && strcmp(e->outcome, AUDIT_OUTCOME_OK) == 0);
}

static int pack_str(msgpack_packer *pk, const char *s) {
  size_t n = strlen(s);
  if (msgpack_pack_str(pk, n) != 0) return -1;
  return msgpack_pack_str_body(pk, s, n);
}

static int pack_bin(msgpack_packer *pk, const uint8_t *p, size_t n) {
  if (msgpack_pack_bin(pk, n) != 0) return -1;
  return msgpack_pack_bin_body(pk, p, n);
}

int audit_entry_encode(const audit_entry *e, uint8_t **out, size_t *outlen) {
  assert(e != NULL && out != NULL && outlen != NULL);
  *out = NULL;
  *outlen = 0;
  if (!entry_valid(e)) return AUDIT_ERR_INVALID;
  bool v2 = e->version == AUDIT_ENTRY_V2;
  const char *const *names = v2 ? fields_v2 : fields_v1;
  msgpack_sbuffer sb;
  msgpack_packer pk;
  sv_sbuffer_init_cap(&sb, 512); /* an entry is a few hundred bytes */
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  const char *decision = e->decision == AUDIT_PERMIT ? "permit" : "deny";
  /* The string fields after the two integers, in key order. */
  const char *strs_v1[8] = {e->actor, e->role, e->op,   e->data_class,
                            e->object, decision, e->rule, e->purpose};
  const char *strs_v2[9] = {e->actor,  e->role, e->op,      e->data_class, e->object,
                            decision,  e->rule, e->outcome, e->purpose};
  const char *const *strs = v2 ? strs_v2 : strs_v1;
  int nstrs = v2 ? 9 : 8;
  int k = 0; /* next key */
  int rc = msgpack_pack_map(&pk, v2 ? NFIELDS_V2 : NFIELDS_V1);
  if (v2) {
    rc |= pack_str(&pk, names[k++]);
    rc |= msgpack_pack_unsigned_int(&pk, AUDIT_ENTRY_V2);
  }
  rc |= pack_str(&pk, names[k++]);
  rc |= msgpack_pack_uint64(&pk, e->seq);
  rc |= pack_str(&pk, names[k++]);
  rc |= msgpack_pack_uint64(&pk, e->time_ms);
  for (int i = 0; i < nstrs; i++) {
    rc |= pack_str(&pk, names[k++]);
    rc |= pack_str(&pk, strs[i]);
  }
  rc |= pack_str(&pk, names[k++]);
  rc |= pack_bin(&pk, e->policy, 32);
  if (v2) {
    rc |= pack_str(&pk, names[k++]);
    rc |= pack_bin(&pk, e->salt, AUDIT_SALT_LEN);
  }
  assert(k == (v2 ? NFIELDS_V2 : NFIELDS_V1));
  if (rc != 0) goto err;
  *outlen = sb.size;
  *out = (uint8_t *)msgpack_sbuffer_release(&sb);
  return AUDIT_OK;
err:
  msgpack_sbuffer_destroy(&sb);
  return AUDIT_ERR_NOMEM;
}

/* Copy a msgpack str object into a fixed array after checking it. */
static bool take_str(const msgpack_object *o, char *dst, size_t max, bool may_be_empty) {
  if (o->type != MSGPACK_OBJECT_STR) return false;
  if (!text_ok(o->via.str.ptr, o->via.str.size, max, may_be_empty)) return false;
  memcpy(dst, o->via.str.ptr, o->via.str.size);
  dst[o->via.str.size] = '\0';
  return true;
}

/* Copy a msgpack bin object of exactly n bytes. */
static bool take_bin(const msgpack_object *o, uint8_t *dst, size_t n) {
  if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != n) return false;
  memcpy(dst, o->via.bin.ptr, n);
  return true;
}

/* Walk the top level before handing the bytes to msgpack-c, whose unpacker allocates what
 * container headers claim (a 5-byte array32 header can ask for gigabytes). Accepts only
 * fixmap(nfields) followed by 2 * nfields scalars (no arrays, maps or ext), each wholly inside
 * buf and together ending exactly at len. */
static bool shape_ok(const uint8_t *buf, size_t len, int nfields) {
  size_t pos = 1;
  if (len < 1 || buf[0] != (0x80 | nfields)) return false;
  for (int item = 0; item < 2 * nfields; item++) {
    if (pos >= len) return false;
    uint8_t t = buf[pos++];
    size_t hdr = 0, body = 0;
    if (t <= 0x7f || t >= 0xe0 || t == 0xc0 || t == 0xc2 || t == 0xc3) {
      body = 0;
    } else if (t >= 0xa0 && t <= 0xbf) {
      body = t & 0x1f;
    } else if (t == 0xcc || t == 0xd0) {
      body = 1;
    } else if (t == 0xcd || t == 0xd1) {
      body = 2;
    } else if (t == 0xce || t == 0xd2 || t == 0xca) {
      body = 4;
    } else if (t == 0xcf || t == 0xd3 || t == 0xcb) {
      body = 8;
    } else if (t == 0xd9 || t == 0xc4) {
      hdr = 1;
    } else if (t == 0xda || t == 0xc5) {
      hdr = 2;
    } else if (t == 0xdb || t == 0xc6) {
      hdr = 4;
    } else {
      return false; /* containers, ext, reserved */
    }
    if (hdr > len - pos) return false;
    for (size_t i = 0; i < hdr; i++) body = body << 8 | buf[pos + i];
    pos += hdr;
    if (body > len - pos) return false;
    pos += body;
  }
  return pos == len;
}

/* Fill tmp from the decoded map of the given version (keys already checked). Returns false
 * when a value breaks its type or field rule. */
static bool take_fields(const msgpack_object_kv *kv, unsigned version, audit_entry *tmp) {
  int k = 0;
  tmp->version = version;
  if (version == AUDIT_ENTRY_V2) {
    if (kv[k].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER || kv[k].val.via.u64 != AUDIT_ENTRY_V2)
      return false;
    k++;
  }
  if (kv[k].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER ||
      kv[k + 1].val.type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return false;
  tmp->seq = kv[k].val.via.u64;
  tmp->time_ms = kv[k + 1].val.via.u64;
  k += 2;
  if (!take_str(&kv[k++].val, tmp->actor, AUDIT_ACTOR_MAX, false) ||
      !actor_ok(tmp->actor, strlen(tmp->actor)) ||
      !take_str(&kv[k++].val, tmp->role, AUDIT_NAME_MAX, false) ||
      !take_str(&kv[k++].val, tmp->op, AUDIT_NAME_MAX, false) ||
      !take_str(&kv[k++].val, tmp->data_class, AUDIT_NAME_MAX, false) ||
      !take_str(&kv[k++].val, tmp->object, AUDIT_OBJECT_MAX, true))
    return false;
  const msgpack_object *d = &kv[k++].val;
  if (d->type != MSGPACK_OBJECT_STR) return false;
  if (d->via.str.size == 6 && memcmp(d->via.str.ptr, "permit", 6) == 0)
    tmp->decision = AUDIT_PERMIT;
  else if (d->via.str.size == 4 && memcmp(d->via.str.ptr, "deny", 4) == 0)
    tmp->decision = AUDIT_DENY;
  else
    return false;
  if (!take_str(&kv[k++].val, tmp->rule, AUDIT_NAME_MAX, false)) return false;
  if (version == AUDIT_ENTRY_V2 && !take_str(&kv[k++].val, tmp->outcome, AUDIT_NAME_MAX, false))
    return false;
  if (!take_str(&kv[k++].val, tmp->purpose, AUDIT_PURPOSE_MAX, true)) return false;
  if (!take_bin(&kv[k++].val, tmp->policy, 32)) return false;
  if (version == AUDIT_ENTRY_V2 && !take_bin(&kv[k++].val, tmp->salt, AUDIT_SALT_LEN))
    return false;
  return true;
}

int audit_entry_decode(const uint8_t *buf, size_t len, audit_entry *e) {
  assert(buf != NULL && e != NULL);
  memset(e, 0, sizeof *e);
  audit_entry tmp;
  memset(&tmp, 0, sizeof tmp);
  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  int rc = AUDIT_ERR_FORMAT;
  /* The map header tells the version: fixmap(11) is v1, fixmap(14) v2 (its "v" is checked
   * below). */
  unsigned version = len > 0 && buf[0] == (0x80 | NFIELDS_V2) ? AUDIT_ENTRY_V2 : AUDIT_ENTRY_V1;
  int nfields = version == AUDIT_ENTRY_V2 ? NFIELDS_V2 : NFIELDS_V1;
  const char *const *names = version == AUDIT_ENTRY_V2 ? fields_v2 : fields_v1;
  if (!shape_ok(buf, len, nfields)) goto err;
  msgpack_unpack_return ur = msgpack_unpack_next(&up, (const char *)buf, len, &off);
  if (ur == MSGPACK_UNPACK_NOMEM_ERROR) {
    rc = AUDIT_ERR_NOMEM;
    goto err;
  }
  if (ur != MSGPACK_UNPACK_SUCCESS || off != len) goto err;
  const msgpack_object *root = &up.data;
  if (root->type != MSGPACK_OBJECT_MAP || root->via.map.size != (uint32_t)nfields) goto err;
  const msgpack_object_kv *kv = root->via.map.ptr;
  for (int i = 0; i < nfields; i++) {
    const msgpack_object *k = &kv[i].key;
    size_t nl = strlen(names[i]);
    if (k->type != MSGPACK_OBJECT_STR || k->via.str.size != nl ||
        memcmp(k->via.str.ptr, names[i], nl) != 0)
      goto err;
  }
  if (!take_fields(kv, version, &tmp)) goto err;

  /* Canonical form: re-encoding must give back exactly the input (smallest integer, str and
   * bin headers; this also rejects wider map headers and breaks of the field rules). */
  uint8_t *again = NULL;
  size_t alen = 0;
  int erc = audit_entry_encode(&tmp, &again, &alen);
  if (erc != AUDIT_OK) {
    rc = erc == AUDIT_ERR_NOMEM ? AUDIT_ERR_NOMEM : AUDIT_ERR_FORMAT;
    goto err;
  }
  bool same = alen == len && memcmp(again, buf, len) == 0;
  free(again);
  if (!same) goto err;
  msgpack_unpacked_destroy(&up);
  *e = tmp;
  return AUDIT_OK;
err:
  msgpack_unpacked_destroy(&up);
  return rc;
}

int audit_entry_leaf_hash(const audit_entry *e, uint8_t out[32]) {
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = audit_entry_encode(e, &buf, &len);
  if (rc != AUDIT_OK) return rc;
  merkle_leaf_hash(buf, len, out);
  free(buf);
  return AUDIT_OK;
}

bool audit_entry_version_follows(unsigned prev, unsigned next) {
  if (next != AUDIT_ENTRY_V1 && next != AUDIT_ENTRY_V2) return false;
  return prev == 0 || next >= prev;
}
