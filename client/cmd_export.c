/* cmd_export.c -- `samvirke export`: an area's observations, interventions and actors as
 * spreadsheet files (CSV). */
#include "cmd_export.h"

#include <errno.h>
#include <string.h>

#include "cmd_map.h"
#include "cmdutil.h"
#include "json.h"

static void header(csv_writer *w, enum doc_lang lang, const char *const *cols) {
  for (; *cols; cols++) csv_text(w, docwords(lang, *cols));
  csv_end_row(w);
}

static void time_field(csv_writer *w, uint64_t t) {
  char buf[32];
  cmdutil_fmt_time(buf, sizeof buf, "%Y-%m-%d %H:%M", t, true);
  csv_text(w, buf);
}

/* Append "#id" items to out, separated by ", ". */
static void add_ref(char *out, size_t n, const char *prefix, uint64_t id) {
  size_t at = strlen(out);
  if (at + 32 < n) snprintf(out + at, n - at, "%s%s%llu", at ? ", " : "", prefix, (unsigned long long)id);
}

void export_observations(csv_writer *w, const area_data *ad, enum doc_lang lang) {
  static const char *const cols[] = {"col.id", "col.kind", "col.category", "col.level",
                                     "col.size", "col.lat", "col.lon", "col.text",
                                     "col.author", "col.time", "col.links", NULL};
  header(w, lang, cols);
  for (size_t i = 0; i < ad->nobs; i++) {
    const ad_obs *o = &ad->obs[i];
    csv_uint(w, o->id);
    csv_text(w, docwords_value(lang, "kind", o->kind));
    csv_text(w, o->category);
    csv_text(w, docwords_value(lang, "level", o->level));
    if (o->has_size) csv_uint(w, o->size);
    else csv_empty(w);
    if (o->located) {
      csv_double(w, o->lat, 6);
      csv_double(w, o->lon, 6);
    } else {
      csv_empty(w);
      csv_empty(w);
    }
    csv_text(w, o->text);
    csv_text(w, o->author);
    time_field(w, o->time);
    char links[512] = "";
    for (size_t k = 0; k < ad->nlinks; k++) {
      const ad_link *l = &ad->links[k];
      if (l->intervention && (l->resource == o->id || l->challenge == o->id))
        add_ref(links, sizeof links, "I", l->intervention);
      else if (l->resource == o->id && l->challenge)
        add_ref(links, sizeof links, "#", l->challenge);
      else if (l->challenge == o->id && l->resource)
        add_ref(links, sizeof links, "#", l->resource);
    }
    csv_text(w, links);
    csv_end_row(w);
  }
}

void export_interventions(csv_writer *w, const area_data *ad, enum doc_lang lang) {
  static const char *const cols[] = {"col.id", "col.level", "col.step", "col.status",
                                     "col.owner", "col.due", "col.overdue", "col.text",
                                     "col.outcome", "col.author", "col.time", "col.updated",
                                     "col.meeting", "col.addresses", "col.uses", NULL};
  header(w, lang, cols);
  for (size_t i = 0; i < ad->niv; i++) {
    const ad_iv *v = &ad->iv[i];
    csv_uint(w, v->id);
    csv_text(w, docwords_value(lang, "level", v->level));
    csv_text(w, docwords_value(lang, "step", v->step));
    csv_text(w, docwords_value(lang, "status", v->status));
    csv_text(w, v->owner);
    if (v->has_due) time_field(w, v->due);
    else csv_empty(w);
    csv_text(w, docwords(lang, v->overdue ? "yes" : "no"));
    csv_text(w, v->text);
    csv_text(w, v->outcome);
    csv_text(w, v->author);
    time_field(w, v->time);
    time_field(w, v->updated);
    if (v->meeting) {
      char m[32];
      snprintf(m, sizeof m, "%s%llu", v->meeting_core ? "K" : "#", (unsigned long long)v->meeting);
      csv_text(w, m);
    } else {
      csv_empty(w);
    }
    char addresses[512] = "", uses[512] = "";
    for (size_t k = 0; k < ad->nlinks; k++) {
      const ad_link *l = &ad->links[k];
      if (l->intervention != v->id) continue;
      if (l->challenge) add_ref(addresses, sizeof addresses, "#", l->challenge);
      if (l->resource) add_ref(uses, sizeof uses, "#", l->resource);
    }
    csv_text(w, addresses);
    csv_text(w, uses);
    csv_end_row(w);
  }
}

void export_actors(csv_writer *w, const area_data *ad, enum doc_lang lang) {
  static const char *const cols[] = {"col.id", "col.name", "col.category", "col.form",
                                     "col.description", "col.ties", NULL};
  header(w, lang, cols);
  for (size_t i = 0; i < ad->nactors; i++) {
    const ad_actor *a = &ad->actors[i];
    csv_uint(w, a->id);
    csv_text(w, a->name);
    csv_text(w, a->category);
    csv_text(w, docwords_value(lang, "form", a->form));
    csv_text(w, a->description);
    char ties[1024] = "";
    for (size_t k = 0; k < ad->nties; k++) {
      const ad_tie *t = &ad->ties[k];
      uint64_t other = t->actor == a->id ? t->peer : t->peer == a->id ? t->actor : 0;
      const ad_actor *o = other ? areadata_find_actor(ad, other) : NULL;
      if (o == NULL) continue;
      size_t at = strlen(ties);
      if (at + strlen(o->name) + 4 < sizeof ties)
        snprintf(ties + at, sizeof ties - at, "%s%s", at ? "; " : "", o->name);
    }
    csv_text(w, ties);
    csv_end_row(w);
  }
}

