/* mapsvg.c -- an area's wall map as SVG: resources green and challenges red, numbered by
 * observation id, markers that share a point spread apart, interventions and links drawn, the
 * area's outline, and a key beside the map, in Danish or English. */
#include "mapsvg.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "maplayout.h"
#include "xmltext.h"

#define M_PER_DEG_LAT 111320.0
#define SVG_W 1400
#define MAP_X 40
#define MAP_Y 132
#define MAP_W 900
#define MAP_H 660
#define SIDE_X 975
#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define GREEN "#1a9850"
#define RED "#d73027"
#define BLUE "#2e6da4"
#define LINK_COLOUR "#7d3c98"
#define BOUNDARY_COLOUR "#4a6b3a"
#define WRAP_COLS 46
#define WRAP_LINES 3
#define LEGEND_GAP 12  /* between the map frame and the legend under it */
#define LEGEND_H 66    /* two rows of entries */
#define LEGEND_COL 300 /* width of a legend column (three across the map's width) */
#define SPREAD_DIST 40.0 /* a group ring is 19 px across the centre */

typedef struct proj {
  double lat0, lon0; /* centre */
  double ppd_lat;    /* pixels per degree of latitude */
  double ppd_lon;    /* pixels per degree of longitude */
} proj;

static double px(const proj *pr, double lon) { return MAP_X + MAP_W / 2.0 + (lon - pr->lon0) * pr->ppd_lon; }
static double py(const proj *pr, double lat) { return MAP_Y + MAP_H / 2.0 - (lat - pr->lat0) * pr->ppd_lat; }

/* A marker on the map: an observation (iv false) or an intervention, at its true point (tx, ty)
 * and where it is drawn (x, y). */
typedef struct mark {
  bool iv;
  size_t idx;
  double tx, ty, x, y;
  bool moved;
} mark;

/* Fit the located observations and the outline into the map panel with a margin; at least
 * 400 m across. Returns false when there is nothing to place. */
static bool fit(const area_data *ad, proj *pr) {
  double minlat = 90, maxlat = -90, minlon = 180, maxlon = -180;
  size_t any = 0;
  for (size_t i = 0; i < ad->nobs; i++) {
    if (!ad->obs[i].located) continue;
    any++;
    minlat = fmin(minlat, ad->obs[i].lat), maxlat = fmax(maxlat, ad->obs[i].lat);
    minlon = fmin(minlon, ad->obs[i].lon), maxlon = fmax(maxlon, ad->obs[i].lon);
  }
  for (size_t k = 0; k < ad->nboundary; k++) {
    any++;
    double lon = ad->boundary[2 * k], lat = ad->boundary[2 * k + 1];
    minlat = fmin(minlat, lat), maxlat = fmax(maxlat, lat);
    minlon = fmin(minlon, lon), maxlon = fmax(maxlon, lon);
  }
  if (any == 0) return false;
  pr->lat0 = (minlat + maxlat) / 2;
  pr->lon0 = (minlon + maxlon) / 2;
  double c = cos(pr->lat0 * M_PI / 180.0);
  if (c < 0.05) c = 0.05;
  double span_lat_m = fmax((maxlat - minlat) * M_PER_DEG_LAT, 400);
  double span_lon_m = fmax((maxlon - minlon) * M_PER_DEG_LAT * c, 400);
  /* pixels per metre, with 14% margin on each side */
  double ppm = fmin(MAP_W * 0.72 / span_lon_m, MAP_H * 0.72 / span_lat_m);
  pr->ppd_lat = ppm * M_PER_DEG_LAT;
  pr->ppd_lon = ppm * M_PER_DEG_LAT * c;
  return true;
}

