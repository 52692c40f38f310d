/* guard.c -- privacy and sanity guards on area data: CPR-shaped numbers, labels, coordinates. */
#include "guard.h"

#include <assert.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uscript.h>
#include <unicode/utypes.h>
#include <utf8proc.h>

#include "util.h"

static bool leap(int year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

bool guard_cpr_date_valid(int dd, int mm, int yy, int digit7) {
  if (yy < 0 || yy > 99 || digit7 < 0 || digit7 > 9 || mm < 1 || mm > 12 || dd < 1) return false;
  int century;
  if (digit7 <= 3)
    century = 1900;
  else if (digit7 == 4 || digit7 == 9)
    century = yy <= 36 ? 2000 : 1900;
  else
    century = yy <= 57 ? 2000 : 1800;
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = days[mm - 1];
  if (mm == 2 && leap(century + yy)) max = 29;
  return dd <= max;
}

/* ---- normalised text, one unit at a time ------------------------------------------------- */

enum unit_kind { U_DIGIT = 0, U_SPACE, U_DASH, U_DOT, U_OTHER }; /* U_DIGIT 0: ascii_unit packs */

typedef struct unit {
  enum unit_kind kind;
  int digit;        /* 0..9 for U_DIGIT */
  size_t start, end; /* bytes of the original character it came from */
} unit;

/* Walks text as the normalised sequence guard_find_cpr matches on. Copying the struct saves
 * the position. */
typedef struct unit_iter {
  const utf8proc_uint8_t *p;
  size_t len, pos;                /* next byte to decode */
  utf8proc_int32_t dec[24];       /* decomposition of the current character */
  int ndec, idec;                 /* its length, and the next one to hand out */
  size_t cstart, cend;            /* the current character's bytes */
} unit_iter;

static const utf8proc_property_t *prop(utf8proc_int32_t cp) { return utf8proc_get_property(cp); }

/* Value of a decimal digit (category Nd). Unicode assigns decimal digits only in contiguous
 * runs of ten, 0 to 9 in order, so the value is the distance from the start of its run. */
static int digit_value(utf8proc_int32_t cp) {
  if (cp >= '0' && cp <= '9') return cp - '0';
  int k = 0;
  while (cp - k - 1 >= 0 && prop(cp - k - 1)->category == UTF8PROC_CATEGORY_ND) k++;
  return k % 10;
}

static enum unit_kind classify(utf8proc_int32_t cp, int *digit) {
  const utf8proc_property_t *pr = prop(cp);
  switch (pr->category) {
  case UTF8PROC_CATEGORY_ND:
    *digit = digit_value(cp);
    return U_DIGIT;
  case UTF8PROC_CATEGORY_ZS:
    return U_SPACE;
  case UTF8PROC_CATEGORY_PD:
    return U_DASH;
  default:
    break;
  }
  if (cp == 0x2212) return U_DASH; /* minus sign (category Sm) */
  if (cp == '.') return U_DOT;
  return U_OTHER;
}

/* Characters dropped before matching: format characters, default ignorables, marks. */
static bool dropped(utf8proc_int32_t cp) {
  const utf8proc_property_t *pr = prop(cp);
  return pr->category == UTF8PROC_CATEGORY_CF || pr->ignorable ||
         pr->category == UTF8PROC_CATEGORY_MN || pr->category == UTF8PROC_CATEGORY_MC ||
         pr->category == UTF8PROC_CATEGORY_ME;
}

/* The unit of each ASCII character, worked out once from the same Unicode data as for any
 * other character: ASCII_SLOW where the general path must decide (a character dropped, or one
 * whose compatibility decomposition is not itself; there are none, but the table does not
 * assume it). Most text is ASCII, and a table lookup is far cheaper than a decomposition. */
#define ASCII_SLOW 0xff
static uint8_t ascii_unit[128];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void ascii_init(void) {
  for (int c = 0; c < 128; c++) {
    utf8proc_int32_t dec[4];
    utf8proc_ssize_t nd = utf8proc_decompose_char(c, dec, 4, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT,
                                                  NULL);
    int digit = 0;
    if (nd != 1 || dec[0] != c || dropped(c)) {
      ascii_unit[c] = ASCII_SLOW;
      continue;
    }
    enum unit_kind k = classify(c, &digit);
    ascii_unit[c] = (uint8_t)(k == U_DIGIT ? digit << 4 : (int)k); /* U_DIGIT is 0 */
  }
}

/* Next unit, or false at the end of the text. */
static bool unit_next(unit_iter *it, unit *u) {
  if (it->idec >= it->ndec && it->pos < it->len && it->p[it->pos] < 0x80) {
    uint8_t a = ascii_unit[it->p[it->pos]];
    if (a != ASCII_SLOW) {
      u->kind = (enum unit_kind)(a & 0x0f);
      u->digit = a >> 4;
      u->start = it->cstart = it->pos;
      u->end = it->cend = ++it->pos;
      it->ndec = it->idec = 0;
      return true;
    }
  }
  for (;;) {
    while (it->idec < it->ndec) {
      utf8proc_int32_t cp = it->dec[it->idec++];
      if (dropped(cp)) continue;
      u->kind = classify(cp, &u->digit);
      u->start = it->cstart;
      u->end = it->cend;
      return true;
    }
    if (it->pos >= it->len) return false;
    utf8proc_int32_t cp;
    utf8proc_ssize_t n =
        utf8proc_iterate(it->p + it->pos, (utf8proc_ssize_t)(it->len - it->pos), &cp);
    it->cstart = it->pos;
    it->idec = 0;
    if (n <= 0) { /* invalid UTF-8: one byte of "other" */
      it->pos++;
      it->cend = it->pos;
      u->kind = U_OTHER;
      u->start = it->cstart;
      u->end = it->cend;
      it->ndec = 0;
      return true;
    }
    it->pos += (size_t)n;
    it->cend = it->pos;
    const utf8proc_ssize_t cap = (utf8proc_ssize_t)(sizeof it->dec / sizeof it->dec[0]);
    utf8proc_ssize_t nd =
        utf8proc_decompose_char(cp, it->dec, cap, UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT, NULL);
    if (nd < 0 || nd > cap) {
      it->dec[0] = cp; /* no decomposition this long exists; keep the character */
      nd = 1;
    }
    it->ndec = (int)nd;
  }
}

/* Digit units of the Latin-1 characters U+0080..U+00FF (æ, ø and å among them): how many
 * digits the general path sees in each (two in ¼, one in ², none in a letter). */
static uint8_t latin1_digits[128];

/* The digit units unit_next makes of character cp, read from its UTF-8 as from any text. */
static int digit_units(utf8proc_int32_t cp) {
  utf8proc_uint8_t buf[4];
  unit_iter it;
  memset(&it, 0, sizeof it);
  it.p = buf;
  it.len = (size_t)utf8proc_encode_char(cp, buf);
  int n = 0;
  unit u;
  while (unit_next(&it, &u)) n += u.kind == U_DIGIT;
  return n;
}

static void tables_init(void) {
  ascii_init();
  for (int c = 0x80; c < 0x100; c++) latin1_digits[c - 0x80] = (uint8_t)digit_units(c);
}

/* Read n digits into *value (as a decimal number); the last one's unit in *last. */
static bool take_digits(unit_iter *it, int n, int *value, unit *last) {
  *value = 0;
  for (int i = 0; i < n; i++) {
    if (!unit_next(it, last) || last->kind != U_DIGIT) return false;
    *value = *value * 10 + last->digit;
  }
  return true;
}

/* Try to match a CPR number whose first digit is the next unit of it. Returns true with the
 * byte range it covers. */
static bool match_at(unit_iter it, size_t *start, size_t *end) {
  unit u, first;
  int dd, mm, yy, serial;
  unit_iter peek;
  if (!take_digits(&it, 1, &dd, &first)) return false;
  int d2;
  if (!take_digits(&it, 1, &d2, &u)) return false;
  dd = dd * 10 + d2;
  peek = it;
  bool dotted = unit_next(&peek, &u) && u.kind == U_DOT;
  if (dotted) it = peek;
  if (!take_digits(&it, 2, &mm, &u)) return false;
  if (dotted && (!unit_next(&it, &u) || u.kind != U_DOT)) return false;
  if (!take_digits(&it, 2, &yy, &u)) return false;
  /* The separator: nothing, a space, or [space] dash [space]. */
  peek = it;
  if (!unit_next(&peek, &u)) return false;
  if (u.kind == U_DIGIT) {
    if (dotted) return false;
  } else {
    bool dash = u.kind == U_DASH, space_before = u.kind == U_SPACE;
    if (!dash && !space_before) return false;
    it = peek;
    if (space_before) {
      peek = it;
      if (!unit_next(&peek, &u)) return false;
      if (u.kind == U_DASH) {
        dash = true;
        it = peek;
      } else if (u.kind != U_DIGIT || dotted) {
        return false; /* "DD.MM.YY NNNN" is a date and a number, not a CPR number */
      }
    }
    if (dash) {
      peek = it;
      if (!unit_next(&peek, &u)) return false;
      if (u.kind == U_SPACE) it = peek;
    }
  }
  unit last;
  if (!take_digits(&it, 4, &serial, &last)) return false;
  peek = it;
  if (unit_next(&peek, &u) && u.kind == U_DIGIT) return false; /* part of a longer run */
  if (!guard_cpr_date_valid(dd, mm, yy, serial / 1000)) return false;
  *start = first.start;
  *end = last.end;
  return true;
}

/* Whether text has too few digits for a CPR number: every match has ten digit units. An ASCII
 * character is one unit, of the kind ascii_unit says, and a Latin-1 one has latin1_digits.
 * False for text with any other character (or one the ASCII table leaves to the general
 * path), which the general path then reads. */
static bool too_few_digits(const char *text, size_t len) {
  size_t digits = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)text[i];
    if (c < 0x80) {
      if (ascii_unit[c] == ASCII_SLOW) return false;
      digits += (ascii_unit[c] & 0x0f) == U_DIGIT;
    } else if ((c == 0xc2 || c == 0xc3) && i + 1 < len &&
               ((unsigned char)text[i + 1] & 0xc0) == 0x80) {
      unsigned cp = ((c & 0x1fu) << 6) | ((unsigned char)text[i + 1] & 0x3fu); /* 0x80..0xff */
      digits += latin1_digits[cp - 0x80];
      i++;
    } else {
      return false;
    }
  }
  return digits < 10;
}

