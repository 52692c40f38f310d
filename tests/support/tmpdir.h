/* tmpdir.h -- test support: temporary directories, hex, and vector file helpers. */
#ifndef SAMVIRKE_TEST_TMPDIR_H
#define SAMVIRKE_TEST_TMPDIR_H

#include <stddef.h>
#include <stdint.h>

/* Create a fresh directory under $TMPDIR (or /tmp). Returns a malloc'd path; caller frees. */
char *test_mkdtemp(const char *prefix);
/* Remove a directory tree created by test_mkdtemp. */
void test_rmtree(const char *path);
/* Decode hex into a malloc'd buffer; *len receives its size. Aborts on bad hex. */
uint8_t *test_unhex(const char *hex, size_t *len);
/* Path of a file of the source tree: $SAMVIRKE_SOURCE/REL (aborts when SAMVIRKE_SOURCE is
 * unset). Returns a malloc'd path. */
char *test_source_path(const char *rel);
/* Path of a published vector file: $SAMVIRKE_VECTORS/NAME. Returns a malloc'd path. */
char *test_vector_path(const char *name);
/* Read a whole file into a malloc'd NUL-terminated buffer; *len may be NULL. Aborts on error. */
char *test_read_file(const char *path, size_t *len);

/* One of this project's own vector files (tests/vectors/NAME under $SAMVIRKE_SOURCE, or the
 * working directory): "key = value" lines; lines starting with '#' and empty lines skipped. */
typedef struct test_kv_file {
  char *text; /* the file, cut into keys and values in place */
  struct {
    const char *key, *val;
  } kv[128];
  int n;
} test_kv_file;
/* Load and split tests/vectors/NAME. Aborts on a line without " = " or more than 128 pairs. */
void test_kv_load(test_kv_file *f, const char *name);
/* The value of key; aborts when the file lacks it. */
const char *test_kv_get(const test_kv_file *f, const char *key);
/* True when the file has key. */
int test_kv_has(const test_kv_file *f, const char *key);
/* The hex value of key decoded into a malloc'd buffer; aborts unless it is want bytes long
 * (want 0: any length, stored in *len when len is not NULL). */
uint8_t *test_kv_hex(const test_kv_file *f, const char *key, size_t want, size_t *len);
void test_kv_free(test_kv_file *f);

#endif
