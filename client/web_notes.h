/* web_notes.h -- the restricted notes' JSON API of `samvirke web` (core team): members, notes,
 * note (decrypted here), acknowledge, send. */
#ifndef SAMVIRKE_WEB_NOTES_H
#define SAMVIRKE_WEB_NOTES_H

#include <stddef.h>
#include <stdint.h>

#include "directory.h"
#include "envelope.h"
#include "web_server.h"

/* Open envelope env for this member: its sender's card proven against the audit log first
 * (directory_trust_card, into *t), then verified and decrypted. On success returns 0 with *h,
 * *t and *body (sodium memory: envelope_free_body(*body, *blen)); else answers r and returns
 * -1. */
int web_notes_open(web_req *r, const uint8_t *env, size_t elen, envelope_header *h,
                   directory_trust *t, uint8_t **body, size_t *blen);

/* The fields of an envelope's form: purpose (a purpose code, policy_purpose_code_valid), [area]
 * (a label) and body (multi-line text, *blen bytes). Returns 0, or -1 after answering r. */
int web_notes_fields(web_req *r, const char **purpose, const char **area, const char **body,
                     size_t *blen);

extern const web_route web_notes_routes[];

#endif
