/* cmd_map.c -- `samvirke map`: an area's observations as GeoJSON and as an SVG wall map. */
#include "cmd_map.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_area.h"
#include "cmdutil.h"
#include "codec.h"
#include "json.h"
#include "util.h"

#define M_PER_DEG_LAT 111320.0

/* ---- GeoJSON ---- */

int map_write_geojson(FILE *f, const map_obs *obs, size_t n) {
  json_out j;
  json_init(&j, f);
  json_begin_object(&j);
  json_kv_str(&j, "type", "FeatureCollection");
  json_key(&j, "features");
  json_begin_array(&j);
  for (size_t i = 0; i < n; i++) {
    const map_obs *o = &obs[i];
    if (!o->located) continue;
    char when[32];
    cmdutil_fmt_time(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", o->time, false);
    json_begin_object(&j);
    json_kv_str(&j, "type", "Feature");
    json_key(&j, "id");
    json_uint(&j, o->id);
    json_key(&j, "geometry");
    json_begin_object(&j);
    json_kv_str(&j, "type", "Point");
    json_key(&j, "coordinates");
    json_begin_array(&j);
    json_double(&j, o->lon);
    json_double(&j, o->lat);
    json_end_array(&j);
    json_end_object(&j);
    json_key(&j, "properties");
    json_begin_object(&j);
    json_kv_uint(&j, "id", o->id);
    json_kv_str(&j, "kind", o->kind);
    json_kv_str(&j, "category", o->category);
    json_kv_str(&j, "level", o->level);
    json_kv_str(&j, "text", o->text);
    json_kv_str(&j, "time", when);
    if (o->has_size) json_kv_uint(&j, "size", o->size);
    json_end_object(&j);
    json_end_object(&j);
  }
  json_end_array(&j);
  json_end_object(&j);
  return json_finish(&j);
}

/* ---- SVG ---- */

#define SVG_W 1400
#define MAP_X 40
#define MAP_Y 132
#define MAP_W 900
#define MAP_H 660
#define SIDE_X 975
#define SIDE_W 385
#define FONT "DejaVu Sans, Helvetica, Arial, sans-serif"
#define GREEN "#1a9850"
#define RED "#d73027"
#define WRAP_COLS 46
#define WRAP_LINES 3

/* Decode one UTF-8 code point at s (n bytes left): its length, or 0 when invalid. */
static size_t utf8_len(const unsigned char *s, size_t n) {
  if (s[0] < 0x80) return 1;
  size_t len = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 : (s[0] & 0xf8) == 0xf0 ? 4 : 0;
  if (len == 0 || len > n) return 0;
  for (size_t k = 1; k < len; k++)
    if ((s[k] & 0xc0) != 0x80) return 0;
  return len;
}

/* Write n bytes of s as XML character data: markup characters escaped, control characters
 * and invalid UTF-8 replaced, so the file is always well-formed. */
static void xml_text(FILE *f, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == '&') fputs("&amp;", f);
    else if (c == '<') fputs("&lt;", f);
    else if (c == '>') fputs("&gt;", f);
    else if (c == '"') fputs("&quot;", f);
    else if (c < 0x20 || c == 0x7f) fputc(' ', f);
    else if (c >= 0x80) {
      size_t l = utf8_len(p + i, n - i);
      if (l == 0 || (c == 0xc2 && p[i + 1] < 0xa0)) { /* invalid, or a C1 control */
        fputs("\xef\xbf\xbd", f);
        i += l ? l : 1;
        continue;
      }
      fwrite(p + i, 1, l, f);
      i += l;
      continue;
    } else fputc(c, f);
    i++;
  }
}

static void xml_str(FILE *f, const char *s) { xml_text(f, s, strlen(s)); }

/* Wrap s into at most max_lines lines of about cols code points, breaking at spaces (newlines
 * count as spaces). Each line is (start, len) in s; the last one ends with an ellipsis flag
 * when text was left over. Returns the number of lines. */
typedef struct {
  size_t start, len;
} text_span;

