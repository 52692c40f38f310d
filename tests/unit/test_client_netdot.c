/* test_client_netdot.c -- the network map in DOT: the team and every actor as nodes, edges
 * styled by the form of collaboration, ties, both languages, and escaping that no name or
 * description can break out of. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "areadata.h"
#include "netdot.h"
#include "task.h"

static char *quoted(const char *s) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  netdot_quote(f, s);
  fclose(f);
  return buf;
}

static void test_quote(void) {
  const struct {
    const char *in, *out;
  } cases[] = {
      {"Moské", "\"Moské\""},
      {"say \"hi\"", "\"say \\\"hi\\\"\""},
      {"back\\slash \\N", "\"back\\\\slash \\\\N\""},
      {"two\nlines\ttab", "\"two\\nlines tab\""},
      {"bad \xff", "\"bad \xef\xbf\xbd\""},
      {"c1 \xc2\x85", "\"c1 \xef\xbf\xbd\xef\xbf\xbd\""},
      {"\"]; evil [label=\"", "\"\\\"]; evil [label=\\\"\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *q = quoted(cases[i].in);
    ASSERT_STR_EQ(q, cases[i].out);
    free(q);
  }
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  ASSERT(d != NULL);
  return d;
}

static void test_graph(void) {
  area_data ad;
  memset(&ad, 0, sizeof ad);
  ad.name = xstrdup("Gellerup");
  ad.actors = calloc(3, sizeof *ad.actors);
  const char *names[] = {"Moskéen", "Fædregruppen", "Boligforeningen"};
  const char *forms[] = {"exchange", "co-creation", "partnership"};
  for (int i = 0; i < 3; i++) {
    ad_actor *a = &ad.actors[ad.nactors++];
    a->id = (uint64_t)(i + 1);
    a->name = xstrdup(names[i]);
    a->category = xstrdup("forening");
    a->form = xstrdup(forms[i]);
    a->description = xstrdup("");
  }
  ad.ties = calloc(2, sizeof *ad.ties);
  ad.ties[ad.nties++] = (ad_tie){.id = 1, .actor = 2, .peer = 3, .text = xstrdup("lokaler")};
  ad.ties[ad.nties++] = (ad_tie){.id = 2, .actor = 2, .peer = 99, .text = xstrdup("gone")};
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT_INT_EQ(netdot_write(f, &ad, DOC_DA), 0);
  fclose(f);
  ASSERT(strncmp(buf, "graph network {", 15) == 0);
  ASSERT_STR_CONTAINS(buf, "layout=neato");
  ASSERT_STR_CONTAINS(buf, "label=\"Kerneteamet\"");
  ASSERT_STR_CONTAINS(buf, "label=\"Gellerup — Netværkskort\\nstiplet: udvekslingsfællesskab");
  ASSERT_STR_CONTAINS(buf, "a1 [fillcolor=\"#fdebd0\"");
  ASSERT_STR_CONTAINS(buf, "label=\"Moskéen\\nforening\"");
  ASSERT_STR_CONTAINS(buf, "team -- a1 [len=2.4, color=\"#b9770e\", style=dashed, penwidth=1.5, "
                           "label=\"udvekslingsfællesskab\"]");
  ASSERT_STR_CONTAINS(buf, "team -- a2 [len=2.4, color=\"#1e8449\", style=bold, penwidth=4, "
                           "label=\"reel samskabelse\"]");
  ASSERT_STR_CONTAINS(buf, "team -- a3 [len=2.4, color=\"#2e6da4\", style=solid");
  ASSERT_STR_CONTAINS(buf, "a2 -- a3 [len=2, color=\"#7f8c8d\", style=dotted, penwidth=2, "
                           "label=\"lokaler\"]");
  ASSERT(strstr(buf, "a99") == NULL); /* a tie to an actor not in the list is left out */
  ASSERT(strcmp(buf + len - 2, "}\n") == 0);
  free(buf);
  f = open_memstream(&buf, &len);
  ASSERT_INT_EQ(netdot_write(f, &ad, DOC_EN), 0);
  fclose(f);
  ASSERT_STR_CONTAINS(buf, "label=\"The core team\"");
  ASSERT_STR_CONTAINS(buf, "label=\"co-creation\"");
  free(buf);
  areadata_free(&ad);
}

int main(void) {
  RUN_TEST(test_quote);
  RUN_TEST(test_graph);
  return 0;
}
