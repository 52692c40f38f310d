/* netdot.h -- the network map of an area's actors as a Graphviz graph (DOT): the core team in
 * the middle, each actor tied to it by its form of collaboration, and the actors' ties. */
#ifndef SAMVIRKE_CLIENT_NETDOT_H
#define SAMVIRKE_CLIENT_NETDOT_H

#include <stdio.h>

#include "areadata.h"
#include "docwords.h"

/* Write ad's actors and ties as an undirected DOT graph laid out by neato around the core team
 * (long edges, so their labels stay clear of the nodes); the title says how to read the edges. Actor nodes are "a<id>", the team "team"; the edge from the team to an
 * actor is styled by its form (exchange: dashed; partnership: solid; co-creation: bold) and
 * labelled with it in lang; ties between actors are grey, labelled with their text. Every text
 * is escaped for DOT's quoted strings. Returns 0 or -1 on a write error. */
int netdot_write(FILE *f, const area_data *ad, enum doc_lang lang);

/* Write s as a DOT quoted string (quotes included): " and \ escaped, a newline as \n, other
 * control characters as spaces, invalid UTF-8 as U+FFFD. */
void netdot_quote(FILE *f, const char *s);

#endif
