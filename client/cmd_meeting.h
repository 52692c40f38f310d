/* cmd_meeting.h -- `samvirke meeting ...`: meetings in two tracks (the core team's own and the
 * area meeting with partners): plan, draft the agenda, minutes, decisions, the printable pack. */
#ifndef SAMVIRKE_CMD_MEETING_H
#define SAMVIRKE_CMD_MEETING_H

#include <msgpack.h>
#include <stdio.h>

#include "cli.h"
#include "docwords.h"

/* Sub-table for the row {"meeting", NULL, help, cmd_meeting_table}. */
extern const cli_cmd cmd_meeting_table[];

/* Word one item of a meeting.draft result (PROTOCOL.md) as an agenda item in lang into out:
 * "Ny udfordring #12 (tryghed): ...", "Overskredet: indsats I4 ...". Texts are cut to about
 * 200 bytes at a character boundary. */
void meeting_draft_text(const msgpack_object *item, enum doc_lang lang, char *out, size_t n);

#endif
