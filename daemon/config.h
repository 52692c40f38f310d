/* config.h -- samvirked's configuration file: defaults, parsing, writing the commented template. */
#ifndef SAMVIRKED_CONFIG_H
#define SAMVIRKED_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define CONFIG_FILE "samvirked.conf"
#define CONFIG_KEYS_FILE "daemon.key"
#define CONFIG_DB_FILE "samvirke.db"

typedef struct config {
  char dir[1024];            /* the daemon's directory (absolute) */
  char listen_host[256];     /* "" disables TCP */
  int listen_port;
  char socket_path[1024];    /* absolute; "" disables the Unix socket */
  char policy_path[1024];    /* absolute */
  char origin[256];          /* checkpoint origin line */
  enum log_level log_level;
  uint32_t max_connections;
  uint32_t handshake_timeout_ms;
  uint32_t idle_timeout_ms;
  uint64_t max_frame;        /* derived: max(max_frame setting, note_max + 64 KiB) */
  uint64_t max_write_queue;  /* bytes queued for one connection before it is dropped */
  uint32_t max_inflight;     /* requests in flight per connection before reading pauses */
  uint64_t note_max;         /* largest note envelope accepted */
  uint64_t note_ttl;         /* seconds a note waits for offline recipients */
  uint32_t note_sweep_ms;    /* how often expired notes are looked for */
  uint32_t retention_sweep_s; /* how often content past its retention is deleted */
  uint64_t invite_ttl;       /* default invite lifetime, seconds */
  uint32_t text_max;         /* longest observation/intervention text, bytes */
  uint32_t batch_max;        /* most requests in one storage transaction */
  uint32_t settle_ms;        /* answers wait this long for a commit after a failed flush */
  /* Connections and keys that have not proven membership (conn.c, admit.c). */
  uint32_t max_handshakes;   /* derived: a quarter of max_connections when above it */
  uint32_t max_unenrolled;
  uint32_t max_per_address;  /* handshaking or unenrolled connections of one IP address */
  uint64_t max_frame_unenrolled; /* largest frame before the key is enrolled */
  uint64_t max_buffered;     /* bytes read or queued for writing, all connections together */
  uint32_t rate_member, rate_member_burst;         /* requests/s per member key; 0: none */
  uint32_t rate_unenrolled, rate_unenrolled_burst; /* per unenrolled key, and per address x4 */
  uint32_t refusal_audit_s;  /* a refused handshake is audited at most once per key per this */
  uint64_t note_quota_recipient; /* bytes of notes waiting for one recipient */
  uint64_t note_quota_total;     /* bytes of notes waiting in all */
} config;

/* Fill c with defaults for directory dir. */
void config_defaults(config *c, const char *dir);
/* Load DIR/samvirked.conf over the defaults. Returns 0, or -1 with "file:line: reason" in err. */
int config_load(config *c, const char *dir, char *err, size_t errlen);
/* Write the commented default configuration file for dir (mode 0644). Returns 0 or -1/errno. */
int config_write_template(const char *dir, const char *origin);
/* Path of a file inside the daemon's directory. */
void config_path(const config *c, const char *name, char *out, size_t outlen);

#endif
