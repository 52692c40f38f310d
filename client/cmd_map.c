/* cmd_map.c -- `samvirke map`: an area as GeoJSON and as an SVG wall map. */
#include "cmd_map.h"

#include <errno.h>
#include <string.h>

#include "areadata.h"
#include "cmdutil.h"
#include "docwords.h"
#include "geojson.h"
#include "json.h"
#include "mapsvg.h"
#include "util.h"

FILE *cmdmap_open(const char *path) { return strcmp(path, "-") == 0 ? stdout : fopen(path, "w"); }

int cmdmap_close(FILE *f) {
  if (f == stdout) return fflush(f) == 0 ? 0 : -1;
  return fclose(f) == 0 ? 0 : -1;
}

int cmd_map(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *geojson = NULL, *svg = NULL, *lang_s = NULL;
  const cli_opt opts[] = {
      {"--geojson", "FILE", "write a GeoJSON FeatureCollection (QGIS, Leaflet); - for stdout",
       &geojson, NULL, false},
      {"--svg", "FILE", "write an SVG map for printing; - for stdout", &svg, NULL, false},
      {"--lang", "da|en", "language of the SVG map (default da)", &lang_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  if (!geojson && !svg) return cli_usage_error(&ctx, "give --geojson FILE and/or --svg FILE");
  if (geojson && svg && strcmp(geojson, "-") == 0 && strcmp(svg, "-") == 0)
    return cli_usage_error(&ctx, "only one of the outputs can go to stdout");
  enum doc_lang lang = DOC_DA;
  if (lang_s && docwords_lang(lang_s, &lang) != 0)
    return cli_usage_error(&ctx, "--lang is da or en");
  client_config cfg;
  session *sess = cmdutil_open(&ctx, &cfg);
  if (sess == NULL) return CLI_FAIL;
  const char *area = argv[1];
  area_data ad;
  uint64_t audit = 0;
  char err[512];
  int rc = CLI_OK;
  if (areadata_load(sess, area, AREADATA_INTERVENTIONS | AREADATA_LINKS, &ad, &audit, err,
                    sizeof err) != 0) {
    session_close(sess);
    return cli_fail("map: %s", err);
  }
  session_close(sess);
  if (geojson) {
    FILE *f = cmdmap_open(geojson);
    if (f == NULL) {
      rc = cli_fail("%s: %s", geojson, strerror(errno));
      goto out;
    }
    int w = geojson_write(f, &ad);
    if (cmdmap_close(f) != 0 || w != 0) {
      rc = cli_fail("%s: cannot write", geojson);
      goto out;
    }
  }
  if (svg) {
    FILE *f = cmdmap_open(svg);
    if (f == NULL) {
      rc = cli_fail("%s: %s", svg, strerror(errno));
      goto out;
    }
    int w = mapsvg_write(f, &ad, lang, util_unix_time());
    if (cmdmap_close(f) != 0 || w != 0) {
      rc = cli_fail("%s: cannot write", svg);
      goto out;
    }
  }
  size_t located = 0;
  for (size_t i = 0; i < ad.nobs; i++) located += ad.obs[i].located;
  if (ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "area", area);
    json_kv_uint(&j, "observations", ad.nobs);
    json_kv_uint(&j, "located", located);
    json_kv_uint(&j, "interventions", ad.niv);
    json_kv_uint(&j, "links", ad.nlinks);
    if (geojson) json_kv_str(&j, "geojson", geojson);
    if (svg) json_kv_str(&j, "svg", svg);
    json_kv_uint(&j, "audit", audit);
    json_end_object(&j);
    if (json_finish(&j) != 0) rc = cli_fail("cannot write output");
  } else if ((!geojson || strcmp(geojson, "-") != 0) && (!svg || strcmp(svg, "-") != 0)) {
    printf("%zu observations, %zu on the map, %zu interventions, %zu links:%s%s%s%s\n", ad.nobs,
           located, ad.niv, ad.nlinks, geojson ? " " : "", geojson ? geojson : "",
           svg ? " " : "", svg ? svg : "");
  }
out:
  areadata_free(&ad);
  return rc;
}
