/* pack.c -- the meeting pack: one printable HTML page for a meeting (agenda, the area's map,
 * open interventions, decisions, minutes), self-contained (no scripts, nothing fetched). */
#include "pack.h"

#include <stdlib.h>
#include <string.h>

#include "cmdutil.h"
#include "codec.h"
#include "xmltext.h"

static char *dup_field(const msgpack_object *m, const char *key) {
  const msgpack_object *o = sv_map_get(m, key);
  char *s = o ? sv_obj_strdup(o) : NULL;
  return s ? s : strdup("");
}

int pack_meeting_from(const msgpack_object *map, pack_meeting *m) {
  memset(m, 0, sizeof *m);
  if (map == NULL || map->type != MSGPACK_OBJECT_MAP) return -1;
  char track[8];
  cmdutil_get_str(map, "track", track, sizeof track);
  m->core = strcmp(track, "core") == 0;
  sv_map_uint(map, "id", &m->id);
  sv_map_uint(map, "time", &m->time);
  m->area = dup_field(map, "area");
  m->title = dup_field(map, "title");
  if (m->area == NULL || m->title == NULL) return -1;
  const msgpack_object *a = cmdutil_get_array(map, "attendees");
  if (a && a->via.array.size) {
    m->attendees = calloc(a->via.array.size, sizeof *m->attendees);
    if (m->attendees == NULL) return -1;
    for (uint32_t i = 0; i < a->via.array.size; i++) {
      char *s = sv_obj_strdup(&a->via.array.ptr[i]);
      if (s) m->attendees[m->nattendees++] = s;
    }
  }
  const msgpack_object *g = cmdutil_get_array(map, "agenda");
  if (g && g->via.array.size) {
    m->items = calloc(g->via.array.size, sizeof *m->items);
    if (m->items == NULL) return -1;
    for (uint32_t i = 0; i < g->via.array.size; i++) {
      const msgpack_object *it = &g->via.array.ptr[i];
      pack_item *p = &m->items[m->nitems++];
      p->text = dup_field(it, "text");
      if (p->text == NULL) return -1;
      sv_map_uint(it, "observation", &p->observation);
      sv_map_uint(it, "intervention", &p->intervention);
    }
  }
  const msgpack_object *d = cmdutil_get_array(map, "decisions");
  if (d && d->via.array.size) {
    m->decisions = calloc(d->via.array.size, sizeof *m->decisions);
    if (m->decisions == NULL) return -1;
    for (uint32_t i = 0; i < d->via.array.size; i++)
      if (d->via.array.ptr[i].type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        m->decisions[m->ndecisions++] = d->via.array.ptr[i].via.u64;
  }
  const msgpack_object *min = sv_map_get(map, "minutes");
  if (min && min->type == MSGPACK_OBJECT_MAP) {
    if (m->core) {
      m->minutes_sealed = true;
    } else if (sv_map_get(min, "text") != NULL) {
      m->minutes_text = dup_field(min, "text");
      if (m->minutes_text == NULL) return -1;
    }
  }
  return 0;
}

void pack_meeting_free(pack_meeting *m) {
  free(m->area);
  free(m->title);
  for (size_t i = 0; i < m->nattendees; i++) free(m->attendees[i]);
  free(m->attendees);
  for (size_t i = 0; i < m->nitems; i++) free(m->items[i].text);
  free(m->items);
  free(m->decisions);
  free(m->minutes_text);
  memset(m, 0, sizeof *m);
}

static const char STYLE[] =
    "@page { size: A4; margin: 15mm; }\n"
    "body { font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; color: #1c2833; "
    "max-width: 190mm; margin: 0 auto; font-size: 11pt; }\n"
    "h1 { font-size: 20pt; margin: 0 0 4pt; } h2 { font-size: 14pt; margin: 16pt 0 6pt; "
    "border-bottom: 1px solid #ccc; }\n"
    ".meta { color: #566573; margin: 0 0 10pt; }\n"
    "ol.agenda li { margin: 4pt 0; } .ref { color: #566573; font-size: 9.5pt; }\n"
    "svg { width: 100%; height: auto; } .map { page-break-inside: avoid; }\n"
    "table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }\n"
    "th, td { border: 1px solid #bbb; padding: 3pt 5pt; text-align: left; vertical-align: top; }\n"
    "th { background: #eef2f5; } .overdue { color: #b03a2e; font-weight: bold; }\n"
    ".minutes { white-space: pre-wrap; border-left: 3px solid #bbb; padding-left: 8pt; }\n"
    "footer { margin-top: 18pt; color: #7f8c8d; font-size: 8.5pt; }\n"
    "@media print { h2 { page-break-after: avoid; } }\n";

static void esc(FILE *f, const char *s) { xmltext_str(f, s ? s : ""); }

static void when(FILE *f, uint64_t t, bool with_time) {
  char buf[32];
  cmdutil_fmt_time(buf, sizeof buf, with_time ? "%Y-%m-%d %H:%M" : "%Y-%m-%d", t, true);
  fputs(buf, f);
}

/* The interventions' table: those given by ids (or every open one when ids is NULL). */
static void iv_table(FILE *f, const area_data *ad, enum doc_lang lang, const uint64_t *ids,
                     size_t nids) {
  size_t shown = 0;
  for (size_t i = 0; i < ad->niv; i++) {
    const ad_iv *v = &ad->iv[i];
    bool want = false;
    if (ids == NULL)
      want = strcmp(v->status, "planned") == 0 || strcmp(v->status, "running") == 0;
    else
      for (size_t k = 0; k < nids; k++) want |= ids[k] == v->id;
    if (!want) continue;
    if (shown++ == 0)
      fprintf(f, "<table><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                 "</tr>\n", docwords(lang, "col.id"), docwords(lang, "col.status"),
              docwords(lang, "col.owner"), docwords(lang, "col.due"), docwords(lang, "col.text"),
              docwords(lang, "col.addresses"));
    fprintf(f, "<tr%s><td>I%llu</td><td>", v->overdue ? " class=\"overdue\"" : "",
            (unsigned long long)v->id);
    esc(f, docwords_value(lang, "status", v->status));
    fputs("</td><td>", f);
    esc(f, v->owner);
    fputs("</td><td>", f);
    if (v->has_due) {
      when(f, v->due, false);
      if (v->overdue) fprintf(f, " (%s)", docwords(lang, "overdue"));
    }
    fputs("</td><td>", f);
    esc(f, v->text);
    fputs("</td><td>", f);
    size_t k = 0;
    for (size_t l = 0; l < ad->nlinks; l++)
      if (ad->links[l].intervention == v->id && ad->links[l].challenge)
        fprintf(f, "%s#%llu", k++ ? ", " : "", (unsigned long long)ad->links[l].challenge);
    fputs("</td></tr>\n", f);
  }
  if (shown)
    fputs("</table>\n", f);
  else
    fprintf(f, "<p>%s</p>\n", docwords(lang, "none"));
}

int pack_write_html(FILE *f, const pack_meeting *m, const area_data *ad, const char *svg,
                    size_t svglen, enum doc_lang lang, uint64_t now) {
  const char *kind = docwords(lang, m->core ? "meeting.core" : "meeting.area");
  fprintf(f, "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width\">\n<title>",
          lang == DOC_EN ? "en" : "da");
  esc(f, m->area);
  fputs(" \xe2\x80\x94 ", f);
  esc(f, m->title[0] ? m->title : kind);
  fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>", STYLE);
  esc(f, m->area);
  fputs(" \xe2\x80\x94 ", f);
  esc(f, m->title[0] ? m->title : kind);
  fprintf(f, "</h1>\n<p class=\"meta\">%s %s%llu \xc2\xb7 ", kind, m->core ? "K" : "#",
          (unsigned long long)m->id);
  when(f, m->time, true);
  if (m->nattendees) {
    fprintf(f, " \xc2\xb7 %s: ", docwords(lang, "attendees"));
    for (size_t i = 0; i < m->nattendees; i++) {
      if (i) fputs(", ", f);
      esc(f, m->attendees[i]);
    }
  }
  fputs("</p>\n", f);

  fprintf(f, "<h2>%s</h2>\n", docwords(lang, "agenda"));
  if (m->nitems == 0) {
    fprintf(f, "<p>%s</p>\n", docwords(lang, "no.agenda"));
  } else {
    fputs("<ol class=\"agenda\">\n", f);
    for (size_t i = 0; i < m->nitems; i++) {
      const pack_item *it = &m->items[i];
      fputs("<li>", f);
      esc(f, it->text);
      const ad_obs *o = it->observation ? areadata_find_obs(ad, it->observation) : NULL;
      const ad_iv *v = it->intervention ? areadata_find_iv(ad, it->intervention) : NULL;
      if (o) {
        fprintf(f, " <span class=\"ref\">(#%llu %s: ", (unsigned long long)o->id,
                docwords_value(lang, "kind", o->kind));
        esc(f, o->text);
        fputs(")</span>", f);
      }
      if (v) {
        fprintf(f, " <span class=\"ref\">(I%llu %s: ", (unsigned long long)v->id,
                docwords_value(lang, "status", v->status));
        esc(f, v->text);
        fputs(")</span>", f);
      }
      fputs("</li>\n", f);
    }
    fputs("</ol>\n", f);
  }

  if (svg != NULL && svglen > 0) {
    const char *start = svg, *end = svg + svglen;
    if (strncmp(start, "<?xml", 5) == 0) {
      const char *nl = memchr(start, '\n', svglen);
      if (nl) start = nl + 1;
    }
    fprintf(f, "<h2>%s</h2>\n<div class=\"map\">\n", docwords(lang, "map.heading"));
    fwrite(start, 1, (size_t)(end - start), f);
    fputs("</div>\n", f);
  }

  fprintf(f, "<h2>%s</h2>\n", docwords(lang, "open.interventions"));
  iv_table(f, ad, lang, NULL, 0);
  if (m->ndecisions) {
    fprintf(f, "<h2>%s</h2>\n", docwords(lang, "decisions"));
    iv_table(f, ad, lang, m->decisions, m->ndecisions);
  }
  if (m->minutes_text || m->minutes_sealed) {
    fprintf(f, "<h2>%s</h2>\n", docwords(lang, "minutes"));
    if (m->minutes_text) {
      fputs("<div class=\"minutes\">", f);
      esc(f, m->minutes_text);
      fputs("</div>\n", f);
    } else {
      fprintf(f, "<p>%s</p>\n", docwords(lang, "core.minutes.sealed"));
    }
  }
  fprintf(f, "<footer>%s \xc2\xb7 %s ", docwords(lang, "pack.footer"), docwords(lang, "printed"));
  when(f, now, true);
  fputs("</footer>\n</body>\n</html>\n", f);
  return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
