/* Sans-I/O codec: byte buffers, path templating, query and multipart
 * encoding, header helpers, response classification and JSON decoding.
 * Contracts are in codec.h. No I/O and no global state; every function may be
 * called from any thread. */
#include "codec.h"

#include <curl/curl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "light/version.h"

/* ---- buffers ---------------------------------------------------------- */

static int buf_reserve(light__buf *b, size_t extra) {
  if (extra > SIZE_MAX - b->len - 1) return -1;
  size_t need = b->len + extra + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *d;
  if (b->wipe && b->data) { /* realloc could leave the old bytes behind in freed memory */
    if (!(d = malloc(cap))) return -1;
    memcpy(d, b->data, b->len + 1);
    light__secret_wipe(b->data, b->cap);
    free(b->data);
  } else if (!(d = realloc(b->data, cap))) {
    return -1;
  }
  b->data = d;
  b->cap = cap;
  return 0;
}

int light__buf_append(light__buf *b, const void *p, size_t n) {
  if (buf_reserve(b, n) != 0) return -1;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int light__buf_appends(light__buf *b, const char *s) { return light__buf_append(b, s, s ? strlen(s) : 0); }

int light__buf_appendf(light__buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0 || buf_reserve(b, (size_t)n) != 0) return -1;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

void light__buf_reset(light__buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void light__buf_wipe(light__buf *b) {
  if (b->data) light__secret_wipe(b->data, b->cap);
  b->len = 0;
}

void light__buf_free(light__buf *b) {
  if (b->wipe && b->data) light__secret_wipe(b->data, b->cap);
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

/* ---- percent-encoding ------------------------------------------------- */

static int is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

/* Append s (n bytes) with every byte but the RFC 3986 unreserved ones as %XX. */
static int append_encoded(light__buf *out, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  if (buf_reserve(out, n * 3) != 0) return -1;
  char *w = out->data + out->len;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (is_unreserved(c)) {
      *w++ = (char)c;
    } else {
      *w++ = '%';
      *w++ = hex[c >> 4];
      *w++ = hex[c & 15];
    }
  }
  out->len = (size_t)(w - out->data);
  out->data[out->len] = '\0';
  return 0;
}

static light_status nomem(light_error *err) {
  return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
}

static light_status invalid(light_error *err, const char *param, const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "%s", msg);
  if (err) err->param = param;
  return LIGHT_E_INVALID_ARGUMENT;
}

/* ---- path ------------------------------------------------------------- */

light_status light__codec_path(const char *tmpl, const char *const *params, size_t n_params, light__buf *out,
                               light_error *err) {
  if (!tmpl || !out) return invalid(err, "path", "path template is NULL");
  /* Count placeholders first so a wrong count fails before anything is appended. */
  size_t want = 0;
  for (const char *p = tmpl; *p; p++) {
    if (*p == '{') {
      const char *close = strchr(p, '}');
      if (!close) return invalid(err, "path", "unterminated '{' in path template");
      want++;
      p = close;
    }
  }
  if (want != n_params)
    return invalid(err, "path_params", "expected %zu path parameter%s, got %zu", want, want == 1 ? "" : "s", n_params);
  if (n_params && !params) return invalid(err, "path_params", "path parameters are NULL");

  size_t start = out->len;
  size_t i = 0;
  const char *p = tmpl;
  while (*p) {
    const char *open = strchr(p, '{');
    size_t lit = open ? (size_t)(open - p) : strlen(p);
    if (light__buf_append(out, p, lit) != 0) goto oom;
    if (!open) break;
    const char *close = strchr(open, '}');
    int name_len = (int)(close - open - 1);
    const char *v = params[i++];
    if (!v) {
      out->len = start;
      if (out->data) out->data[start] = '\0';
      return invalid(err, "path_params", "path parameter '%.*s' is NULL", name_len, open + 1);
    }
    /* "" would merge segments; "." and ".." would be resolved away by URL normalisation. */
    if (!v[0] || strcmp(v, ".") == 0 || strcmp(v, "..") == 0) {
      out->len = start;
      if (out->data) out->data[start] = '\0';
      return invalid(err, "path_params", "path parameter '%.*s' must not be empty, \".\" or \"..\"", name_len,
                     open + 1);
    }
    if (append_encoded(out, v, strlen(v)) != 0) goto oom;
    p = close + 1;
  }
  if (!out->data && light__buf_append(out, "", 0) != 0) goto oom;
  return LIGHT_OK;
oom:
  out->len = start;
  if (out->data) out->data[start] = '\0';
  return nomem(err);
}

/* ---- query ------------------------------------------------------------ */

/* Shortest decimal text that reads back as d (integral values without a point). */
static int format_number(double d, char *buf, size_t size) {
  if (!isfinite(d)) return -1;
  if (d == floor(d) && fabs(d) < 9007199254740992.0) { /* 2^53: exact integers */
    snprintf(buf, size, "%.0f", d);
    if (strcmp(buf, "-0") == 0) snprintf(buf, size, "0");
    return 0;
  }
  snprintf(buf, size, "%.15g", d);
  if (strtod(buf, NULL) != d) snprintf(buf, size, "%.17g", d);
  return 0;
}

light_status light__codec_query(const cJSON *query, light__buf *out, light_error *err) {
  if (!query) return LIGHT_OK;
  if (!cJSON_IsObject(query)) return invalid(err, "query", "query must be an object");
  size_t start = out->len;
  int first = !(out->data && memchr(out->data, '?', out->len));
  for (const cJSON *it = query->child; it; it = it->next) {
    char num[64];
    const char *val;
    if (cJSON_IsNull(it)) continue;
    if (cJSON_IsString(it)) {
      val = it->valuestring ? it->valuestring : "";
    } else if (cJSON_IsBool(it)) {
      val = cJSON_IsTrue(it) ? "true" : "false";
    } else if (cJSON_IsNumber(it)) {
      if (format_number(it->valuedouble, num, sizeof num) != 0) {
        out->len = start;
        if (out->data) out->data[start] = '\0';
        return invalid(err, "query", "query parameter '%s' is not a finite number", it->string ? it->string : "");
      }
      val = num;
    } else {
      out->len = start;
      if (out->data) out->data[start] = '\0';
      return invalid(err, "query", "query parameter '%s' must be a string, number or boolean",
                     it->string ? it->string : "");
    }
    const char *key = it->string ? it->string : "";
    if (light__buf_append(out, first ? "?" : "&", 1) != 0 || append_encoded(out, key, strlen(key)) != 0 ||
        light__buf_append(out, "=", 1) != 0 || append_encoded(out, val, strlen(val)) != 0) {
      out->len = start;
      if (out->data) out->data[start] = '\0';
      return nomem(err);
    }
    first = 0;
  }
  return LIGHT_OK;
}

/* ---- multipart -------------------------------------------------------- */

static int boundary_ok(const char *b) {
  size_t n = b ? strlen(b) : 0;
  if (n < 1 || n > 70) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)b[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || strchr("'()+_,-./:=?", c)))
      return 0;
  }
  return 1;
}