bool guard_find_cpr(const char *text, size_t len, size_t *off, size_t *mlen) {
  assert(text != NULL || len == 0);
  pthread_once(&tables_once, tables_init);
  if (too_few_digits(text, len)) return false;
  unit_iter it;
  memset(&it, 0, sizeof it);
  it.p = (const utf8proc_uint8_t *)text;
  it.len = len;
  bool prev_digit = false;
  for (;;) {
    unit_iter here = it;
    unit u;
    if (!unit_next(&it, &u)) return false;
    size_t s, e;
    if (u.kind == U_DIGIT && !prev_digit && match_at(here, &s, &e)) {
      if (off) *off = s;
      if (mlen) *mlen = e - s;
      return true;
    }
    prev_digit = u.kind == U_DIGIT;
  }
}

/* ---- labels ------------------------------------------------------------------------------ */

/* A set of ICU script codes. */
#define SCRIPT_WORDS 8 /* 512 codes; ICU 72 has 200 */
typedef struct script_set {
  uint64_t w[SCRIPT_WORDS];
} script_set;

static void set_add(script_set *s, int code) {
  if (code >= 0 && code < 64 * SCRIPT_WORDS) s->w[code / 64] |= UINT64_C(1) << (code % 64);
}

static bool set_has(const script_set *s, int code) {
  return code >= 0 && code < 64 * SCRIPT_WORDS && (s->w[code / 64] >> (code % 64) & 1) != 0;
}

