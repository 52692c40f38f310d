/* web_notes.h -- the restricted notes' JSON API of `samvirke web` (core team): members, notes,
 * note (decrypted here), acknowledge, send. */
#ifndef SAMVIRKE_WEB_NOTES_H
#define SAMVIRKE_WEB_NOTES_H

#include "web_server.h"

extern const web_route web_notes_routes[];

#endif
