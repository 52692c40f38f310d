/* audit_print.h -- one audit entry for people and programs: a terminal-safe text line or a JSON
 * object, the same in every audit command. */
#ifndef SAMVIRKE_CLIENT_AUDIT_PRINT_H
#define SAMVIRKE_CLIENT_AUDIT_PRINT_H

#include <stdint.h>
#include <stdio.h>

#include "audit_entry.h"
#include "json.h"

#define AUDIT_TIME_LEN 32

/* Unix milliseconds ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into out. */
void audit_print_time(uint64_t ms, char out[AUDIT_TIME_LEN]);

/* Write e as one JSON object (every field but the salt; time both in milliseconds and as
 * text; "outcome" null and "version" 1 for a version 1 entry) to j. */
void audit_print_json(json_out *j, const audit_entry *e);

/* Print e to f as one line: "#SEQ TIME permit|DENY ACTOR ROLE OP CLASS OBJECT RULE
 * [outcome=CODE] [purpose=P]" (outcome only when a version 2 entry records a failure), control
 * characters made harmless, then a newline. */
void audit_print_line(FILE *f, const audit_entry *e);

#endif
