/* netdot.c -- the network map of an area's actors as a Graphviz graph (DOT): the core team in
 * the middle, each actor tied to it by its form of collaboration, and the actors' ties. */
#include "netdot.h"

#include <stdbool.h>
#include <string.h>

#define FONT "DejaVu Sans"

void netdot_quote(FILE *f, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  size_t n = strlen(s);
  fputc('"', f);
  for (size_t i = 0; i < n;) {
    unsigned char c = p[i];
    if (c == '"' || c == '\\') {
      fputc('\\', f);
      fputc(c, f);
      i++;
    } else if (c == '\n') {
      fputs("\\n", f);
      i++;
    } else if (c < 0x20 || c == 0x7f) {
      fputc(' ', f);
      i++;
    } else if (c < 0x80) {
      fputc(c, f);
      i++;
    } else {
      size_t l = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
      bool ok = l > 0 && l <= n - i && !(c == 0xc2 && p[i + 1] < 0xa0) && c != 0xc0 && c != 0xc1;
      for (size_t k = 1; ok && k < l; k++) ok = (p[i + k] & 0xc0) == 0x80;
      if (!ok) {
        fputs("\xef\xbf\xbd", f);
        i++;
        continue;
      }
      fwrite(p + i, 1, l, f);
      i += l;
    }
  }
  fputc('"', f);
}

/* Node fill and edge style of a form of collaboration. */
static const struct form_style {
  const char *form, *fill, *colour, *style, *width;
} styles[] = {
    {"exchange", "#fdebd0", "#b9770e", "dashed", "1.5"},
    {"partnership", "#d6eaf8", "#2e6da4", "solid", "2.5"},
    {"co-creation", "#d5f5e3", "#1e8449", "bold", "4"},
};

static const struct form_style *style_of(const char *form) {
  for (size_t i = 0; i < sizeof styles / sizeof styles[0]; i++)
    if (strcmp(styles[i].form, form) == 0) return &styles[i];
  return &styles[0];
}

int netdot_write(FILE *f, const area_data *ad, enum doc_lang lang) {
  char title[400];
  snprintf(title, sizeof title, "%s \xe2\x80\x94 %s\n%s", ad->name ? ad->name : "",
           docwords(lang, "network.title"), docwords(lang, "network.legend"));
  /* neato with long edges keeps the edge labels clear of the nodes (the team at the centre). */
  fputs("graph network {\n  graph [layout=neato, mode=major, overlap=false, sep=\"+20\", "
        "splines=true, labelloc=t, fontsize=18, fontname=\"" FONT "\", label=", f);
  netdot_quote(f, title);
  fputs("];\n  node [fontname=\"" FONT "\", fontsize=12, shape=box, style=\"rounded,filled\"];\n"
        "  edge [fontname=\"" FONT "\", fontsize=10];\n", f);
  fputs("  team [shape=doubleoctagon, style=filled, fillcolor=\"#2c3e50\", fontcolor=white, "
        "fontsize=14, label=", f);
  netdot_quote(f, docwords(lang, "team"));
  fputs("];\n", f);
  for (size_t i = 0; i < ad->nactors; i++) {
    const ad_actor *a = &ad->actors[i];
    const struct form_style *st = style_of(a->form);
    char label[600];
    snprintf(label, sizeof label, "%s\n%s", a->name, a->category);
    fprintf(f, "  a%llu [fillcolor=\"%s\", color=\"%s\", label=", (unsigned long long)a->id,
            st->fill, st->colour);
    netdot_quote(f, label);
    fputs(", tooltip=", f);
    netdot_quote(f, a->description);
    fputs("];\n", f);
    fprintf(f, "  team -- a%llu [len=2.4, color=\"%s\", style=%s, penwidth=%s, label=",
            (unsigned long long)a->id, st->colour, st->style, st->width);
    netdot_quote(f, docwords_value(lang, "form", a->form));
    fputs("];\n", f);
  }
  for (size_t i = 0; i < ad->nties; i++) {
    const ad_tie *t = &ad->ties[i];
    if (areadata_find_actor(ad, t->actor) == NULL || areadata_find_actor(ad, t->peer) == NULL)
      continue;
    fprintf(f, "  a%llu -- a%llu [len=2, color=\"#7f8c8d\", style=dotted, penwidth=2, label=",
            (unsigned long long)t->actor, (unsigned long long)t->peer);
    netdot_quote(f, t->text);
    fputs("];\n", f);
  }
  fputs("}\n", f);
  return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}
