/* concern_seal.h -- hand in a concern: ask the daemon for the regime's intake recipients, prove
 * each of their cards against the audit log, seal the text to them (class concern) and submit
 * it. Shared by `samvirke concern submit` and `samvirke web`. */
#ifndef SAMVIRKE_CONCERN_SEAL_H
#define SAMVIRKE_CONCERN_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "concern_receipts.h"
#include "config.h"
#include "keys.h"
#include "session.h"

/* Seal body (blen bytes, not empty) as `me` to the intake recipients named over s and submit
 * it, with purpose and area (may be NULL) in its header. On success returns 0 with the receipt
 * in *out (id, audit number, time, area) and the number of recipients in *nrecipients. Returns
 * 1 when the daemon refused a request (err "code: message", session_last_error_code(s) set),
 * -1 for any other failure (one line in err). The caller keeps the receipt
 * (concern_receipt_save). */
int concern_seal_submit(session *s, const client_config *cfg, const sv_identity *me,
                        const char *area, const char *purpose, const uint8_t *body, size_t blen,
                        concern_receipt *out, size_t *nrecipients, char *err, size_t errlen);

/* What became of receipt id, asked over s: *state "received", "handled" or "unknown" (the
 * daemon knows no such receipt of this member), *when it was handed in (0 when unknown) and
 * the audit number of the question. Returns 0, 1 (the daemon refused: err "code: message") or
 * -1 (transport failure, err). */
int concern_receipt_state(session *s, const uint8_t id[16], const char **state, uint64_t *when,
                          uint64_t *audit, char *err, size_t errlen);

#endif
