/* areadata.c -- one area's data as the document writers need it (map, network map, spreadsheets,
 * meeting pack): loaded over a session from the daemon's list ops, or filled by tests. */
#include "areadata.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "codec.h"

/* A string field of m as a malloc'd copy ("" when absent); NULL only when memory runs out. */
static char *dup_field(const msgpack_object *m, const char *key) {
  const msgpack_object *o = sv_map_get(m, key);
  char *s = o ? sv_obj_strdup(o) : NULL;
  return s ? s : strdup("");
}

/* A finite number field of m; false when absent, not a number or not finite. */
static bool finite_field(const msgpack_object *m, const char *key, double *out) {
  return cmdutil_get_double(m, key, out) && isfinite(*out);
}

int areadata_obs_from(const msgpack_object *m, ad_obs *o) {
  memset(o, 0, sizeof *o);
  sv_map_uint(m, "id", &o->id);
  o->kind = dup_field(m, "kind");
  o->category = dup_field(m, "category");
  o->level = dup_field(m, "level");
  o->text = dup_field(m, "text");
  o->author = dup_field(m, "author");
  sv_map_uint(m, "time", &o->time);
  o->has_size = sv_map_uint(m, "size", &o->size) == 0;
  o->located = finite_field(m, "lat", &o->lat) && finite_field(m, "lon", &o->lon) &&
               o->lat >= -90 && o->lat <= 90 && o->lon >= -180 && o->lon <= 180;
  return o->kind && o->category && o->level && o->text && o->author ? 0 : -1;
}

int areadata_iv_from(const msgpack_object *m, ad_iv *v) {
  memset(v, 0, sizeof *v);
  sv_map_uint(m, "id", &v->id);
  v->level = dup_field(m, "level");
  v->step = dup_field(m, "step");
  v->status = dup_field(m, "status");
  v->text = dup_field(m, "text");
  v->owner = dup_field(m, "owner");
  v->outcome = dup_field(m, "outcome");
  v->author = dup_field(m, "author");
  sv_map_uint(m, "time", &v->time);
  sv_map_uint(m, "updated", &v->updated);
  v->has_due = sv_map_uint(m, "due", &v->due) == 0;
  sv_map_bool(m, "overdue", &v->overdue);
  if (sv_map_uint(m, "meeting", &v->meeting) == 0) {
    char track[8];
    cmdutil_get_str(m, "track", track, sizeof track);
    v->meeting_core = strcmp(track, "core") == 0;
  }
  return v->level && v->step && v->status && v->text && v->owner && v->outcome && v->author
             ? 0
             : -1;
}

int areadata_link_from(const msgpack_object *m, ad_link *l) {
  memset(l, 0, sizeof *l);
  sv_map_uint(m, "id", &l->id);
  cmdutil_get_str(m, "kind", l->kind, sizeof l->kind);
  sv_map_uint(m, "resource", &l->resource);
  sv_map_uint(m, "challenge", &l->challenge);
  sv_map_uint(m, "intervention", &l->intervention);
  return 0;
}

void areadata_obs_free(ad_obs *o) {
  free(o->kind);
  free(o->category);
  free(o->level);
  free(o->text);
  free(o->author);
  memset(o, 0, sizeof *o);
}

void areadata_iv_free(ad_iv *v) {
  free(v->level);
  free(v->step);
  free(v->status);
  free(v->text);
  free(v->owner);
  free(v->outcome);
  free(v->author);
  memset(v, 0, sizeof *v);
}

void areadata_free(area_data *ad) {
  free(ad->name);
  free(ad->description);
  free(ad->boundary);
  for (size_t i = 0; i < ad->nobs; i++) areadata_obs_free(&ad->obs[i]);
  free(ad->obs);
  for (size_t i = 0; i < ad->niv; i++) areadata_iv_free(&ad->iv[i]);
  free(ad->iv);
  free(ad->links);
  for (size_t i = 0; i < ad->nactors; i++) {
    free(ad->actors[i].name);
    free(ad->actors[i].category);
    free(ad->actors[i].form);
    free(ad->actors[i].description);
  }
  free(ad->actors);
  for (size_t i = 0; i < ad->nties; i++) free(ad->ties[i].text);
  free(ad->ties);
  memset(ad, 0, sizeof *ad);
}

