/* test_signed_note.c -- C2SP signed-note: published vectors, key strings, tampering. */
#include <sodium.h>

#include "signed_note.h"
#include "support/tmpdir.h"
#include "task.h"

#define MAXV 8
static char *vkeys[MAXV], *skeys[MAXV], *texts[MAXV];
static struct {
  char *line; /* signature line without its newline */
  int text;   /* index into texts */
} sigs[MAXV];
static int nvkeys, nskeys, ntexts, nsigs;

static char *dup_str(const char *s) {
  char *d = strdup(s);
  ASSERT(d != NULL);
  return d;
}

static char *unquote(const char *q) {
  const char *a = strchr(q, '"'), *b = strrchr(q, '"');
  ASSERT(a != NULL && b != NULL && b > a);
  char *out = malloc((size_t)(b - a) + 1);
  size_t n = 0;
  for (const char *p = a + 1; p < b; p++) {
    if (*p == '\\') {
      p++;
      out[n++] = *p == 'n' ? '\n' : *p;
    } else {
      out[n++] = *p;
    }
  }
  out[n] = '\0';
  return out;
}

static void load_vectors(void) {
  char *path = test_vector_path("c2sp_signed_note.txt");
  char *text = test_read_file(path, NULL);
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    if (line[0] == '#') continue;
    ASSERT(nvkeys < MAXV && nskeys < MAXV && ntexts < MAXV && nsigs < MAXV);
    if (strncmp(line, "vkey ", 5) == 0) vkeys[nvkeys++] = dup_str(line + 5);
    else if (strncmp(line, "skey ", 5) == 0) skeys[nskeys++] = dup_str(line + 5);
    else if (strncmp(line, "text ", 5) == 0) texts[ntexts++] = unquote(line + 5);
    else if (strncmp(line, "sig  ", 5) == 0) {
      ASSERT(ntexts > 0);
      sigs[nsigs].line = dup_str(line + 5);
      sigs[nsigs].text = ntexts - 1;
      nsigs++;
    } else {
      TASK_FAIL("unparsed vector line: %s", line);
    }
  }
  ASSERT_INT_EQ(nvkeys, 3);
  ASSERT_INT_EQ(nskeys, 1);
  ASSERT_INT_EQ(ntexts, 2);
  ASSERT_INT_EQ(nsigs, 3);
  free(text);
  free(path);
}

static void free_vectors(void) {
  for (int i = 0; i < nvkeys; i++) free(vkeys[i]);
  for (int i = 0; i < nskeys; i++) free(skeys[i]);
  for (int i = 0; i < ntexts; i++) free(texts[i]);
  for (int i = 0; i < nsigs; i++) free(sigs[i].line);
}

/* text + "\n" + each given signature line + "\n"; malloc'd. */
static char *make_note(const char *text, const char *const *lines, int n) {
  size_t cap = strlen(text) + 2;
  for (int i = 0; i < n; i++) cap += strlen(lines[i]) + 1;
  char *s = malloc(cap);
  strcpy(s, text);
  strcat(s, "\n");
  for (int i = 0; i < n; i++) {
    strcat(s, lines[i]);
    strcat(s, "\n");
  }
  return s;
}

static note_verifier vk(int i) {
  note_verifier v;
  ASSERT_INT_EQ(note_verifier_parse(vkeys[i], strlen(vkeys[i]), &v), NOTE_OK);
  return v;
}

static void test_vkeys(void) {
  for (int i = 0; i < nvkeys; i++) {
    note_verifier v = vk(i);
    char hex[9];
    const char *plus = strchr(vkeys[i], '+');
    snprintf(hex, sizeof hex, "%08x", (unsigned)v.key_id);
    ASSERT(strncmp(plus + 1, hex, 8) == 0);
    ASSERT_INT_EQ(strlen(v.name), (size_t)(plus - vkeys[i]));
    ASSERT_UINT_EQ(note_key_id(v.name, strlen(v.name), v.pk), v.key_id);
    char *s = NULL;
    ASSERT_INT_EQ(note_verifier_format(&v, &s), NOTE_OK);
    ASSERT_STR_EQ(s, vkeys[i]);
    free(s);
  }
}