static bool set_empty(const script_set *s) {
  for (int i = 0; i < SCRIPT_WORDS; i++)
    if (s->w[i]) return false;
  return true;
}

static void set_intersect(script_set *a, const script_set *b) {
  for (int i = 0; i < SCRIPT_WORDS; i++) a->w[i] &= b->w[i];
}

/* The augmented Script_Extensions of cp (UTS #39 section 5.1: Han also counts as Japanese,
 * Korean and Han-with-Bopomofo, kana as Japanese, Hangul as Korean, Bopomofo as Hanb). Returns
 * false for characters used with every script (Common, Inherited), which resolve nothing, or
 * when a script code does not fit the set (then *unknown is set). */
static bool scripts_of(UChar32 cp, script_set *out, bool *unknown) {
  UScriptCode codes[64];
  UErrorCode err = U_ZERO_ERROR;
  int32_t n = uscript_getScriptExtensions(cp, codes, 64, &err);
  memset(out, 0, sizeof *out);
  if (U_FAILURE(err) || n <= 0) {
    *unknown = true;
    return false;
  }
  if (n == 1 && (codes[0] == USCRIPT_COMMON || codes[0] == USCRIPT_INHERITED)) return false;
  for (int32_t i = 0; i < n; i++) {
    int c = (int)codes[i];
    if (c >= 64 * SCRIPT_WORDS) *unknown = true;
    set_add(out, c);
    switch (codes[i]) {
    case USCRIPT_HAN:
      set_add(out, USCRIPT_JAPANESE);
      set_add(out, USCRIPT_KOREAN);
      set_add(out, USCRIPT_HAN_WITH_BOPOMOFO);
      break;
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA:
      set_add(out, USCRIPT_JAPANESE);
      break;
    case USCRIPT_HANGUL:
      set_add(out, USCRIPT_KOREAN);
      break;
    case USCRIPT_BOPOMOFO:
      set_add(out, USCRIPT_HAN_WITH_BOPOMOFO);
      break;
    default:
      break;
    }
  }
  return true;
}

