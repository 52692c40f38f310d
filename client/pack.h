/* pack.h -- the meeting pack: one printable HTML page for a meeting (agenda, the area's map,
 * open interventions, decisions, minutes), self-contained (no scripts, nothing fetched). */
#ifndef SAMVIRKE_CLIENT_PACK_H
#define SAMVIRKE_CLIENT_PACK_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "areadata.h"
#include "docwords.h"

typedef struct pack_item {
  char *text;
  uint64_t observation, intervention; /* 0 when the item is about neither */
} pack_item;

/* A meeting as the pack needs it (strings malloc'd; "" for none). */
typedef struct pack_meeting {
  bool core;
  uint64_t id, time;
  char *area, *title;
  char **attendees;
  size_t nattendees;
  pack_item *items;
  size_t nitems;
  uint64_t *decisions;
  size_t ndecisions;
  char *minutes_text;  /* the area track's minutes; NULL when none (or core track) */
  bool minutes_sealed; /* the core track has encrypted minutes */
} pack_meeting;

/* Fill m from a meeting map of the daemon (PROTOCOL.md, "Meetings in two tracks"). Returns 0,
 * or -1 when it is not one or memory runs out (m is then still safe to free). */
int pack_meeting_from(const msgpack_object *map, pack_meeting *m);
void pack_meeting_free(pack_meeting *m);

/* Write the pack of meeting m in area ad, with the area's map svg (svglen bytes of mapsvg's
 * output; its XML declaration is left out; NULL for none), in lang; now is the print time.
 * Every text is escaped. Returns 0 or -1 on a write error. */
int pack_write_html(FILE *f, const pack_meeting *m, const area_data *ad, const char *svg,
                    size_t svglen, enum doc_lang lang, uint64_t now);

#endif
