/* admin.h -- offline administration of a daemon directory: init and info. */
#ifndef SAMVIRKED_ADMIN_H
#define SAMVIRKED_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

/* Create dir with daemon keys, config, default policy and database; register admin_card (a
 * member card file, or NULL) as the first coordinator, then each "CARD:ROLE" of members (a
 * tool for tests and for seeding a team). Returns 0 or -1 with a reason in err. */
int admin_init(const char *dir, const char *origin, const char *admin_card,
               const char *const *members, size_t nmembers, char *err, size_t errlen);
/* Print the address, socket, Noise public key and log verifier key of dir. */
int admin_info(const char *dir, bool json, char *err, size_t errlen);

#endif