static int disposition_ok(const char *s) { return s[strcspn(s, "\r\n\"")] == '\0'; }

static const void *find_bytes(const void *hay, size_t hn, const void *needle, size_t nn) {
  const unsigned char *h = hay, *n = needle;
  if (nn == 0 || hn < nn) return NULL;
  for (size_t i = 0; i + nn <= hn; i++) {
    const unsigned char *p = memchr(h + i, n[0], hn - nn + 1 - i);
    if (!p) return NULL;
    i = (size_t)(p - h);
    if (memcmp(p, n, nn) == 0) return p;
  }
  return NULL;
}

light_status light__codec_multipart(const light_file *file, const char *boundary, light__buf *out, light_error *err) {
  if (!file) return invalid(err, "file", "file is NULL");
  if (!file->data && file->len) return invalid(err, "file", "file data is NULL");
  if (!boundary_ok(boundary)) return invalid(err, "boundary", "multipart boundary must be 1..70 safe characters");
  const char *field = file->field && *file->field ? file->field : "file";
  const char *filename = file->filename && *file->filename ? file->filename : "upload.pdf";
  const char *ctype = file->content_type && *file->content_type ? file->content_type : "application/pdf";
  if (!disposition_ok(field)) return invalid(err, "file", "file field name contains CR, LF or '\"'");
  if (!disposition_ok(filename)) return invalid(err, "file", "filename contains CR, LF or '\"'");
  if (!disposition_ok(ctype)) return invalid(err, "file", "content type contains CR, LF or '\"'");
  /* A delimiter inside the content would cut the part short (RFC 2046 §5.1.1). */
  char delim[80];
  int dn = snprintf(delim, sizeof delim, "\r\n--%s", boundary);
  if (file->len && find_bytes(file->data, file->len, delim + 2, (size_t)dn - 2))
    return invalid(err, "boundary", "multipart boundary occurs in the file content");

  size_t start = out->len;
  if (light__buf_appendf(out,
                         "--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                         "Content-Type: %s\r\n\r\n",
                         boundary, field, filename, ctype) != 0 ||
      light__buf_append(out, file->data, file->len) != 0 || light__buf_appendf(out, "\r\n--%s--\r\n", boundary) != 0) {
    out->len = start;
    if (out->data) out->data[start] = '\0';
    return nomem(err);
  }
  return LIGHT_OK;
}

/* ---- headers ---------------------------------------------------------- */

