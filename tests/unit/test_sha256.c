/* test_sha256.c -- SHA-256 on the CPU's SHA extensions against FIPS 180-4 answers and against
 * libsodium: every length from 0 to 1,100 bytes (every padding case, one to many blocks), every
 * split of the input into two pieces, and random inputs. On a CPU without the extensions only
 * libsodium's path runs (and the test says so). */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "sha256.h"
#include "task.h"

static void hex32(const char *hex, uint8_t out[32]) {
  size_t n = 0;
  ASSERT_INT_EQ(sodium_hex2bin(out, 32, hex, strlen(hex), NULL, &n, NULL), 0);
  ASSERT_UINT_EQ(n, 32);
}

/* FIPS 180-4 example messages ("abc", the 448-bit one) and the empty message. */
static void test_answers(void) {
  static const struct {
    const char *msg, *hex;
  } v[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
  };
  for (int on = 0; on < 2; on++) {
    sha256_use_cpu(on);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
      uint8_t want[32], got[32];
      hex32(v[i].hex, want);
      size_t n = strlen(v[i].msg);
      sha256_2(got, (const uint8_t *)v[i].msg, n, NULL, 0);
      ASSERT_MEM_EQ(got, want, 32);
      sha256_2(got, NULL, 0, (const uint8_t *)v[i].msg, n);
      ASSERT_MEM_EQ(got, want, 32);
    }
  }
  sha256_use_cpu(true);
}

static void test_against_libsodium(void) {
  sha256_use_cpu(true);
  if (!sha256_on_cpu()) {
    printf("no SHA extensions on this CPU: sha256_2 is libsodium's\n");
    return;
  }
  static uint8_t msg[1101];
  randombytes_buf(msg, sizeof msg);
  for (size_t len = 0; len < sizeof msg; len++) {
    uint8_t want[32], got[32];
    crypto_hash_sha256(want, msg, len);
    sha256_2(got, msg, len, NULL, 0);
    if (memcmp(got, want, 32) != 0) TASK_FAIL("length %zu: differs from libsodium", len);
    /* every split for the short ones, a few for the long */
    for (size_t cut = 0; cut <= len; cut += len < 200 ? 1 : 61) {
      sha256_2(got, msg, cut, msg + cut, len - cut);
      if (memcmp(got, want, 32) != 0)
        TASK_FAIL("length %zu split at %zu: differs from libsodium", len, cut);
    }
  }
  for (int i = 0; i < 2000; i++) {
    size_t len = randombytes_uniform(5000), cut = len ? randombytes_uniform((uint32_t)len) : 0;
    static uint8_t big[5000];
    randombytes_buf(big, len);
    uint8_t want[32], got[32];
    crypto_hash_sha256(want, big, len);
    sha256_2(got, big, cut, big + cut, len - cut);
    ASSERT_MEM_EQ(got, want, 32);
  }
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_answers);
  RUN_TEST(test_against_libsodium);
  return 0;
}
