/* faultboot.c -- start-up of the fault-injecting test daemon (samvirked_faults): before main,
 * attach the control block (SVFAULT_CTL), install the failing allocators (faultmem.c), enable
 * the power-cut simulation (SVFAULT_POWERCUT) and install the fault VFS as SQLite's default;
 * and record every note the daemon signs
 * (SVFAULT_SIGNLOG), so a test can check that no checkpoint was signed for a tree the log
 * does not hold. Linked only into test binaries; the release daemon has none of this. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultctl.h"
#include "faultmem.h"
#include "faultvfs.h"
#include "powercut.h"
#include "signed_note.h"

__attribute__((constructor)) static void faultboot(void) {
  faultctl_attach();
  if (faultmem_init() != 0) { /* before anything initialises SQLite */
    fprintf(stderr, "samvirked_faults: cannot install the failing allocator under SQLite\n");
    abort();
  }
  const char *pc = getenv("SVFAULT_POWERCUT");
  if (pc != NULL && pc[0] != '\0' && powercut_init(pc) != 0) {
    fprintf(stderr, "samvirked_faults: cannot use power-cut directory %s\n", pc);
    abort();
  }
  if (faultvfs_register() != 0) {
    fprintf(stderr, "samvirked_faults: cannot register the fault VFS\n");
    abort();
  }
  faultmem_start();
}

int __real_note_sign(const char *text, size_t len, const note_signer *const *signers,
                     size_t nsigners, char **out, size_t *outlen);
int __wrap_note_sign(const char *text, size_t len, const note_signer *const *signers,
                     size_t nsigners, char **out, size_t *outlen);

/* note_sign, and one line "signed <size> <root>" (the note text's second and third lines) per
 * signed note appended to SVFAULT_SIGNLOG. */
int __wrap_note_sign(const char *text, size_t len, const note_signer *const *signers,
                     size_t nsigners, char **out, size_t *outlen) {
  int rc = __real_note_sign(text, len, signers, nsigners, out, outlen);
  const char *path = getenv("SVFAULT_SIGNLOG");
  if (rc != NOTE_OK || path == NULL || path[0] == '\0') return rc;
  const char *l2 = memchr(text, '\n', len);
  const char *l3 = l2 ? memchr(l2 + 1, '\n', len - (size_t)(l2 + 1 - text)) : NULL;
  const char *end = l3 ? memchr(l3 + 1, '\n', len - (size_t)(l3 + 1 - text)) : NULL;
  if (end == NULL) return rc;
  char line[512];
  int n = snprintf(line, sizeof line, "signed %.*s %.*s\n", (int)(l3 - l2 - 1), l2 + 1,
                   (int)(end - l3 - 1), l3 + 1);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0 && n > 0 && n < (int)sizeof line) {
    ssize_t w = write(fd, line, (size_t)n); /* a short write shows as a missing line */
    (void)w;
  }
  if (fd >= 0) close(fd);
  return rc;
}
