/* web_i18n.h -- the words of `samvirke web` in Danish (the default) and English: one table,
 * client/web/strings.txt, used by the server for its own pages and served to the page scripts. */
#ifndef SAMVIRKE_WEB_I18N_H
#define SAMVIRKE_WEB_I18N_H

#include <stddef.h>

typedef enum web_lang { WEB_LANG_DA = 0, WEB_LANG_EN = 1, WEB_LANG__COUNT } web_lang;

typedef struct web_i18n web_i18n;

/* Parse a strings table: lines "KEY<TAB>DANISH<TAB>ENGLISH"; empty lines and lines starting
 * with '#' are skipped. A key is [a-z0-9_.-]+; both texts must be non-empty valid UTF-8 without
 * control characters; "\n" in a text stands for a newline. A duplicate key, a missing column or
 * an empty text is an error naming the line. Returns the table (caller frees with
 * web_i18n_free) or NULL with one line in err. The text is copied. */
web_i18n *web_i18n_new(const char *text, size_t len, char *err, size_t errlen);
void web_i18n_free(web_i18n *t);

/* The text for key in lang; the key itself when the table has none (so a missing word shows
 * as its key instead of crashing or showing nothing). Valid until web_i18n_free. */
const char *web_i18n_get(const web_i18n *t, web_lang lang, const char *key);

/* Number of keys in the table. */
size_t web_i18n_count(const web_i18n *t);

/* The language to use: the ?lang= value of this request when it names one ("da" or "en"),
 * else the remembered choice (the sv_lang cookie), else Danish. Either may be NULL. */
web_lang web_i18n_pick(const char *query_lang, const char *cookie_lang);

/* "da" or "en". */
const char *web_i18n_code(web_lang lang);

/* The script served as /static/strings-LANG.js: "window.SV_T = {KEY: TEXT, ...};\n" with the
 * texts JSON-escaped (and '<' escaped, so the text never closes a tag). Valid until
 * web_i18n_free; *len receives its length. */
const char *web_i18n_script(const web_i18n *t, web_lang lang, size_t *len);

#endif
