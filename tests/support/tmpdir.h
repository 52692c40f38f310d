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
/* Path of a published vector file: $SAMVIRKE_VECTORS/NAME. Returns a malloc'd path. */
char *test_vector_path(const char *name);
/* Read a whole file into a malloc'd NUL-terminated buffer; *len may be NULL. Aborts on error. */
char *test_read_file(const char *path, size_t *len);

#endif