/* A step for graticule lines: 1, 2 or 5 times a power of ten, giving about 3-7 lines. */
static double nice_step(double width) {
  double raw = width / 5.0;
  double p = pow(10.0, floor(log10(raw)));
  double m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* The largest 1/2/5 x 10^k metres not longer than max_m. */
static double nice_metres(double max_m) {
  double p = pow(10.0, floor(log10(max_m)));
  double m = max_m / p;
  return (m >= 5 ? 5 : m >= 2 ? 2 : 1) * p;
}

static void fmt_deg(double v, bool lat, char *out, size_t n) {
  char h = lat ? (v >= 0 ? 'N' : 'S') : (v >= 0 ? 'E' : 'W');
  double a = fabs(v);
  int dec = a == floor(a) ? 0
            : fabs(a * 100 - floor(a * 100 + 0.5)) < 1e-6 ? 2
            : fabs(a * 1000 - floor(a * 1000 + 0.5)) < 1e-6 ? 3
                                                            : 4;
  snprintf(out, n, "%.*f\xc2\xb0%c", dec, a, h);
}

static void fmt_day(char *out, size_t n, uint64_t t) {
  time_t tt = (time_t)t;
  struct tm tm;
  if (localtime_r(&tt, &tm) == NULL || strftime(out, n, "%Y-%m-%d", &tm) == 0)
    snprintf(out, n, "?");
}

static bool is_resource(const ad_obs *o) { return strcmp(o->kind, "resource") == 0; }

/* An observation's marker: a filled circle (hollow when not on the map) with its id, ringed
 * and dashed for group level. */
static void obs_marker(FILE *f, double x, double y, const ad_obs *o, bool hollow) {
  const char *col = is_resource(o) ? GREEN : RED;
  if (strcmp(o->level, "group") == 0)
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"none\" stroke=\"%s\" "
               "stroke-width=\"2.5\" stroke-dasharray=\"4 3\"/>\n", x, y, hollow ? 14 : 19, col);
  if (hollow)
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"10\" fill=\"#fff\" stroke=\"%s\" "
               "stroke-width=\"2.5\"/>\n", x, y, col);
  else
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"14\" fill=\"%s\" stroke=\"#fff\" "
               "stroke-width=\"2.5\"/>\n", x, y, col);
  int fs = o->id >= 1000 ? 8 : o->id >= 100 ? 10 : hollow ? 10 : 12;
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%d\" "
             "font-weight=\"bold\" fill=\"%s\">%llu</text>\n",
          x, y + fs / 2.6, fs, hollow ? col : "#fff", (unsigned long long)o->id);
}

/* An intervention's marker: a blue rounded square labelled I<id> (red edge when overdue). */
static void iv_marker(FILE *f, double x, double y, const ad_iv *v) {
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"30\" height=\"24\" rx=\"5\" fill=\"%s\" "
             "stroke=\"%s\" stroke-width=\"%s\"/>\n",
          x - 15, y - 12, BLUE, v->overdue ? RED : "#fff", v->overdue ? "3" : "2");
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%d\" "
             "font-weight=\"bold\" fill=\"#fff\">I%llu</text>\n",
          x, y + 4, v->id >= 100 ? 9 : 11, (unsigned long long)v->id);
}

/* Write text lines of s at (x, y) wrapped to the key's width; returns the y below them. */
static double text_lines(FILE *f, double x, double y, const char *s, const char *colour) {
  xmltext_span lines[WRAP_LINES];
  bool cut;
  int nl = xmltext_wrap(s, WRAP_COLS, WRAP_LINES, lines, &cut);
  for (int i = 0; i < nl; i++) {
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" fill=\"%s\">", x, y, colour);
    xmltext_write(f, s + lines[i].start, lines[i].len);
    if (cut && i == nl - 1) fputs("\xe2\x80\xa6", f);
    fputs("</text>\n", f);
    y += 18;
  }
  return y;
}

/* Append to out (at *at, n bytes) the group "WORD <prefix>a, <prefix>b" of the ids given, after
 * a separator when out is not empty. */
