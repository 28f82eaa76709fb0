/* Splitting one fuzz input into fields: fields are separated by '\n'; the
 * last field takes the rest (binary, may hold '\n' and NUL). Each field but
 * the last is returned as a malloc'd NUL-terminated string. */
#ifndef LIGHT_FUZZ_SPLIT_H
#define LIGHT_FUZZ_SPLIT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct fuzz_in {
  const uint8_t *p;
  size_t n;
} fuzz_in;

/* Next '\n'-terminated field as a C string (embedded NULs cut it short). */
static char *fuzz_field(fuzz_in *in) {
  const uint8_t *nl = memchr(in->p, '\n', in->n);
  size_t len = nl ? (size_t)(nl - in->p) : in->n;
  char *s = malloc(len + 1);
  if (!s) abort();
  memcpy(s, in->p, len);
  s[len] = '\0';
  in->p += nl ? len + 1 : len;
  in->n -= nl ? len + 1 : len;
  return s;
}

#endif
