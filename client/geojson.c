/* geojson.c -- GeoJSON (RFC 7946) in and out: an area's observations, links and outline as a
 * FeatureCollection for QGIS or Leaflet, and an area's outline read from a file people draw. */
#include "geojson.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "guard.h"
#include "json.h"
#include "jsonread.h"

/* The ids linked to observation id, as a JSON array (challenges, resources, interventions). */
static void links_of(json_out *j, const area_data *ad, uint64_t id) {
  json_begin_array(j);
  for (size_t i = 0; i < ad->nlinks; i++) {
    const ad_link *l = &ad->links[i];
    if (l->resource == id && l->challenge) json_uint(j, l->challenge);
    else if (l->challenge == id && l->resource) json_uint(j, l->resource);
  }
  json_end_array(j);
  json_key(j, "interventions");
  json_begin_array(j);
  for (size_t i = 0; i < ad->nlinks; i++) {
    const ad_link *l = &ad->links[i];
    if (l->intervention && (l->resource == id || l->challenge == id))
      json_uint(j, l->intervention);
  }
  json_end_array(j);
}

static void position(json_out *j, double lon, double lat) {
  json_begin_array(j);
  json_double(j, lon);
  json_double(j, lat);
  json_end_array(j);
}

int geojson_write(FILE *f, const area_data *ad) {
  json_out j;
  json_init(&j, f);
  json_begin_object(&j);
  json_kv_str(&j, "type", "FeatureCollection");
  json_key(&j, "features");
  json_begin_array(&j);
  for (size_t i = 0; i < ad->nobs; i++) {
    const ad_obs *o = &ad->obs[i];
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
    position(&j, o->lon, o->lat);
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
    json_key(&j, "links");
    links_of(&j, ad, o->id);
    json_end_object(&j);
    json_end_object(&j);
  }
  for (size_t i = 0; i < ad->nlinks; i++) {
    const ad_link *l = &ad->links[i];
    if (!l->resource || !l->challenge) continue;
    const ad_obs *a = areadata_find_obs(ad, l->resource), *b = areadata_find_obs(ad, l->challenge);
    if (a == NULL || b == NULL || !a->located || !b->located) continue;
    json_begin_object(&j);
    json_kv_str(&j, "type", "Feature");
    json_key(&j, "geometry");
    json_begin_object(&j);
    json_kv_str(&j, "type", "LineString");
    json_key(&j, "coordinates");
    json_begin_array(&j);
    position(&j, a->lon, a->lat);
    position(&j, b->lon, b->lat);
    json_end_array(&j);
    json_end_object(&j);
    json_key(&j, "properties");
    json_begin_object(&j);
    json_kv_uint(&j, "link", l->id);
    json_kv_str(&j, "kind", l->kind);
    json_kv_uint(&j, "from", l->resource);
    json_kv_uint(&j, "to", l->challenge);
    json_end_object(&j);
    json_end_object(&j);
  }
  if (ad->nboundary >= 3) {
    json_begin_object(&j);
    json_kv_str(&j, "type", "Feature");
    json_key(&j, "geometry");
    json_begin_object(&j);
    json_kv_str(&j, "type", "Polygon");
    json_key(&j, "coordinates");
    json_begin_array(&j);
    json_begin_array(&j);
    /* RFC 7946: the outer ring runs counterclockwise and is closed. */
    double area2 = 0;
    for (size_t k = 0; k < ad->nboundary; k++) {
      size_t m = (k + 1) % ad->nboundary;
      area2 += ad->boundary[2 * k] * ad->boundary[2 * m + 1] -
               ad->boundary[2 * m] * ad->boundary[2 * k + 1];
    }
    for (size_t k = 0; k <= ad->nboundary; k++) {
      size_t at = k % ad->nboundary;
      if (area2 < 0) at = (ad->nboundary - at) % ad->nboundary;
      position(&j, ad->boundary[2 * at], ad->boundary[2 * at + 1]);
    }
    json_end_array(&j);
    json_end_array(&j);
    json_end_object(&j);
    json_key(&j, "properties");
    json_begin_object(&j);
    json_kv_str(&j, "boundary", ad->name ? ad->name : "");
    json_end_object(&j);
    json_end_object(&j);
  }
  json_end_array(&j);
  json_end_object(&j);
  return json_finish(&j);
}

/* ---- reading an outline ---- */