static void add_group(char *out, size_t n, size_t *at, const char *word, const char *prefix,
                      const uint64_t *ids, size_t k) {
  for (size_t i = 0; i < k && *at + 40 < n; i++) {
    int w = snprintf(out + *at, n - *at, "%s%s%s%s%llu",
                     i == 0 && *at ? " \xc2\xb7 " : i ? ", " : "", i == 0 ? word : "",
                     i == 0 ? " " : "", prefix, (unsigned long long)ids[i]);
    if (w > 0) *at += (size_t)w;
  }
}

/* The links of observation o as one line ("can answer #4, #7 · Intervention I3"), "" when it
 * has none. */
static void obs_links_line(const area_data *ad, const ad_obs *o, enum doc_lang lang, char *out,
                           size_t n) {
  uint64_t peers[32], ivs[32];
  size_t np = 0, ni = 0, at = 0;
  bool res = is_resource(o);
  out[0] = '\0';
  for (size_t i = 0; i < ad->nlinks; i++) {
    const ad_link *l = &ad->links[i];
    if (l->intervention && (l->resource == o->id || l->challenge == o->id)) {
      if (ni < 32) ivs[ni++] = l->intervention;
    } else if (l->resource && l->challenge && (res ? l->resource : l->challenge) == o->id) {
      if (np < 32) peers[np++] = res ? l->challenge : l->resource;
    }
  }
  add_group(out, n, &at, docwords(lang, res ? "answers" : "answered.by"), "#", peers, np);
  add_group(out, n, &at, docwords(lang, "intervention"), "I", ivs, ni);
}

/* One observation's entry in the key; returns the y below it. */
static double obs_entry(FILE *f, double y, const area_data *ad, const ad_obs *o, bool hollow,
                        enum doc_lang lang) {
  obs_marker(f, SIDE_X + 14, y + 4, o, hollow);
  fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" fill=\"#555\">#%llu \xc2\xb7 %s \xc2\xb7 ",
          SIDE_X + 40, y, (unsigned long long)o->id,
          docwords(lang, is_resource(o) ? "resource" : "challenge"));
  xmltext_str(f, o->category);
  if (strcmp(o->level, "group") == 0) {
    if (o->has_size)
      fprintf(f, " \xc2\xb7 %s%s%llu", docwords(lang, "group.of"), lang == DOC_DA ? " " : "",
              (unsigned long long)o->size);
    else
      fprintf(f, " \xc2\xb7 %s", docwords(lang, "group"));
  }
  char day[32];
  fmt_day(day, sizeof day, o->time);
  fprintf(f, " \xc2\xb7 %s</text>\n", day);
  y = text_lines(f, SIDE_X + 40, y + 17, o->text, "#222");
  char links[512];
  obs_links_line(ad, o, lang, links, sizeof links);
  if (links[0]) {
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" fill=\"%s\">\xe2\x86\x92 %s</text>\n",
            SIDE_X + 40, y, LINK_COLOUR, links);
    y += 16;
  }
  return y + 12;
}