static int wrap(const char *s, int cols, int max_lines, text_span *lines, bool *cut) {
  size_t n = strlen(s), i = 0;
  int count = 0;
  *cut = false;
  while (i < n && count < max_lines) {
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    if (i >= n) break;
    size_t start = i, last_space = 0, j = i;
    int cp = 0;
    while (j < n && cp < cols) {
      if (s[j] == ' ' || s[j] == '\n' || s[j] == '\t' || s[j] == '\r') last_space = j;
      if (s[j] == '\n') break;
      size_t l = utf8_len((const unsigned char *)s + j, n - j);
      j += l ? l : 1;
      cp++;
    }
    size_t end;
    if (j >= n || s[j] == '\n') end = j;
    else if (s[j] == ' ') end = j;
    else if (last_space > start) end = last_space;
    else end = j; /* a word longer than a line: hard break */
    lines[count].start = start;
    lines[count].len = end - start;
    count++;
    i = end;
  }
  while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
  if (i < n) *cut = true;
  return count;
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

static void fmt_metres(double m, char *out, size_t n) {
  if (m >= 1000)
    snprintf(out, n, "%g km", m / 1000);
  else
    snprintf(out, n, "%g m", m);
}

typedef struct {
  double lat0, lon0;   /* centre */
  double ppd_lat;      /* pixels per degree of latitude */
  double ppd_lon;      /* pixels per degree of longitude */
} proj;

static double px(const proj *pr, double lon) { return MAP_X + MAP_W / 2.0 + (lon - pr->lon0) * pr->ppd_lon; }
static double py(const proj *pr, double lat) { return MAP_Y + MAP_H / 2.0 - (lat - pr->lat0) * pr->ppd_lat; }

/* Fit the located observations into the map panel with a margin; at least 400 m across. */
static void fit(const map_obs *obs, size_t n, proj *pr) {
  double minlat = 90, maxlat = -90, minlon = 180, maxlon = -180;
  for (size_t i = 0; i < n; i++) {
    if (!obs[i].located) continue;
    if (obs[i].lat < minlat) minlat = obs[i].lat;
    if (obs[i].lat > maxlat) maxlat = obs[i].lat;
    if (obs[i].lon < minlon) minlon = obs[i].lon;
    if (obs[i].lon > maxlon) maxlon = obs[i].lon;
  }
  pr->lat0 = (minlat + maxlat) / 2;
  pr->lon0 = (minlon + maxlon) / 2;
  double c = cos(pr->lat0 * M_PI / 180.0);
  if (c < 0.05) c = 0.05;
  double span_lat_m = (maxlat - minlat) * M_PER_DEG_LAT;
  double span_lon_m = (maxlon - minlon) * M_PER_DEG_LAT * c;
  if (span_lat_m < 400) span_lat_m = 400;
  if (span_lon_m < 400) span_lon_m = 400;
  /* pixels per metre, with 14% margin on each side */
  double ppm = fmin(MAP_W * 0.72 / span_lon_m, MAP_H * 0.72 / span_lat_m);
  pr->ppd_lat = ppm * M_PER_DEG_LAT;
  pr->ppd_lon = ppm * M_PER_DEG_LAT * c;
}

static void fmt_deg(double v, bool lat, char *out, size_t n) {
  char h = lat ? (v >= 0 ? 'N' : 'S') : (v >= 0 ? 'E' : 'W');
  double a = fabs(v);
  int dec = a == floor(a) ? 0 : fabs(a * 100 - floor(a * 100 + 0.5)) < 1e-6 ? 2 : fabs(a * 1000 - floor(a * 1000 + 0.5)) < 1e-6 ? 3 : 4;
  snprintf(out, n, "%.*f\xc2\xb0%c", dec, a, h);
}

static void marker(FILE *f, double x, double y, const map_obs *o, int num, bool hollow) {
  const char *col = strcmp(o->kind, "resource") == 0 ? GREEN : RED;
  bool group = strcmp(o->level, "group") == 0;
  if (group)
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"none\" stroke=\"%s\" "
               "stroke-width=\"2.5\" stroke-dasharray=\"4 3\"/>\n", x, y, hollow ? 14 : 20, col);
  if (hollow)
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"10\" fill=\"#fff\" stroke=\"%s\" "
               "stroke-width=\"2.5\"/>\n", x, y, col);
  else
    fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"14\" fill=\"%s\" stroke=\"#fff\" "
               "stroke-width=\"2.5\"/>\n", x, y, col);
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"%d\" "
             "font-weight=\"bold\" fill=\"%s\">%d</text>\n",
          x, y + (hollow ? 4 : 4.5), num >= 100 ? 9 : hollow ? 10 : 12, hollow ? col : "#fff", num);
}

