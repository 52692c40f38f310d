/* invite.h -- invite codes: format, parse and hash the one-time codes that admit a new member. */
#ifndef SAMVIRKE_INVITE_H
#define SAMVIRKE_INVITE_H

#include <stdint.h>

/* Invite codes: 20 random bytes written as 32 RFC 4648 base32 symbols in 8 groups of 4
 * separated by '-' (39 characters + NUL). Parsing ignores '-', spaces and letter case.
 * Only SHA-256("samvirke-invite-v1" 0x00 || the 20 bytes) is stored. */
#define INVITE_RAW_LEN 20
#define INVITE_CODE_LEN 40
void invite_format(const uint8_t raw[INVITE_RAW_LEN], char out[INVITE_CODE_LEN]);
/* Returns 0 and fills raw, or -1 when code is not 32 base32 symbols. */
int invite_parse(const char *code, uint8_t raw[INVITE_RAW_LEN]);
void invite_hash(const uint8_t raw[INVITE_RAW_LEN], uint8_t out[32]);

#endif
