/* server.h -- the daemon process: configuration, keys, storage, the request module, listeners,
 * signals (SIGHUP reloads the policy) and orderly shutdown. */
#ifndef SAMVIRKED_SERVER_H
#define SAMVIRKED_SERVER_H

#include "auditlog.h"

/* Run the daemon from directory dir (absolute) until SIGTERM/SIGINT, checking the audit log at
 * start as verify says. Returns the process exit code. */
int server_run(const char *dir, enum auditlog_verify verify);

#endif