/* One key entry beside the map; returns the y below it. */
static double key_entry(FILE *f, double y, const map_obs *o, int num, bool hollow) {
  text_span lines[WRAP_LINES];
  bool cut;
  int nl = wrap(o->text, WRAP_COLS, WRAP_LINES, lines, &cut);
  marker(f, SIDE_X + 14, y + 4, o, num, hollow);
  fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"12\" fill=\"#555\">", SIDE_X + 40, y);
  fprintf(f, "%s \xc2\xb7 ", strcmp(o->kind, "resource") == 0 ? "Resource" : "Challenge");
  xml_str(f, o->category);
  if (strcmp(o->level, "group") == 0) {
    if (o->has_size)
      fprintf(f, " \xc2\xb7 group of ~%llu", (unsigned long long)o->size);
    else
      fputs(" \xc2\xb7 group", f);
  }
  char day[16];
  time_t tt = (time_t)o->time;
  struct tm tm;
  if (localtime_r(&tt, &tm) != NULL && strftime(day, sizeof day, "%Y-%m-%d", &tm) > 0)
    fprintf(f, " \xc2\xb7 %s", day);
  fputs("</text>\n", f);
  y += 17;
  for (int i = 0; i < nl; i++) {
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"14\" fill=\"#222\">", SIDE_X + 40, y);
    xml_text(f, o->text + lines[i].start, lines[i].len);
    if (cut && i == nl - 1) fputs("\xe2\x80\xa6", f);
    fputs("</text>\n", f);
    y += 18;
  }
  return y + 12;
}

