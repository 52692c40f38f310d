/* test_client_mapsvg.c -- the SVG wall map: markers numbered by observation id, markers at one
 * point spread with leader lines, links and interventions drawn, the outline, both languages,
 * and text that cannot break the XML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "areadata.h"
#include "mapsvg.h"
#include "task.h"

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  ASSERT(d != NULL);
  return d;
}

static void add_obs(area_data *ad, uint64_t id, const char *kind, const char *level, bool located,
                    double lat, double lon, const char *text) {
  ad_obs *o = &ad->obs[ad->nobs++];
  memset(o, 0, sizeof *o);
  o->id = id;
  o->kind = xstrdup(kind);
  o->category = xstrdup("tryghed");
  o->level = xstrdup(level);
  o->text = xstrdup(text);
  o->author = xstrdup("pia");
  o->time = 1700000000;
  o->located = located;
  o->lat = lat;
  o->lon = lon;
  if (strcmp(level, "group") == 0) o->has_size = true, o->size = 12;
}

static void sample(area_data *ad, bool with_extras) {
  memset(ad, 0, sizeof *ad);
  ad->name = xstrdup("Vollsmose");
  ad->description = xstrdup("Boligområde i Odense Øst");
  ad->obs = calloc(8, sizeof *ad->obs);
  add_obs(ad, 17, "resource", "area", true, 55.4085, 10.4353, "Gospelkor i beboerhuset");
  add_obs(ad, 23, "challenge", "group", true, 55.4085, 10.4353, "Unge <samles> & \"råber\"");
  add_obs(ad, 24, "challenge", "area", true, 55.4060, 10.4335, "Hashsalg ved tunnelen");
  add_obs(ad, 31, "resource", "area", false, 0, 0, "Lektiecafé på biblioteket");
  if (!with_extras) return;
  ad->links = calloc(4, sizeof *ad->links);
  ad->links[ad->nlinks++] = (ad_link){.id = 1, .kind = "answers", .resource = 17, .challenge = 24};
  ad->links[ad->nlinks++] = (ad_link){.id = 2, .kind = "addresses", .intervention = 5, .challenge = 24};
  ad->links[ad->nlinks++] = (ad_link){.id = 3, .kind = "uses", .intervention = 5, .resource = 17};
  ad->iv = calloc(2, sizeof *ad->iv);
  ad_iv *v = &ad->iv[ad->niv++];
  v->id = 5;
  v->level = xstrdup("area");
  v->step = xstrdup("act");
  v->status = xstrdup("running");
  v->text = xstrdup("Natteravne ved tunnelen");
  v->owner = xstrdup("Anna");
  v->outcome = xstrdup("");
  v->author = xstrdup("anna");
  v->has_due = true;
  v->due = 1700000000;
  v->overdue = true;
  ad->boundary = calloc(8, sizeof(double));
  double ring[8] = {10.430, 55.404, 10.440, 55.404, 10.440, 55.412, 10.430, 55.412};
  memcpy(ad->boundary, ring, sizeof ring);
  ad->nboundary = 4;
}

static char *render(const area_data *ad, enum doc_lang lang) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  ASSERT_INT_EQ(mapsvg_write(f, ad, lang, 1700000000), 0);
  fclose(f);
  return buf;
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

static void test_markers_and_words(void) {
  area_data ad;
  sample(&ad, false);
  char *svg = render(&ad, DOC_DA);
  /* numbered by observation id, not by position in the list */
  ASSERT_STR_CONTAINS(svg, "fill=\"#fff\">17</text>");
  ASSERT_STR_CONTAINS(svg, "fill=\"#fff\">23</text>");
  ASSERT_STR_CONTAINS(svg, "fill=\"#fff\">24</text>");
  ASSERT(strstr(svg, "fill=\"#fff\">1</text>") == NULL);
  /* 17 and 23 share a point: both spread, each with a leader line; 24 stays */
  ASSERT_INT_EQ(count(svg, "class=\"leader\""), 2);
  /* Danish by default, and the text escaped */
  ASSERT_STR_CONTAINS(svg, "xml:lang=\"da\"");
  ASSERT_STR_CONTAINS(svg, ">Ressource</text>");
  ASSERT_STR_CONTAINS(svg, "Ikke på kortet (ingen placering)");
  ASSERT_STR_CONTAINS(svg, "gruppe på ca. 12");
  ASSERT_STR_CONTAINS(svg, "Unge &lt;samles&gt; &amp; &quot;råber&quot;");
  ASSERT(strstr(svg, "<samles>") == NULL);
  ASSERT(strstr(svg, "Resource") == NULL);
  ASSERT(strstr(svg, "class=\"boundary\"") == NULL && strstr(svg, "class=\"link\"") == NULL);
  free(svg);
  svg = render(&ad, DOC_EN);
  ASSERT_STR_CONTAINS(svg, "xml:lang=\"en\"");
  ASSERT_STR_CONTAINS(svg, ">Resource</text>");
  ASSERT_STR_CONTAINS(svg, "Not on the map (no location)");
  ASSERT_STR_CONTAINS(svg, "group of ~12");
  ASSERT(strstr(svg, "Ressource") == NULL);
  free(svg);
  areadata_free(&ad);
}

static void test_links_interventions_outline(void) {
  area_data ad;
  sample(&ad, true);
  char *svg = render(&ad, DOC_DA);
  ASSERT_INT_EQ(count(svg, "class=\"boundary\""), 1);
  ASSERT_INT_EQ(count(svg, "class=\"link\""), 1);
  ASSERT_INT_EQ(count(svg, "class=\"iv-link\""), 2);
  ASSERT_STR_CONTAINS(svg, ">I5</text>");
  ASSERT_STR_CONTAINS(svg, "Områdegrænse");
  ASSERT_STR_CONTAINS(svg, "Indsatser");
  ASSERT_STR_CONTAINS(svg, "overskredet");
  ASSERT_STR_CONTAINS(svg, "kan imødekomme #24");
  ASSERT_STR_CONTAINS(svg, "adresserer #24");
  ASSERT_STR_CONTAINS(svg, "bruger #17");
  /* an overdue intervention's marker has a red edge */
  ASSERT_STR_CONTAINS(svg, "stroke=\"#d73027\" stroke-width=\"3\"/>");
  free(svg);
  areadata_free(&ad);
}

static void test_empty(void) {
  area_data ad;
  memset(&ad, 0, sizeof ad);
  ad.name = xstrdup("Tom");
  ad.description = xstrdup("");
  char *svg = render(&ad, DOC_DA);
  ASSERT_STR_CONTAINS(svg, "Ingen observation i området har en placering endnu");
  ASSERT_STR_CONTAINS(svg, "Ingen observationer endnu.");
  ASSERT_STR_CONTAINS(svg, "</svg>\n");
  free(svg);
  areadata_free(&ad);
}

int main(void) {
  RUN_TEST(test_markers_and_words);
  RUN_TEST(test_links_interventions_outline);
  RUN_TEST(test_empty);
  return 0;
}
