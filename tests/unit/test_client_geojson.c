/* test_client_geojson.c -- the strict JSON reader, reading an area's outline from the GeoJSON
 * forms people produce, and the FeatureCollection the client writes (read back with the same
 * reader: points, link lines, the outline). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "areadata.h"
#include "geojson.h"
#include "jsonread.h"
#include "task.h"

static void parse_ok(const char *text) {
  char err[200];
  jsonv *v = jsonread_parse(text, strlen(text), err, sizeof err);
  if (v == NULL) TASK_FAIL("'%s' should parse: %s", text, err);
  jsonread_free(v);
}

static void parse_bad(const char *text, const char *why) {
  char err[200] = "";
  jsonv *v = jsonread_parse(text, strlen(text), err, sizeof err);
  if (v != NULL) TASK_FAIL("'%s' should not parse", text);
  ASSERT_STR_CONTAINS(err, why);
}

static void test_reader(void) {
  parse_ok("{}");
  parse_ok(" [1, -2.5e3, true, false, null, \"x\"] ");
  parse_ok("{\"a\":{\"b\":[[]]}}");
  char err[200];
  const char *t = "{\"name\":\"Gellerup \\u00e6\\ud83d\\ude00\",\"n\":-0.5}";
  jsonv *v = jsonread_parse(t, strlen(t), err, sizeof err);
  ASSERT(v != NULL);
  ASSERT_STR_EQ(jsonread_get(v, "name")->str, "Gellerup \xc3\xa6\xf0\x9f\x98\x80");
  ASSERT(jsonread_get(v, "n")->num == -0.5);
  ASSERT(jsonread_get(v, "missing") == NULL);
  jsonread_free(v);
  parse_bad("", "unexpected end");
  parse_bad("[1,]", "trailing comma");
  parse_bad("{\"a\":1,\"a\":2}", "duplicate");
  parse_bad("01", "leading zero");
  parse_bad("[1] x", "after the value");
  parse_bad("\"\\ud800\"", "surrogate");
  parse_bad("\"\\u0000\"", "NUL");
  parse_bad("\"bad \xff\"", "UTF-8");
  parse_bad("\"tab\there\"", "control character");
  parse_bad("1e999", "out of range");
  /* depth: JSONREAD_MAX_DEPTH nested arrays parse, one more does not */
  char deep[2 * JSONREAD_MAX_DEPTH + 4];
  for (int extra = 0; extra < 2; extra++) {
    int d = JSONREAD_MAX_DEPTH + extra;
    for (int i = 0; i < d; i++) deep[i] = '[', deep[d + i] = ']';
    deep[2 * d] = '\0';
    if (extra) parse_bad(deep, "nested too deeply");
    else parse_ok(deep);
  }
}

static const char square[] = "[[10.0,56.0],[10.01,56.0],[10.01,56.01],[10.0,56.01],[10.0,56.0]]";

static void outline_ok(const char *text, size_t want_n, double first_lon) {
  double *pts = NULL;
  size_t n = 0;
  char err[200];
  if (geojson_outline(text, strlen(text), &pts, &n, err, sizeof err) != 0)
    TASK_FAIL("outline should be read: %s", err);
  ASSERT_UINT_EQ(n, want_n);
  ASSERT(pts[0] == first_lon);
  free(pts);
}

static void outline_bad(const char *text, const char *why) {
  double *pts = NULL;
  size_t n = 0;
  char err[200] = "";
  ASSERT_INT_EQ(geojson_outline(text, strlen(text), &pts, &n, err, sizeof err), -1);
  ASSERT(pts == NULL && n == 0);
  ASSERT_STR_CONTAINS(err, why);
}

