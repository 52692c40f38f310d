/* docwords.h -- the words of the documents samvirke writes for people (maps, network maps,
 * spreadsheets, meeting packs) in Danish, the default, and English. */
#ifndef SAMVIRKE_CLIENT_DOCWORDS_H
#define SAMVIRKE_CLIENT_DOCWORDS_H

#include <stdbool.h>

enum doc_lang { DOC_DA = 0, DOC_EN = 1 };

/* Parse --lang: "da" or "en". Returns 0 and sets *lang, or -1. */
int docwords_lang(const char *s, enum doc_lang *lang);

/* The word for key in lang. A key the table lacks is a bug: it asserts in debug builds and
 * returns the key itself otherwise. Valid for the program's life. */
const char *docwords(enum doc_lang lang, const char *key);

/* The word for a stored value of a field, e.g. docwords_value(DOC_DA, "status", "running") ->
 * "i gang"; the value itself when it is not one the table knows (data from a newer daemon). */
const char *docwords_value(enum doc_lang lang, const char *field, const char *value);

/* For tests: the number of keys, and key i (NULL past the end). */
int docwords_count(void);
const char *docwords_key(int i);

#endif
