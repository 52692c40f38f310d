/* areadata.h -- one area's data as the document writers need it (map, network map, spreadsheets,
 * meeting pack): loaded over a session from the daemon's list ops, or filled by tests. */
#ifndef SAMVIRKE_CLIENT_AREADATA_H
#define SAMVIRKE_CLIENT_AREADATA_H

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "session.h"

/* Every string below is malloc'd and owned by the area_data it belongs to (never NULL once
 * loaded: "" stands for none). */
typedef struct ad_obs {
  uint64_t id;
  char *kind;           /* "resource" | "challenge" */
  char *category;
  char *level;          /* "area" | "group" */
  char *text;
  char *author;
  uint64_t time;        /* Unix seconds */
  bool has_size;
  uint64_t size;
  bool located;
  double lat, lon;
} ad_obs;

typedef struct ad_iv {
  uint64_t id;
  char *level, *step, *status, *text, *owner, *outcome, *author;
  uint64_t time, updated;
  bool has_due;
  uint64_t due;
  bool overdue;
  uint64_t meeting;     /* 0: not from a meeting the caller may see */
  bool meeting_core;
} ad_iv;

typedef struct ad_link {
  uint64_t id;
  char kind[16];        /* "answers" | "addresses" | "uses" */
  uint64_t resource, challenge, intervention; /* 0 when absent */
} ad_link;

typedef struct ad_actor {
  uint64_t id;
  char *name, *category, *form, *description;
} ad_actor;

typedef struct ad_tie {
  uint64_t id, actor, peer;
  char *text;
} ad_tie;

typedef struct area_data {
  char *name;
  char *description;
  double *boundary;     /* lon, lat pairs (nboundary points), NULL when none */
  size_t nboundary;
  ad_obs *obs;
  size_t nobs;
  ad_iv *iv;
  size_t niv;
  ad_link *links;
  size_t nlinks;
  ad_actor *actors;
  size_t nactors;
  ad_tie *ties;
  size_t nties;
} area_data;

/* What areadata_load fetches (observations and the area itself always). */
#define AREADATA_INTERVENTIONS 1u
#define AREADATA_LINKS 2u
#define AREADATA_ACTORS 4u
#define AREADATA_ALL 7u

/* Fetch area's data over s: area.list (description, boundary), observation.list and, as what
 * asks, intervention.list, link.list and actor.list. On success returns 0 with *ad filled
 * (areadata_free) and *audit the audit number of the observation list; on failure -1 with one
 * line in err ("observations: denied: ..."), *ad empty. */
int areadata_load(session *s, const char *area, unsigned what, area_data *ad, uint64_t *audit,
                  char *err, size_t errlen);

/* Fill one record from a result map of the daemon (PROTOCOL.md's object maps). Returns 0, or -1
 * on allocation failure (the record is then still safe to free). */
int areadata_obs_from(const msgpack_object *m, ad_obs *o);
int areadata_iv_from(const msgpack_object *m, ad_iv *v);
int areadata_link_from(const msgpack_object *m, ad_link *l);

/* Look ups by id (NULL when absent). */
const ad_obs *areadata_find_obs(const area_data *ad, uint64_t id);
const ad_iv *areadata_find_iv(const area_data *ad, uint64_t id);
const ad_actor *areadata_find_actor(const area_data *ad, uint64_t id);

/* Release everything ad owns and zero it. */
void areadata_free(area_data *ad);
void areadata_obs_free(ad_obs *o);
void areadata_iv_free(ad_iv *v);

#endif