static void test_vkey_negative(void) {
  for (int i = 0; i < nvkeys; i++) {
    const char *k = vkeys[i];
    size_t len = strlen(k);
    note_verifier v;
    /* every proper substring */
    for (size_t a = 0; a < len; a++)
      for (size_t n = 0; a + n <= len; n++) {
        if (a == 0 && n == len) continue;
        ASSERT_INT_NE(note_verifier_parse(k + a, n, &v), NOTE_OK);
      }
    /* every single-byte change, to every other value */
    char *m = malloc(len + 1);
    for (size_t pos = 0; pos < len; pos++)
      for (int c = 0; c < 256; c++) {
        if ((unsigned char)k[pos] == c) continue;
        memcpy(m, k, len + 1);
        m[pos] = (char)c;
        int rc = note_verifier_parse(m, len, &v);
        if (rc == NOTE_OK) TASK_FAIL("vkey %d: byte %zu -> 0x%02x accepted", i, pos, c);
      }
    /* trailing newline, surrounding space */
    memcpy(m, k, len);
    m[len] = '\n';
    ASSERT_INT_NE(note_verifier_parse(m, len + 1, &v), NOTE_OK);
    free(m);
  }
  /* Uppercase hex id is rejected although it names the same id. */
  char *up = dup_str(vkeys[0]);
  for (char *p = strchr(up, '+') + 1; *p != '+'; p++)
    if (*p >= 'a' && *p <= 'f') *p = (char)(*p - 'a' + 'A');
  ASSERT(strcmp(up, vkeys[0]) != 0);
  note_verifier v;
  ASSERT_INT_EQ(note_verifier_parse(up, strlen(up), &v), NOTE_ERR_FORMAT);
  free(up);
  /* A wrong key type byte (0x02) with a matching-length key is NOTE_ERR_ALG. */
  uint8_t raw[33] = {0x02};
  char b64[64];
  sodium_bin2base64(b64, sizeof b64, raw, 33, sodium_base64_VARIANT_ORIGINAL);
  char buf[128];
  snprintf(buf, sizeof buf, "x+00000000+%s", b64);
  ASSERT_INT_EQ(note_verifier_parse(buf, strlen(buf), &v), NOTE_ERR_ALG);
  /* A correct structure with a wrong id is NOTE_ERR_KEYID. */
  note_verifier good = vk(0);
  char *s = NULL;
  good.key_id ^= 1;
  ASSERT_INT_EQ(note_verifier_format(&good, &s), NOTE_OK);
  ASSERT_INT_EQ(note_verifier_parse(s, strlen(s), &v), NOTE_ERR_KEYID);
  free(s);
}