/* UTS #39 "moderately restrictive": one resolved script for the whole label, or Latin plus one
 * resolved script for the rest that is neither Cyrillic nor Greek. */
static bool scripts_ok(const utf8proc_uint8_t *p, size_t len) {
  script_set all, rest, one;
  memset(&all, 0xff, sizeof all);
  memset(&rest, 0xff, sizeof rest);
  bool unknown = false;
  size_t pos = 0;
  while (pos < len) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p + pos, (utf8proc_ssize_t)(len - pos), &cp);
    assert(n > 0); /* the caller checked the encoding */
    pos += (size_t)n;
    if (!scripts_of(cp, &one, &unknown)) continue;
    set_intersect(&all, &one);
    if (!set_has(&one, USCRIPT_LATIN)) set_intersect(&rest, &one);
  }
  if (unknown) return false;
  if (!set_empty(&all)) return true;
  if (set_has(&rest, USCRIPT_CYRILLIC) || set_has(&rest, USCRIPT_GREEK)) return false;
  return !set_empty(&rest);
}

/* True when s is already in NFC. */
static bool is_nfc(const utf8proc_uint8_t *s, size_t len, bool *nomem) {
  utf8proc_uint8_t *nfc = NULL;
  utf8proc_ssize_t n =
      utf8proc_map(s, (utf8proc_ssize_t)len, &nfc, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
  if (n < 0) {
    *nomem = n == UTF8PROC_ERROR_NOMEM;
    return false;
  }
  bool same = (size_t)n == len && memcmp(nfc, s, len) == 0;
  free(nfc);
  return same;
}

enum guard_label_status guard_label_check(const char *s, size_t len, size_t max) {
  if (s == NULL || len == 0 || len > max) return GUARD_LABEL_LENGTH;
  if (!util_utf8_valid(s, len, false) || memchr(s, '\0', len) != NULL) return GUARD_LABEL_ENCODING;
  const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
  size_t pos = 0;
  bool prev_space = false, first = true;
  while (pos < len) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p + pos, (utf8proc_ssize_t)(len - pos), &cp);
    if (n <= 0) return GUARD_LABEL_ENCODING;
    pos += (size_t)n;
    const utf8proc_property_t *pr = prop(cp);
    switch (pr->category) {
    case UTF8PROC_CATEGORY_CC:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      return GUARD_LABEL_CONTROL;
    case UTF8PROC_CATEGORY_CF:
      return GUARD_LABEL_INVISIBLE;
    case UTF8PROC_CATEGORY_CN:
    case UTF8PROC_CATEGORY_CO:
    case UTF8PROC_CATEGORY_CS:
      return GUARD_LABEL_UNASSIGNED;
    default:
      break;
    }
    if (pr->ignorable) return GUARD_LABEL_INVISIBLE;
    bool space = pr->category == UTF8PROC_CATEGORY_ZS;
    bool mark = pr->category == UTF8PROC_CATEGORY_MN || pr->category == UTF8PROC_CATEGORY_MC ||
                pr->category == UTF8PROC_CATEGORY_ME;
    if ((space && (first || prev_space)) || (mark && first)) return GUARD_LABEL_SPACING;
    prev_space = space;
    first = false;
  }
  if (prev_space) return GUARD_LABEL_SPACING;
  bool nomem = false;
  /* ASCII text is in NFC, and its letters are all of one script (Latin): the two checks below
   * can only pass it. */
  bool ascii = true;
  for (size_t i = 0; i < len && ascii; i++) ascii = p[i] < 0x80;
  if (ascii) return GUARD_LABEL_OK;
  if (!is_nfc(p, len, &nomem)) return nomem ? GUARD_LABEL_ENCODING : GUARD_LABEL_NORMALISED;
  if (!scripts_ok(p, len)) return GUARD_LABEL_MIXED_SCRIPT;
  return GUARD_LABEL_OK;
}

bool guard_label_valid(const char *s, size_t len, size_t max) {
  return guard_label_check(s, len, max) == GUARD_LABEL_OK;
}

#define GUARD_STR_(x) #x
#define GUARD_STR(x) GUARD_STR_(x)

