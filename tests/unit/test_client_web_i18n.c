/* test_client_web_i18n.c -- the words of `samvirke web`: the strings table's format and errors,
 * the choice of language, the script served to the pages, and that every word the embedded
 * page scripts ask for by a literal key is in the shipped table in both languages. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "task.h"
#include "web_assets.h"
#include "web_i18n.h"

static web_i18n *parse(const char *text, char *err, size_t errlen) {
  return web_i18n_new(text, strlen(text), err, errlen);
}

static void test_table(void) {
  char err[256];
  web_i18n *t = parse("# comment\n\nb.key\tTo linjer\\nher\tTwo lines\\nhere\n"
                      "a.key\tHej\tHello\r\n", err, sizeof err);
  ASSERT(t != NULL);
  ASSERT_UINT_EQ(web_i18n_count(t), 2);
  ASSERT_STR_EQ(web_i18n_get(t, WEB_LANG_DA, "a.key"), "Hej");
  ASSERT_STR_EQ(web_i18n_get(t, WEB_LANG_EN, "a.key"), "Hello");
  ASSERT_STR_EQ(web_i18n_get(t, WEB_LANG_DA, "b.key"), "To linjer\nher");
  ASSERT_STR_EQ(web_i18n_get(t, WEB_LANG_EN, "missing.key"), "missing.key");
  web_i18n_free(t);

  static const struct {
    const char *text, *want;
  } bad[] = {
      {"a\tHej\n", "line 1: want KEY<TAB>DANISH<TAB>ENGLISH"},
      {"ok\tja\tyes\na\tHej\tHello\textra\n", "line 2: want"},
      {"a\t\tHello\n", "line 1: both texts"},
      {"a\tHej\t\n", "line 1: both texts"},
      {"A.key\tHej\tHello\n", "line 1: a key"},
      {"\tHej\tHello\n", "line 1: a key"},
      {"a\tHe\x01j\tHello\n", "line 1: both texts"},
      {"a\tHej\tHell\xc3\n", "line 1: both texts"},
      {"a\tHej\tHello\nb\tx\ty\na\tIgen\tAgain\n", "'a' is defined twice"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    t = parse(bad[i].text, err, sizeof err);
    if (t != NULL) TASK_FAIL("accepted: %s", bad[i].text);
    ASSERT_STR_CONTAINS(err, bad[i].want);
  }
}

static void test_pick(void) {
  ASSERT_INT_EQ(web_i18n_pick(NULL, NULL), WEB_LANG_DA);
  ASSERT_INT_EQ(web_i18n_pick("en", NULL), WEB_LANG_EN);
  ASSERT_INT_EQ(web_i18n_pick(NULL, "en"), WEB_LANG_EN);
  ASSERT_INT_EQ(web_i18n_pick("da", "en"), WEB_LANG_DA); /* the request wins */
  ASSERT_INT_EQ(web_i18n_pick("de", "en"), WEB_LANG_EN); /* an unknown one is ignored */
  ASSERT_INT_EQ(web_i18n_pick("EN", "xx"), WEB_LANG_DA);
  ASSERT_STR_EQ(web_i18n_code(WEB_LANG_DA), "da");
  ASSERT_STR_EQ(web_i18n_code(WEB_LANG_EN), "en");
}

static void test_script(void) {
  char err[256];
  web_i18n *t = parse("q\tSig \"hej\" \\\\ </script>\tSay \"hi\"\n", err, sizeof err);
  ASSERT(t != NULL);
  size_t len = 0;
  const char *s = web_i18n_script(t, WEB_LANG_DA, &len);
  ASSERT_UINT_EQ(strlen(s), len);
  ASSERT_STR_CONTAINS(s, "window.SV_T = {");
  ASSERT_STR_CONTAINS(s, "\"q\":\"Sig \\\"hej\\\" \\\\\\\\ \\u003c/script>\"");
  ASSERT(strstr(s, "</script") == NULL);
  s = web_i18n_script(t, WEB_LANG_EN, &len);
  ASSERT_STR_CONTAINS(s, "\"q\":\"Say \\\"hi\\\"\"");
  web_i18n_free(t);
}

/* Every t('key') / SV.t('key') with a literal key in the embedded scripts exists. */
static void test_shipped(void) {
  const web_asset *strings = NULL;
  for (const web_asset *a = web_assets; a->name; a++)
    if (strcmp(a->name, "strings.txt") == 0) strings = a;
  ASSERT(strings != NULL);
  char err[256];
  web_i18n *t = web_i18n_new((const char *)strings->data, strings->len, err, sizeof err);
  if (t == NULL) TASK_FAIL("the shipped strings.txt: %s", err);
  ASSERT(web_i18n_count(t) > 100);
  int checked = 0;
  for (const web_asset *a = web_assets; a->name; a++) {
    size_t n = strlen(a->name);
    if (n < 3 || strcmp(a->name + n - 3, ".js") != 0) continue;
    const char *p = (const char *)a->data;
    while ((p = strstr(p, "t('")) != NULL) {
      bool word = p == (const char *)a->data || p[-1] == ' ' || p[-1] == '(' || p[-1] == '.' ||
                  p[-1] == ',' || p[-1] == '[' || p[-1] == '!' || p[-1] == '?' || p[-1] == ':';
      p += 3;
      const char *q = strchr(p, '\'');
      if (!word || q == NULL || q[1] == ' ' || q[1] == '+') continue; /* a computed key */
      char key[80];
      size_t kl = (size_t)(q - p);
      if (kl == 0 || kl >= sizeof key) continue;
      memcpy(key, p, kl);
      key[kl] = '\0';
      if (strcmp(web_i18n_get(t, WEB_LANG_DA, key), key) == 0)
        TASK_FAIL("%s asks for '%s', which strings.txt lacks", a->name, key);
      checked++;
    }
  }
  ASSERT(checked > 50);
  web_i18n_free(t);
}

int main(void) {
  RUN_TEST(test_table);
  RUN_TEST(test_pick);
  RUN_TEST(test_script);
  RUN_TEST(test_shipped);
  return 0;
}
