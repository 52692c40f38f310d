/* directory.c -- key transparency on the client: prove a colleague's card in the audit log and
 * remember the cards seen (known_cards). */
#include "directory.h"

#include <ctype.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_entry.h"
#include "checkpoint.h"
#include "merkle.h"
#include "signed_note.h"
#include "tlog.h"
#include "trusted.h"
#include "util.h"

#define KNOWN_MAX (4u << 20) /* refuse a known_cards file larger than this */

/* Lowercase, spaces removed: the comparable form of a fingerprint or key id. */
static void squash(const char *in, char *out, size_t outlen) {
  size_t n = 0;
  for (; *in && n + 1 < outlen; in++)
    if (*in != ' ') out[n++] = (char)tolower((unsigned char)*in);
  out[n] = '\0';
}

/* True when who names card: its key id or fingerprint (spaces and case ignored) when who has
 * that shape (16 or 40 hex digits), else its exact name. A card whose name merely looks like
 * the key id or fingerprint asked for does not name it: otherwise a member named after
 * another's key id would be handed out (the server lets a name match win) in their place. */
static bool names_card(const char *who, const sv_card *card, const char *keyid, const char *fp) {
  char w[CARD_FINGERPRINT_LEN + CARD_NAME_MAX], f[CARD_FINGERPRINT_LEN];
  squash(who, w, sizeof w);
  squash(fp, f, sizeof f);
  size_t n = strlen(w);
  bool hex = (n == 16 || n == 40) && strspn(w, "0123456789abcdef") == n;
  if (hex) return strcmp(w, keyid) == 0 || strcmp(w, f) == 0;
  return strcmp(who, card->name) == 0;
}

int directory_verify_proof(const msgpack_object *result, const char *log_key, const char *who,
                           directory_trust *t, char *err, size_t errlen) {
  memset(t, 0, sizeof *t);
  const uint8_t *card = NULL, *entry = NULL;
  size_t cardlen = 0, entrylen = 0, notelen = 0;
  const char *note = NULL;
  uint64_t reg_seq = 0;
  bool revoked = false;
  tlog_proof proof;
  if (result == NULL || sv_map_bin(result, "card", &card, &cardlen) != 0 ||
      sv_map_bin(result, "entry", &entry, &entrylen) != 0 ||
      sv_map_uint(result, "reg_seq", &reg_seq) != 0 ||
      sv_map_str(result, "checkpoint", &note, &notelen) != 0 ||
      sv_map_bool(result, "revoked", &revoked) != 0 ||
      tlog_proof_answer(result, "proof", &proof) != 0) {
    snprintf(err, errlen, "the server's proof answer is malformed");
    return -1;
  }
  t->revoked = revoked;
  t->reg_seq = reg_seq;
  /* The card itself, so that its fingerprint can be shown even when the proof fails. */
  int krc = card_decode(card, cardlen, &t->card);
  if (krc != KEYS_OK) {
    snprintf(err, errlen, "the card the server gave is %s",
             krc == KEYS_ERR_SIGNATURE ? "not signed by its own key" : "malformed");
    return -1;
  }
  t->card_ok = true;
  card_keyid(&t->card, t->keyid);
  card_fingerprint(&t->card, t->fingerprint);
  if (who != NULL && !names_card(who, &t->card, t->keyid, t->fingerprint)) {
    snprintf(err, errlen, "the server answered with the card of someone else than '%s'", who);
    return -1;
  }
  /* 1. The checkpoint is signed by the log key and names its origin. */
  note_verifier v;
  checkpoint cp;
  if (tlog_key_parse(log_key, &v, err, errlen) != 0 ||
      tlog_checkpoint_answer(result, &v, &cp, &note, &notelen, err, errlen) != 0)
    return -1;
  t->tree_size = cp.size;
  /* 2. The registering entry is in the tree the checkpoint commits to. */
  uint8_t leaf[MERKLE_HASH_LEN];
  merkle_leaf_hash(entry, entrylen, leaf);
  if (!merkle_verify_inclusion(leaf, reg_seq, cp.size,
                               (const uint8_t(*)[MERKLE_HASH_LEN])proof.hash, proof.n,
                               cp.root)) {
    snprintf(err, errlen,
             "the audit log does not contain the entry the server cites for this card (inclusion "
             "proof of entry #%llu under checkpoint %llu fails)",
             (unsigned long long)reg_seq, (unsigned long long)cp.size);
    return -1;
  }
  /* 3. That entry registered exactly this card. */
  audit_entry e;
  if (audit_entry_decode(entry, entrylen, &e) != AUDIT_OK) {
    snprintf(err, errlen, "the registering audit entry is malformed");
    return -1;
  }
  uint8_t h[32];
  char want[5 + 65];
  crypto_hash_sha256(h, card, cardlen);
  memcpy(want, "card:", 5);
  util_hex(want + 5, h, 32);
  /* A version 2 entry also says whether the registration succeeded: a permitted enrolment that
   * failed (a wrong invite, a name taken) registered nothing. */
  if (e.seq != reg_seq || e.decision != AUDIT_PERMIT ||
      (e.version == AUDIT_ENTRY_V2 && strcmp(e.outcome, AUDIT_OUTCOME_OK) != 0) ||
      (strcmp(e.op, "enroll") != 0 && strcmp(e.op, "member.register") != 0)) {
    snprintf(err, errlen, "audit entry #%llu is not the registration of a member",
             (unsigned long long)reg_seq);
    return -1;
  }
  if (strcmp(e.object, want) != 0) {
    snprintf(err, errlen,
             "the card the server gave for '%s' is NOT the card the audit log registered (entry "
             "#%llu names %.20s...); do not use it",
             t->card.name, (unsigned long long)reg_seq, e.object);
    return -1;
  }
  t->proven = true;
  return 0;
}

