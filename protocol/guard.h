/* guard.h -- privacy and sanity guards on area data, shared by the daemon (which enforces them)
 * and the client (which warns early): CPR-shaped numbers, labels, coordinates. */
#ifndef SAMVIRKE_GUARD_H
#define SAMVIRKE_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* The message both daemon and client give when text looks like personal data. */
#define GUARD_CPR_MESSAGE                                                                  \
  "the text contains something shaped like a CPR number; information about individuals "  \
  "belongs in a restricted note, not in area data"
#define GUARD_LABEL_MAX 64 /* longest area name or category, bytes */

/* True when DD-MM-YY with the first digit of the serial (digit7, 0..9) is a date a CPR number
 * can carry. The century follows the CPR office's rule from digit7 and YY:
 *   0-3: 1900+YY;  4, 9: 2000+YY when YY <= 36, else 1900+YY;
 *   5-8: 2000+YY when YY <= 57, else 1800+YY.
 * Leap years are Gregorian (2000 is one, 1900 and 1800 are not). */
bool guard_cpr_date_valid(int dd, int mm, int yy, int digit7);

/* Look for a CPR-shaped number in text (len bytes, need not be NUL-terminated): six digits
 * DDMMYY with a valid date (see guard_cpr_date_valid), then either four digits directly, or one
 * separator and four digits. Separators: '-', ' ', and the Unicode hyphens U+2010, U+2011,
 * U+2012, U+2013 and minus U+2212 (UTF-8). The whole must not be part of a longer run of ASCII
 * digits (no digit right before or right after it). Returns true at the first match, with its
 * byte offset and length in *off and *mlen (either may be NULL). No modulus-11 check: numbers
 * issued since 2007 need not pass it. */
bool guard_find_cpr(const char *text, size_t len, size_t *off, size_t *mlen);

/* True when s (len bytes) is a short label (area name, category): 1..max bytes of valid UTF-8,
 * no control characters (C0, DEL, C1), no tab or newline, not starting or ending with a space. */
bool guard_label_valid(const char *s, size_t len, size_t max);

/* True when lat is in [-90, 90] and lon in [-180, 180] (finite). */
bool guard_coords_valid(double lat, double lon);

#endif