const char *guard_label_message(enum guard_label_status status) {
  switch (status) {
  case GUARD_LABEL_OK:
    return "is acceptable";
  case GUARD_LABEL_LENGTH:
    return "must be 1 to " GUARD_STR(GUARD_LABEL_MAX) " bytes long";
  case GUARD_LABEL_ENCODING:
    return "is not valid UTF-8 text";
  case GUARD_LABEL_CONTROL:
    return "contains control characters, a tab or a line break";
  case GUARD_LABEL_INVISIBLE:
    return "contains invisible characters (zero-width spaces or joiners, soft hyphens, "
           "text-direction marks or other format characters)";
  case GUARD_LABEL_UNASSIGNED:
    return "contains characters that Unicode does not assign, or private-use characters";
  case GUARD_LABEL_SPACING:
    return "starts or ends with a space, has two spaces in a row, or starts with an accent";
  case GUARD_LABEL_NORMALISED:
    return "has accented letters written as separate accents (use the composed letters, "
           "Unicode form NFC)";
  case GUARD_LABEL_MIXED_SCRIPT:
    return "mixes letters of different alphabets that look alike (for example a Cyrillic "
           "letter inside a Latin name)";
  }
  return "is not acceptable";
}

char *guard_label_key(const char *s, size_t len) {
  assert(s != NULL);
  utf8proc_uint8_t *out = NULL;
  utf8proc_ssize_t n =
      utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &out,
                   UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
                       UTF8PROC_IGNORE | UTF8PROC_LUMP);
  if (n < 0) return NULL;
  return (char *)out;
}

bool guard_coords_valid(double lat, double lon) {
  return isfinite(lat) && isfinite(lon) && lat >= -90.0 && lat <= 90.0 && lon >= -180.0 &&
         lon <= 180.0;
}

double guard_distance_km(double lat1, double lon1, double lat2, double lon2) {
  const double r = 6371.0088, rad = M_PI / 180.0;
  double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
  double a = sin(dlat / 2) * sin(dlat / 2) +
             cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
  if (a > 1.0) a = 1.0;
  return 2.0 * r * asin(sqrt(a));
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y ? 1 : 0;
}

static double median_sorted(const double *v, size_t n) {
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

void guard_median_point(double *lat, double *lon, size_t n, double *mid_lat, double *mid_lon) {
  assert(lat != NULL && lon != NULL && n >= 1);
  qsort(lat, n, sizeof *lat, cmp_double);
  qsort(lon, n, sizeof *lon, cmp_double);
  *mid_lat = median_sorted(lat, n);
  *mid_lon = median_sorted(lon, n);
}

/* ---- the running median ---- */

/* Make room for one more value in the heap *v of n values and capacity *cap. */
static int heap_reserve(double **v, size_t n, size_t *cap) {
  if (n < *cap) return 0;
  size_t nc = *cap ? 2 * *cap : 64;
  double *p = realloc(*v, nc * sizeof *p);
  if (p == NULL) return -1;
  *v = p;
  *cap = nc;
  return 0;
}

/* Push x on the min-heap v of *n values (room reserved). */
static void heap_push(double *v, size_t *n, double x) {
  size_t i = (*n)++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (v[parent] <= x) break;
    v[i] = v[parent];
    i = parent;
  }
  v[i] = x;
}

/* Pop the smallest value of the min-heap v of *n >= 1 values. */
static double heap_pop(double *v, size_t *n) {
  double top = v[0], x = v[--*n];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= *n) break;
    if (c + 1 < *n && v[c + 1] < v[c]) c++;
    if (x <= v[c]) break;
    v[i] = v[c];
    i = c;
  }
  if (*n > 0) v[i] = x;
  return top;
}

int guard_median_add(guard_median *m, double x) {
  if (heap_reserve(&m->lo, m->nlo, &m->caplo) != 0 ||
      heap_reserve(&m->hi, m->nhi, &m->caphi) != 0)
    return -1;
  if (m->nlo == 0 || x <= -m->lo[0])
    heap_push(m->lo, &m->nlo, -x);
  else
    heap_push(m->hi, &m->nhi, x);
  /* Both heaps have room for one more, so moving a value across cannot fail. */
  if (m->nlo > m->nhi + 1)
    heap_push(m->hi, &m->nhi, -heap_pop(m->lo, &m->nlo));
  else if (m->nhi > m->nlo)
    heap_push(m->lo, &m->nlo, -heap_pop(m->hi, &m->nhi));
  return 0;
}

size_t guard_median_count(const guard_median *m) { return m->nlo + m->nhi; }

double guard_median_value(const guard_median *m) {
  assert(m->nlo >= 1);
  return m->nlo > m->nhi ? -m->lo[0] : (-m->lo[0] + m->hi[0]) / 2.0;
}

void guard_median_free(guard_median *m) {
  free(m->lo);
  free(m->hi);
  memset(m, 0, sizeof *m);
}
