/* web_audit.h -- the auditor's JSON API of `samvirke web`: verify the log (in a worker thread,
 * with progress), its refusals and outcomes with names from the verified directory, every entry
 * page by page, and the proof of one entry. */
#ifndef SAMVIRKE_WEB_AUDIT_H
#define SAMVIRKE_WEB_AUDIT_H

#include "web_server.h"

struct web_app;
typedef struct web_audit web_audit;

/* The verification state of app (none yet). NULL when memory runs out. */
web_audit *web_audit_new(struct web_app *app);
/* Stop a running verification, wait for it, free everything. NULL is a no-op. */
void web_audit_free(web_audit *a);

extern const web_route web_audit_routes[];

#endif
