/* web_area.h -- the area pages' JSON API of `samvirke web`: areas, observations, interventions. */
#ifndef SAMVIRKE_WEB_AREA_H
#define SAMVIRKE_WEB_AREA_H

#include "web_server.h"

extern const web_route web_area_routes[];

#endif
