/* web_backend.h -- `samvirke web`'s connection to samvirked: the member's identity and one Noise
 * session (client/session.c), reopened when the daemon has closed it. The web interface gives
 * the daemon nothing new: every page's data comes through the same requests the CLI sends. */
#ifndef SAMVIRKE_WEB_BACKEND_H
#define SAMVIRKE_WEB_BACKEND_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "config.h"
#include "keys.h"
#include "session.h"

#define WEB_BACKEND_FRAME_MAX ((64u << 20) + 65536) /* the largest note the daemon can send */

/* Who the daemon says this identity is (its handshake reply). */
typedef struct web_member {
  char name[CARD_NAME_MAX + 1];
  char role[64];
  char keyid[CARD_KEYID_HEX];
} web_member;

typedef struct web_backend {
  client_config cfg;
  sv_identity *id;   /* secret keys, sodium memory */
  session *s;        /* NULL until first needed, and after a transport failure */
  web_member me;     /* from the last handshake */
  char last_error[512];
} web_backend;

/* Load client.conf and the identity of dir, connect once to learn who we are. Fails (-1, one
 * line in err) when no server is configured, the identity cannot be loaded, the daemon cannot be
 * reached, or the key is not enrolled. */
int web_backend_open(web_backend *b, const char *dir, char *err, size_t errlen);

/* Close the session and wipe the identity. */
void web_backend_close(web_backend *b);

/* The live session: pushed events waiting on it are dropped (the pages list notes when they
 * want them), and a session the daemon has closed is replaced by a new one. NULL with err when
 * the daemon cannot be reached. The session stays the backend's. */
session *web_backend_session(web_backend *b, char *err, size_t errlen);

/* Send req and wait for the answer, as session_call (0 ok, 1 the daemon said no with err
 * "code: message", -1 transport failure with err). A read (retry true) whose connection turns
 * out to be dead is retried once on a fresh connection; a change never is, since the daemon may
 * have done it. resp is initialised in every case; the caller destroys it. */
int web_backend_call(web_backend *b, sv_request *req, msgpack_unpacked *resp, bool retry,
                     char *err, size_t errlen);

/* The error code of the last call that returned 1 ("" otherwise), and its audit number. */
const char *web_backend_error_code(web_backend *b);
bool web_backend_last_audit(web_backend *b, uint64_t *seq);

/* True for the roles of the default policy's SSP regime (coordinator, ssp, police): the ones
 * an individual note may go to, and whose pages show the core team's work. The client cannot
 * see the daemon's policy, so this decides only what the pages offer and what the client
 * refuses to send; the daemon decides every request under its own policy. */
bool web_backend_regime_role(const char *role);

/* Forget the session (after a failure that leaves it unusable). */
void web_backend_drop(web_backend *b);

#endif
