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

/* Look for a CPR-shaped number in text (len bytes of UTF-8, need not be NUL-terminated).
 *
 * The text is first normalised character by character (Unicode data from utf8proc): each
 * character is replaced by its compatibility decomposition (NFKC and NFKD agree on the digits,
 * spaces, dashes and dots matched here: fullwidth digits become ASCII, U+00A0 a space, U+FE63
 * a hyphen), and format characters (category Cf: zero-width spaces and joiners, soft hyphen,
 * bidi controls, ...), other default-ignorable characters and combining marks are dropped.
 * Every decimal digit (category Nd, any script) counts as its digit; every space separator
 * (category Zs) as a space; every dash (category Pd) and U+2212 minus as a dash.
 *
 * A match is DDMMYY (or DD.MM.YY) forming a valid date (see guard_cpr_date_valid), then four
 * digits NNNN, where between YY and NNNN stands:
 *   - nothing, or one space (only after DDMMYY without dots),
 *   - one dash, optionally with one space on either side or both ("010190 - 1234").
 * The whole must not be part of a longer run of digits (no digit right before or right after
 * it, after normalisation). Returns true at the first match, with the byte offset and length
 * of the original text it covers in *off and *mlen (either may be NULL). Bytes that are not
 * valid UTF-8 count as other characters. No modulus-11 check: numbers issued since 2007 need
 * not pass it. */
bool guard_find_cpr(const char *text, size_t len, size_t *off, size_t *mlen);

/* Why a label is refused (GUARD_LABEL_OK when it is not). */
enum guard_label_status {
  GUARD_LABEL_OK = 0,
  GUARD_LABEL_LENGTH,      /* empty or longer than max bytes */
  GUARD_LABEL_ENCODING,    /* not valid UTF-8 */
  GUARD_LABEL_CONTROL,     /* control characters, tab, newline, line or paragraph separators */
  GUARD_LABEL_INVISIBLE,   /* format, bidi control or other default-ignorable characters */
  GUARD_LABEL_UNASSIGNED,  /* unassigned or private-use code points */
  GUARD_LABEL_SPACING,     /* space at the start or end, two spaces in a row, leading mark */
  GUARD_LABEL_NORMALISED,  /* not in Unicode normalisation form C */
  GUARD_LABEL_MIXED_SCRIPT /* letters from scripts that are not used together */
};

/* Check a short label (area name, category): 1..max bytes of valid UTF-8 in NFC, no control
 * characters (C0, DEL, C1, U+2028, U+2029), no tab or newline, no format, bidi control or other
 * default-ignorable characters (so "Vollsmose" and "Vollsmose" + U+200B cannot both exist), no
 * unassigned or private-use code points, no space separator at either end or two in a row, no
 * combining mark first, and its letters from one script -- or from Latin and one other script
 * that is neither Cyrillic nor Greek (UTS #39's "moderately restrictive" level, with Script
 * Extensions from ICU), so a Cyrillic "о" cannot hide inside a Latin name. Returns the first
 * rule broken, or GUARD_LABEL_OK. */
enum guard_label_status guard_label_check(const char *s, size_t len, size_t max);

/* True when guard_label_check finds nothing wrong. */
bool guard_label_valid(const char *s, size_t len, size_t max);

/* What is wrong with a label, for status, in words for people; it reads after the label's name
 * ("area name" + " " + message). */
const char *guard_label_message(enum guard_label_status status);

/* The form under which two labels count as the same: NFKC, case folded, default-ignorable
 * characters dropped, spaces and dashes lumped (utf8proc's LUMP: U+00A0 is a space, an en
 * dash a hyphen). s must be a valid label. Returns a malloc'd NUL-terminated string (caller
 * frees), or NULL when out of memory or s is not valid UTF-8. */
char *guard_label_key(const char *s, size_t len);

/* True when lat is in [-90, 90] and lon in [-180, 180] (finite). */
bool guard_coords_valid(double lat, double lon);

/* How far from the middle of an area's other points a new point may lie. A housing area is a
 * few kilometres across; a point beyond this is a typing error, most often latitude and
 * longitude swapped (which moves a Danish point thousands of kilometres). */
#define GUARD_AREA_RADIUS_KM 25.0

/* Great-circle distance in kilometres between two points (degrees; haversine on a sphere of
 * the mean Earth radius, 6371.0088 km). */
double guard_distance_km(double lat1, double lon1, double lat2, double lon2);

/* The middle of n >= 1 points: the median latitude and the median longitude, each taken on
 * its own (the mean of the two middle values for an even n), so a few wrong points do not move
 * it. Sorts lat and lon in place. */
void guard_median_point(double *lat, double *lon, size_t n, double *mid_lat, double *mid_lon);

/* A running median: values are added one at a time and the median of all added so far is
 * the one guard_median_point takes (the middle value, or the mean of the two middle ones),
 * at O(log n) per value. Zero-initialise; free with guard_median_free. */
typedef struct guard_median {
  double *lo; /* the lower half, negated, as a min-heap (its top is the half's largest) */
  double *hi; /* the upper half as a min-heap; nlo == nhi or nlo == nhi + 1 */
  size_t nlo, nhi, caplo, caphi;
} guard_median;

/* Add x (finite). Returns 0, or -1 when out of memory (m unchanged). */
int guard_median_add(guard_median *m, double x);
/* How many values were added. */
size_t guard_median_count(const guard_median *m);
/* The median of the values added (at least one). */
double guard_median_value(const guard_median *m);
void guard_median_free(guard_median *m);

#endif