int light__codec_header_safe(const char *value) {
  if (!value) return 0;
  for (const unsigned char *p = (const unsigned char *)value; *p; p++)
    if (*p == '\r' || *p == '\n') return 0;
  return 1;
}

light_status light__codec_user_agent(const char *runtime, light__buf *out) {
  if (runtime && *runtime) {
    if (!light__codec_header_safe(runtime)) return LIGHT_E_INVALID_ARGUMENT;
    return light__buf_appendf(out, "light-sdk/%s %s", LIGHT_VERSION, runtime) ? LIGHT_E_NOMEM : LIGHT_OK;
  }
  const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);
  return light__buf_appendf(out, "light-sdk/%s c/%s", LIGHT_VERSION, v && v->version ? v->version : "unknown")
             ? LIGHT_E_NOMEM
             : LIGHT_OK;
}

light_error_kind light__codec_kind_for_status(int status) {
  switch (status) {
  case 400: return LIGHT_ERR_BAD_REQUEST;
  case 401: return LIGHT_ERR_AUTHENTICATION;
  case 403: return LIGHT_ERR_PERMISSION_DENIED;
  case 404: return LIGHT_ERR_NOT_FOUND;
  case 409: return LIGHT_ERR_CONFLICT;
  case 422: return LIGHT_ERR_UNPROCESSABLE_ENTITY;
  case 429: return LIGHT_ERR_RATE_LIMIT;
  default: return status >= 500 ? LIGHT_ERR_INTERNAL_SERVER : LIGHT_ERR_API;
  }
}

static int lower(int c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

/* Headers of the last response in the block count: libcurl records interim
 * (1xx) and redirect responses too, each starting with its status line. */
char *light__codec_header_get(const char *headers, size_t len, const char *name) {
  if (!headers || !name || !*name) return NULL;
  size_t nlen = strlen(name);
  const char *found = NULL;
  size_t found_len = 0;
  const char *p = headers, *end = headers + len;
  while (p < end) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    const char *line_end = eol ? eol : end;
    size_t ll = (size_t)(line_end - p);
    if (ll && p[ll - 1] == '\r') ll--;
    if (ll >= 5 && memcmp(p, "HTTP/", 5) == 0) {
      found = NULL; /* a new response starts */
    } else if (!found && ll > nlen && p[nlen] == ':') {
      size_t i = 0;
      while (i < nlen && lower((unsigned char)p[i]) == lower((unsigned char)name[i])) i++;
      if (i == nlen) {
        const char *v = p + nlen + 1, *ve = p + ll;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        found = v;
        found_len = (size_t)(ve - v);
      }
    }
    p = eol ? eol + 1 : end;
  }
  if (!found) return NULL;
  char *r = malloc(found_len + 1);
  if (!r) return NULL;
  memcpy(r, found, found_len);
  r[found_len] = '\0';
  return r;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
int64_t light__days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return -1;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return 0;
}

/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" → Unix seconds, or -1. */
static int64_t parse_http_date(const char *s, size_t n) {
  static const char *const days[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (n != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' || s[19] != ':' ||
      s[22] != ':' || s[25] != ' ' || memcmp(s + 26, "GMT", 3) != 0)
    return -1;
  int ok = 0;
  for (int i = 0; i < 7; i++) ok |= memcmp(s, days[i], 3) == 0;
  if (!ok) return -1;
  int mon = -1;
  for (int i = 0; i < 12; i++)
    if (memcmp(s + 8, months[i], 3) == 0) mon = i + 1;
  int day, year, hh, mm, ss;
  if (mon < 0 || digits(s + 5, 2, &day) || digits(s + 12, 4, &year) || digits(s + 17, 2, &hh) ||
      digits(s + 20, 2, &mm) || digits(s + 23, 2, &ss))
    return -1;
  if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60) return -1;
  return light__days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 + ss;
}

double light__codec_retry_after(const char *value, int64_t now_ms) {
  if (!value) return -1;
  const char *s = value, *e = value + strlen(value);
  while (s < e && (*s == ' ' || *s == '\t')) s++;
  while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
  if (s == e) return -1;
  if (*s >= '0' && *s <= '9') {
    /* delay-seconds; a fraction ("1.5") is tolerated, signs and exponents are not. */
    double v = 0;
    const char *p = s;
    while (p < e && *p >= '0' && *p <= '9') v = v * 10 + (*p++ - '0');
    if (p < e && *p == '.') {
      double scale = 0.1;
      if (++p == e) return -1;
      while (p < e && *p >= '0' && *p <= '9') {
        v += (*p++ - '0') * scale;
        scale /= 10;
      }
    }
    return p == e && isfinite(v) ? v : -1;
  }
  int64_t t = parse_http_date(s, (size_t)(e - s));
  if (t < 0) return -1;
  double delta = (double)t - (double)now_ms / 1000.0;
  return delta > 0 ? delta : 0;
}