static void test_outline(void) {
  char buf[4096];
  snprintf(buf, sizeof buf, "{\"type\":\"Polygon\",\"coordinates\":[%s]}", square);
  outline_ok(buf, 4, 10.0); /* the closing point is dropped */
  snprintf(buf, sizeof buf, "{\"type\":\"Feature\",\"properties\":{},\"geometry\":"
                            "{\"type\":\"Polygon\",\"coordinates\":[%s,[[1,1],[2,2],[1,2]]]}}", square);
  outline_ok(buf, 4, 10.0); /* the hole is ignored */
  snprintf(buf, sizeof buf, "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\","
           "\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]},\"properties\":null},"
           "{\"type\":\"Feature\",\"properties\":null,\"geometry\":{\"type\":\"MultiPolygon\","
           "\"coordinates\":[[[[9,55],[9.001,55],[9.001,55.001]]],[%s]]}}]}", square);
  outline_ok(buf, 4, 10.0); /* the larger polygon of the MultiPolygon */
  outline_ok("{\"type\":\"Polygon\",\"coordinates\":[[[12.5,55.6,10],[12.6,55.6,10],[12.6,55.7,10]]]}",
             3, 12.5); /* open ring with altitudes */
  outline_bad("{\"type\":\"Polygon\",\"coordinates\":[[[1,1],[2,2],[1,1]]]}", "needs 3 to");
  outline_bad("{\"type\":\"Point\",\"coordinates\":[1,2]}", "Polygon or MultiPolygon");
  outline_bad("{\"type\":\"Polygon\",\"coordinates\":[[[10.1,56.1],[10.2,56.1],[10.2,95]]]}",
              "out of range");
  outline_bad("{\"type\":\"Polygon\",\"coordinates\":[[[1,1],[2,\"x\"],[3,3]]]}",
              "[longitude, latitude]");
  outline_bad("{\"type\":\"FeatureCollection\",\"features\":[]}", "no Polygon");
  outline_bad("[1,2]", "not a GeoJSON object");
  outline_bad("{\"type\":", "JSON:");
  /* GEOJSON_OUTLINE_MAX points are taken, one more is refused */
  for (int extra = 0; extra < 2; extra++) {
    int n = GEOJSON_OUTLINE_MAX + extra;
    size_t cap = 64 + (size_t)n * 40, at = 0;
    char *t = malloc(cap);
    at += (size_t)snprintf(t + at, cap - at, "{\"type\":\"Polygon\",\"coordinates\":[[");
    for (int i = 0; i < n; i++) {
      double a = 2 * M_PI * i / n;
      at += (size_t)snprintf(t + at, cap - at, "%s[%.6f,%.6f]", i ? "," : "", 10 + 0.01 * cos(a),
                             56 + 0.01 * sin(a));
    }
    snprintf(t + at, cap - at, "]]}");
    if (extra) outline_bad(t, "needs 3 to 2000");
    else outline_ok(t, (size_t)n, 10.01);
    free(t);
  }
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  ASSERT(d != NULL);
  return d;
}

/* A small area: a located resource and challenge (linked), an unlocated one, an outline. */
static void sample(area_data *ad) {
  memset(ad, 0, sizeof *ad);
  ad->name = xstrdup("Gellerup");
  ad->description = xstrdup("");
  ad->obs = calloc(3, sizeof *ad->obs);
  ad->nobs = 3;
  const char *kinds[] = {"resource", "challenge", "challenge"};
  for (int i = 0; i < 3; i++) {
    ad_obs *o = &ad->obs[i];
    o->id = (uint64_t)(10 + i);
    o->kind = xstrdup(kinds[i]);
    o->category = xstrdup("fritid");
    o->level = xstrdup(i == 1 ? "group" : "area");
    o->text = xstrdup(i == 0 ? "Gospelkor \"tirsdag\"" : "Unge samles");
    o->author = xstrdup("pia");
    o->time = 1700000000;
    o->has_size = i == 1;
    o->size = 8;
    o->located = i < 2;
    o->lat = 56.15 + 0.001 * i;
    o->lon = 10.13 + 0.001 * i;
  }
  ad->links = calloc(2, sizeof *ad->links);
  ad->nlinks = 2;
  ad->links[0] = (ad_link){.id = 1, .kind = "answers", .resource = 10, .challenge = 11};
  ad->links[1] = (ad_link){.id = 2, .kind = "answers", .resource = 10, .challenge = 12};
  ad->boundary = calloc(6, sizeof(double));
  double ring[6] = {10.12, 56.14, 10.14, 56.14, 10.13, 56.16}; /* counterclockwise */
  memcpy(ad->boundary, ring, sizeof ring);
  ad->nboundary = 3;
}

