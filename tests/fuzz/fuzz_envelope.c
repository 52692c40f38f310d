/* fuzz_envelope.c -- note-envelope parsing, verification and opening on arbitrary bytes.
 *
 * Fixed keys are the published vector's (tests/vectors/envelope_v2.txt): sender Aase, readers Bo
 * and Cecilie. Every input is parsed, verified against Aase and opened by Bo and Cecilie. When it
 * parses, a copy whose sender field and signature are redone with Aase's key is opened too, so
 * the fuzzer reaches the wrap and body checks behind the signature. */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"
#include "keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static sv_identity *ids[3]; /* Aase (sender), Bo, Cecilie */

static void setup(void) {
  static const char *const names[3] = {"Aase", "Bo", "Cecilie"};
  if (sodium_init() < 0) abort();
  for (int k = 0; k < 3; k++) {
    uint8_t seed[32];
    for (int i = 0; i < 32; i++) seed[i] = (uint8_t)(0x20 * k + i);
    int st = 0;
    ids[k] = identity_from_seed(names[k], seed, 1700000000, &st);
    if (ids[k] == NULL) abort();
  }
}

/* A parsed header must be self-consistent and describe exactly size bytes. */
static void check_header(const envelope_header *h, size_t size) {
  if (h->version != ENVELOPE_VERSION) abort();
  if (h->nrecipients < 1 || h->nrecipients > ENVELOPE_MAX_RECIPIENTS) abort();
  size_t cl = strnlen(h->klass, sizeof h->klass), al = strnlen(h->area, sizeof h->area),
         pl = strnlen(h->purpose, sizeof h->purpose);
  if (cl < 1 || cl > ENVELOPE_CLASS_MAX || al > ENVELOPE_AREA_MAX || pl > ENVELOPE_PURPOSE_MAX)
    abort();
  if (h->body_len < 16) abort();
  size_t hdr = 4 + 1 + ENVELOPE_ID_LEN + ENVELOPE_KEYID_LEN + 8 + 1 + cl + 1 + al + 1 + pl + 1 +
               h->nrecipients * ENVELOPE_KEYID_LEN + ENVELOPE_COMMIT_LEN;
  size_t want = hdr + h->nrecipients * ENVELOPE_WRAP_LEN + ENVELOPE_NONCE_LEN + 4 + h->body_len +
                ENVELOPE_SIG_LEN;
  if (want != size) abort();
  for (size_t i = 0; i < h->nrecipients; i++)
    for (size_t k = 0; k < i; k++)
      if (memcmp(h->recipients[i], h->recipients[k], ENVELOPE_KEYID_LEN) == 0) abort();
}

/* Open env as Bo and Cecilie; a success must return the header and a body of the right size. */
static void open_all(const uint8_t *env, size_t size, const envelope_header *h) {
  for (int r = 1; r < 3; r++) {
    uint8_t *body = NULL;
    size_t blen = 0;
    envelope_header oh;
    int rc = envelope_open(env, size, &ids[0]->card, ids[r], &oh, &body, &blen);
    if (rc == ENVELOPE_OK) {
      if (body == NULL || blen != h->body_len - 16 || memcmp(&oh, h, sizeof oh) != 0) abort();
      envelope_free_body(body, blen);
    } else {
      if (body != NULL || rc == ENVELOPE_ERR_FORMAT || rc == ENVELOPE_ERR_INVALID) abort();
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (ids[0] == NULL) setup();
  envelope_header h;
  int prc = envelope_parse(data, size, &h);
  int vrc = envelope_verify(data, size, ids[0]->card.sign_pk);
  if (prc != ENVELOPE_OK) {
    if (prc != ENVELOPE_ERR_FORMAT || vrc != ENVELOPE_ERR_FORMAT) abort();
    uint8_t *body = NULL;
    size_t blen = 0;
    if (envelope_open(data, size, &ids[0]->card, ids[1], NULL, &body, &blen) !=
            ENVELOPE_ERR_FORMAT ||
        body != NULL)
      abort();
    return 0;
  }
  check_header(&h, size);
  if (vrc != ENVELOPE_OK && vrc != ENVELOPE_ERR_SENDER && vrc != ENVELOPE_ERR_SIGNATURE) abort();
  open_all(data, size, &h);

  /* Re-sign as Aase: set the sender key id and redo the signature over everything before it. */
  uint8_t *copy = malloc(size);
  if (copy == NULL) abort();
  memcpy(copy, data, size);
  envelope_card_keyid(&ids[0]->card, copy + 4 + 1 + ENVELOPE_ID_LEN);
  size_t signed_len = size - ENVELOPE_SIG_LEN;
  uint8_t msg[sizeof ENVELOPE_SIG_CONTEXT + crypto_generichash_BYTES_MAX];
  memcpy(msg, ENVELOPE_SIG_CONTEXT, sizeof ENVELOPE_SIG_CONTEXT);
  crypto_generichash(msg + sizeof ENVELOPE_SIG_CONTEXT, crypto_generichash_BYTES_MAX, copy,
                     signed_len, NULL, 0);
  crypto_sign_detached(copy + signed_len, NULL, msg, sizeof msg, ids[0]->sign_sk);
  envelope_header h2;
  if (envelope_parse(copy, size, &h2) != ENVELOPE_OK) abort();
  if (envelope_verify(copy, size, ids[0]->card.sign_pk) != ENVELOPE_OK) abort();
  open_all(copy, size, &h2);
  free(copy);
  return 0;
}
