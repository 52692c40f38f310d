/* web_area.c -- the area pages' API in `samvirke web`: areas, observations (added by clicking
 * the map, corrected and withdrawn by their author), interventions. Each call is one daemon
 * request, with the same arguments the CLI sends; the daemon's guard messages come back tagged
 * with the form field they are about, so the page can show them beside it. */
#include "web_area.h"

#include <stdio.h>
#include <string.h>

#include "codec.h"
#include "guard.h"
#include "web_api.h"
#include "web_app.h"
#include "web_reply.h"

#define SIZE_MAX_GROUP 1000000000u
#define ID_MAX WEB_API_ID_MAX

static const char *const KINDS[] = {"resource", "challenge", NULL};
static const char *const LEVELS[] = {"area", "group", NULL};
static const char *const STEPS[] = {"establish", "map", "analyse", "act", NULL};
static const char *const STATUSES[] = {"planned", "running", "done", "evaluated", NULL};

/* The form field a daemon message is about, from the words it starts with. */
static const char *area_field_of(const char *m) {
  static const struct {
    const char *prefix, *field;
  } map[] = {
      {"text", "text"},         {"category", "category"},     {"area name", "name"},
      {"description", "description"}, {"area data is about", "level"}, {"area", "area"},
      {"a group", "size"},      {"size", "size"},             {"coordinates", "at"},
      {"give both lat", "at"},  {"kind", "kind"},             {"step", "step"},
      {"status", "status"},     {"nothing to change", "text"},
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strncmp(m, map[i].prefix, strlen(map[i].prefix)) == 0) return map[i].field;
  return NULL;
}

static int set_coords(web_req *r, sv_request *req, double lat, double lon) {
  if (sv_request_set_double(req, SV_F_LAT, lat) == 0 &&
      sv_request_set_double(req, SV_F_LON, lon) == 0)
    return 0;
  web_reply_error(r, 500, "web_internal", NULL, "out of memory");
  return -1;
}

/* GET /api/areas */
static void api_areas(web_req *r) {
  sv_request req;
  sv_request_init(&req, 0, SV_OP_AREA_LIST);
  web_api_forward(r, &req, true, NULL);
  sv_request_free(&req);
}

/* POST /api/area/add: name, [description] */
static void api_area_add(web_req *r) {
  const char *name, *desc;
  if (web_api_label(r, "name", true, &name) != 0 ||
      web_api_free_text(r, "description", false, &desc) != 0)
    return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_AREA_ADD);
  if (web_api_set_str(r, &req, SV_F_NAME, name) == 0 && web_api_set_str(r, &req, SV_F_DESCRIPTION, desc) == 0)
    web_api_forward(r, &req, false, area_field_of);
  sv_request_free(&req);
}

/* GET /api/observations?area=NAME */
static void api_observations(web_req *r) {
  const char *area;
  if (web_api_query_label(r, "area", true, &area) != 0) return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_LIST);
  if (web_api_set_str(r, &req, SV_F_AREA, area) == 0) web_api_forward(r, &req, true, area_field_of);
  sv_request_free(&req);
}

/* POST /api/observation/add: area, kind, category, level, text, [size], [lat, lon] */
static void api_observation_add(web_req *r) {
  const char *area, *kind, *category, *level, *text;
  uint64_t size = 0;
  bool has_size = false, has_at = false;
  double lat = 0, lon = 0;
  if (web_api_label(r, "area", true, &area) != 0 ||
      web_api_word(r, "kind", true, KINDS, &kind) != 0 ||
      web_api_label(r, "category", true, &category) != 0 ||
      web_api_word(r, "level", true, LEVELS, &level) != 0 ||
      web_api_uint(r, "size", false, SIZE_MAX_GROUP, &size, &has_size) != 0 ||
      web_api_coords(r, &has_at, &lat, &lon) != 0 ||
      web_api_free_text(r, "text", true, &text) != 0)
    return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_ADD);
  if (web_api_set_str(r, &req, SV_F_AREA, area) == 0 && web_api_set_str(r, &req, SV_F_KIND, kind) == 0 &&
      web_api_set_str(r, &req, SV_F_CATEGORY, category) == 0 &&
      web_api_set_str(r, &req, SV_F_LEVEL, level) == 0 && web_api_set_str(r, &req, SV_F_TEXT, text) == 0 &&
      (!has_size || web_api_set_uint(r, &req, SV_F_SIZE, size) == 0) &&
      (!has_at || set_coords(r, &req, lat, lon) == 0))
    web_api_forward(r, &req, false, area_field_of);
  sv_request_free(&req);
}

