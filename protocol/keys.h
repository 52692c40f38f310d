/* keys.h -- member identities, signed member cards and daemon keys, and their files: one include
 * for the three formats, each in its own file:
 *   card.h         the signed member card, its encoding, fingerprint and text/file form
 *   keyfile.h      the secret key file container (magic, version, kinds, checksum, 0600)
 *   identity.h     a member's identity and its key file;  daemon_keys.h  the daemon's keys
 * and keys_status.h for the status codes they share. */
#ifndef SAMVIRKE_KEYS_H
#define SAMVIRKE_KEYS_H

#include "card.h"
#include "daemon_keys.h"
#include "identity.h"
#include "keys_status.h"

#endif
