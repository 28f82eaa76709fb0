/* Micro-benchmark: decoding a JSON document (bench/run.py passes the ~300 KB
 * usage-intervals body of bench/python) with the core's parser into a cJSON
 * tree (light_json_to_cjson, what light_response_json() builds) against
 * cJSON_ParseWithLength, plus the parser alone (validation, what the exchange
 * does to every 2xx body). Best of 15 interleaved rounds of process CPU time
 * (steadier than wall time on a shared machine); peak heap of one
 * decode, counted through cJSON_InitHooks. Not a test.
 *
 *   <build dir>/bench/c/bench_json FILE [iterations]   (default 200)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "light/json.h"

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t); /* CPU time: steadier on a shared machine */
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* heap accounting for the cJSON allocations (size header in front) */
static size_t live, peak;
static void *count_malloc(size_t n) {
  size_t *p = malloc(n + sizeof(size_t) * 2);
  if (!p) return NULL;
  p[0] = n;
  live += n;
  if (live > peak) peak = live;
  return p + 2;
}
static void count_free(void *q) {
  if (!q) return;
  size_t *p = (size_t *)q - 2;
  live -= p[0];
  free(p);
}

static char *doc;
static size_t doc_len;

static int mine(void) {
  cJSON *j = NULL;
  light_status st = light_json_to_cjson(doc, doc_len, &j, NULL);
  cJSON_Delete(j);
  return st == LIGHT_OK;
}
static int ref(void) {
  cJSON *j = cJSON_ParseWithLength(doc, doc_len);
  cJSON_Delete(j);
  return j != NULL;
}
static int validate(void) { return light_json_parse(doc, doc_len, NULL, NULL, NULL, NULL) == LIGHT_JSON_OK; }

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: bench_json FILE [iterations]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  fseek(f, 0, SEEK_END);
  doc_len = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  doc = malloc(doc_len);
  if (!doc || fread(doc, 1, doc_len, f) != doc_len) return 2;
  fclose(f);
  int iters = argc > 2 ? atoi(argv[2]) : 200;
  cJSON_Hooks hooks = {count_malloc, count_free};
  cJSON_InitHooks(&hooks);
  if (!mine() || !ref() || !validate()) {
    fprintf(stderr, "bench_json: the document does not parse\n");
    return 1;
  }
  /* same tree? */
  cJSON *a = NULL, *b = cJSON_ParseWithLength(doc, doc_len);
  light_json_to_cjson(doc, doc_len, &a, NULL);
  if (!cJSON_Compare(a, b, 1)) {
    fprintf(stderr, "bench_json: trees differ\n");
    return 1;
  }
  cJSON_Delete(a);
  cJSON_Delete(b);
  peak = live = 0;
  mine();
  size_t peak_mine = peak;
  peak = live = 0;
  ref();
  size_t peak_ref = peak;
  struct {
    const char *name;
    int (*fn)(void);
    double best;
  } c[] = {{"light_json_to_cjson", mine, 1e9},
           {"cJSON_ParseWithLength", ref, 1e9},
           {"light_json_parse validate", validate, 1e9}};
  for (int round = 0; round < 15; round++) {
    for (size_t j = 0; j < sizeof c / sizeof c[0]; j++) {
      size_t k = round % 2 ? sizeof c / sizeof c[0] - 1 - j : j;
      double t0 = now_s();
      for (int i = 0; i < iters; i++) c[k].fn();
      double per = (now_s() - t0) / iters;
      if (per < c[k].best) c[k].best = per;
    }
  }
  printf("json decode, %zu-byte document, best of 15 rounds of %d (CPU time)\n", doc_len, iters);
  for (size_t k = 0; k < sizeof c / sizeof c[0]; k++) printf("%-28s %9.3f ms/op\n", c[k].name, c[k].best * 1e3);
  printf("peak heap light_json_to_cjson   %zu bytes (%.2fx the body)\n", peak_mine, (double)peak_mine / doc_len);
  printf("peak heap cJSON_ParseWithLength %zu bytes (%.2fx the body)\n", peak_ref, (double)peak_ref / doc_len);
  free(doc);
  return 0;
}