int map_write_svg(FILE *f, const char *area, const char *description, const map_obs *obs,
                  size_t n, uint64_t now) {
  size_t located = 0;
  for (size_t i = 0; i < n; i++) located += obs[i].located;
  /* Height of the key beside the map decides the picture's height. */
  double key_h = 40;
  for (size_t i = 0; i < n; i++) {
    text_span lines[WRAP_LINES];
    bool cut;
    key_h += 29 + 18.0 * wrap(obs[i].text, WRAP_COLS, WRAP_LINES, lines, &cut);
  }
  if (located < n && located > 0) key_h += 40;
  double content_bottom = fmax(MAP_Y + MAP_H, MAP_Y + key_h);
  int H = (int)ceil(content_bottom + 60);

  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
             "viewBox=\"0 0 %d %d\" font-family=\"%s\">\n",
          SVG_W, H, SVG_W, H, FONT);
  fputs("<title>", f);
  xml_str(f, area);
  fputs(": resources and challenges</title>\n", f);
  fprintf(f, "<rect width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", SVG_W, H);

  /* Title block. */
  fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"8\" fill=\"#2c3e50\"/>\n", SVG_W);
  fputs("<text x=\"40\" y=\"62\" font-size=\"34\" font-weight=\"bold\" fill=\"#1c2833\">", f);
  xml_str(f, area);
  fputs("<tspan dx=\"12\" font-size=\"24\" font-weight=\"normal\" fill=\"#566573\">\xe2\x80\x94 resources "
        "and challenges</tspan></text>\n", f);
  char today[32];
  time_t tt = (time_t)now;
  struct tm tm;
  if (localtime_r(&tt, &tm) == NULL || strftime(today, sizeof today, "%Y-%m-%d", &tm) == 0)
    snprintf(today, sizeof today, "?");
  size_t nres = 0;
  for (size_t i = 0; i < n; i++) nres += strcmp(obs[i].kind, "resource") == 0;
  fputs("<text x=\"40\" y=\"96\" font-size=\"17\" fill=\"#566573\">", f);
  if (description != NULL && description[0]) {
    text_span dl[1];
    bool dcut;
    if (wrap(description, 70, 1, dl, &dcut) == 1) {
      xml_text(f, description + dl[0].start, dl[0].len);
      fputs(dcut ? "\xe2\x80\xa6 \xc2\xb7 " : " \xc2\xb7 ", f);
    }
  }
  fprintf(f, "%zu resource%s, %zu challenge%s \xc2\xb7 %zu on the map \xc2\xb7 as of %s</text>\n",
          nres, nres == 1 ? "" : "s", n - nres, n - nres == 1 ? "" : "s", located, today);

  /* Map panel. */
  fprintf(f, "<defs><clipPath id=\"mapclip\"><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>"
             "</clipPath></defs>\n", MAP_X, MAP_Y, MAP_W, MAP_H);
  fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f3f1ea\" "
             "stroke=\"#8a8a8a\" stroke-width=\"1.5\"/>\n", MAP_X, MAP_Y, MAP_W, MAP_H);
  if (located == 0) {
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"20\" fill=\"#888\">"
               "No observation in this area has a location yet</text>\n",
            MAP_X + MAP_W / 2, MAP_Y + MAP_H / 2);
    fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" fill=\"#888\">"
               "add one with: samvirke observe AREA ... --at LAT,LON TEXT</text>\n",
            MAP_X + MAP_W / 2, MAP_Y + MAP_H / 2 + 28);
  } else {
    proj pr;
    fit(obs, n, &pr);
    /* Graticule. */
    double lat_lo = pr.lat0 - (MAP_H / 2.0) / pr.ppd_lat, lat_hi = pr.lat0 + (MAP_H / 2.0) / pr.ppd_lat;
    double lon_lo = pr.lon0 - (MAP_W / 2.0) / pr.ppd_lon, lon_hi = pr.lon0 + (MAP_W / 2.0) / pr.ppd_lon;
    double step = nice_step(lat_hi - lat_lo), lstep = nice_step(lon_hi - lon_lo);
    fputs("<g clip-path=\"url(#mapclip)\" stroke=\"#d9d4c7\" stroke-width=\"1\">\n", f);
    for (double v = ceil(lat_lo / step) * step; v <= lat_hi; v += step)
      fprintf(f, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\"/>\n", MAP_X, py(&pr, v),
              MAP_X + MAP_W, py(&pr, v));
    for (double v = ceil(lon_lo / lstep) * lstep; v <= lon_hi; v += lstep)
      fprintf(f, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>\n", px(&pr, v), MAP_Y,
              px(&pr, v), MAP_Y + MAP_H);
    fputs("</g>\n<g font-size=\"10\" fill=\"#8a8a8a\">\n", f);
    char lab[32];
    for (double v = ceil(lat_lo / step) * step; v <= lat_hi; v += step) {
      double y = py(&pr, v);
      if (y < MAP_Y + 24 || y > MAP_Y + MAP_H - 124) continue; /* clear of the legend */
      fmt_deg(v, true, lab, sizeof lab);
      fprintf(f, "<text x=\"%d\" y=\"%.1f\">%s</text>\n", MAP_X + 4, y - 3, lab);
    }
    for (double v = ceil(lon_lo / lstep) * lstep; v <= lon_hi; v += lstep) {
      double x = px(&pr, v);
      if (x < MAP_X + 70 || x > MAP_X + MAP_W - 50) continue;
      fmt_deg(v, false, lab, sizeof lab);
      fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x + 3, MAP_Y + 12, lab);
    }
    fputs("</g>\n<g clip-path=\"url(#mapclip)\">\n", f);
    /* Markers, numbered in key order. */
    int num = 0;
    for (size_t i = 0; i < n; i++) {
      if (!obs[i].located) continue;
      num++;
      marker(f, px(&pr, obs[i].lon), py(&pr, obs[i].lat), &obs[i], num, false);
    }
    fputs("</g>\n", f);
    /* North arrow. */
    int nx = MAP_X + MAP_W - 40, ny = MAP_Y + 30;
    fprintf(f, "<g><polygon points=\"%d,%d %d,%d %d,%d %d,%d\" fill=\"#2c3e50\"/>"
               "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"14\" "
               "font-weight=\"bold\" fill=\"#2c3e50\">N</text></g>\n",
            nx, ny, nx + 10, ny + 30, nx, ny + 23, nx - 10, ny + 30, nx, ny + 46);
    /* Scale bar: about a quarter of the map's width. */
    double ppm = pr.ppd_lat / M_PER_DEG_LAT;
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
    fmt_metres(metres, ml, sizeof ml);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" fill=\"#2c3e50\">0</text>\n"
               "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\" "
               "fill=\"#2c3e50\">%s</text>\n",
            bx - 3, by - 6, bx + bar + 3, by - 6, ml);
  }
  /* Legend. */
  int lx = MAP_X + 16, ly = MAP_Y + MAP_H - 112;
  fprintf(f, "<g><rect x=\"%d\" y=\"%d\" width=\"230\" height=\"98\" rx=\"6\" fill=\"#fff\" "
             "fill-opacity=\"0.92\" stroke=\"#bbb\"/>\n", lx, ly);
  fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"8\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
             "font-size=\"14\" fill=\"#222\">Resource</text>\n", lx + 22, ly + 22, GREEN, lx + 40, ly + 27);
  fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"8\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" "
             "font-size=\"14\" fill=\"#222\">Challenge</text>\n", lx + 22, ly + 48, RED, lx + 40, ly + 53);
  fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"8\" fill=\"#888\"/><circle cx=\"%d\" cy=\"%d\" "
             "r=\"12\" fill=\"none\" stroke=\"#888\" stroke-width=\"2\" stroke-dasharray=\"3 2\"/>"
             "<text x=\"%d\" y=\"%d\" font-size=\"14\" fill=\"#222\">Group level</text></g>\n",
          lx + 22, ly + 76, lx + 22, ly + 76, lx + 40, ly + 81);

  /* Key beside the map. */
  double y = MAP_Y + 8;
  if (n == 0) {
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"15\" fill=\"#888\">No observations yet.</text>\n",
            SIDE_X, y + 12);
  }
  int num = 0;
  if (located > 0) {
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"18\" font-weight=\"bold\" fill=\"#1c2833\">"
               "On the map</text>\n", SIDE_X, y + 12);
    y += 40;
    for (size_t i = 0; i < n; i++)
      if (obs[i].located) y = key_entry(f, y, &obs[i], ++num, false);
  }
  if (located < n) {
    if (located > 0) y += 10;
    fprintf(f, "<text x=\"%d\" y=\"%.1f\" font-size=\"18\" font-weight=\"bold\" fill=\"#1c2833\">"
               "Not on the map (no location)</text>\n", SIDE_X, y + 12);
    y += 40;
    for (size_t i = 0; i < n; i++)
      if (!obs[i].located) y = key_entry(f, y, &obs[i], ++num, true);
  }

  /* Footer. */
  fprintf(f, "<line x1=\"40\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ccc\"/>\n", H - 40,
          SVG_W - 40, H - 40);
  fprintf(f, "<text x=\"40\" y=\"%d\" font-size=\"12\" fill=\"#7f8c8d\">samvirke \xc2\xb7 area- and "
             "group-level data only; information about individuals belongs in restricted notes. "
             "Positions are approximate (WGS 84).</text>\n", H - 18);
  fputs("</svg>\n", f);
  return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* ---- the command ---- */

