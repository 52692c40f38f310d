/* signer_proc.c -- the log signer process: the only process that holds the audit log's signing
 * key. It keeps its own Merkle frontier, extends it only with leaf hashes, writes it to its state
 * file before it signs, and signs only roots it computed itself, so every checkpoint it ever
 * signs is a prefix of one append-only history, whatever the network-facing process asks. The
 * file is flushed to disk at most once per SIGNER_STATE_SYNC_MS (signer_state.h); a state lost
 * to a power cut is brought back from the committed log at the next start.
 *
 * It is started by `samvirked run` (signer.c) with a Unix stream socket as descriptor 3, reads
 * the daemon's key file itself, hands the network-facing process only what that needs (the
 * Noise keys and the log's public key), and answers requests until the socket closes. */
#include "signer_proc.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "checkpoint.h"
#include "config.h"
#include "keys.h"
#include "log.h"
#include "merkle.h"
#include "signed_note.h"
#include "signer_state.h"
#include "signer_wire.h"

typedef struct signer_proc {
  int fd;
  config cfg;
  note_signer *signer; /* sodium_malloc'd by signed_note.c */
  note_verifier verifier;
  signer_state state;
  merkle_frontier fr;
  bool has_state;
  uint8_t *buf; /* request payload, SIGNER_MAX_PAYLOAD bytes */
} signer_proc;

static int reply_error(signer_proc *sp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reply_error(signer_proc *sp, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  log_warn("signer: refused: %s", msg);
  return signer_wire_send(sp->fd, SIGNER_MSG_ERROR, msg, strlen(msg), NULL, 0, NULL, 0);
}

/* Decode size(8) + popcount(size) hashes from p[0..n). Returns bytes used, or 0 if short. */
static size_t get_frontier(const uint8_t *p, size_t n, merkle_frontier *fr) {
  if (n < 8) return 0;
  merkle_frontier_init(fr);
  fr->size = signer_wire_get64(p);
  size_t off = 8;
  for (unsigned l = 0; l < MERKLE_FRONTIER_LEVELS; l++) {
    if (!(fr->size >> l & 1)) continue;
    if (n - off < 32) return 0;
    memcpy(fr->hash[l], p + off, 32);
    off += 32;
  }
  return off;
}

/* INIT: adopt the daemon's frontier once, and only when it matches a checkpoint this key
 * signed (or is the empty tree). */
static int handle_init(signer_proc *sp, size_t len) {
  if (sp->has_state)
    return reply_error(sp, "the signer already holds a state of %llu entries and never starts "
                           "over", (unsigned long long)sp->fr.size);
  merkle_frontier fr;
  size_t used = get_frontier(sp->buf, len, &fr);
  if (used == 0) return reply_error(sp, "malformed init request");
  const char *note = (const char *)sp->buf + used;
  size_t nlen = len - used;
  if (fr.size == 0) {
    if (nlen != 0) return reply_error(sp, "an empty tree comes without a checkpoint");
  } else {
    checkpoint cp;
    int ns = 0;
    if (checkpoint_open(note, nlen, &sp->verifier, sp->cfg.origin, &cp, &ns) != CHECKPOINT_OK)
      return reply_error(sp, "the checkpoint to start from is not one this log key signed (%s)",
                         note_strerror(ns));
    uint8_t root[32];
    merkle_frontier_root(&fr, root);
    if (cp.size != fr.size || sodium_memcmp(cp.root, root, 32) != 0)
      return reply_error(sp, "the frontier of %llu entries does not match the signed checkpoint "
                             "of %llu entries", (unsigned long long)fr.size,
                         (unsigned long long)cp.size);
  }
  char err[256];
  if (signer_state_save(&sp->state, &fr, err, sizeof err) != 0) return reply_error(sp, "%s", err);
  sp->fr = fr;
  sp->has_state = true;
  log_info("signer: started its record at %llu entries", (unsigned long long)fr.size);
  return signer_wire_send(sp->fd, SIGNER_MSG_OK, NULL, 0, NULL, 0, NULL, 0);
}

/* EXTEND: append the leaves to the signer's own frontier, record it, sign its root. */
static int handle_extend(signer_proc *sp, size_t len) {
  if (!sp->has_state) return reply_error(sp, "the signer has no state yet (init first)");
  if (len < 12) return reply_error(sp, "malformed extend request");
  uint64_t base = signer_wire_get64(sp->buf);
  uint32_t n = (uint32_t)sp->buf[8] << 24 | (uint32_t)sp->buf[9] << 16 |
               (uint32_t)sp->buf[10] << 8 | sp->buf[11];
  if (n > SIGNER_MAX_LEAVES || len != 12 + 32 * (size_t)n)
    return reply_error(sp, "malformed extend request (%u leaves in %zu bytes)", n, len);
  if (base != sp->fr.size)
    return reply_error(sp, "out of step: the signer holds %llu entries, the request extends "
                           "from %llu", (unsigned long long)sp->fr.size,
                       (unsigned long long)base);
  merkle_frontier fr = sp->fr;
  for (uint32_t i = 0; i < n; i++)
    if (merkle_frontier_append(&fr, sp->buf + 12 + 32 * (size_t)i, NULL, NULL) != MERKLE_OK)
      return reply_error(sp, "the tree is full");
  char err[256];
  if (n > 0 && signer_state_save(&sp->state, &fr, err, sizeof err) != 0)
    return reply_error(sp, "%s", err);
  sp->fr = fr;
  checkpoint cp;
  memset(&cp, 0, sizeof cp);
  snprintf(cp.origin, sizeof cp.origin, "%s", sp->cfg.origin);
  cp.size = fr.size;
  merkle_frontier_root(&fr, cp.root);
  char *note = NULL;
  size_t nlen = 0;
  if (checkpoint_sign(&cp, sp->signer, &note, &nlen) != CHECKPOINT_OK)
    return reply_error(sp, "cannot sign the checkpoint for %llu entries",
                       (unsigned long long)fr.size);
  uint8_t sz[8];
  signer_wire_put64(sz, fr.size);
  int rc = signer_wire_send(sp->fd, SIGNER_MSG_NOTE, sz, 8, note, nlen, NULL, 0);
  free(note);
  return rc;
}

/* Keep the process out of the way of signals meant for the daemon: it stops when the daemon's
 * end of the socket closes, after the daemon's last checkpoint is signed. */
static void harden(void) {
  signal(SIGINT, SIG_IGN);
  signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);
  prctl(PR_SET_NAME, SIGNER_PROC_NAME, 0, 0, 0);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  prctl(PR_SET_DUMPABLE, 0); /* no core files, no ptrace by the daemon's own user */
  struct rlimit no = {0, 0};
  setrlimit(RLIMIT_CORE, &no);
}

