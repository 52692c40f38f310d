/* status_show.h -- `samvirked status`: ask the running daemon for its live figures on its status
 * socket (status_serve.h), add what the database says (log size, last checkpoint, pending
 * notes) and print it all. */
#ifndef SAMVIRKED_STATUS_SHOW_H
#define SAMVIRKED_STATUS_SHOW_H

#include <stdbool.h>
#include <stddef.h>

/* `samvirked status DIR [--json]`: print the daemon's status. Returns 0 when it runs, 3 when it
 * does not (what the database says is printed all the same), -1 with the reason in err. */
int status_show(const char *dir, bool json, char *err, size_t errlen);

#endif
