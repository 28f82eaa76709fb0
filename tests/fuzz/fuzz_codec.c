/* Fuzz target: path templating, query encoding, multipart building.
 * Input: "<param 1>\n<param 2>\n<template>\n<field>\n<filename>\n<content type>\n<boundary>\n<rest>"
 * where <rest> is both the multipart file content and a JSON text for the query.
 * Properties checked: an expanded path param never adds '/', '?', '#' or a
 * dot segment to the route, and decodes back to the original bytes; an
 * encoded query holds only unreserved bytes, '%XX', '?', '&' and '='; a built
 * multipart body is framed by its boundary. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "fuzz_split.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decode s[0..n) into out; -1 when it holds a byte that should have been encoded. */
static int decode(const char *s, size_t n, char *out, size_t *out_len) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      if (i + 2 >= n) return -1;
      int hi = hexval(s[i + 1]), lo = hi < 0 ? -1 : hexval(s[i + 2]);
      if (hi < 0 || lo < 0) return -1;
      out[w++] = (char)(hi << 4 | lo);
      i += 2;
    } else if (unreserved((unsigned char)s[i])) {
      out[w++] = s[i];
    } else {
      return -1;
    }
  }
  *out_len = w;
  return 0;
}

static void check_path(const char *a, const char *b) {
  light_error err = LIGHT_ERROR_INIT;
  light__buf out = {0};
  const char *params[2] = {a, b};
  static const char prefix[] = "/v1/account/locations/";
  if (light__codec_path("/v1/account/locations/{location_uuid}/usage/{kind}", params, 2, &out, &err) == LIGHT_OK) {
    /* Exactly the template's slashes, no query/fragment, params decode back. */
    if (strncmp(out.data, prefix, sizeof prefix - 1) != 0) abort();
    const char *p1 = out.data + sizeof prefix - 1;
    const char *s1 = strchr(p1, '/');
    if (!s1 || strncmp(s1, "/usage/", 7) != 0) abort();
    const char *p2 = s1 + 7;
    if (strchr(p2, '/') || strchr(out.data, '?') || strchr(out.data, '#')) abort();
    char *dec = malloc(out.len + 1);
    size_t dl = 0;
    if (decode(p1, (size_t)(s1 - p1), dec, &dl) != 0 || dl != strlen(a) || memcmp(dec, a, dl) != 0) abort();
    if (decode(p2, strlen(p2), dec, &dl) != 0 || dl != strlen(b) || memcmp(dec, b, dl) != 0) abort();
    if (strcmp(a, "..") == 0 || strcmp(b, ".") == 0 || !a[0] || !b[0]) abort();
    free(dec);
  } else if (err.code != LIGHT_E_INVALID_ARGUMENT || !err.param) {
    abort();
  }
  light__buf_free(&out);
  light_error_clear(&err);
}

static void check_template(const char *tmpl, const char *a, const char *b) {
  light_error err = LIGHT_ERROR_INIT;
  light__buf out = {0};
  const char *params[2] = {a, b};
  for (size_t n = 0; n <= 2; n++) {
    light__codec_path(tmpl, params, n, &out, &err);
    light__buf_free(&out);
  }
  light_error_clear(&err);
}

static void check_query(const uint8_t *p, size_t n) {
  cJSON *q = cJSON_ParseWithLength((const char *)p, n);
  if (!q) return;
  light_error err = LIGHT_ERROR_INIT;
  light__buf out = {0};
  if (light__codec_query(q, &out, &err) == LIGHT_OK && out.data) {
    for (size_t i = 0; i < out.len; i++) {
      unsigned char c = (unsigned char)out.data[i];
      if (c == '%') {
        if (i + 2 >= out.len) abort();
        if (hexval(out.data[i + 1]) < 0 || hexval(out.data[i + 2]) < 0) abort();
        i += 2;
      } else if (!unreserved(c) && c != '?' && c != '&' && c != '=') {
        abort();
      }
    }
  }
  light__buf_free(&out);
  light_error_clear(&err);
  cJSON_Delete(q);
}

static void check_multipart(const char *field, const char *filename, const char *ctype, const char *boundary,
                            const uint8_t *p, size_t n) {
  light_error err = LIGHT_ERROR_INIT;
  light__buf out = {0};
  light_file f = {field, filename, ctype, p, n};
  if (light__codec_multipart(&f, boundary, &out, &err) == LIGHT_OK) {
    size_t bl = strlen(boundary);
    if (out.len < bl + 2 || memcmp(out.data, "--", 2) != 0 || memcmp(out.data + 2, boundary, bl) != 0) abort();
    char tail[80];
    int tl = snprintf(tail, sizeof tail, "\r\n--%s--\r\n", boundary);
    if (out.len < (size_t)tl || memcmp(out.data + out.len - tl, tail, (size_t)tl) != 0) abort();
    /* The delimiter occurs exactly once before the closing one. */
    char delim[80];
    int dl = snprintf(delim, sizeof delim, "\r\n--%s", boundary);
    size_t hits = 0;
    for (size_t i = 0; i + (size_t)dl <= out.len; i++)
      if (out.data[i] == '\r' && memcmp(out.data + i, delim, (size_t)dl) == 0) hits++;
    if (hits != 1) abort();
  } else if (err.code != LIGHT_E_INVALID_ARGUMENT) {
    abort();
  }
  light__buf_free(&out);
  light_error_clear(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_in in = {data, size};
  char *a = fuzz_field(&in);
  char *b = fuzz_field(&in);
  char *tmpl = fuzz_field(&in);
  char *field = fuzz_field(&in);
  char *filename = fuzz_field(&in);
  char *ctype = fuzz_field(&in);
  char *boundary = fuzz_field(&in);
  check_path(a, b);
  check_template(tmpl, a, b);
  check_query(in.p, in.n);
  check_multipart(field, filename, ctype, boundary, in.p, in.n);
  char *vals[] = {a, b, tmpl, field, filename, ctype, boundary};
  for (size_t i = 0; i < 7; i++) free(vals[i]);
  return 0;
}
