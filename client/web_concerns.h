/* web_concerns.h -- concerns' JSON API of `samvirke web`: hand one in (sealed here) and follow
 * its receipt; the regime lists, reads, assigns and closes them. */
#ifndef SAMVIRKE_WEB_CONCERNS_H
#define SAMVIRKE_WEB_CONCERNS_H

#include "web_server.h"

extern const web_route web_concerns_routes[];

#endif