/* One intervention's entry in the key; returns the y below it. */
static double iv_entry(FILE *f, double y, const area_data *ad, const ad_iv *v, enum doc_lang lang) {
  iv_marker(f, SIDE_X + 14, y + 4, v);
  fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" fill=\"%s\">I%llu \xc2\xb7 %s",
          SIDE_X + 40, y, v->overdue ? RED : "#555", (unsigned long long)v->id,
          docwords_value(lang, "status", v->status));
  if (v->owner[0]) {
    fprintf(f, " \xc2\xb7 %s: ", docwords(lang, "owner"));
    xmltext_str(f, v->owner);
  }
  if (v->has_due) {
    char day[32];
    fmt_day(day, sizeof day, v->due);
    fprintf(f, " \xc2\xb7 %s %s%s%s%s", docwords(lang, "due"), day, v->overdue ? " (" : "",
            v->overdue ? docwords(lang, "overdue") : "", v->overdue ? ")" : "");
  }
  fputs("</text>\n", f);
  y = text_lines(f, SIDE_X + 40, y + 17, v->text, "#222");
  char line[512];
  size_t at = 0;
  line[0] = '\0';
  for (int pass = 0; pass < 2; pass++) {
    uint64_t ids[32];
    size_t k = 0;
    for (size_t i = 0; i < ad->nlinks && k < 32; i++) {
      const ad_link *l = &ad->links[i];
      uint64_t other = l->intervention != v->id ? 0 : pass == 0 ? l->challenge : l->resource;
      if (other) ids[k++] = other;
    }
    add_group(line, sizeof line, &at, docwords(lang, pass == 0 ? "addresses" : "uses"), "#", ids, k);
  }
  if (line[0]) {
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" fill=\"%s\">\xe2\x86\x92 %s</text>\n",
            SIDE_X + 40, y, BLUE, line);
    y += 16;
  }
  return y + 12;
}

/* The key beside the map, written to f from y; returns the y below it. */
static double write_key(FILE *f, double y, const area_data *ad, const bool *on_map,
                        enum doc_lang lang) {
  size_t located = 0;
  for (size_t i = 0; i < ad->nobs; i++) located += on_map[i];
  if (ad->nobs == 0) {
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"15\" fill=\"#888\">%s</text>\n", SIDE_X,
            y + 12, docwords(lang, "no.observations"));
    y += 40;
  }
  static const char heading[] =
      "<text x=\"%d\" y=\"%.1f\" font-size=\"18\" font-weight=\"bold\" fill=\"#1c2833\">%s</text>\n";
  if (located > 0) {
    fprintf(f, heading, SIDE_X, y + 12, docwords(lang, "on.map"));
    y += 40;
    for (size_t i = 0; i < ad->nobs; i++)
      if (on_map[i]) y = obs_entry(f, y, ad, &ad->obs[i], false, lang);
  }
  if (located < ad->nobs) {
    if (located > 0) y += 10;
    fprintf(f, heading, SIDE_X, y + 12, docwords(lang, "not.on.map"));
    y += 40;
    for (size_t i = 0; i < ad->nobs; i++)
      if (!on_map[i]) y = obs_entry(f, y, ad, &ad->obs[i], true, lang);
  }
  if (ad->niv > 0) {
    y += 10;
    fprintf(f, heading, SIDE_X, y + 12, docwords(lang, "interventions"));
    y += 40;
    for (size_t i = 0; i < ad->niv; i++) y = iv_entry(f, y, ad, &ad->iv[i], lang);
  }
  return y;
}

/* Place the markers: located observations at their points, interventions at the centre of
 * their located linked observations; then spread those that overlap. Returns the count, or
 * (size_t)-1 when memory runs out. */
static size_t place_marks(const area_data *ad, const proj *pr, mark *marks) {
  size_t n = 0;
  for (size_t i = 0; i < ad->nobs; i++) {
    if (!ad->obs[i].located) continue;
    marks[n] = (mark){.iv = false, .idx = i, .tx = px(pr, ad->obs[i].lon), .ty = py(pr, ad->obs[i].lat)};
    n++;
  }
  for (size_t i = 0; i < ad->niv; i++) {
    double sx = 0, sy = 0;
    int k = 0;
    for (size_t l = 0; l < ad->nlinks; l++) {
      if (ad->links[l].intervention != ad->iv[i].id) continue;
      uint64_t oid = ad->links[l].challenge ? ad->links[l].challenge : ad->links[l].resource;
      const ad_obs *o = areadata_find_obs(ad, oid);
      if (o == NULL || !o->located) continue;
      sx += px(pr, o->lon), sy += py(pr, o->lat), k++;
    }
    if (k == 0) continue;
    marks[n] = (mark){.iv = true, .idx = i, .tx = sx / k, .ty = sy / k};
    n++;
  }
  double *x = malloc((n + 1) * 4 * sizeof *x);
  bool *moved = malloc((n + 1) * sizeof *moved);
  if (x == NULL || moved == NULL) {
    free(x);
    free(moved);
    return (size_t)-1;
  }
  double *y = x + (n + 1), *ox = y + (n + 1), *oy = ox + (n + 1);
  for (size_t i = 0; i < n; i++) x[i] = marks[i].tx, y[i] = marks[i].ty;
  int rc = maplayout_spread(x, y, n, SPREAD_DIST, ox, oy, moved);
  for (size_t i = 0; i < n; i++) {
    marks[i].x = ox[i];
    marks[i].y = oy[i];
    marks[i].moved = rc == 0 && moved[i];
  }
  free(x);
  free(moved);
  return n;
}

