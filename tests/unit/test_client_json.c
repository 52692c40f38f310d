/* test_client_json.c -- the client's JSON writer and msgpack->JSON printer. */
#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "json.h"
#include "task.h"

/* Capture what fn writes into a json_out; returns the malloc'd text (without the newline) and
 * the json_finish result in *rc. */
typedef void (*writer_fn)(json_out *j, const void *arg);

static char *capture(writer_fn fn, const void *arg, int *rc) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  json_out j;
  json_init(&j, f);
  fn(&j, arg);
  *rc = json_finish(&j);
  fclose(f);
  if (len > 0 && buf[len - 1] == '\n') buf[len - 1] = '\0';
  return buf;
}

static char *escape(const char *s, size_t n) {
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  ASSERT(f != NULL);
  json_write_string(f, s, n);
  fclose(f);
  return buf;
}

static void test_escape(void) {
  char *e = escape("a\"b\\c/", 6);
  ASSERT_STR_EQ(e, "\"a\\\"b\\\\c/\"");
  free(e);
  e = escape("\n\t\r\b\f\x01\x1f\x7f", 8);
  ASSERT_STR_EQ(e, "\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\"");
  free(e);
  e = escape("x\0y", 3); /* embedded NUL */
  ASSERT_STR_EQ(e, "\"x\\u0000y\"");
  free(e);
  e = escape("\xc3\xa6\xc3\xb8\xc3\xa5 \xe2\x82\xac \xf0\x9f\x98\x80", 15); /* æøå € 😀 kept */
  ASSERT_STR_EQ(e, "\"\xc3\xa6\xc3\xb8\xc3\xa5 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  free(e);
  /* invalid UTF-8: lone continuation, overlong, surrogate, truncated, > U+10FFFF */
  e = escape("\x80|\xc0\xaf|\xed\xa0\x80|\xe2\x82|\xf4\x90\x80\x80", 16);
  ASSERT_STR_EQ(e, "\"\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd|"
                   "\\ufffd\\ufffd\\ufffd\\ufffd\"");
  free(e);
}

static void write_nested(json_out *j, const void *arg) {
  (void)arg;
  json_begin_object(j);
  json_kv_str(j, "name", "Ærø \"x\"");
  json_kv_uint(j, "n", UINT64_MAX);
  json_key(j, "neg");
  json_int(j, INT64_MIN);
  json_kv_bool(j, "t", true);
  json_kv_str(j, "none", NULL);
  json_key(j, "list");
  json_begin_array(j);
  json_uint(j, 1);
  json_begin_object(j);
  json_end_object(j);
  json_begin_array(j);
  json_end_array(j);
  json_double(j, 0.5);
  json_double(j, 1.0 / 0.0);
  json_double(j, 0.1);
  json_end_array(j);
  json_key(j, "bin");
  json_base64(j, (const uint8_t *)"\x00\xff\x10", 3);
  json_end_object(j);
}

static void test_nested(void) {
  int rc = -1;
  char *out = capture(write_nested, NULL, &rc);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(out, "{\"name\":\"\xc3\x86r\xc3\xb8 \\\"x\\\"\",\"n\":18446744073709551615,"
                     "\"neg\":-9223372036854775808,\"t\":true,\"none\":null,"
                     "\"list\":[1,{},[],0.5,null,0.1],\"bin\":\"AP8Q\"}");
  free(out);
}

static void write_unclosed(json_out *j, const void *arg) {
  (void)arg;
  json_begin_object(j);
  json_key(j, "a");
}

static void write_empty(json_out *j, const void *arg) {
  (void)arg;
  (void)j;
}

static void test_finish_checks(void) {
  int rc = 0;
  char *out = capture(write_unclosed, NULL, &rc);
  ASSERT_INT_EQ(rc, -1);
  free(out);
  out = capture(write_empty, NULL, &rc);
  ASSERT_INT_EQ(rc, -1);
  free(out);
}

static void write_msgpack(json_out *j, const void *arg) { json_msgpack(j, arg); }

static void test_msgpack(void) {
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  msgpack_packer pk;
  msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, 9);
  sv_pack_str(&pk, "s");
  sv_pack_strn(&pk, "a\nb", 3);
  sv_pack_str(&pk, "bin");
  sv_pack_bin(&pk, "hello", 5);
  sv_pack_str(&pk, "arr");
  msgpack_pack_array(&pk, 3);
  msgpack_pack_nil(&pk);
  msgpack_pack_false(&pk);
  msgpack_pack_int64(&pk, -5);
  sv_pack_str(&pk, "f");
  msgpack_pack_double(&pk, 2.25);
  sv_pack_str(&pk, "f32");
  msgpack_pack_float(&pk, 1.5f);
  msgpack_pack_uint64(&pk, 7); /* integer key */
  msgpack_pack_uint8(&pk, 8);
  sv_pack_str(&pk, "m");
  msgpack_pack_map(&pk, 1);
  sv_pack_str(&pk, "deep");
  msgpack_pack_map(&pk, 0);
  sv_pack_str(&pk, "ext");
  msgpack_pack_ext(&pk, 2, 3); /* length 2, type 3 */
  msgpack_pack_ext_body(&pk, "xyz", 2);
  sv_pack_strn(&pk, "k\0", 2); /* key with a NUL */
  msgpack_pack_uint64(&pk, UINT64_MAX);

  msgpack_unpacked up;
  msgpack_unpacked_init(&up);
  size_t off = 0;
  ASSERT_INT_EQ(msgpack_unpack_next(&up, sb.data, sb.size, &off), MSGPACK_UNPACK_SUCCESS);
  int rc = -1;
  char *out = capture(write_msgpack, &up.data, &rc);
  ASSERT_INT_EQ(rc, 0);
  ASSERT_STR_EQ(out, "{\"s\":\"a\\nb\",\"bin\":\"aGVsbG8=\",\"arr\":[null,false,-5],\"f\":2.25,"
                     "\"f32\":1.5,\"7\":8,\"m\":{\"deep\":{}},\"ext\":{\"ext\":3,\"data\":\"eHk=\"},"
                     "\"k\\u0000\":18446744073709551615}");
  free(out);
  msgpack_unpacked_destroy(&up);
  msgpack_sbuffer_destroy(&sb);
}

int main(void) {
  RUN_TEST(test_escape);
  RUN_TEST(test_nested);
  RUN_TEST(test_finish_checks);
  RUN_TEST(test_msgpack);
  return 0;
}