const ad_obs *areadata_find_obs(const area_data *ad, uint64_t id) {
  for (size_t i = 0; i < ad->nobs; i++)
    if (ad->obs[i].id == id) return &ad->obs[i];
  return NULL;
}

const ad_iv *areadata_find_iv(const area_data *ad, uint64_t id) {
  for (size_t i = 0; i < ad->niv; i++)
    if (ad->iv[i].id == id) return &ad->iv[i];
  return NULL;
}

const ad_actor *areadata_find_actor(const area_data *ad, uint64_t id) {
  for (size_t i = 0; i < ad->nactors; i++)
    if (ad->actors[i].id == id) return &ad->actors[i];
  return NULL;
}

/* Call op with area (when not NULL) over s; on success *list is the array at key in the
 * result (or NULL when absent). Returns 0, or -1 with err "what: reason". The caller destroys
 * resp in every case. */
static int call_list(session *s, enum sv_op op, const char *area, const char *key,
                     msgpack_unpacked *resp, const msgpack_object **list, const char *what,
                     char *err, size_t errlen) {
  sv_request req;
  sv_request_init(&req, 0, op);
  *list = NULL;
  if (area && sv_request_set_str(&req, SV_F_AREA, area) != 0) {
    sv_request_free(&req);
    msgpack_unpacked_init(resp);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  char e[400];
  int rc = session_call(s, &req, resp, e, sizeof e);
  sv_request_free(&req);
  if (rc != 0) {
    snprintf(err, errlen, "%s: %s", what, e);
    return -1;
  }
  const msgpack_object *r = session_result(resp);
  const msgpack_object *a = r ? sv_map_get(r, key) : NULL;
  if (a == NULL || a->type != MSGPACK_OBJECT_ARRAY) {
    snprintf(err, errlen, "%s: the server's answer has no list", what);
    return -1;
  }
  *list = a;
  return 0;
}

/* The area's own map from area.list: description and boundary into ad. */
static int load_area(session *s, const char *area, area_data *ad, char *err, size_t errlen) {
  msgpack_unpacked resp;
  const msgpack_object *a;
  int rc = call_list(s, SV_OP_AREA_LIST, NULL, "areas", &resp, &a, "areas", err, errlen);
  for (uint32_t i = 0; rc == 0 && i < a->via.array.size; i++) {
    const msgpack_object *o = &a->via.array.ptr[i];
    const char *name;
    size_t nn;
    if (sv_map_str(o, "name", &name, &nn) != 0 || nn != strlen(area) || memcmp(name, area, nn))
      continue;
    ad->description = dup_field(o, "description");
    const msgpack_object *b = sv_map_get(o, "boundary");
    if (b && b->type == MSGPACK_OBJECT_ARRAY && b->via.array.size >= 6 &&
        b->via.array.size % 2 == 0) {
      ad->boundary = calloc(b->via.array.size, sizeof(double));
      if (ad->boundary == NULL) break;
      size_t k = 0;
      for (uint32_t j = 0; j < b->via.array.size; j++) {
        const msgpack_object *v = &b->via.array.ptr[j];
        double d = v->type == MSGPACK_OBJECT_FLOAT64 || v->type == MSGPACK_OBJECT_FLOAT32
                       ? v->via.f64
                   : v->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? (double)v->via.u64
                   : v->type == MSGPACK_OBJECT_NEGATIVE_INTEGER ? (double)v->via.i64
                                                                : NAN;
        if (!isfinite(d)) break;
        ad->boundary[k++] = d;
      }
      if (k == b->via.array.size)
        ad->nboundary = k / 2;
      else {
        free(ad->boundary);
        ad->boundary = NULL;
      }
    }
    break;
  }
  msgpack_unpacked_destroy(&resp);
  if (rc == 0 && ad->description == NULL) ad->description = strdup("");
  return rc;
}

int areadata_load(session *s, const char *area, unsigned what, area_data *ad, uint64_t *audit,
                  char *err, size_t errlen) {
  memset(ad, 0, sizeof *ad);
  msgpack_unpacked resp;
  const msgpack_object *a;
  ad->name = strdup(area);
  if (ad->name == NULL) goto nomem;
  if (call_list(s, SV_OP_OBS_LIST, area, "observations", &resp, &a, "observations", err,
                errlen) != 0)
    goto err;
  if (audit) session_last_audit(s, audit);
  ad->obs = calloc(a->via.array.size + 1, sizeof *ad->obs);
  if (ad->obs == NULL) goto nomem_resp;
  for (uint32_t i = 0; i < a->via.array.size; i++)
    if (areadata_obs_from(&a->via.array.ptr[i], &ad->obs[ad->nobs++]) != 0) goto nomem_resp;
  msgpack_unpacked_destroy(&resp);
  if (load_area(s, area, ad, err, errlen) != 0) goto err_noresp;
  if (ad->description == NULL) goto nomem;
  if (what & AREADATA_INTERVENTIONS) {
    if (call_list(s, SV_OP_IV_LIST, area, "interventions", &resp, &a, "interventions", err,
                  errlen) != 0)
      goto err;
    ad->iv = calloc(a->via.array.size + 1, sizeof *ad->iv);
    if (ad->iv == NULL) goto nomem_resp;
    for (uint32_t i = 0; i < a->via.array.size; i++)
      if (areadata_iv_from(&a->via.array.ptr[i], &ad->iv[ad->niv++]) != 0) goto nomem_resp;
    msgpack_unpacked_destroy(&resp);
  }
  if (what & AREADATA_LINKS) {
    if (call_list(s, SV_OP_LINK_LIST, area, "links", &resp, &a, "links", err, errlen) != 0)
      goto err;
    ad->links = calloc(a->via.array.size + 1, sizeof *ad->links);
    if (ad->links == NULL) goto nomem_resp;
    for (uint32_t i = 0; i < a->via.array.size; i++)
      areadata_link_from(&a->via.array.ptr[i], &ad->links[ad->nlinks++]);
    msgpack_unpacked_destroy(&resp);
  }
  if (what & AREADATA_ACTORS) {
    if (call_list(s, SV_OP_ACTOR_LIST, area, "actors", &resp, &a, "actors", err, errlen) != 0)
      goto err;
    ad->actors = calloc(a->via.array.size + 1, sizeof *ad->actors);
    if (ad->actors == NULL) goto nomem_resp;
    for (uint32_t i = 0; i < a->via.array.size; i++) {
      const msgpack_object *o = &a->via.array.ptr[i];
      ad_actor *x = &ad->actors[ad->nactors++];
      sv_map_uint(o, "id", &x->id);
      x->name = dup_field(o, "name");
      x->category = dup_field(o, "category");
      x->form = dup_field(o, "form");
      x->description = dup_field(o, "description");
      if (!x->name || !x->category || !x->form || !x->description) goto nomem_resp;
    }
    const msgpack_object *r = session_result(&resp);
    const msgpack_object *t = r ? sv_map_get(r, "ties") : NULL;
    if (t && t->type == MSGPACK_OBJECT_ARRAY) {
      ad->ties = calloc(t->via.array.size + 1, sizeof *ad->ties);
      if (ad->ties == NULL) goto nomem_resp;
      for (uint32_t i = 0; i < t->via.array.size; i++) {
        const msgpack_object *o = &t->via.array.ptr[i];
        ad_tie *x = &ad->ties[ad->nties++];
        sv_map_uint(o, "id", &x->id);
        sv_map_uint(o, "actor", &x->actor);
        sv_map_uint(o, "peer", &x->peer);
        x->text = dup_field(o, "text");
        if (x->text == NULL) goto nomem_resp;
      }
    }
    msgpack_unpacked_destroy(&resp);
  }
  return 0;
nomem_resp:
  snprintf(err, errlen, "out of memory");
err:
  msgpack_unpacked_destroy(&resp);
err_noresp:
  areadata_free(ad);
  return -1;
nomem:
  snprintf(err, errlen, "out of memory");
  areadata_free(ad);
  return -1;
}