/* The mark of observation id (NULL when it is not on the map). */
static const mark *obs_mark(const area_data *ad, const mark *marks, size_t n, uint64_t id) {
  for (size_t i = 0; i < n; i++)
    if (!marks[i].iv && ad->obs[marks[i].idx].id == id) return &marks[i];
  return NULL;
}

static void write_map(FILE *f, const area_data *ad, const proj *pr, const mark *marks, size_t n) {
  /* Graticule. */
  double lat_lo = pr->lat0 - (MAP_H / 2.0) / pr->ppd_lat, lat_hi = pr->lat0 + (MAP_H / 2.0) / pr->ppd_lat;
  double lon_lo = pr->lon0 - (MAP_W / 2.0) / pr->ppd_lon, lon_hi = pr->lon0 + (MAP_W / 2.0) / pr->ppd_lon;
  double step = nice_step(lat_hi - lat_lo), lstep = nice_step(lon_hi - lon_lo);
  fputs("<g clip-path=\"url(#mapclip)\" stroke=\"#d9d4c7\" stroke-width=\"1\">\n", f);
  for (double v = ceil(lat_lo / step) * step; v <= lat_hi; v += step)
    fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", MAP_X, py(pr, v),
            MAP_X + MAP_W, py(pr, v));
  for (double v = ceil(lon_lo / lstep) * lstep; v <= lon_hi; v += lstep)
    fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", px(pr, v), MAP_Y,
            px(pr, v), MAP_Y + MAP_H);
  fputs("</g>\n<g font-size=\"10\" fill=\"#8a8a8a\">\n", f);
  char lab[32];
  for (double v = ceil(lat_lo / step) * step; v <= lat_hi; v += step) {
    double y = py(pr, v);
    if (y < MAP_Y + 24 || y > MAP_Y + MAP_H - 12) continue;
    fmt_deg(v, true, lab, sizeof lab);
    fprintf(f, "<text x=\"%d\" y=\"%.1f\">%s</text>\n", MAP_X + 4, y - 3, lab);
  }
  for (double v = ceil(lon_lo / lstep) * lstep; v <= lon_hi; v += lstep) {
    double x = px(pr, v);
    if (x < MAP_X + 70 || x > MAP_X + MAP_W - 50) continue;
    fmt_deg(v, false, lab, sizeof lab);
    fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x + 3, MAP_Y + 12, lab);
  }
  fputs("</g>\n<g clip-path=\"url(#mapclip)\">\n", f);
  /* The area's outline. */
  if (ad->nboundary >= 3) {
    fprintf(f, "<polygon class=\"boundary\" fill=\"#dfeadb\" fill-opacity=\"0.55\" stroke=\"%s\" "
               "stroke-width=\"2.5\" stroke-dasharray=\"10 5\" points=\"", BOUNDARY_COLOUR);
    for (size_t k = 0; k < ad->nboundary; k++)
      fprintf(f, "%s%.1f,%.1f", k ? " " : "", px(pr, ad->boundary[2 * k]),
              py(pr, ad->boundary[2 * k + 1]));
    fputs("\"/>\n", f);
  }
  /* Links between a resource and a challenge. */
  for (size_t i = 0; i < ad->nlinks; i++) {
    const ad_link *l = &ad->links[i];
    if (!l->resource || !l->challenge) continue;
    const mark *a = obs_mark(ad, marks, n, l->resource), *b = obs_mark(ad, marks, n, l->challenge);
    if (a == NULL || b == NULL) continue;
    fprintf(f, "<line class=\"link\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
               "stroke-width=\"3\" stroke-opacity=\"0.75\"/>\n", a->x, a->y, b->x, b->y, LINK_COLOUR);
  }
  /* Interventions to what they address and use. */
  for (size_t m = 0; m < n; m++) {
    if (!marks[m].iv) continue;
    const ad_iv *v = &ad->iv[marks[m].idx];
    for (size_t i = 0; i < ad->nlinks; i++) {
      const ad_link *l = &ad->links[i];
      if (l->intervention != v->id) continue;
      const mark *o = obs_mark(ad, marks, n, l->challenge ? l->challenge : l->resource);
      if (o == NULL) continue;
      fprintf(f, "<line class=\"iv-link\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                 "stroke=\"%s\" stroke-width=\"2\" stroke-dasharray=\"6 4\"/>\n",
              marks[m].x, marks[m].y, o->x, o->y, BLUE);
    }
  }
  /* Leader lines from spread markers to their true points. */
  for (size_t m = 0; m < n; m++) {
    if (!marks[m].moved) continue;
    fprintf(f, "<line class=\"leader\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
               "stroke=\"#444\" stroke-width=\"1.2\"/><circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" "
               "fill=\"#444\"/>\n",
            marks[m].tx, marks[m].ty, marks[m].x, marks[m].y, marks[m].tx, marks[m].ty);
  }
  for (size_t m = 0; m < n; m++) {
    if (marks[m].iv)
      iv_marker(f, marks[m].x, marks[m].y, &ad->iv[marks[m].idx]);
    else
      obs_marker(f, marks[m].x, marks[m].y, &ad->obs[marks[m].idx], false);
  }
  fputs("</g>\n", f);
  /* North arrow. */
  int nx = MAP_X + MAP_W - 40, ny = MAP_Y + 30;
  fprintf(f, "<g><polygon points=\"%d,%d %d,%d %d,%d %d,%d\" fill=\"#2c3e50\"/>"
             "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
             "font-weight=\"bold\" fill=\"#2c3e50\">N</text></g>\n",
          nx, ny, nx + 10, ny + 30, nx, ny + 23, nx - 10, ny + 30, nx, ny + 46);
  /* Scale bar: about a quarter of the map's width. */
  double ppm = pr->ppd_lat / M_PER_DEG_LAT;
  double metres = nice_metres(MAP_W * 0.25 / ppm);
  double bar = metres * ppm;
  double bx = MAP_X + MAP_W - 30 - bar, by = MAP_Y + MAP_H - 30;
  fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"40\" rx=\"4\" fill=\"#fff\" "
             "fill-opacity=\"0.85\"/>\n", bx - 14, by - 24, bar + 28);
  for (int k = 0; k < 4; k++)
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"6\" fill=\"%s\" "
               "stroke=\"#2c3e50\" stroke-width=\"1\"/>\n",
            bx + k * bar / 4, by, bar / 4, k % 2 ? "#fff" : "#2c3e50");
  char ml[32];
  if (metres >= 1000)
    snprintf(ml, sizeof ml, "%g km", metres / 1000);
  else
    snprintf(ml, sizeof ml, "%g m", metres);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#2c3e50\">0</text>\n"
             "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" "
             "fill=\"#2c3e50\">%s</text>\n",
          bx - 3, by - 6, bx + bar + 3, by - 6, ml);
}