/* Send the KEYS message: what the network-facing process needs, and the signer's state. */
static int send_keys(signer_proc *sp, const sv_daemon_keys *k) {
  uint8_t *msg = sodium_malloc(32 * 4 + 9);
  if (msg == NULL) return -1;
  memcpy(msg, k->noise_sk, 32);
  memcpy(msg + 32, k->noise_pk, 32);
  memcpy(msg + 64, k->log_pk, 32);
  msg[96] = sp->has_state ? 1 : 0;
  signer_wire_put64(msg + 97, sp->fr.size);
  merkle_frontier_root(&sp->fr, msg + 105);
  int rc = signer_wire_send(sp->fd, SIGNER_MSG_KEYS, msg, 137, NULL, 0, NULL, 0);
  sodium_memzero(msg, 137);
  sodium_free(msg);
  return rc;
}

int signer_proc_main(int fd, const char *dir) {
  harden();
  signer_proc sp;
  memset(&sp, 0, sizeof sp);
  sp.fd = fd;
  sp.state.fd = -1;
  char err[1024];
  sv_daemon_keys *keys = NULL;
  int code = 1;
  if (config_load(&sp.cfg, dir, err, sizeof err) != 0) goto fail;
  log_set_level(sp.cfg.log_level);
  char path[1100];
  config_path(&sp.cfg, CONFIG_KEYS_FILE, path, sizeof path);
  keys = daemon_keys_load(path, err, sizeof err);
  if (keys == NULL) goto fail;
  int st = 0;
  sp.signer = note_signer_from_seed(sp.cfg.origin, keys->log_sk, &st);
  if (sp.signer == NULL || note_verifier_init(&sp.verifier, sp.cfg.origin, keys->log_pk) != NOTE_OK) {
    snprintf(err, sizeof err, "cannot set up the log key for origin '%s'", sp.cfg.origin);
    goto fail;
  }
  config_path(&sp.cfg, SIGNER_STATE_FILE, path, sizeof path);
  if (signer_state_open(&sp.state, path, &sp.fr, &sp.has_state, err, sizeof err) != 0) goto fail;
  sp.buf = malloc(SIGNER_MAX_PAYLOAD);
  if (sp.buf == NULL) {
    snprintf(err, sizeof err, "out of memory");
    goto fail;
  }
  if (send_keys(&sp, keys) != 0) goto out;
  /* From here on the signer holds only the log key (in the note signer). */
  daemon_keys_free(keys);
  keys = NULL;
  for (;;) {
    uint8_t type = 0;
    size_t len = 0;
    int got = signer_wire_recv(fd, &type, sp.buf, SIGNER_MAX_PAYLOAD, &len);
    if (got == 0) {
      code = 0;
      break;
    }
    if (got < 0) {
      log_error("signer: reading a request: %s", strerror(errno));
      break;
    }
    int rc = type == SIGNER_MSG_INIT     ? handle_init(&sp, len)
             : type == SIGNER_MSG_EXTEND ? handle_extend(&sp, len)
                                         : reply_error(&sp, "unknown request type %u", type);
    if (rc != 0) {
      log_error("signer: answering: %s", strerror(errno));
      break;
    }
  }
  goto out;
fail:
  log_error("signer: %s", err);
  signer_wire_send(fd, SIGNER_MSG_ERROR, err, strlen(err), NULL, 0, NULL, 0);
out:
  daemon_keys_free(keys);
  note_signer_free(sp.signer);
  signer_state_close(&sp.state);
  free(sp.buf);
  close(fd);
  return code;
}