static void test_write(void) {
  area_data ad;
  sample(&ad);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT_INT_EQ(geojson_write(f, &ad), 0);
  fclose(f);
  char err[200];
  jsonv *v = jsonread_parse(buf, len, err, sizeof err);
  if (v == NULL) TASK_FAIL("written GeoJSON does not parse: %s", err);
  ASSERT(jsonread_is_str(jsonread_get(v, "type"), "FeatureCollection"));
  const jsonv *fs = jsonread_get(v, "features");
  ASSERT(fs && fs->type == JSONV_ARRAY);
  ASSERT_UINT_EQ(fs->n, 4); /* 2 points, 1 line (the other link has an unlocated end), 1 polygon */
  const jsonv *p0 = jsonread_get(&fs->items[0], "properties");
  ASSERT(jsonread_get(p0, "id")->num == 10);
  ASSERT_STR_EQ(jsonread_get(p0, "text")->str, "Gospelkor \"tirsdag\"");
  const jsonv *links = jsonread_get(p0, "links");
  ASSERT(links->n == 2 && links->items[0].num == 11 && links->items[1].num == 12);
  const jsonv *c0 = jsonread_get(jsonread_get(&fs->items[0], "geometry"), "coordinates");
  ASSERT(c0->items[0].num == 10.13 && c0->items[1].num == 56.15); /* [lon, lat] */
  const jsonv *g2 = jsonread_get(&fs->items[2], "geometry");
  ASSERT(jsonread_is_str(jsonread_get(g2, "type"), "LineString"));
  ASSERT(jsonread_get(jsonread_get(&fs->items[2], "properties"), "to")->num == 11);
  const jsonv *g3 = jsonread_get(&fs->items[3], "geometry");
  ASSERT(jsonread_is_str(jsonread_get(g3, "type"), "Polygon"));
  const jsonv *ring = &jsonread_get(g3, "coordinates")->items[0];
  ASSERT_UINT_EQ(ring->n, 4); /* closed */
  ASSERT(ring->items[0].items[0].num == ring->items[3].items[0].num);
  jsonread_free(v);
  /* read back as an outline: the same three points */
  double *pts;
  size_t n;
  ASSERT_INT_EQ(geojson_outline(buf, len, &pts, &n, err, sizeof err), 0);
  ASSERT_UINT_EQ(n, 3);
  ASSERT(pts[0] == 10.12 && pts[5] == 56.16);
  free(pts);
  free(buf);
  /* a clockwise outline is written counterclockwise (RFC 7946) */
  double cw[6] = {10.13, 56.16, 10.14, 56.14, 10.12, 56.14};
  memcpy(ad.boundary, cw, sizeof cw);
  f = open_memstream(&buf, &len);
  ASSERT_INT_EQ(geojson_write(f, &ad), 0);
  fclose(f);
  v = jsonread_parse(buf, len, err, sizeof err);
  ring = &jsonread_get(jsonread_get(&jsonread_get(v, "features")->items[3], "geometry"),
                       "coordinates")->items[0];
  double a = 0;
  for (size_t k = 0; k + 1 < ring->n; k++)
    a += ring->items[k].items[0].num * ring->items[k + 1].items[1].num -
         ring->items[k + 1].items[0].num * ring->items[k].items[1].num;
  ASSERT(a > 0);
  jsonread_free(v);
  free(buf);
  areadata_free(&ad);
}

int main(void) {
  RUN_TEST(test_reader);
  RUN_TEST(test_outline);
  RUN_TEST(test_write);
  return 0;
}
