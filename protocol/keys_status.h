/* keys_status.h -- the status codes the key formats return (card.h, keyfile.h, identity.h), and
 * their one-line error text. */
#ifndef SAMVIRKE_KEYS_STATUS_H
#define SAMVIRKE_KEYS_STATUS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

enum keys_status {
  KEYS_OK = 0,
  KEYS_ERR_IO = -1,        /* cannot open/read/write the file (see errno text in err) */
  KEYS_ERR_FORMAT = -2,    /* wrong magic, version, algorithm tag, length or encoding */
  KEYS_ERR_SIGNATURE = -3, /* card signature does not verify */
  KEYS_ERR_PERMS = -4,     /* secret key file readable by group or others */
  KEYS_ERR_NOMEM = -5,
  KEYS_ERR_EXISTS = -6,    /* refusing to overwrite an existing key file */
  KEYS_ERR_NAME = -7,      /* card name empty, too long, or with control characters */
};

/* Format a one-line reason into err (errlen bytes); err may be NULL (then nothing). */
__attribute__((format(printf, 3, 4))) static inline void keys_set_err(char *err, size_t errlen,
                                                                      const char *fmt, ...) {
  if (err == NULL || errlen == 0) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, errlen, fmt, ap);
  va_end(ap);
}

#endif
