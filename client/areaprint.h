/* areaprint.h -- area data at the terminal: the client's own guards before text is sent
 * (CPR-shaped numbers, labels), command words joined into a text, and the printing of the
 * daemon's object maps (observations, interventions, links, meetings, actors). */
#ifndef SAMVIRKE_CLIENT_AREAPRINT_H
#define SAMVIRKE_CLIENT_AREAPRINT_H

#include <msgpack.h>
#include <stdbool.h>

/* Refuse locally what the daemon would refuse (the text never leaves): free text must be
 * non-empty valid UTF-8 (newlines allowed) without a CPR-shaped number; a label 1..64 bytes of
 * printable UTF-8 without surrounding spaces and no CPR-shaped number. Each prints one line on
 * stderr and returns CLI_FAIL, or returns CLI_OK. */
int areaprint_check_text(const char *what, const char *text);
int areaprint_check_label(const char *what, const char *s);

/* Join argv[from..to) with single spaces into a malloc'd string (NULL when memory runs out). */
char *areaprint_join(char **argv, int from, int to);

/* Print string field key of m made safe for a terminal ("-" when absent), optionally padded to
 * width display columns (UTF-8 code points). */
void areaprint_str(const msgpack_object *m, const char *key);
void areaprint_str_w(const msgpack_object *m, const char *key, int width);
/* Print Unix-seconds field key of m as local "YYYY-MM-DD HH:MM" ("-" when absent). */
void areaprint_time(const msgpack_object *m, const char *key);
/* Print multi-line text field key of m, each line indented and made safe. */
void areaprint_text_block(const msgpack_object *m, const char *key, const char *indent);

/* One object of the daemon per entry, in the CLI's list layout. */
void areaprint_observation(const msgpack_object *o);
void areaprint_intervention(const msgpack_object *o);

#endif