static void test_names(void) {
  uint8_t pk[32] = {1};
  note_verifier v;
  const char *bad[] = {"",          "a+b",          "a b",          "a\tb",
                       "a\nb",      "a\xc2\xa0" "b", "a\xe3\x80\x80" "b", "a\xe2\x80\xa8" "b",
                       "\xc2\x85",  "a\x01",        "\xff",         "a\xed\xa0\x80" "b",
                       "\xc0\xaf"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    ASSERT_INT_EQ(note_verifier_init(&v, bad[i], pk), NOTE_ERR_NAME);
  char longname[NOTE_NAME_MAX + 2];
  memset(longname, 'n', sizeof longname - 1);
  longname[NOTE_NAME_MAX + 1] = '\0';
  ASSERT_INT_EQ(note_verifier_init(&v, longname, pk), NOTE_ERR_NAME);
  longname[NOTE_NAME_MAX] = '\0';
  ASSERT_INT_EQ(note_verifier_init(&v, longname, pk), NOTE_OK);
  const char *good[] = {"example.com/log", "Zoë", "a-b_c.d/e~f", "\xe2\x80\x94"};
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
    ASSERT_INT_EQ(note_verifier_init(&v, good[i], pk), NOTE_OK);
}

static void test_skey_and_sign_vector(void) {
  int st = -99;
  const char *sk = skeys[0];
  note_signer *s = note_signer_parse(sk, strlen(sk), &st);
  ASSERT_INT_EQ(st, NOTE_OK);
  ASSERT(s != NULL);
  note_verifier v = vk(0);
  ASSERT_STR_EQ(s->pub.name, v.name);
  ASSERT_UINT_EQ(s->pub.key_id, v.key_id);
  ASSERT_MEM_EQ(s->pub.pk, v.pk, 32);
  char buf[256];
  ASSERT_INT_EQ(note_signer_format(s, buf, sizeof buf), NOTE_OK);
  ASSERT_STR_EQ(buf, sk);
  ASSERT_INT_EQ(note_signer_format(s, buf, strlen(sk)), NOTE_ERR_NOMEM); /* no room for NUL */
  sodium_memzero(buf, sizeof buf);
  /* Signing reproduces the published signature byte for byte. */
  const note_signer *list[] = {s};
  char *out = NULL;
  size_t outlen = 0;
  ASSERT_INT_EQ(note_sign(texts[0], strlen(texts[0]), list, 1, &out, &outlen), NOTE_OK);
  const char *lines[] = {sigs[0].line};
  char *want = make_note(texts[0], lines, 1);
  ASSERT_STR_EQ(out, want);
  ASSERT_UINT_EQ(outlen, strlen(want));
  free(want);
  free(out);
  /* Signer from the same seed gives the same key. */
  note_signer *s2 = note_signer_from_seed(s->pub.name, s->sk, &st);
  ASSERT(s2 != NULL);
  ASSERT_MEM_EQ(s2->pub.pk, s->pub.pk, 32);
  note_signer_free(s2);
  /* Negative: proper substrings and single-byte changes of the signer key. */
  size_t len = strlen(sk);
  for (size_t a = 0; a < len; a++)
    for (size_t n = 0; a + n <= len; n += (a == 0 ? 1 : 7)) {
      if (a == 0 && n == len) continue;
      ASSERT(note_signer_parse(sk + a, n, &st) == NULL);
      ASSERT_INT_NE(st, NOTE_OK);
    }
  char *m = dup_str(sk);
  const int deltas[] = {0x01, 0x20, 0x80};
  for (size_t pos = 0; pos < len; pos++)
    for (int d = 0; d < 3; d++) {
      strcpy(m, sk);
      m[pos] = (char)(m[pos] ^ deltas[d]);
      ASSERT(note_signer_parse(m, len, &st) == NULL);
    }
  free(m);
  note_signer_free(s);
}

static void test_open_vectors(void) {
  for (int i = 0; i < nsigs; i++) {
    const char *text = texts[sigs[i].text];
    const char *lines[] = {sigs[i].line};
    char *note = make_note(text, lines, 1);
    /* find the vkey whose name is in the line */
    int which = -1;
    for (int k = 0; k < nvkeys; k++) {
      note_verifier v = vk(k);
      char pfx[300];
      snprintf(pfx, sizeof pfx, "\xe2\x80\x94 %s ", v.name);
      if (strncmp(sigs[i].line, pfx, strlen(pfx)) == 0) which = k;
    }
    ASSERT(which >= 0);
    note_verifier v = vk(which);
    size_t tl = 0;
    bool by = false;
    ASSERT_INT_EQ(note_open(note, strlen(note), &v, 1, &tl, &by), NOTE_OK);
    ASSERT_UINT_EQ(tl, strlen(text));
    ASSERT(by);
    /* the other keys do not know this signature */
    for (int k = 0; k < nvkeys; k++) {
      if (k == which) continue;
      note_verifier o = vk(k);
      ASSERT_INT_EQ(note_open(note, strlen(note), &o, 1, &tl, NULL), NOTE_ERR_UNVERIFIED);
    }
    ASSERT_INT_EQ(note_open(note, strlen(note), NULL, 0, &tl, NULL), NOTE_ERR_UNVERIFIED);
    free(note);
  }
}

/* Any changed byte in note[0..upto) must make verification fail (upto 0: the whole note). */
static void tamper_note(const char *note, const note_verifier *known, size_t nknown, bool all,
                        size_t upto) {
  size_t len = strlen(note), tl;
  char *m = malloc(len + 1);
  ASSERT_INT_EQ(note_open(note, len, known, nknown, &tl, NULL), NOTE_OK);
  if (upto == 0) upto = len;
  for (size_t pos = 0; pos < upto; pos++)
    for (int c = 0; c < 256; c++) {
      if ((unsigned char)note[pos] == c) continue;
      if (!all && c != (note[pos] ^ 0x01) && c != (note[pos] ^ 0x80) && c != 'A' && c != '\n')
        continue;
      memcpy(m, note, len + 1);
      m[pos] = (char)c;
      int rc = note_open(m, len, known, nknown, &tl, NULL);
      if (rc == NOTE_OK) TASK_FAIL("byte %zu -> 0x%02x accepted", pos, c);
    }
  /* truncations (a multi-signature note cut after a whole line is still a valid note, so
   * only those inside the checked range), and an appended byte */
  for (size_t n = 0; n < upto; n++)
    ASSERT_INT_NE(note_open(note, n, known, nknown, &tl, NULL), NOTE_OK);
  memcpy(m, note, len);
  m[len] = 'x';
  ASSERT_INT_NE(note_open(m, len + 1, known, nknown, &tl, NULL), NOTE_OK);
  free(m);
}

static void test_tamper(void) {
  /* The spec example: every byte to every other value. */
  note_verifier ex = vk(2);
  const char *l2[] = {sigs[2].line};
  char *note = make_note(texts[1], l2, 1);
  tamper_note(note, &ex, 1, true, 0);
  free(note);
  /* The Go note: a sample of changes at every byte. */
  note_verifier pn = vk(0);
  const char *l0[] = {sigs[0].line};
  note = make_note(texts[0], l0, 1);
  tamper_note(note, &pn, 1, false, 0);
  free(note);
}

static void test_multi_signature(void) {
  note_verifier keys[3] = {vk(0), vk(1), vk(2)};
  const char *lines[] = {sigs[0].line, sigs[1].line};
  char *note = make_note(texts[0], lines, 2);
  size_t tl;
  bool by[3];
  ASSERT_INT_EQ(note_open(note, strlen(note), keys, 3, &tl, by), NOTE_OK);
  ASSERT(by[0] && by[1] && !by[2]);
  ASSERT_UINT_EQ(tl, strlen(texts[0]));
  ASSERT_INT_EQ(note_open(note, strlen(note), &keys[1], 1, &tl, by), NOTE_OK);
  ASSERT(by[0]);
  ASSERT_INT_EQ(note_open(note, strlen(note), &keys[2], 1, &tl, NULL), NOTE_ERR_UNVERIFIED);
  /* With two known signers, a change to one signature line's name or id turns it into an
   * unknown signature, which is ignored while the other still verifies. So: every change
   * to the text or the separator fails; and every change to the signature bytes proper
   * (after the key id) fails as a bad signature by a known key. */
  tamper_note(note, keys, 2, false, strlen(texts[0]) + 1);
  /* Only the first signer known: changes in its line fail; the second line is ignored as
   * long as it stays well-formed, so it is not in the range. */
  tamper_note(note, &keys[0], 1, false, strlen(texts[0]) + 1 + strlen(sigs[0].line) + 1);
  tamper_note(note, &keys[1], 1, false, strlen(texts[0]) + 1);
  for (int l = 0; l < 2; l++) {
    const char *sp = strchr(strstr(note, l == 0 ? "PeterNeumann " : "EnochRoot "), ' ') + 1;
    size_t start = (size_t)(sp - note) + 6, end = (size_t)(strchr(sp, '\n') - note) - 1;
    for (size_t pos = start; pos < end; pos++) {
      char *m = dup_str(note);
      m[pos] = m[pos] == 'A' ? 'B' : 'A';
      int rc = note_open(m, strlen(m), keys, 2, &tl, by);
      if (rc != NOTE_ERR_SIGNATURE && rc != NOTE_ERR_FORMAT)
        TASK_FAIL("line %d byte %zu: rc %d", l, pos, rc);
      free(m);
    }
  }

  /* A known key with a bad signature is an error even when another known key verifies. */
  char *bad = dup_str(note);
  char *second = strstr(bad, "EnochRoot ") + strlen("EnochRoot ") + 10;
  *second = *second == 'A' ? 'B' : 'A';
  ASSERT_INT_EQ(note_open(bad, strlen(bad), keys, 2, &tl, by), NOTE_ERR_SIGNATURE);
  ASSERT(!by[0] && !by[1]);
  /* ...but ignored when that key is not known. */
  ASSERT_INT_EQ(note_open(bad, strlen(bad), keys, 1, &tl, by), NOTE_OK);
  free(bad);

  /* Unknown signatures are ignored: unknown name; known name with another id; known id
   * with another name. */
  uint8_t junk[68];
  memset(junk, 0x5a, sizeof junk);
  char b64[100], l_name[200], l_id[200], l_nameid[200];
  sodium_bin2base64(b64, sizeof b64, junk, sizeof junk, sodium_base64_VARIANT_ORIGINAL);
  snprintf(l_name, sizeof l_name, "\xe2\x80\x94 someone.else/log %s", b64);
  junk[0] = (uint8_t)(keys[0].key_id >> 24);
  junk[1] = (uint8_t)(keys[0].key_id >> 16);
  junk[2] = (uint8_t)(keys[0].key_id >> 8);
  junk[3] = (uint8_t)(keys[0].key_id ^ 1);
  sodium_bin2base64(b64, sizeof b64, junk, sizeof junk, sodium_base64_VARIANT_ORIGINAL);
  snprintf(l_id, sizeof l_id, "\xe2\x80\x94 PeterNeumann %s", b64);
  junk[3] = (uint8_t)keys[0].key_id;
  sodium_bin2base64(b64, sizeof b64, junk, sizeof junk, sodium_base64_VARIANT_ORIGINAL);
  snprintf(l_nameid, sizeof l_nameid, "\xe2\x80\x94 PeterNeumann2 %s", b64);
  const char *mixed[] = {l_name, l_id, sigs[0].line, l_nameid};
  char *mnote = make_note(texts[0], mixed, 4);
  ASSERT_INT_EQ(note_open(mnote, strlen(mnote), keys, 1, &tl, by), NOTE_OK);
  ASSERT(by[0]);
  /* only unknown signatures: unverified */
  const char *only[] = {l_name, l_id, l_nameid};
  char *onote = make_note(texts[0], only, 3);
  ASSERT_INT_EQ(note_open(onote, strlen(onote), keys, 1, &tl, by), NOTE_ERR_UNVERIFIED);
  /* the same junk under the known name and id is a bad signature */
  snprintf(l_id, sizeof l_id, "\xe2\x80\x94 PeterNeumann %s", b64);
  const char *badsig[] = {sigs[0].line, l_id};
  char *bnote = make_note(texts[0], badsig, 2);
  ASSERT_INT_EQ(note_open(bnote, strlen(bnote), keys, 1, &tl, by), NOTE_ERR_SIGNATURE);
  free(mnote);
  free(onote);
  free(bnote);
  free(note);
}

static void test_sign_roundtrip_and_malformed(void) {
  uint8_t seed[32], seed2[32];
  for (int i = 0; i < 32; i++) {
    seed[i] = (uint8_t)i;
    seed2[i] = (uint8_t)(0xa0 + i);
  }
  int st;
  note_signer *a = note_signer_from_seed("samvirke.example/log", seed, &st);
  note_signer *b = note_signer_from_seed("witness.example", seed2, &st);
  ASSERT(a != NULL && b != NULL);
  ASSERT(note_signer_from_seed("bad name", seed, &st) == NULL);
  ASSERT_INT_EQ(st, NOTE_ERR_NAME);
  const note_signer *both[] = {a, b};
  const char *text = "first line\n\nafter an empty line\n\n";
  char *out = NULL;
  size_t outlen, tl;
  ASSERT_INT_EQ(note_sign(text, strlen(text), both, 2, &out, &outlen), NOTE_OK);
  note_verifier ks[2] = {a->pub, b->pub};
  bool by[2];
  ASSERT_INT_EQ(note_open(out, outlen, ks, 2, &tl, by), NOTE_OK);
  ASSERT_UINT_EQ(tl, strlen(text));
  ASSERT(memcmp(out, text, tl) == 0);
  ASSERT(by[0] && by[1]);
  free(out);

  /* text rules for signing */
  const char *badtext[] = {"", "no newline", "tab\there\n", "cr\r\n", "nul\x01\n",
                           "bad utf8 \xff\n", "surrogate \xed\xb0\x80\n"};
  for (size_t i = 0; i < sizeof badtext / sizeof badtext[0]; i++) {
    ASSERT_INT_EQ(note_sign(badtext[i], strlen(badtext[i]), both, 1, &out, &outlen),
                  NOTE_ERR_FORMAT);
    ASSERT(out == NULL);
  }
  ASSERT_INT_EQ(note_sign("x\n", 2, both, 0, &out, &outlen), NOTE_ERR_FORMAT);

  /* malformed notes */
  ASSERT_INT_EQ(note_sign("hello\n", 6, both, 1, &out, &outlen), NOTE_OK);
  char buf[512];
  const char *line = strstr(out, "\n\n") + 2; /* "— name sig\n" */
  size_t ll = strlen(line);
  const char *cases[][3] = {
      {"hello\n", "", ""},                       /* no blank line, no signatures */
      {"hello\n\n", "\n", ""},                   /* empty signature line */
      {"hello\n\n", "x\n", ""},                  /* garbage line */
      {"hello\n\n\n", line, ""},                /* extra blank line: text is "hello\n\n" */
      {"hello\n\n", line, "x\n"},               /* valid line, then garbage */
      {"hello\n\n", "- ", line + 4},             /* ASCII hyphen instead of em dash */
      {"hello\n\n", "\xe2\x80\x94", line + 4}, /* em dash without the space */
      {"hello\n\n", "\xe2\x80\x94 x\n", ""},    /* no space after the name */
      {"hello\n\n", "\xe2\x80\x94  x\n", ""},   /* empty name */
      {"hello\n\n", "\xe2\x80\x94 a+b AAAAAAAA\n", ""}, /* '+' in name */
      {"hello\n\n", "\xe2\x80\x94 x AAAA\n", ""},  /* signature shorter than 5 bytes */
      {"hello\n\n", "\xe2\x80\x94 x AAAAAAA\n", ""}, /* bad base64 */
      {"hello\n\n", "\xe2\x80\x94 x \n", ""},    /* empty base64 */
      {"hel\tlo\n\n", line, ""},                /* control character in the text */
  };
  size_t tl2;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    snprintf(buf, sizeof buf, "%s%s%s", cases[i][0], cases[i][1], cases[i][2]);
    int rc = note_open(buf, strlen(buf), ks, 1, &tl2, NULL);
    if (rc == NOTE_OK) TASK_FAIL("malformed case %zu accepted", i);
  }
  /* the well-formed note is accepted; without its final newline it is not */
  snprintf(buf, sizeof buf, "%s%s", "hello\n\n", line);
  ASSERT_INT_EQ(note_open(buf, strlen(buf), ks, 1, &tl2, NULL), NOTE_OK);
  ASSERT_INT_NE(note_open(out, outlen - 1, ks, 1, &tl2, NULL), NOTE_OK);
  /* too many signature lines */
  size_t cap = 7 + (NOTE_MAX_SIGS + 1) * ll + 1, pos = 0;
  char *many = malloc(cap);
  memcpy(many, "hello\n\n", 7);
  pos = 7;
  for (int i = 0; i < NOTE_MAX_SIGS + 1; i++) {
    memcpy(many + pos, line, ll);
    pos += ll;
  }
  ASSERT_INT_EQ(note_open(many, pos, ks, 1, &tl2, NULL), NOTE_ERR_FORMAT);
  ASSERT_INT_EQ(note_open(many, 7 + 16 * ll, ks, 1, &tl2, NULL), NOTE_OK); /* 16 accepted */
  free(many);
  free(out);
  note_signer_free(a);
  note_signer_free(b);
}

