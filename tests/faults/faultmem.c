/* faultmem.c -- allocation-failure injection (see faultmem.h). Test builds only. */
#include "faultmem.h"

#include <errno.h>
#include <fcntl.h>
#include <msgpack.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultctl.h"

static int counting;
static int trace; /* SVFAULT_TRACE set: print where each injected failure happened */

/* The sanitizers' stack printer, when the build has them. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

/* Whether the next allocation of kind k fails. */
static int fails(enum fault_kind k) {
  if (!counting) return 0;
  if (faultctl_hit(k) == 0) return 0;
  if (trace && __sanitizer_print_stack_trace != NULL) {
    fprintf(stderr, "samvirked_faults: allocation %llu fails here:\n",
            (unsigned long long)faultctl_last(k));
    __sanitizer_print_stack_trace();
  }
  errno = ENOMEM;
  return 1;
}

/* WRAP(type, name, (params), (args)): __wrap_name fails as an allocation failure does
 * (NULL, errno ENOMEM) or calls the real name (-Wl,--wrap=name). */
#define WRAP(type, name, params, args)                                                        \
  type __real_##name params;                                                                  \
  type __wrap_##name params;                                                                  \
  type __wrap_##name params { return fails(FK_MALLOC) ? NULL : __real_##name args; }

WRAP(void *, malloc, (size_t n), (n))
WRAP(void *, calloc, (size_t n, size_t size), (n, size))
WRAP(void *, realloc, (void *p, size_t n), (p, n))
WRAP(char *, strdup, (const char *s), (s))
WRAP(void *, sodium_malloc, (size_t n), (n))
WRAP(msgpack_zone *, msgpack_zone_new, (size_t chunk_size), (chunk_size))

msgpack_unpack_return __real_msgpack_unpack_next(msgpack_unpacked *result, const char *data,
                                                 size_t len, size_t *off);
msgpack_unpack_return __wrap_msgpack_unpack_next(msgpack_unpacked *result, const char *data,
                                                 size_t len, size_t *off);
/* The unpacker allocates the decoded objects in its zone: a failure there is its NOMEM. */
msgpack_unpack_return __wrap_msgpack_unpack_next(msgpack_unpacked *result, const char *data,
                                                 size_t len, size_t *off) {
  if (fails(FK_MALLOC)) return MSGPACK_UNPACK_NOMEM_ERROR;
  return __real_msgpack_unpack_next(result, data, len, off);
}

void *faultmem_real_malloc(size_t n) { return __real_malloc(n); }
void *faultmem_real_calloc(size_t n, size_t size) { return __real_calloc(n, size); }

/* ---- SQLite's allocator ----------------------------------------------------------------- */

static sqlite3_mem_methods real_mem;

static void *sql_malloc(int n) { return fails(FK_SQLMALLOC) ? NULL : real_mem.xMalloc(n); }
static void sql_free(void *p) { real_mem.xFree(p); }
static void *sql_realloc(void *p, int n) {
  return fails(FK_SQLMALLOC) ? NULL : real_mem.xRealloc(p, n);
}
static int sql_size(void *p) { return real_mem.xSize(p); }
static int sql_roundup(int n) { return real_mem.xRoundup(n); }
static int sql_init(void *a) { return real_mem.xInit(a); }
static void sql_shutdown(void *a) { real_mem.xShutdown(a); }

/* Whether this process was started as `samvirked signer` (argv[1]). */
static int is_signer(void) {
  char buf[256];
  int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  size_t a0 = strlen(buf);
  return (ssize_t)a0 + 1 < n && strcmp(buf + a0 + 1, "signer") == 0;
}

int faultmem_init(void) {
  if (is_signer()) return SQLITE_OK;
  int rc = sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem);
  if (rc != SQLITE_OK) return rc;
  static const sqlite3_mem_methods mine = {sql_malloc, sql_free,     sql_realloc, sql_size,
                                           sql_roundup, sql_init,    sql_shutdown, NULL};
  rc = sqlite3_config(SQLITE_CONFIG_MALLOC, &mine);
  if (rc != SQLITE_OK) return rc;
  const char *t = getenv("SVFAULT_TRACE");
  trace = t != NULL && t[0] != '\0';
  return SQLITE_OK;
}

void faultmem_start(void) {
  if (real_mem.xMalloc != NULL) counting = 1;
}