/* ---- response bodies -------------------------------------------------- */

static int all_space(const char *p, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n') return 0;
  return 1;
}

/* Parse exactly [body, body+len) with the core's parser into a cJSON tree
 * (NULL when it is not JSON). */
static cJSON *parse_exact(const char *body, size_t len) {
  cJSON *j = NULL;
  light_error e = LIGHT_ERROR_INIT;
  light_json_to_cjson(body, len, &j, &e);
  light_error_clear(&e);
  return j;
}

#define ERROR_MESSAGE_MAX 1024

static char *copy_capped(const char *s) {
  size_t n = strlen(s);
  if (n > ERROR_MESSAGE_MAX) {
    n = ERROR_MESSAGE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--; /* do not split a UTF-8 sequence */
  }
  char *r = malloc(n + 1);
  if (!r) return NULL;
  memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

static const char *string_member(const cJSON *obj, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
  return cJSON_IsString(v) && v->valuestring && *v->valuestring ? v->valuestring : NULL;
}

/* A message out of one value of "detail"/"error": string, {message|msg}, or [first of those]. */
static const char *message_of(const cJSON *v) {
  if (cJSON_IsString(v)) return v->valuestring && *v->valuestring ? v->valuestring : NULL;
  if (cJSON_IsArray(v)) return v->child && !cJSON_IsArray(v->child) ? message_of(v->child) : NULL;
  if (cJSON_IsObject(v)) {
    const char *m = string_member(v, "message");
    return m ? m : string_member(v, "msg");
  }
  return NULL;
}

char *light__codec_error_message(const char *body, size_t len) {
  if (!body || !len) return NULL;
  cJSON *j = parse_exact(body, len);
  if (!j) return NULL;
  const char *m = NULL;
  if (cJSON_IsObject(j)) {
    m = message_of(cJSON_GetObjectItemCaseSensitive(j, "detail"));
    if (!m) m = message_of(cJSON_GetObjectItemCaseSensitive(j, "error"));
    if (!m) m = string_member(j, "message");
  }
  char *r = m ? copy_capped(m) : NULL;
  cJSON_Delete(j);
  return r;
}

char *light__memdup0(const void *p, size_t n) {
  char *r = malloc(n + 1);
  if (!r) return NULL;
  if (n) memcpy(r, p, n);
  r[n] = '\0';
  return r;
}

light_status light__codec_api_error(light_error *err, int status, const char *headers, size_t headers_len,
                                    const char *body, size_t body_len, int retries, int64_t now_ms) {
  if (!err) return LIGHT_E_API;
  char *msg = light__codec_error_message(body, body_len);
  if (msg) {
    light__error_set(err, LIGHT_E_API, light__codec_kind_for_status(status), "%s", msg);
    free(msg);
  } else {
    light__error_set(err, LIGHT_E_API, light__codec_kind_for_status(status), "HTTP %d", status);
  }
  err->http_status = status;
  err->retries = retries;
  if (headers) {
    static const char *const ids[] = {"X-Request-Id", "Request-Id", "X-Light-Request-Id"};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0] && !err->request_id; i++)
      err->request_id = light__codec_header_get(headers, headers_len, ids[i]);
    char *ra = light__codec_header_get(headers, headers_len, "Retry-After");
    err->retry_after = light__codec_retry_after(ra, now_ms);
    free(ra);
    err->headers = light__memdup0(headers, headers_len);
    if (err->headers) err->headers_len = headers_len;
  }
  if (body) {
    err->body = light__memdup0(body, body_len);
    if (err->body) err->body_len = body_len;
  }
  return LIGHT_E_API;
}

static light_status keep_body(light_status st, light_error *err, const char *body, size_t len) {
  if (err && st != LIGHT_E_NOMEM) {
    err->body = light__memdup0(body, len);
    if (err->body) err->body_len = len;
  }
  return st;
}

light_status light__codec_parse_json(const char *body, size_t len, cJSON **out, light_error *err) {
  *out = NULL;
  if (!body || !len || all_space(body, len)) return LIGHT_OK;
  light_status st = light_json_to_cjson(body, len, out, err);
  return st == LIGHT_OK ? LIGHT_OK : keep_body(st, err, body, len);
}

light_status light__codec_check_json(const char *body, size_t len, light_json_member *summary, size_t n_summary,
                                     light_error *err) {
  light_json_options opt = {0, 0, summary, n_summary};
  for (size_t i = 0; i < n_summary; i++) summary[i].type = LIGHT_JSON_ABSENT;
  if (!body || !len || all_space(body, len)) return LIGHT_OK;
  light_json_result res;
  if (light_json_parse(body, len, NULL, NULL, &opt, &res) == LIGHT_JSON_OK) return LIGHT_OK;
  return keep_body(light_json_error(err, &res, len, "response body"), err, body, len);
}
