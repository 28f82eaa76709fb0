/* Micro-benchmark: µs per webhook verification of a 2 KB body with 1 and 2
 * secrets (the matching one last), plus sign, plus the two OpenSSL HMAC APIs
 * light's webhook.c was measured against (HMAC() one-shot, EVP_MAC) computing
 * the same MAC. Not a test: numbers go to stdout.
 *
 *   <build dir>/bench_webhook [iterations]      (default 200000)
 */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "light/webhook.h"

#define BODY 2048
static char body[BODY];
static const char secret[] = "whsec_bench_0123456789abcdef0123456789";
static char header[LIGHT_SIGNATURE_MAX];
static const long long TS = 1700000000;

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int verify1(void) {
  const char *s[1] = {secret};
  return light_webhook_verify(body, BODY, header, s, 1, 3600, TS, NULL) == LIGHT_OK;
}

static int verify2(void) {
  const char *s[2] = {"whsec_previous_secret_not_matching", secret};
  return light_webhook_verify(body, BODY, header, s, 2, 3600, TS, NULL) == LIGHT_OK;
}

static int sign(void) {
  char out[LIGHT_SIGNATURE_MAX];
  return light_webhook_sign(out, sizeof out, body, BODY, secret, strlen(secret), TS) == LIGHT_OK;
}

static unsigned char *msg;
static size_t msg_len;

static int hmac_oneshot(void) {
  unsigned char mac[32];
  unsigned int n = 0;
  return HMAC(EVP_sha256(), secret, (int)strlen(secret), msg, msg_len, mac, &n) != NULL;
}

static int evp_mac(void) {
  unsigned char mac[32];
  size_t n = 0;
  EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
  EVP_MAC_CTX *c = EVP_MAC_CTX_new(m);
  OSSL_PARAM p[2] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
                     OSSL_PARAM_construct_end()};
  int ok = EVP_MAC_init(c, (const unsigned char *)secret, strlen(secret), p) && EVP_MAC_update(c, msg, msg_len) &&
           EVP_MAC_final(c, mac, &n, sizeof mac);
  EVP_MAC_CTX_free(c);
  EVP_MAC_free(m);
  return ok;
}

static void run(const char *name, int (*f)(void), long iters) {
  for (long i = 0; i < iters / 20 + 1; i++)
    if (!f()) {
      fprintf(stderr, "%s failed\n", name);
      exit(1);
    }
  double best = 1e9;
  for (int round = 0; round < 3; round++) {
    double t = now_s();
    for (long i = 0; i < iters; i++) f();
    t = now_s() - t;
    if (t < best) best = t;
  }
  printf("%-34s %8.3f us/op  (%ld iterations, best of 3)\n", name, best / (double)iters * 1e6, iters);
}

int main(int argc, char **argv) {
  long iters = argc > 1 ? atol(argv[1]) : 200000;
  if (iters <= 0) iters = 1;
  for (size_t i = 0; i < BODY; i++) body[i] = (char)('a' + i % 26);
  if (light_webhook_sign(header, sizeof header, body, BODY, secret, strlen(secret), TS) != LIGHT_OK) return 1;
  msg_len = strlen("1700000000.") + BODY;
  msg = malloc(msg_len);
  memcpy(msg, "1700000000.", 11);
  memcpy(msg + 11, body, BODY);
  printf("webhook, 2048-byte body, OpenSSL %s\n", OpenSSL_version(OPENSSL_VERSION));
  run("light_webhook_verify 1 secret", verify1, iters);
  run("light_webhook_verify 2 secrets", verify2, iters);
  run("light_webhook_sign", sign, iters);
  run("ref: HMAC() one-shot (MAC only)", hmac_oneshot, iters);
  run("ref: EVP_MAC fetch+init (MAC only)", evp_mac, iters);
  free(msg);
  return 0;
}