/* Signed area (in square degrees) of a GeoJSON ring; 0 unless it is an array of positions. */
static double ring_area(const jsonv *ring) {
  if (ring == NULL || ring->type != JSONV_ARRAY) return 0;
  double a = 0;
  for (size_t k = 0; k < ring->n; k++) {
    const jsonv *p = &ring->items[k], *q = &ring->items[(k + 1) % ring->n];
    if (p->type != JSONV_ARRAY || q->type != JSONV_ARRAY || p->n < 2 || q->n < 2) return 0;
    a += p->items[0].num * q->items[1].num - q->items[0].num * p->items[1].num;
  }
  return fabs(a) / 2;
}

/* The outer ring of a Polygon or MultiPolygon geometry, or NULL with err. */
static const jsonv *outer_ring(const jsonv *geom, char *err, size_t errlen) {
  const jsonv *type = jsonread_get(geom, "type");
  const jsonv *coords = jsonread_get(geom, "coordinates");
  if (jsonread_is_str(type, "Polygon")) {
    if (coords && coords->type == JSONV_ARRAY && coords->n > 0) return &coords->items[0];
  } else if (jsonread_is_str(type, "MultiPolygon")) {
    const jsonv *best = NULL;
    double best_area = -1;
    for (size_t i = 0; coords && coords->type == JSONV_ARRAY && i < coords->n; i++) {
      const jsonv *poly = &coords->items[i];
      if (poly->type != JSONV_ARRAY || poly->n == 0) continue;
      double a = ring_area(&poly->items[0]);
      if (a > best_area) best_area = a, best = &poly->items[0];
    }
    if (best) return best;
  } else {
    snprintf(err, errlen, "the outline must be a Polygon or MultiPolygon");
    return NULL;
  }
  snprintf(err, errlen, "the polygon has no coordinates");
  return NULL;
}

int geojson_outline(const char *text, size_t len, double **pts, size_t *n, char *err,
                    size_t errlen) {
  *pts = NULL;
  *n = 0;
  jsonv *root = jsonread_parse(text, len, err, errlen);
  if (root == NULL) return -1;
  int rc = -1;
  const jsonv *geom = root;
  const jsonv *type = jsonread_get(root, "type");
  if (jsonread_is_str(type, "FeatureCollection")) {
    const jsonv *fs = jsonread_get(root, "features");
    geom = NULL;
    for (size_t i = 0; fs && fs->type == JSONV_ARRAY && i < fs->n && geom == NULL; i++) {
      const jsonv *g = jsonread_get(&fs->items[i], "geometry");
      const jsonv *gt = jsonread_get(g, "type");
      if (jsonread_is_str(gt, "Polygon") || jsonread_is_str(gt, "MultiPolygon")) geom = g;
    }
    if (geom == NULL) {
      snprintf(err, errlen, "the FeatureCollection has no Polygon or MultiPolygon feature");
      goto out;
    }
  } else if (jsonread_is_str(type, "Feature")) {
    geom = jsonread_get(root, "geometry");
  } else if (type == NULL) {
    snprintf(err, errlen, "not a GeoJSON object (no \"type\")");
    goto out;
  }
  const jsonv *ring = outer_ring(geom, err, errlen);
  if (ring == NULL) goto out;
  if (ring->type != JSONV_ARRAY) {
    snprintf(err, errlen, "the polygon's ring is not an array of positions");
    goto out;
  }
  size_t count = ring->n;
  for (size_t k = 0; k < ring->n; k++) {
    const jsonv *p = &ring->items[k];
    if (p->type != JSONV_ARRAY || p->n < 2 || p->items[0].type != JSONV_NUMBER ||
        p->items[1].type != JSONV_NUMBER) {
      snprintf(err, errlen, "position %zu of the ring is not [longitude, latitude]", k + 1);
      goto out;
    }
    if (!guard_coords_valid(p->items[1].num, p->items[0].num)) {
      snprintf(err, errlen, "position %zu of the ring is out of range (GeoJSON gives "
                            "[longitude, latitude])", k + 1);
      goto out;
    }
  }
  if (count >= 2 && ring->items[0].items[0].num == ring->items[count - 1].items[0].num &&
      ring->items[0].items[1].num == ring->items[count - 1].items[1].num)
    count--;
  if (count < 3 || count > GEOJSON_OUTLINE_MAX) {
    snprintf(err, errlen, "the outline has %zu points; it needs 3 to %d", count,
             GEOJSON_OUTLINE_MAX);
    goto out;
  }
  *pts = malloc(2 * count * sizeof **pts);
  if (*pts == NULL) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  for (size_t k = 0; k < count; k++) {
    (*pts)[2 * k] = ring->items[k].items[0].num;
    (*pts)[2 * k + 1] = ring->items[k].items[1].num;
  }
  *n = count;
  rc = 0;
out:
  jsonread_free(root);
  return rc;
}