static void test_unb64(void) {
  uint8_t out[8];
  size_t n;
  ASSERT_INT_EQ(note_unb64("AA==", 4, out, sizeof out, &n), 0);
  ASSERT_UINT_EQ(n, 1);
  ASSERT_INT_EQ(note_unb64("AAAA", 4, out, sizeof out, &n), 0);
  ASSERT_UINT_EQ(n, 3);
  ASSERT_INT_EQ(note_unb64("", 0, out, sizeof out, &n), 0);
  ASSERT_UINT_EQ(n, 0);
  const char *bad[] = {"AB==", "A===", "AA=A", "=AAA", "AAA", "AA==AAAA", "AAA\x80", "AA\xff=",
                       "AA A", "AA\nA", "AA-_", "AAAAA==="};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (note_unb64(bad[i], strlen(bad[i]), out, sizeof out, &n) == 0)
      TASK_FAIL("base64 \"%s\" accepted", bad[i]);
  ASSERT_INT_NE(note_unb64("AAAAAAAAAAAA", 12, out, sizeof out, &n), 0); /* 9 > 8 bytes */
}

int main(void) {
  if (sodium_init() < 0) return 1;
  load_vectors();
  RUN_TEST(test_unb64);
  RUN_TEST(test_vkeys);
  RUN_TEST(test_vkey_negative);
  RUN_TEST(test_names);
  RUN_TEST(test_skey_and_sign_vector);
  RUN_TEST(test_open_vectors);
  RUN_TEST(test_tamper);
  RUN_TEST(test_multi_signature);
  RUN_TEST(test_sign_roundtrip_and_malformed);
  free_vectors();
  return 0;
}