/* Where legend entry k goes: its symbol around (*x + 22, *y), its label from *x + 42. */
static void legend_at(int k, int lx, int ly, int *x, int *y) {
  *x = lx + (k % 3) * LEGEND_COL;
  *y = ly + 22 + (k / 3) * 26;
}

/* The legend: a strip under the map frame (never over the map, where it would hide markers or
 * the outline), two rows of up to three entries in columns LEGEND_COL wide. */
static void write_legend(FILE *f, const area_data *ad, enum doc_lang lang) {
  int lx = MAP_X, ly = MAP_Y + MAP_H + LEGEND_GAP;
  fprintf(f, "<g class=\"legend\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\" "
             "fill=\"#fff\" stroke=\"#bbb\"/>\n", lx, ly, MAP_W, LEGEND_H);
  static const char label[] = "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#222\">%s</text>\n";
  {
    int x, y;
    legend_at(0, lx, ly, &x, &y);
    fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"8\" fill=\"%s\"/>", x + 22, y, GREEN);
    fprintf(f, label, x + 42, y + 5, docwords(lang, "resource"));
  }
  {
    int x, y;
    legend_at(1, lx, ly, &x, &y);
    fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"8\" fill=\"%s\"/>", x + 22, y, RED);
    fprintf(f, label, x + 42, y + 5, docwords(lang, "challenge"));
  }
  {
    int x, y;
    legend_at(2, lx, ly, &x, &y);
    fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"8\" fill=\"#888\"/><circle cx=\"%d\" "
               "cy=\"%d\" r=\"11\" fill=\"none\" stroke=\"#888\" stroke-width=\"2\" "
               "stroke-dasharray=\"3 2\"/>",
            x + 22, y, x + 22, y);
    fprintf(f, label, x + 42, y + 5, docwords(lang, "group.level"));
  }
  {
    int x, y;
    legend_at(3, lx, ly, &x, &y);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"18\" height=\"14\" rx=\"3\" fill=\"%s\"/>"
               "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>",
            x + 8, y - 7, BLUE, x + 30, y, x + 38, y, LINK_COLOUR);
    char both[128];
    snprintf(both, sizeof both, "%s / %s", docwords(lang, "intervention"), docwords(lang, "link"));
    fprintf(f, label, x + 42, y + 5, both);
  }
  if (ad->nboundary >= 3) {
    int x, y;
    legend_at(4, lx, ly, &x, &y);
    fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"28\" height=\"14\" fill=\"#dfeadb\" stroke=\"%s\" "
               "stroke-width=\"2\" stroke-dasharray=\"6 3\"/>", x + 8, y - 7, BOUNDARY_COLOUR);
    fprintf(f, label, x + 42, y + 5, docwords(lang, "boundary"));
  }
  fputs("</g>\n", f);
}

