/* cmdutil.h -- steps shared by commands: config and session, one call, fields of answers, output. */
#ifndef SAMVIRKE_CMDUTIL_H
#define SAMVIRKE_CMDUTIL_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "codec.h"
#include "config.h"
#include "json.h"
#include "session.h"

/* The audit sequence number "none" (the response carried no "audit"). */
#define CMDUTIL_NO_AUDIT UINT64_MAX

/* cli_parse for a command without positional arguments: one given is reported as a usage
 * error ("unexpected argument 'X'"). Returns -1 when the command must return *status right
 * away (help printed: CLI_OK; usage error reported: CLI_USAGE), else 0. */
int cmdutil_parse_noargs(int argc, char **argv, cli_ctx *ctx, const cli_opt *opts, int *status);

/* Load client.conf from the identity directory. On failure prints one line on stderr and
 * returns -1. */
int cmdutil_load_config(const cli_ctx *ctx, client_config *cfg);

/* Load the config and identity and connect to the configured server, accepting response
 * frames up to max_frame bytes (0: FRAME_DEFAULT_MAX). On failure prints one line on stderr and
 * returns NULL. On success *id holds the identity (caller frees it with identity_free after
 * session_close, or right away: the session keeps no reference). */
session *cmdutil_open_session_max(const cli_ctx *ctx, client_config *cfg, sv_identity **id,
                                  size_t max_frame);

/* cmdutil_open_session_max with the default frame limit. */
session *cmdutil_open_session(const cli_ctx *ctx, client_config *cfg, sv_identity **id);

/* cmdutil_open_session for commands that need no identity afterwards (it is freed here). */
session *cmdutil_open(const cli_ctx *ctx, client_config *cfg);

/* Send req over s and wait for its answer. On failure (transport, or the daemon said no)
 * prints "samvirke: WHAT: reason" on stderr and returns -1; 0 on success. resp is initialised
 * in every case and the caller must msgpack_unpacked_destroy it. req stays the caller's. */
int cmdutil_call(session *s, sv_request *req, msgpack_unpacked *resp, const char *what);

/* Connect with the configured identity and server, send req, wait for its answer and close.
 * Returns CLI_OK with resp holding the response (*result points at its "result", *audit is the
 * audit sequence or CMDUTIL_NO_AUDIT), or CLI_FAIL after printing one line "samvirke: what:
 * reason" on stderr. Either way the caller destroys resp; req stays the caller's. */
int cmdutil_request(const cli_ctx *ctx, const char *what, sv_request *req,
                    msgpack_unpacked *resp, const msgpack_object **result, uint64_t *audit);

/* Initialise *req for op with up to two string arguments (a NULL value is left out). Returns
 * 0, or -1 on allocation failure; the caller frees *req with sv_request_free either way. */
int cmdutil_make_req(sv_request *req, enum sv_op op, enum sv_field f1, const char *v1,
                     enum sv_field f2, const char *v2);

/* The audit sequence number of s's last response, or CMDUTIL_NO_AUDIT. */
uint64_t cmdutil_last_audit(const session *s);

/* ---- fields of a result map (m may be NULL: then every field is absent) ---- */

/* Copy string field key of m into out as a NUL-terminated string, cut to outlen - 1 bytes;
 * "" when absent or not a string. outlen must be > 0. */
void cmdutil_get_str(const msgpack_object *m, const char *key, char *out, size_t outlen);

/* Unsigned field key of m; 0 when absent or not an unsigned integer. */
uint64_t cmdutil_get_uint(const msgpack_object *m, const char *key);

/* Number field key of m (float or integer) into *out; false (and *out untouched) when absent or
 * not a number. Non-finite values are returned as they are. */
bool cmdutil_get_double(const msgpack_object *m, const char *key, double *out);

/* Array field key of m, or NULL when absent or not an array. */
const msgpack_object *cmdutil_get_array(const msgpack_object *m, const char *key);

/* ---- the regime and confirmations ---- */

/* True iff role is one of the SSP regime's roles as the shipped default policy names them
 * (coordinator, ssp, police). The client does not see the daemon's policy: this is what the
 * client refuses or asks about before a request; the daemon decides with its real policy. */
bool cmdutil_regime_role(const char *role);

/* Ask before a change that is hard to undo. With yes (--yes) returns CLI_OK at once. Otherwise,
 * when standard input and standard error are a terminal, prints question and " Type yes to go
 * on: " on stderr and returns CLI_OK only for the answer "yes" (CLI_FAIL after one line
 * "samvirke: WHAT: not confirmed; nothing was changed"). Without a terminal returns CLI_USAGE
 * after one line asking for --yes. */
int cmdutil_confirm(const cli_ctx *ctx, bool yes, const char *what, const char *question);

/* ---- output ---- */

/* Format Unix seconds t with strftime format fmt, in UTC or (local) the local time zone; the
 * decimal number when the time cannot be formatted. out is always NUL-terminated. */
void cmdutil_fmt_time(char *out, size_t outlen, const char *fmt, uint64_t t, bool local)
    __attribute__((format(strftime, 3, 0)));

/* Print "label value" (label padded to 12 columns) for string field key of m, the value made
 * terminal-safe; nothing when the field is absent. */
void cmdutil_print_field(const char *label, const msgpack_object *m, const char *key);

/* Print a member map's identifying fields (name, role, key id, fingerprint) with
 * cmdutil_print_field. */
void cmdutil_print_member(const msgpack_object *m);

/* Write "audit": audit (or null for CMDUTIL_NO_AUDIT) inside an open JSON object. */
void cmdutil_json_audit(json_out *j, uint64_t audit);

/* Print one JSON object on stdout holding the result r and "audit" (cmdutil_json_audit): with
 * key != NULL as {"key": r, "audit": ...}; with key NULL r's string-keyed fields come first,
 * at the top level (keys cut to 63 bytes; nothing when r is not a map). Returns CLI_OK, or
 * CLI_FAIL after printing "cannot write output". */
int cmdutil_print_json_result(const char *key, const msgpack_object *r, uint64_t audit);

#endif