/* Copy a string field of map m (NUL-terminated, malloc'd; "" when absent). */
static char *field_dup(const msgpack_object *m, const char *key) {
  const msgpack_object *o = sv_map_get(m, key);
  char *s = o ? sv_obj_strdup(o) : NULL;
  return s ? s : strdup("");
}

/* A finite number field of m (cmdutil_get_double); false when absent, not a number or not
 * finite. */
static bool field_double(const msgpack_object *m, const char *key, double *out) {
  return cmdutil_get_double(m, key, out) && isfinite(*out);
}

static void free_obs(map_obs *obs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    free(obs[i].kind);
    free(obs[i].category);
    free(obs[i].level);
    free(obs[i].text);
  }
  free(obs);
}

/* The description of area from area.list over s (malloc'd), or NULL when there is none or
 * the list cannot be had (the map is then drawn without it). */
static char *area_description(session *s, const char *area) {
  sv_request req;
  sv_request_init(&req, 0, SV_OP_AREA_LIST);
  msgpack_unpacked resp;
  char err[512];
  char *out = NULL;
  int rc = session_call(s, &req, &resp, err, sizeof err);
  sv_request_free(&req);
  const msgpack_object *res = rc == 0 ? session_result(&resp) : NULL;
  const msgpack_object *a = res ? sv_map_get(res, "areas") : NULL;
  for (uint32_t i = 0; a != NULL && a->type == MSGPACK_OBJECT_ARRAY && i < a->via.array.size; i++) {
    const char *name, *d;
    size_t nn, dn;
    const msgpack_object *o = &a->via.array.ptr[i];
    if (sv_map_str(o, "name", &name, &nn) == 0 && nn == strlen(area) &&
        memcmp(name, area, nn) == 0 && sv_map_str(o, "description", &d, &dn) == 0 && dn > 0) {
      out = strndup(d, dn);
      break;
    }
  }
  msgpack_unpacked_destroy(&resp);
  return out;
}

/* Open path for writing ("-" is stdout). */
static FILE *open_out(const char *path) { return strcmp(path, "-") == 0 ? stdout : fopen(path, "w"); }

static int close_out(FILE *f) {
  if (f == stdout) return fflush(f) == 0 ? 0 : -1;
  return fclose(f) == 0 ? 0 : -1;
}