int mapsvg_write(FILE *f, const area_data *ad, enum doc_lang lang, uint64_t now) {
  int rc = -1;
  char *keybuf = NULL;
  size_t keylen = 0;
  mark *marks = calloc(ad->nobs + ad->niv + 1, sizeof *marks);
  bool *on_map = calloc(ad->nobs + 1, sizeof *on_map);
  FILE *kf = NULL;
  if (marks == NULL || on_map == NULL) goto out;
  for (size_t i = 0; i < ad->nobs; i++) on_map[i] = ad->obs[i].located;
  proj pr;
  bool have_map = fit(ad, &pr);
  size_t nmarks = have_map ? place_marks(ad, &pr, marks) : 0;
  if (nmarks == (size_t)-1) goto out;
  /* The key decides the picture's height: write it first, into memory. */
  kf = open_memstream(&keybuf, &keylen);
  if (kf == NULL) goto out;
  double key_bottom = write_key(kf, MAP_Y + 8, ad, on_map, lang);
  if (fclose(kf) != 0) {
    kf = NULL;
    goto out;
  }
  kf = NULL;
  int H = (int)ceil(fmax(MAP_Y + MAP_H + LEGEND_GAP + LEGEND_H, key_bottom) + 60);
  const char *title = docwords(lang, "map.title");

  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
             "viewBox=\"0 0 %d %d\" font-family=\"%s\" xml:lang=\"%s\">\n",
          SVG_W, H, SVG_W, H, FONT, lang == DOC_EN ? "en" : "da");
  fputs("<title>", f);
  xmltext_str(f, ad->name ? ad->name : "");
  fprintf(f, ": %s</title>\n", title);
  fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", SVG_W, H);
  fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"8\" fill=\"#2c3e50\"/>\n", SVG_W);
  fputs("<text x=\"40\" y=\"62\" font-size=\"34\" font-weight=\"bold\" fill=\"#1c2833\">", f);
  xmltext_str(f, ad->name ? ad->name : "");
  fprintf(f, "<tspan dx=\"12\" font-size=\"24\" font-weight=\"normal\" fill=\"#566573\">\xe2\x80\x94 "
             "%s</tspan></text>\n", title);
  char today[32];
  fmt_day(today, sizeof today, now);
  size_t nres = 0, located = 0;
  for (size_t i = 0; i < ad->nobs; i++) {
    nres += is_resource(&ad->obs[i]);
    located += ad->obs[i].located;
  }
  size_t nch = ad->nobs - nres;
  fputs("<text x=\"40\" y=\"96\" font-size=\"17\" fill=\"#566573\">", f);
  if (ad->description != NULL && ad->description[0]) {
    xmltext_span dl[1];
    bool dcut;
    if (xmltext_wrap(ad->description, 70, 1, dl, &dcut) == 1) {
      xmltext_write(f, ad->description + dl[0].start, dl[0].len);
      fputs(dcut ? "\xe2\x80\xa6 \xc2\xb7 " : " \xc2\xb7 ", f);
    }
  }
  fprintf(f, "%zu %s, %zu %s \xc2\xb7 %zu %s", nres,
          docwords(lang, nres == 1 ? "one.resource" : "resources"), nch,
          docwords(lang, nch == 1 ? "one.challenge" : "challenges"), located,
          docwords(lang, "n.on.map"));
  if (ad->niv)
    fprintf(f, " \xc2\xb7 %zu %s", ad->niv,
            docwords(lang, ad->niv == 1 ? "n.intervention" : "n.interventions"));
  fprintf(f, " \xc2\xb7 %s %s</text>\n", docwords(lang, "as.of"), today);

  fprintf(f, "<defs><clipPath id=\"mapclip\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
             "</clipPath></defs>\n", MAP_X, MAP_Y, MAP_W, MAP_H);
  fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f1ea\" "
             "stroke=\"#8a8a8a\" stroke-width=\"1.5\"/>\n", MAP_X, MAP_Y, MAP_W, MAP_H);
  if (!have_map) {
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"20\" fill=\"#888\">"
               "%s</text>\n", MAP_X + MAP_W / 2, MAP_Y + MAP_H / 2, docwords(lang, "no.location"));
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" fill=\"#888\">"
               "%s</text>\n", MAP_X + MAP_W / 2, MAP_Y + MAP_H / 2 + 28,
            docwords(lang, "add.location"));
  } else {
    write_map(f, ad, &pr, marks, nmarks);
  }
  write_legend(f, ad, lang);
  fwrite(keybuf, 1, keylen, f);
  fprintf(f, "<line x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", H - 40,
          SVG_W - 40, H - 40);
  fprintf(f, "<text x=\"40\" y=\"%d\" font-size=\"12\" fill=\"#7f8c8d\">%s</text>\n", H - 18,
          docwords(lang, "map.footer"));
  fputs("</svg>\n", f);
  rc = fflush(f) == 0 && !ferror(f) ? 0 : -1;
out:
  if (kf) fclose(kf);
  free(keybuf);
  free(marks);
  free(on_map);
  return rc;
}
