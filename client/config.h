/* config.h -- the client's state in its identity directory: identity key, card, client.conf. */
#ifndef SAMVIRKE_CLIENT_CONFIG_H
#define SAMVIRKE_CLIENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys.h"

#define CLIENT_IDENTITY_FILE "identity.key"
#define CLIENT_CARD_FILE "card.txt"
#define CLIENT_CONF_FILE "client.conf"
#define CLIENT_PATH_MAX 4096
#define CLIENT_ADDR_MAX 512
#define CLIENT_LOGKEY_MAX 512

/* The contents of client.conf plus the directory it came from. */
typedef struct client_config {
  char dir[CLIENT_PATH_MAX];       /* the identity directory */
  char server[CLIENT_ADDR_MAX];    /* "host:port", "[v6]:port" or "unix:/path"; "" if unset */
  uint8_t server_key[32];          /* the daemon's Noise static public key */
  bool has_server_key;
  char log_key[CLIENT_LOGKEY_MAX]; /* C2SP verifier key "<origin>+<keyid>+<base64>"; "" if unset */
} client_config;

/* The default identity directory: $XDG_CONFIG_HOME/samvirke if XDG_CONFIG_HOME is set and
 * absolute, else $HOME/.config/samvirke. Returns 0, or -1 with a reason in err. */
int client_config_default_dir(char *out, size_t outlen, char *err, size_t errlen);

/* path = dir "/" file. Returns 0, or -1 if it does not fit. */
int client_config_path(const char *dir, const char *file, char *out, size_t outlen);

/* Create dir (and missing parents) with mode 0700. An existing directory is accepted.
 * Returns 0, or -1 with a reason in err. */
int client_config_mkdir(const char *dir, char *err, size_t errlen);

/* Read dir/client.conf into cfg. A missing file gives an empty config (returns 0). Lines are
 * "key = value"; '#' starts a comment; unknown keys and malformed values are errors naming
 * file:line. Returns 0, or -1 with a reason in err. */
int client_config_load(const char *dir, client_config *cfg, char *err, size_t errlen);

/* Write cfg to cfg->dir/client.conf (atomically, mode 0600). Returns 0, or -1 with err. */
int client_config_save(const client_config *cfg, char *err, size_t errlen);

/* Check a server address: "host:port" (port 1-65535, host non-empty; IPv6 in brackets) or
 * "unix:/absolute/or/relative/path". Returns 0, or -1 with a reason in err. */
int client_config_check_address(const char *addr, char *err, size_t errlen);

/* Check a C2SP verifier key's shape: "<name>+<8 hex digits>+<base64 of 33 bytes>". */
int client_config_check_log_key(const char *vkey, char *err, size_t errlen);

/* Fail unless a server address and key are configured: err tells the user what to run. */
int client_config_require_server(const client_config *cfg, char *err, size_t errlen);

/* True if dir/identity.key exists. */
bool client_config_has_identity(const char *dir);

/* Load dir/identity.key. NULL with a one-line reason in err (saying to run 'samvirke init'
 * when there is none). Caller frees with identity_free. */
sv_identity *client_config_load_identity(const char *dir, char *err, size_t errlen);

#endif
