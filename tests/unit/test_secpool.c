/* test_secpool.c -- pools of secure blocks: zeroed on reuse, at most max kept, drained. */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "secpool.h"
#include "task.h"

static secpool pool = SECPOOL_INIT(100, 3);

/* A block put back is wiped and handed out again; a new one is zeroed too. */
static void test_reuse_zeroed(void) {
  uint8_t *a = secpool_get(&pool);
  ASSERT(a != NULL);
  static const uint8_t zero[100];
  ASSERT_MEM_EQ(a, zero, 100);
  memset(a, 0xA5, 100);
  secpool_put(&pool, a);
  ASSERT_UINT_EQ(secpool_count(&pool), 1);
  uint8_t *b = secpool_get(&pool);
  ASSERT(b == a); /* the kept block, not a new one */
  ASSERT_MEM_EQ(b, zero, 100);
  ASSERT_UINT_EQ(secpool_count(&pool), 0);
  secpool_put(&pool, b);
  secpool_put(&pool, NULL); /* ignored */
  ASSERT_UINT_EQ(secpool_count(&pool), 1);
  secpool_drain(&pool);
  ASSERT_UINT_EQ(secpool_count(&pool), 0);
}

/* max blocks are kept, the one after them is freed. */
static void test_max(void) {
  uint8_t *b[4];
  for (int i = 0; i < 4; i++) ASSERT((b[i] = secpool_get(&pool)) != NULL);
  for (int i = 0; i < 3; i++) secpool_put(&pool, b[i]);
  ASSERT_UINT_EQ(secpool_count(&pool), 3);
  secpool_put(&pool, b[3]);
  ASSERT_UINT_EQ(secpool_count(&pool), 3);
  secpool_drain(&pool);
  ASSERT_UINT_EQ(secpool_count(&pool), 0);
}

int main(void) {
  if (sodium_init() < 0) return 1;
  RUN_TEST(test_reuse_zeroed);
  RUN_TEST(test_max);
  return 0;
}
