/* task.h -- assertion macros for unit tests: print both sides, never compiled out. */
#ifndef SAMVIRKE_TASK_H
#define SAMVIRKE_TASK_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int task_failures;

#define TASK_FAIL(...)                                                        \
  do {                                                                        \
    fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);                     \
    fprintf(stderr, __VA_ARGS__);                                             \
    fputc('\n', stderr);                                                      \
    task_failures++;                                                          \
    abort();                                                                  \
  } while (0)

#define ASSERT(expr)                                                          \
  do {                                                                        \
    if (!(expr)) TASK_FAIL("assertion failed: %s", #expr);                    \
  } while (0)

#define ASSERT_INT_EQ(a, b)                                                   \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (a_ != b_) TASK_FAIL("%s == %s: %lld != %lld", #a, #b, a_, b_);        \
  } while (0)

#define ASSERT_INT_NE(a, b)                                                   \
  do {                                                                        \
    long long a_ = (long long)(a), b_ = (long long)(b);                       \
    if (a_ == b_) TASK_FAIL("%s != %s: both %lld", #a, #b, a_);               \
  } while (0)

#define ASSERT_UINT_EQ(a, b)                                                  \
  do {                                                                        \
    unsigned long long a_ = (unsigned long long)(a),                          \
                       b_ = (unsigned long long)(b);                          \
    if (a_ != b_) TASK_FAIL("%s == %s: %llu != %llu", #a, #b, a_, b_);        \
  } while (0)

#define ASSERT_STR_EQ(a, b)                                                   \
  do {                                                                        \
    const char *a_ = (a), *b_ = (b);                                          \
    if (a_ == NULL || b_ == NULL || strcmp(a_, b_) != 0)                      \
      TASK_FAIL("%s == %s: \"%s\" != \"%s\"", #a, #b, a_ ? a_ : "(null)",     \
                b_ ? b_ : "(null)");                                          \
  } while (0)

#define ASSERT_STR_CONTAINS(hay, needle)                                      \
  do {                                                                        \
    const char *h_ = (hay), *n_ = (needle);                                   \
    if (h_ == NULL || strstr(h_, n_) == NULL)                                 \
      TASK_FAIL("\"%s\" does not contain \"%s\"", h_ ? h_ : "(null)", n_);    \
  } while (0)

#define ASSERT_MEM_EQ(a, b, n)                                                \
  do {                                                                        \
    const unsigned char *a_ = (const unsigned char *)(a),                     \
                        *b_ = (const unsigned char *)(b);                     \
    size_t n_ = (n);                                                          \
    if (memcmp(a_, b_, n_) != 0) {                                            \
      fprintf(stderr, "%s:%d: FAIL: %s == %s (%zu bytes)\n  left:  ",         \
              __FILE__, __LINE__, #a, #b, n_);                                \
      for (size_t i_ = 0; i_ < n_; i_++) fprintf(stderr, "%02x", a_[i_]);     \
      fprintf(stderr, "\n  right: ");                                         \
      for (size_t i_ = 0; i_ < n_; i_++) fprintf(stderr, "%02x", b_[i_]);     \
      fputc('\n', stderr);                                                    \
      abort();                                                                \
    }                                                                         \
  } while (0)

/* RUN_TEST(fn) -- run one test function and announce it. */
#define RUN_TEST(fn)                                                          \
  do {                                                                        \
    fprintf(stderr, "-- %s\n", #fn);                                          \
    fn();                                                                     \
  } while (0)

#endif