/* Write one table to path with fn. Returns 0 or -1 (printed). */
static int write_table(const char *path, char sep, const area_data *ad, enum doc_lang lang,
                       void (*fn)(csv_writer *, const area_data *, enum doc_lang)) {
  FILE *f = cmdmap_open(path);
  if (f == NULL) return cli_fail("%s: %s", path, strerror(errno)), -1;
  csv_writer w;
  csv_begin(&w, f, sep);
  fn(&w, ad, lang);
  int wr = csv_finish(&w);
  if (cmdmap_close(f) != 0 || wr != 0) return cli_fail("%s: cannot write", path), -1;
  return 0;
}

int cmd_export(int argc, char **argv, const cli_ctx *ctx0) {
  cli_ctx ctx = *ctx0;
  const char *obs = NULL, *iv = NULL, *actors = NULL, *lang_s = NULL, *sep_s = NULL;
  const cli_opt opts[] = {
      {"--observations", "FILE", "the resources and challenges; - for stdout", &obs, NULL, false},
      {"--interventions", "FILE", "the interventions and their follow-up", &iv, NULL, false},
      {"--actors", "FILE", "the actors and their ties", &actors, NULL, false},
      {"--lang", "da|en", "language of the column names and values (default da)", &lang_s, NULL,
       false},
      {"--sep", "SEP", "field separator: ';' (default for da, as Danish spreadsheets expect) or ','",
       &sep_s, NULL, false},
      {NULL, NULL, NULL, NULL, NULL, false},
  };
  int npos = 0, status = CLI_OK;
  if (cli_parse(argc, argv, &ctx, opts, "AREA", &npos, &status) != 0) return status;
  if (npos != 1) return cli_usage_error(&ctx, "give the AREA");
  if (!obs && !iv && !actors)
    return cli_usage_error(&ctx, "give --observations, --interventions and/or --actors FILE");
  int to_stdout = (obs && strcmp(obs, "-") == 0) + (iv && strcmp(iv, "-") == 0) +
                  (actors && strcmp(actors, "-") == 0);
  if (to_stdout > 1) return cli_usage_error(&ctx, "only one of the outputs can go to stdout");
  enum doc_lang lang = DOC_DA;
  if (lang_s && docwords_lang(lang_s, &lang) != 0) return cli_usage_error(&ctx, "--lang is da or en");
  char sep = lang == DOC_DA ? ';' : ',';
  if (sep_s) {
    if (strcmp(sep_s, ";") != 0 && strcmp(sep_s, ",") != 0)
      return cli_usage_error(&ctx, "--sep is ';' or ','");
    sep = sep_s[0];
  }
  client_config cfg;
  session *s = cmdutil_open(&ctx, &cfg);
  if (s == NULL) return CLI_FAIL;
  area_data ad;
  char err[512];
  uint64_t audit = 0;
  unsigned what = AREADATA_LINKS | (iv ? AREADATA_INTERVENTIONS : 0) | (actors ? AREADATA_ACTORS : 0);
  int r = areadata_load(s, argv[1], what, &ad, &audit, err, sizeof err);
  session_close(s);
  if (r != 0) return cli_fail("export: %s", err);
  int rc = CLI_OK;
  if ((obs && write_table(obs, sep, &ad, lang, export_observations) != 0) ||
      (iv && write_table(iv, sep, &ad, lang, export_interventions) != 0) ||
      (actors && write_table(actors, sep, &ad, lang, export_actors) != 0))
    rc = CLI_FAIL;
  if (rc == CLI_OK && ctx.json) {
    json_out j;
    json_init(&j, stdout);
    json_begin_object(&j);
    json_kv_str(&j, "area", argv[1]);
    json_kv_uint(&j, "observations", ad.nobs);
    json_kv_uint(&j, "interventions", ad.niv);
    json_kv_uint(&j, "actors", ad.nactors);
    json_kv_uint(&j, "audit", audit);
    json_end_object(&j);
    if (json_finish(&j) != 0) rc = cli_fail("cannot write output");
  } else if (rc == CLI_OK && to_stdout == 0) {
    printf("exported from %s:", argv[1]);
    if (obs) printf(" %zu observations to %s", ad.nobs, obs);
    if (iv) printf("%s %zu interventions to %s", obs ? ";" : "", ad.niv, iv);
    if (actors) printf("%s %zu actors to %s", obs || iv ? ";" : "", ad.nactors, actors);
    putchar('\n');
  }
  areadata_free(&ad);
  return rc;
}
