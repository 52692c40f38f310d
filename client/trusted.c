/* trusted.c -- the client's trusted checkpoint: load it, and advance it only along verified
 * consistency, under a lock and atomically. */
#include "trusted.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "config.h"
#include "merkle.h"
#include "util.h"

#define TRUSTED_FILE "trusted.txt"
#define TRUSTED_LOCK "trusted.lock"

/* <dir>/audit/name into out. 0, or -1 with err when it does not fit. */
static int audit_file(const char *dir, const char *name, char *out, size_t outlen, char *err,
                      size_t errlen) {
  char adir[CLIENT_PATH_MAX];
  if (client_config_path(dir, "audit", adir, sizeof adir) != 0 ||
      client_config_path(adir, name, out, outlen) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  return 0;
}

int trusted_path(const char *dir, char *out, size_t outlen) {
  char err[64];
  return audit_file(dir, TRUSTED_FILE, out, outlen, err, sizeof err);
}

int trusted_load(const char *dir, const note_verifier *v, checkpoint *tr, char *err,
                 size_t errlen) {
  assert(dir != NULL && v != NULL && tr != NULL && err != NULL);
  char path[CLIENT_PATH_MAX], why[600];
  if (audit_file(dir, TRUSTED_FILE, path, sizeof path, err, errlen) != 0) return -1;
  int rc = tlog_checkpoint_read(path, v, tr, NULL, why, sizeof why);
  if (rc < 0) snprintf(err, errlen, "the trusted checkpoint %s", why);
  return rc;
}

/* Create <dir>/audit and take the exclusive lock on its trusted.lock, waiting for another
 * holder to finish. Returns the descriptor that holds the lock (closing it releases the lock),
 * or -1 with err. The lock file is never removed: a removed and re-created lock file would let
 * two holders in at once. */
static int trusted_lock(const char *dir, char *err, size_t errlen) {
  char adir[CLIENT_PATH_MAX], path[CLIENT_PATH_MAX];
  if (client_config_path(dir, "audit", adir, sizeof adir) != 0 ||
      audit_file(dir, TRUSTED_LOCK, path, sizeof path, err, errlen) != 0) {
    snprintf(err, errlen, "identity directory path too long");
    return -1;
  }
  if (client_config_mkdir(adir, err, errlen) != 0) return -1;
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  while (flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    snprintf(err, errlen, "%.400s: cannot lock: %s", path, strerror(errno));
    close(fd);
    return -1;
  }
  return fd;
}

/* Write note as the trusted checkpoint: a temporary file, synced, renamed over trusted.txt,
 * then the directory synced so the rename survives a crash. The caller holds the lock.
 * 0, or -1 with err (the old file is then untouched). */
static int trusted_store(const char *dir, const char *note, size_t notelen, char *err,
                         size_t errlen) {
  char adir[CLIENT_PATH_MAX], path[CLIENT_PATH_MAX];
  if (client_config_path(dir, "audit", adir, sizeof adir) != 0 ||
      audit_file(dir, TRUSTED_FILE, path, sizeof path, err, errlen) != 0)
    return -1;
  if (util_write_file(path, note, notelen, 0600) != 0) {
    snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
    return -1;
  }
  int dfd = open(adir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0 || fsync(dfd) != 0) {
    snprintf(err, errlen, "%.400s: %s", adir, strerror(errno));
    if (dfd >= 0) close(dfd);
    return -1;
  }
  close(dfd);
  return 0;
}

/* True when the trusted checkpoint now (cur, have_cur) is the one the caller read (seen). */
static bool same_trusted(const checkpoint *seen, const checkpoint *cur, bool have_cur) {
  if (seen == NULL || !have_cur) return seen == NULL && !have_cur;
  return seen->size == cur->size && sodium_memcmp(seen->root, cur->root, 32) == 0;
}

/* The decision of trusted_accept against the trusted checkpoint tr (NULL: none), without I/O.
 * Returns a trusted_outcome or a trusted_error (not STALE) with err. */
static int trusted_decide(const checkpoint *tr, const checkpoint *cp, const trusted_link *link,
                          char *err, size_t errlen) {
  if (tr == NULL) return TRUSTED_FIRST;
  if (cp->size < tr->size) {
    snprintf(err, errlen,
             "rollback: the server's checkpoint (size %llu) is older than the checkpoint this "
             "client already trusted (size %llu)",
             (unsigned long long)cp->size, (unsigned long long)tr->size);
    return TRUSTED_ERR_ROLLBACK;
  }
  if (cp->size == tr->size) {
    if (sodium_memcmp(cp->root, tr->root, 32) == 0) return TRUSTED_SAME;
    snprintf(err, errlen, "fork: the server signed two different trees of size %llu",
             (unsigned long long)cp->size);
    return TRUSTED_ERR_FORK;
  }
  bool linked;
  if (link != NULL && link->has_prefix && link->prefix_size == tr->size) {
    linked = sodium_memcmp(link->prefix_root, tr->root, 32) == 0;
  } else if (link != NULL && link->proof != NULL) {
    linked = merkle_verify_consistency(tr->size, cp->size,
                                       (const uint8_t(*)[MERKLE_HASH_LEN])link->proof->hash,
                                       link->proof->n, tr->root, cp->root);
  } else {
    snprintf(err, errlen,
             "no consistency proof from the trusted checkpoint (size %llu) to size %llu",
             (unsigned long long)tr->size, (unsigned long long)cp->size);
    return TRUSTED_ERR_NO_PROOF;
  }
  if (!linked) {
    snprintf(err, errlen,
             "fork: the server's checkpoint (size %llu) is not consistent with the checkpoint "
             "this client already trusted (size %llu)",
             (unsigned long long)cp->size, (unsigned long long)tr->size);
    return TRUSTED_ERR_FORK;
  }
  return TRUSTED_ADVANCED;
}

int trusted_accept(const char *dir, const note_verifier *v, const checkpoint *seen,
                   const checkpoint *cp, const char *note, size_t notelen,
                   const trusted_link *link, char *err, size_t errlen) {
  assert(dir != NULL && v != NULL && cp != NULL && note != NULL && err != NULL);
  int lock = trusted_lock(dir, err, errlen);
  if (lock < 0) return TRUSTED_ERR;
  checkpoint cur;
  int have = trusted_load(dir, v, &cur, err, errlen);
  int rc = TRUSTED_ERR;
  if (have < 0) goto out;
  if (!same_trusted(seen, &cur, have == 1)) {
    snprintf(err, errlen,
             "the trusted checkpoint changed meanwhile (another samvirke of this identity); "
             "try again");
    rc = TRUSTED_ERR_STALE;
    goto out;
  }
  rc = trusted_decide(have == 1 ? &cur : NULL, cp, link, err, errlen);
  if ((rc == TRUSTED_FIRST || rc == TRUSTED_ADVANCED) &&
      trusted_store(dir, note, notelen, err, errlen) != 0)
    rc = TRUSTED_ERR;
out:
  close(lock); /* releases the lock */
  return rc;
}