/* POST /api/observation/update: id, and any of text, category, size, lat+lon */
static void api_observation_update(web_req *r) {
  const char *category, *text;
  uint64_t id = 0, size = 0;
  bool has_id, has_size = false, has_at = false;
  double lat = 0, lon = 0;
  if (web_api_uint(r, "id", true, ID_MAX, &id, &has_id) != 0 ||
      web_api_label(r, "category", false, &category) != 0 ||
      web_api_uint(r, "size", false, SIZE_MAX_GROUP, &size, &has_size) != 0 ||
      web_api_coords(r, &has_at, &lat, &lon) != 0 ||
      web_api_free_text(r, "text", false, &text) != 0)
    return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_UPDATE);
  if (web_api_set_uint(r, &req, SV_F_OBSERVATION, id) == 0 &&
      web_api_set_str(r, &req, SV_F_CATEGORY, category) == 0 && web_api_set_str(r, &req, SV_F_TEXT, text) == 0 &&
      (!has_size || web_api_set_uint(r, &req, SV_F_SIZE, size) == 0) &&
      (!has_at || set_coords(r, &req, lat, lon) == 0))
    web_api_forward(r, &req, false, area_field_of);
  sv_request_free(&req);
}

/* POST /api/observation/withdraw: id */
static void api_observation_withdraw(web_req *r) {
  uint64_t id = 0;
  bool has_id;
  if (web_api_uint(r, "id", true, ID_MAX, &id, &has_id) != 0) return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_OBS_WITHDRAW);
  if (web_api_set_uint(r, &req, SV_F_OBSERVATION, id) == 0) web_api_forward(r, &req, false, NULL);
  sv_request_free(&req);
}

/* GET /api/interventions?area=NAME */
static void api_interventions(web_req *r) {
  const char *area;
  if (web_api_query_label(r, "area", false, &area) != 0) return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_IV_LIST);
  if (web_api_set_str(r, &req, SV_F_AREA, area) == 0) web_api_forward(r, &req, true, area_field_of);
  sv_request_free(&req);
}

/* POST /api/intervention/add: area, level, step, text, and size (group level) */
static void api_intervention_add(web_req *r) {
  const char *area, *level, *step, *text;
  uint64_t size = 0;
  bool has_size = false;
  if (web_api_label(r, "area", true, &area) != 0 ||
      web_api_word(r, "level", true, LEVELS, &level) != 0 ||
      web_api_word(r, "step", true, STEPS, &step) != 0 ||
      web_api_uint(r, "size", false, SIZE_MAX_GROUP, &size, &has_size) != 0 ||
      web_api_free_text(r, "text", true, &text) != 0)
    return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_IV_ADD);
  if (web_api_set_str(r, &req, SV_F_AREA, area) == 0 && web_api_set_str(r, &req, SV_F_LEVEL, level) == 0 &&
      web_api_set_str(r, &req, SV_F_STEP, step) == 0 && web_api_set_str(r, &req, SV_F_TEXT, text) == 0 &&
      (!has_size || web_api_set_uint(r, &req, SV_F_SIZE, size) == 0))
    web_api_forward(r, &req, false, area_field_of);
  sv_request_free(&req);
}

/* POST /api/intervention/update: id, status */
static void api_intervention_update(web_req *r) {
  uint64_t id = 0;
  bool has_id;
  const char *status;
  if (web_api_uint(r, "id", true, ID_MAX, &id, &has_id) != 0 ||
      web_api_word(r, "status", true, STATUSES, &status) != 0)
    return;
  sv_request req;
  sv_request_init(&req, 0, SV_OP_IV_UPDATE);
  if (web_api_set_uint(r, &req, SV_F_INTERVENTION, id) == 0 && web_api_set_str(r, &req, SV_F_STATUS, status) == 0)
    web_api_forward(r, &req, false, area_field_of);
  sv_request_free(&req);
}

const web_route web_area_routes[] = {
    {"/api/areas", WEB_API, 0, api_areas},
    {"/api/area/add", WEB_API, WEB_R_CHANGE, api_area_add},
    {"/api/observations", WEB_API, 0, api_observations},
    {"/api/observation/add", WEB_API, WEB_R_CHANGE, api_observation_add},
    {"/api/observation/update", WEB_API, WEB_R_CHANGE, api_observation_update},
    {"/api/observation/withdraw", WEB_API, WEB_R_CHANGE, api_observation_withdraw},
    {"/api/interventions", WEB_API, 0, api_interventions},
    {"/api/intervention/add", WEB_API, WEB_R_CHANGE, api_intervention_add},
    {"/api/intervention/update", WEB_API, WEB_R_CHANGE, api_intervention_update},
    {NULL, WEB_API, 0, NULL},
};