int cmd_map(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *geojson = NULL, *svg = NULL;
  const cli_opt opts[] = {
      {"--geojson", "FILE", "write a GeoJSON FeatureCollection (QGIS, Leaflet); - for stdout",
       &geojson, NULL, false},
      {"--svg", "FILE", "write an SVG map for printing; - for stdout", &svg, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  if (!geojson && !svg) return cli_usage_error(&ctx, "give --geojson FILE and/or --svg FILE");
  if (geojson && svg && strcmp(geojson, "-") == 0 && strcmp(svg, "-") == 0)
    return cli_usage_error(&ctx, "only one of the outputs can go to stdout");
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_LIST);
  if (sv_request_set_str(&req, SV_F_AREA, argv[1]) != 0) {
    sv_request_free(&req);
    return cli_fail("out of memory");
  }
  client_config cfg;
  session *sess = cmdutil_open(&ctx, &cfg);
  if (sess == NULL) {
    sv_request_free(&req);
    return CLI_FAIL;
  }
  msgpack_unpacked resp;
  int rc = CLI_OK;
  const msgpack_object *res = NULL;
  uint64_t audit = 0;
  if (cmdutil_call(sess, &req, &resp, "map") != 0)
    rc = CLI_FAIL;
  else
    res = session_result(&resp);
  session_last_audit(sess, &audit);
  sv_request_free(&req);
  map_obs *obs = NULL;
  size_t n = 0;
  char *description = NULL;
  if (rc != CLI_OK) goto out;
  const msgpack_object *a = res ? sv_map_get(res, "observations") : NULL;
  if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY) {
    rc = cli_fail("map: the server's answer has no observation list");
    goto out;
  }
  obs = calloc(a->via.array.size ? a->via.array.size : 1, sizeof *obs);
  if (obs == NULL) {
    rc = cli_fail("out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < a->via.array.size; i++) {
    const msgpack_object *o = &a->via.array.ptr[i];
    map_obs *m = &obs[n++];
    sv_map_uint(o, "id", &m->id);
    m->kind = field_dup(o, "kind");
    m->category = field_dup(o, "category");
    m->level = field_dup(o, "level");
    m->text = field_dup(o, "text");
    if (!m->kind || !m->category || !m->level || !m->text) {
      rc = cli_fail("out of memory");
      goto out;
    }
    sv_map_uint(o, "time", &m->time);
    m->has_size = sv_map_uint(o, "size", &m->size) == 0;
    m->located = field_double(o, "lat", &m->lat) && field_double(o, "lon", &m->lon) &&
                 m->lat >= -90 && m->lat <= 90 && m->lon >= -180 && m->lon <= 180;
  }
  const char *area = argv[1];
  if (geojson) {
    FILE *f = open_out(geojson);
    if (f == NULL) {
      rc = cli_fail("%s: %s", geojson, strerror(errno));
      goto out;
    }
    int w = map_write_geojson(f, obs, n);
    if (close_out(f) != 0 || w != 0) {
      rc = cli_fail("%s: cannot write", geojson);
      goto out;
    }
  }
  if (svg) {
    description = area_description(sess, area);
    FILE *f = open_out(svg);
    if (f == NULL) {
      rc = cli_fail("%s: %s", svg, strerror(errno));
      goto out;
    }
    int w = map_write_svg(f, area, description, obs, n, util_unix_time());
    if (close_out(f) != 0 || w != 0) {
      rc = cli_fail("%s: cannot write", svg);
      goto out;
    }
  }
  size_t located = 0;
  for (size_t i = 0; i < n; i++) located += obs[i].located;
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "area", area);
    json_kv_uint(&j, "observations", n);
    json_kv_uint(&j, "located", located);
    if (geojson) json_kv_str(&j, "geojson", geojson);
    if (svg) json_kv_str(&j, "svg", svg);
    json_kv_uint(&j, "audit", audit);
    json_end_object(&j);
    if (json_finish(&j) != 0) rc = cli_fail("cannot write output");
  } else if ((!geojson || strcmp(geojson, "-") != 0) && (!svg || strcmp(svg, "-") != 0)) {
    printf("%zu observations, %zu on the map:%s%s%s%s\n", n, located, geojson ? " " : "",
           geojson ? geojson : "", svg ? " " : "", svg ? svg : "");
  }
out:
  session_close(sess);
  free(description);
  free_obs(obs, n);
  msgpack_unpacked_destroy(&resp);
  return rc;
}
