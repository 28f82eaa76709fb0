/* Helpers of the tests that drive the argument builder (light/args.h):
 * test_params.c and test_record.c. */
#ifndef LIGHT_TEST_ARGS_HELPERS_H
#define LIGHT_TEST_ARGS_HELPERS_H

#include <stdio.h>
#include <string.h>

#include "light/light.h"

#define KEY(a, k) light_args_key(a, k, strlen(k))
#define STR(a, s) light_args_string(a, s, strlen(s))

/* Message of the sticky error ("" when none); copied into buf. */
static inline const char *msg(const light_args *a, char *buf, size_t cap) {
  light_error e = LIGHT_ERROR_INIT;
  light_args_error(a, &e);
  snprintf(buf, cap, "%s", e.message ? e.message : "");
  light_error_clear(&e);
  return buf;
}

#endif