/* ---- known_cards ---- */

static int known_path(const char *dir, char *out, size_t outlen, char *err, size_t errlen) {
  if (client_config_path(dir, DIRECTORY_KNOWN_FILE, out, outlen) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  return 0;
}

/* Read known_cards: *buf malloc'd (NULL and 0 when the file does not exist). 0 or -1. */
static int known_read(const char *dir, uint8_t **buf, size_t *len, char *err, size_t errlen) {
  char path[CLIENT_PATH_MAX];
  *buf = NULL;
  *len = 0;
  if (known_path(dir, path, sizeof path, err, errlen) != 0) return -1;
  *buf = util_read_file(path, KNOWN_MAX, len);
  if (*buf == NULL && errno != ENOENT) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  return 0;
}

int directory_known_lookup(const char *dir, const char *name, char fp[CARD_FINGERPRINT_LEN],
                           char *err, size_t errlen) {
  uint8_t *buf = NULL;
  size_t len = 0;
  if (known_read(dir, &buf, &len, err, errlen) != 0) return -1;
  int found = 0;
  const char *p = (const char *)buf, *end = p + len;
  while (p != NULL && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *le = nl ? nl : end;
    /* fingerprint(40) SP keyid(16) SP hash(64) SP name */
    const size_t pre = 40 + 1 + 16 + 1 + 64 + 1;
    if (p[0] != '#' && (size_t)(le - p) > pre && (size_t)(le - p) - pre == strlen(name) &&
        memcmp(p + pre, name, strlen(name)) == 0) {
      size_t o = 0;
      for (int i = 0; i < 40; i++) {
        if (i && i % 4 == 0) fp[o++] = ' ';
        fp[o++] = p[i];
      }
      fp[o] = '\0';
      found = 1;
    }
    p = nl ? nl + 1 : NULL;
  }
  free(buf);
  return found;
}

int directory_known_record(const char *dir, const sv_card *card, char *err, size_t errlen) {
  uint8_t *buf = NULL;
  size_t len = 0;
  if (known_read(dir, &buf, &len, err, errlen) != 0) return -1;
  char fp[CARD_FINGERPRINT_LEN], fps[CARD_FINGERPRINT_LEN], keyid[CARD_KEYID_HEX], hex[65];
  uint8_t h[32];
  card_fingerprint(card, fp);
  squash(fp, fps, sizeof fps);
  card_keyid(card, keyid);
  card_hash(card, h);
  util_hex(hex, h, 32);
  static const char header[] = "# samvirke known cards v1: fingerprint key-id card-sha256 name\n";
  size_t linecap = 40 + 16 + 64 + CARD_NAME_MAX + 8;
  size_t cap = (len ? len : sizeof header) + linecap + 1;
  char *out = malloc(cap);
  if (out == NULL) {
    free(buf);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t n = 0;
  if (len) {
    memcpy(out, buf, len);
    n = len;
    if (out[n - 1] != '\n') out[n++] = '\n';
  } else {
    memcpy(out, header, sizeof header - 1);
    n = sizeof header - 1;
  }
  n += (size_t)snprintf(out + n, cap - n, "%s %s %s %s\n", fps, keyid, hex, card->name);
  free(buf);
  char path[CLIENT_PATH_MAX];
  int rc = known_path(dir, path, sizeof path, err, errlen);
  if (rc == 0 && util_write_file(path, out, n, 0600) != 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    rc = -1;
  }
  free(out);
  return rc;
}

/* One round of directory_trust_card: read the trusted checkpoint, ask for the proof, verify it
 * and move the trusted checkpoint. Returns 0, TRUSTED_ERR_STALE when another client of this
 * identity moved the trusted checkpoint meanwhile (ask again), or -1 with err. *resp is
 * initialised in every case; the caller destroys it. */
static int trust_round(session *s, const client_config *cfg, const char *who, directory_trust *t,
                       msgpack_unpacked *resp, char *err, size_t errlen) {
  msgpack_unpacked_init(resp);
  /* The checkpoint this client trusts already (audit/trusted.txt): the server proves that its
   * current checkpoint extends it. A trusted file that does not verify is reported after the
   * proof itself, so that a wrong log key is named as such. */
  note_verifier v;
  checkpoint tr;
  int have_tr = 0;
  char trerr[600] = "";
  bool have_v = tlog_key_parse(cfg->log_key, &v, trerr, sizeof trerr) == 0;
  if (have_v) have_tr = trusted_load(cfg->dir, &v, &tr, trerr, sizeof trerr);
  sv_request req;
  sv_request_init(&req, 0, SV_OP_MEMBER_PROOF);
  if (sv_request_set_str(&req, SV_F_WHO, who) != 0 ||
      (have_tr == 1 && sv_request_set_uint(&req, SV_F_OLD_SIZE, tr.size) != 0)) {
    sv_request_free(&req);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  char cerr[512];
  msgpack_unpacked_destroy(resp);
  int r = session_call(s, &req, resp, cerr, sizeof cerr);
  sv_request_free(&req);
  if (r != 0) {
    snprintf(err, errlen, "%s", cerr);
    return -1;
  }
  const msgpack_object *res = session_result(resp);
  if (directory_verify_proof(res, cfg->log_key, who, t, err, errlen) != 0) return -1;
  if (have_tr < 0) {
    snprintf(err, errlen, "%s", trerr);
    return -1;
  }
  /* The checkpoint verified in directory_verify_proof; now it must extend the trusted one. */
  const char *note = NULL;
  size_t notelen = 0;
  checkpoint cp;
  tlog_proof cons;
  if (tlog_checkpoint_answer(res, &v, &cp, &note, &notelen, err, errlen) != 0) return -1;
  int pr = tlog_proof_answer(res, "consistency", &cons);
  if (pr < 0) {
    snprintf(err, errlen, "the server's consistency proof is malformed");
    return -1;
  }
  trusted_link link = {.proof = pr == 0 ? &cons : NULL};
  int outcome = trusted_accept(cfg->dir, &v, have_tr == 1 ? &tr : NULL, &cp, note, notelen,
                               &link, err, errlen);
  if (outcome == TRUSTED_ERR_STALE) return TRUSTED_ERR_STALE;
  return outcome < 0 ? -1 : 0;
}

int directory_trust_card(session *s, const client_config *cfg, const char *who, unsigned flags,
                         directory_trust *t, char *err, size_t errlen) {
  msgpack_unpacked resp;
  int rc = -1, r;
  for (int attempt = 0;; attempt++) {
    r = trust_round(s, cfg, who, t, &resp, err, errlen);
    if (r != TRUSTED_ERR_STALE || attempt + 1 == TRUSTED_RETRIES) break;
    msgpack_unpacked_destroy(&resp);
  }
  if (r != 0) goto out;
  if (t->revoked) {
    snprintf(err, errlen, "%s has been revoked from the directory; do not use this card",
             t->card.name);
    goto out;
  }
  int k = directory_known_lookup(cfg->dir, t->card.name, t->old_fingerprint, err, errlen);
  if (k < 0) goto out;
  if (k == 0) {
    t->known = DIRECTORY_KNOWN_NEW;
    t->old_fingerprint[0] = '\0';
    if (directory_known_record(cfg->dir, &t->card, err, errlen) != 0) goto out;
  } else if (strcmp(t->old_fingerprint, t->fingerprint) == 0) {
    t->known = DIRECTORY_KNOWN_SAME;
  } else {
    t->known = DIRECTORY_KNOWN_CHANGED;
    if (!(flags & DIRECTORY_ACCEPT_NEW_KEY)) {
      snprintf(err, errlen,
               "WARNING: THE KEY OF '%s' HAS CHANGED (fingerprint was %s, is now %s). They may "
               "have made a new identity, or someone may be impersonating them: compare the new "
               "fingerprint with them in person or by phone, then run 'samvirke member verify "
               "\"%s\" --accept-new-key'",
               t->card.name, t->old_fingerprint, t->fingerprint, t->card.name);
      goto out;
    }
    if (directory_known_record(cfg->dir, &t->card, err, errlen) != 0) goto out;
  }
  rc = 0;
out:
  msgpack_unpacked_destroy(&resp);
  return rc;
}
