/* web_tracks.h -- the two tracks' JSON API of `samvirke web`: area status, links, meetings. */
#ifndef SAMVIRKE_WEB_TRACKS_H
#define SAMVIRKE_WEB_TRACKS_H

#include "web_server.h"

extern const web_route web_tracks_routes[];

#endif
