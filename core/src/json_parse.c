/* The one JSON parser (light/json.h): strict RFC 8259, iterative (an explicit
 * frame stack, so nesting never recurses on the C stack), zero-copy for
 * strings without escapes, builder callbacks in document order. */
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "light/json.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Character classes inside a string: 0 = plain ASCII, 1 = '"', 2 = '\\',
 * 3 = control (< 0x20, refused), 4 = first byte of a multi-byte sequence. */
static const unsigned char str_class[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 0, 0, 1, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

typedef struct frame {
  void *handle;
  light_json_type type;
  size_t count;
  size_t index; /* this container's own slot in its parent */
} frame;

#define LOCAL_FRAMES 32
#define LOCAL_SCRATCH 256

typedef struct parser {
  const unsigned char *p, *start, *end;
  const light_json_builder *b;
  void *ud;
  size_t max_depth, max_values, values;
  light_json_errc err;
  const unsigned char *err_at;
  frame *frames;
  size_t n_frames, cap_frames;
  frame local_frames[LOCAL_FRAMES];
  /* decoded strings with escapes: [0] keys, [1] values (a key must survive
   * until its value's callback) */
  char *scratch[2];
  size_t scratch_cap[2];
  char local_scratch[2][LOCAL_SCRATCH];
  light_json_member *summary;
  size_t n_summary;
  light_json_member *watching; /* summary entry of the current top-level member */
} parser;

static int fail(parser *ps, light_json_errc e, const unsigned char *at) {
  if (!ps->err) {
    ps->err = e;
    ps->err_at = at;
  }
  return -1;
}

static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

static int scratch_reserve(parser *ps, int w, size_t need) {
  if (need <= ps->scratch_cap[w]) return 0;
  size_t cap = ps->scratch_cap[w] * 2;
  if (cap < need) cap = need;
  char *n = ps->scratch[w] == ps->local_scratch[w] ? malloc(cap) : realloc(ps->scratch[w], cap);
  if (!n) return -1;
  if (ps->scratch[w] == ps->local_scratch[w]) memcpy(n, ps->local_scratch[w], LOCAL_SCRATCH);
  ps->scratch[w] = n;
  ps->scratch_cap[w] = cap;
  return 0;
}

static int hex4(const unsigned char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i], d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return -1;
    v = v << 4 | d;
  }
  *out = v;
  return 0;
}

/* Length of the valid UTF-8 sequence at p (first byte >= 0x80), or 0. */
static inline size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t avail = (size_t)(end - p);
  if (c >= 0xC2 && c <= 0xDF) return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && p[1] < 0xA0) return 0;  /* overlong */
    if (c == 0xED && p[1] >= 0xA0) return 0; /* encoded surrogate */
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
    if (c == 0xF0 && p[1] < 0x90) return 0;  /* overlong */
    if (c == 0xF4 && p[1] >= 0x90) return 0; /* above U+10FFFF */
    return 4;
  }
  return 0;
}

static size_t put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* SWAR: the high bit of each byte of the result is set where the byte is
 * '"', '\\', < 0x20 or >= 0x80. Borrows can flag bytes above a flagged one,
 * never below, so the lowest flagged byte is a real one. */
static inline uint64_t special8(const unsigned char *p) {
  const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
  uint64_t x;
  memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  x = __builtin_bswap64(x); /* first byte lowest, so borrows run away from it */
#endif
  uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
  uint64_t r = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x) | x;
  return r & high;
}

static inline size_t first_flagged(uint64_t m) { return (size_t)__builtin_ctzll(m) / 8; }

/* ps->p is just past the opening quote. On success *s and *n are the decoded
 * bytes (into the input when there was no escape, else into scratch) and
 * ps->p is past the closing quote. */
static int parse_string(parser *ps, int w, const char **s, size_t *n) {
  const unsigned char *p = ps->p, *end = ps->end, *begin = p;
  for (;;) {
#if defined(__SSE2__)
    while (end - p >= 16) { /* fast path: 16 bytes per turn (signed < 0x20 also catches >= 0x80) */
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
      __m128i hit =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                       _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
      int m = _mm_movemask_epi8(hit);
      if (m) {
        p += __builtin_ctz((unsigned)m);
        goto scalar;
      }
      p += 16;
    }
#endif
    while (end - p >= 8) { /* fast path: 8 bytes per turn, to the first that is not plain */
      uint64_t m = special8(p);
      if (m) {
        p += first_flagged(m);
        break;
      }
      p += 8;
    }
#if defined(__SSE2__)
  scalar:
#endif
    if (p >= end) return fail(ps, LIGHT_JSON_E_SYNTAX, end);
    unsigned cls = str_class[*p];
    if (cls == 0) {
      p++;
    } else if (cls == 1) {
      *s = (const char *)begin;
      *n = (size_t)(p - begin);
      ps->p = p + 1;
      return 0;
    } else if (cls == 4) {
      size_t k = utf8_seq(p, end);
      if (!k) return fail(ps, LIGHT_JSON_E_UTF8, p);
      p += k;
    } else if (cls == 3) {
      return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    } else {
      break; /* an escape: decode from here into scratch */
    }
  }
  /* Slow path. Decoded text never exceeds the source (an escape of 2, 6 or 12
   * bytes yields at most 1, 3 or 4), so the prefix plus the rest of the input
   * bounds it; grow lazily instead, in case the input is large. */
  size_t out = (size_t)(p - begin);
  if (scratch_reserve(ps, w, out + 64) != 0) return fail(ps, LIGHT_JSON_E_NOMEM, p);
  memcpy(ps->scratch[w], begin, out);
  for (;;) {
    if (ps->scratch_cap[w] - out < 16 && scratch_reserve(ps, w, out + 64) != 0) return fail(ps, LIGHT_JSON_E_NOMEM, p);
    if (p >= end) return fail(ps, LIGHT_JSON_E_SYNTAX, end);
    unsigned c = *p, cls = str_class[c];
    if (cls == 0) {
      ps->scratch[w][out++] = (char)c;
      p++;
    } else if (cls == 1) {
      *s = ps->scratch[w];
      *n = out;
      ps->p = p + 1;
      return 0;
    } else if (cls == 4) {
      size_t k = utf8_seq(p, end);
      if (!k) return fail(ps, LIGHT_JSON_E_UTF8, p);
      memcpy(ps->scratch[w] + out, p, k);
      out += k;
      p += k;
    } else if (cls == 3) {
      return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    } else {
      const unsigned char *esc = p;
      if (p + 1 >= end) return fail(ps, LIGHT_JSON_E_SYNTAX, end);
      char r;
      switch (p[1]) {
      case '"': r = '"'; break;
      case '\\': r = '\\'; break;
      case '/': r = '/'; break;
      case 'b': r = '\b'; break;
      case 'f': r = '\f'; break;
      case 'n': r = '\n'; break;
      case 'r': r = '\r'; break;
      case 't': r = '\t'; break;
      case 'u': {
        unsigned cp;
        if (end - p < 6 || hex4(p + 2, &cp) != 0) return fail(ps, LIGHT_JSON_E_SYNTAX, esc);
        p += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(ps, LIGHT_JSON_E_SURROGATE, esc);
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (end - p < 6 || p[0] != '\\' || p[1] != 'u') return fail(ps, LIGHT_JSON_E_SURROGATE, esc);
          if (hex4(p + 2, &lo) != 0) return fail(ps, LIGHT_JSON_E_SYNTAX, p);
          if (lo < 0xDC00 || lo > 0xDFFF) return fail(ps, LIGHT_JSON_E_SURROGATE, esc);
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          p += 6;
        }
        out += put_utf8(ps->scratch[w] + out, cp);
        continue;
      }
      default: return fail(ps, LIGHT_JSON_E_SYNTAX, esc);
      }
      ps->scratch[w][out++] = r;
      p += 2;
    }
  }
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod on a NUL-terminated copy, with the locale's decimal point. */
static int slow_double(parser *ps, const unsigned char *s, size_t n, double *out) {
  char local[64], *buf = n < sizeof local ? local : malloc(n + 1);
  if (!buf) return fail(ps, LIGHT_JSON_E_NOMEM, s);
  memcpy(buf, s, n);
  buf[n] = '\0';
  const char *dp = localeconv()->decimal_point;
  if (dp && dp[0] && dp[0] != '.' && !dp[1]) {
    for (size_t i = 0; i < n; i++)
      if (buf[i] == '.') buf[i] = dp[0];
  }
  *out = strtod(buf, NULL);
  if (buf != local) free(buf);
  return 0;
}

static int parse_number(parser *ps, light_json_scalar *v) {
  const unsigned char *p = ps->p, *end = ps->end, *start = p;
  int neg = 0;
  if (*p == '-') {
    neg = 1;
    if (++p >= end) return fail(ps, LIGHT_JSON_E_SYNTAX, p);
  }
  uint64_t m = 0;
  int sig = 0;     /* significant digits accumulated in m (after leading zeros) */
  int dropped = 0; /* significant digits that did not fit in m */
  int int_digits = 0;
  if (*p == '0') {
    p++;
    int_digits = 1;
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && *p >= '0' && *p <= '9') {
      if (sig < 19) {
        m = m * 10 + (uint64_t)(*p - '0');
        sig++;
      } else {
        dropped++;
      }
      int_digits++;
      p++;
    }
  } else {
    return fail(ps, LIGHT_JSON_E_SYNTAX, p);
  }
  int frac_digits = 0, is_int = 1;
  long exp10 = 0;
  if (p < end && *p == '.') {
    is_int = 0;
    p++;
    if (p >= end || *p < '0' || *p > '9') return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    while (p < end && *p >= '0' && *p <= '9') {
      if (m == 0 && *p == '0') {
        exp10--; /* leading zero of the fraction: scale only */
      } else if (sig < 19) {
        m = m * 10 + (uint64_t)(*p - '0');
        sig++;
        exp10--;
      } else {
        dropped++; /* a digit beyond 19 significant: only the slow path can round it */
      }
      frac_digits++;
      p++;
    }
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    is_int = 0;
    p++;
    int eneg = 0;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p >= end || *p < '0' || *p > '9') return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    long e = 0;
    while (p < end && *p >= '0' && *p <= '9') {
      if (e < 100000) e = e * 10 + (*p - '0');
      p++;
    }
    exp10 += eneg ? -e : e;
  }
  (void)frac_digits;
  v->type = LIGHT_JSON_NUMBER;
  v->str = (const char *)start;
  v->len = (size_t)(p - start);
  ps->p = p;
  if (is_int) {
    if (dropped || m > (uint64_t)LIGHT_JSON_MAX_SAFE_INTEGER) return fail(ps, LIGHT_JSON_E_NUMBER, start);
    v->is_integer = 1;
    v->i = neg ? -(int64_t)m : (int64_t)m;
    v->d = neg ? -(double)m : (double)m;
    return 0;
  }
  v->is_integer = 0;
  v->i = 0;
  if (!dropped && m < ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
    /* Clinger's fast path: m and 10^|e| are exact doubles, one rounding. */
    double d = (double)m;
    d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
    v->d = neg ? -d : d;
    return 0;
  }
  if (m == 0 && !dropped) {
    v->d = neg ? -0.0 : 0.0;
    return 0;
  }
  if (slow_double(ps, start, v->len, &v->d) != 0) return -1;
  if (isinf(v->d) || isnan(v->d)) return fail(ps, LIGHT_JSON_E_NUMBER, start);
  return 0;
}

static int count_value(parser *ps, const unsigned char *at) {
  if (++ps->values > ps->max_values) return fail(ps, LIGHT_JSON_E_TOO_MANY, at);
  return 0;
}

/* The value of a watched top-level member is a scalar: record it. */
static void watch_scalar(parser *ps, const light_json_scalar *v) {
  light_json_member *w = ps->watching;
  w->type = v->type;
  w->count = 0;
  w->number = NAN;
  if (v->type == LIGHT_JSON_NUMBER) {
    w->number = v->d;
  } else if (v->type == LIGHT_JSON_STRING && v->len > 0 && v->len < 64) {
    /* a number given as a string ("20"): the whole string must be a JSON number */
    parser sub;
    memset(&sub, 0, sizeof sub);
    sub.p = (const unsigned char *)v->str;
    sub.end = sub.p + v->len;
    light_json_scalar n;
    if ((*sub.p == '-' || (*sub.p >= '0' && *sub.p <= '9')) && parse_number(&sub, &n) == 0 && sub.p == sub.end)
      w->number = n.d;
  }
}

static light_json_member *find_watch(parser *ps, const char *key, size_t n) {
  for (size_t i = 0; i < ps->n_summary; i++) {
    const char *k = ps->summary[i].key;
    if (k && strlen(k) == n && memcmp(k, key, n) == 0) return &ps->summary[i];
  }
  return NULL;
}

static int push_frame(parser *ps, void *handle, light_json_type type, size_t index) {
  if (ps->n_frames == ps->cap_frames) {
    size_t cap = ps->cap_frames * 2;
    if (cap > ps->max_depth + 1) cap = ps->max_depth + 1;
    frame *n = ps->frames == ps->local_frames ? malloc(cap * sizeof *n) : realloc(ps->frames, cap * sizeof *n);
    if (!n) return -1;
    if (ps->frames == ps->local_frames) memcpy(n, ps->local_frames, sizeof ps->local_frames);
    ps->frames = n;
    ps->cap_frames = cap;
  }
  frame *f = &ps->frames[ps->n_frames++];
  f->handle = handle;
  f->type = type;
  f->count = 0;
  f->index = index;
  return 0;
}

static void slot_for(parser *ps, light_json_slot *at, const char *key, size_t key_len) {
  if (ps->n_frames) {
    frame *f = &ps->frames[ps->n_frames - 1];
    at->parent = f->handle;
    at->parent_type = f->type;
    at->index = f->count;
  } else {
    at->parent = NULL;
    at->parent_type = LIGHT_JSON_ABSENT;
    at->index = 0;
  }
  at->key = key;
  at->key_len = key_len;
  at->depth = (int)ps->n_frames;
}

/* Parse one value at ps->p (whitespace skipped). Containers push a frame and
 * return; the main loop parses their members. */
static int parse_value(parser *ps, const char *key, size_t key_len) {
  const unsigned char *p = ps->p, *end = ps->end;
  if (p >= end) return fail(ps, LIGHT_JSON_E_SYNTAX, p);
  if (count_value(ps, p) != 0) return -1;
  light_json_slot at;
  light_json_scalar v;
  unsigned c = *p;
  switch (c) {
  case '{':
  case '[': {
    light_json_type t = c == '{' ? LIGHT_JSON_OBJECT : LIGHT_JSON_ARRAY;
    if (ps->n_frames >= ps->max_depth) return fail(ps, LIGHT_JSON_E_DEPTH, p);
    if (ps->watching && ps->n_frames == 1) {
      ps->watching->type = t;
      ps->watching->number = NAN;
    }
    slot_for(ps, &at, key, key_len);
    void *h = NULL;
    if (ps->b) {
      h = ps->b->begin(ps->ud, &at, t);
      if (!h) return fail(ps, LIGHT_JSON_E_BUILDER, p);
    }
    if (push_frame(ps, h, t, at.index) != 0) return fail(ps, LIGHT_JSON_E_NOMEM, p);
    ps->p = p + 1;
    return 0;
  }
  case '"':
    ps->p = p + 1;
    v.type = LIGHT_JSON_STRING;
    v.is_integer = 0;
    v.i = 0;
    v.d = 0;
    if (parse_string(ps, 1, &v.str, &v.len) != 0) return -1;
    break;
  case 't':
    if (end - p < 4 || memcmp(p, "true", 4) != 0) return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    v.type = LIGHT_JSON_TRUE;
    ps->p = p + 4;
    break;
  case 'f':
    if (end - p < 5 || memcmp(p, "false", 5) != 0) return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    v.type = LIGHT_JSON_FALSE;
    ps->p = p + 5;
    break;
  case 'n':
    if (end - p < 4 || memcmp(p, "null", 4) != 0) return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    v.type = LIGHT_JSON_NULL;
    ps->p = p + 4;
    break;
  default:
    if (c == '-' || (c >= '0' && c <= '9')) {
      if (parse_number(ps, &v) != 0) return -1;
      break;
    }
    return fail(ps, LIGHT_JSON_E_SYNTAX, p);
  }
  if (v.type != LIGHT_JSON_STRING && v.type != LIGHT_JSON_NUMBER) {
    v.str = NULL;
    v.len = 0;
    v.is_integer = 0;
    v.i = 0;
    v.d = 0;
  }
  if (ps->watching && ps->n_frames == 1) watch_scalar(ps, &v);
  if (ps->b) {
    slot_for(ps, &at, key, key_len);
    if (ps->b->scalar(ps->ud, &at, &v) != 0) return fail(ps, LIGHT_JSON_E_BUILDER, p);
  }
  if (ps->n_frames) ps->frames[ps->n_frames - 1].count++;
  return 0;
}

/* Close the container on top of the stack at ps->p (its bracket). */
static int close_container(parser *ps) {
  frame f = ps->frames[--ps->n_frames];
  if (ps->watching && ps->n_frames == 1) ps->watching->count = f.count;
  if (ps->b) {
    light_json_slot at;
    slot_for(ps, &at, NULL, 0);
    at.index = f.index;
    if (ps->b->end(ps->ud, &at, f.handle, f.type, f.count) != 0) return fail(ps, LIGHT_JSON_E_BUILDER, ps->p);
  }
  if (ps->n_frames) ps->frames[ps->n_frames - 1].count++;
  ps->p++;
  return 0;
}

static int run(parser *ps) {
  ps->p = skip_ws(ps->p, ps->end);
  if (parse_value(ps, NULL, 0) != 0) return -1;
  while (ps->n_frames) {
    frame *f = &ps->frames[ps->n_frames - 1];
    const unsigned char *p = skip_ws(ps->p, ps->end);
    ps->p = p;
    if (p >= ps->end) return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    unsigned closing = f->type == LIGHT_JSON_OBJECT ? '}' : ']';
    if (f->count == 0) {
      if (*p == closing) {
        if (close_container(ps) != 0) return -1;
        continue;
      }
    } else {
      if (*p == closing) {
        if (close_container(ps) != 0) return -1;
        continue;
      }
      if (*p != ',') return fail(ps, LIGHT_JSON_E_SYNTAX, p);
      p = skip_ws(p + 1, ps->end);
      ps->p = p;
    }
    if (f->type == LIGHT_JSON_ARRAY) {
      if (parse_value(ps, NULL, 0) != 0) return -1;
      continue;
    }
    /* object member: "key" : value */
    if (p >= ps->end || *p != '"') return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    ps->p = p + 1;
    const char *key;
    size_t key_len;
    if (parse_string(ps, 0, &key, &key_len) != 0) return -1;
    p = skip_ws(ps->p, ps->end);
    if (p >= ps->end || *p != ':') return fail(ps, LIGHT_JSON_E_SYNTAX, p);
    ps->p = skip_ws(p + 1, ps->end);
    if (ps->n_summary && ps->n_frames == 1) ps->watching = find_watch(ps, key, key_len);
    if (parse_value(ps, key, key_len) != 0) return -1;
  }
  ps->p = skip_ws(ps->p, ps->end);
  if (ps->p != ps->end) return fail(ps, LIGHT_JSON_E_SYNTAX, ps->p);
  return 0;
}

light_json_errc light_json_parse(const char *text, size_t len, const light_json_builder *b, void *ud,
                                 const light_json_options *opt, light_json_result *res) {
  parser ps;
  ps.start = ps.p = (const unsigned char *)(text ? text : "");
  ps.end = ps.start + (text ? len : 0);
  ps.b = b && b->scalar && b->begin && b->end ? b : NULL;
  ps.ud = ud;
  ps.max_depth = opt && opt->max_depth && opt->max_depth < LIGHT_JSON_MAX_DEPTH ? opt->max_depth : LIGHT_JSON_MAX_DEPTH;
  ps.max_values = opt && opt->max_values ? opt->max_values : LIGHT_JSON_MAX_VALUES;
  ps.values = 0;
  ps.err = LIGHT_JSON_OK;
  ps.err_at = NULL;
  ps.frames = ps.local_frames;
  ps.n_frames = 0;
  ps.cap_frames = LOCAL_FRAMES;
  for (int w = 0; w < 2; w++) {
    ps.scratch[w] = ps.local_scratch[w];
    ps.scratch_cap[w] = LOCAL_SCRATCH;
  }
  ps.summary = opt ? opt->summary : NULL;
  ps.n_summary = opt && opt->summary ? opt->n_summary : 0;
  ps.watching = NULL;
  for (size_t i = 0; i < ps.n_summary; i++) {
    ps.summary[i].type = LIGHT_JSON_ABSENT;
    ps.summary[i].count = 0;
    ps.summary[i].number = NAN;
  }
  light_json_type root = LIGHT_JSON_ABSENT;
  {
    const unsigned char *q = skip_ws(ps.p, ps.end);
    if (q < ps.end) {
      switch (*q) {
      case '{': root = LIGHT_JSON_OBJECT; break;
      case '[': root = LIGHT_JSON_ARRAY; break;
      case '"': root = LIGHT_JSON_STRING; break;
      case 't': root = LIGHT_JSON_TRUE; break;
      case 'f': root = LIGHT_JSON_FALSE; break;
      case 'n': root = LIGHT_JSON_NULL; break;
      default: root = LIGHT_JSON_NUMBER; break;
      }
    }
    if (root != LIGHT_JSON_OBJECT) ps.n_summary = 0;
  }
  run(&ps);
  if (ps.frames != ps.local_frames) free(ps.frames);
  for (int w = 0; w < 2; w++)
    if (ps.scratch[w] != ps.local_scratch[w]) free(ps.scratch[w]);
  if (ps.err && ps.summary) {
    for (size_t i = 0; i < (opt ? opt->n_summary : 0); i++) ps.summary[i].type = LIGHT_JSON_ABSENT;
  }
  if (res) {
    res->error = ps.err;
    res->offset = ps.err ? (size_t)(ps.err_at - ps.start) : (size_t)(ps.end - ps.start);
    res->values = ps.values;
    res->root = ps.err == LIGHT_JSON_E_SYNTAX && ps.values == 0 ? LIGHT_JSON_ABSENT : root;
    res->max_depth = ps.max_depth;
    res->max_values = ps.max_values;
  }
  return ps.err;
}

light_status light_json_error(light_error *err, const light_json_result *res, size_t len, const char *what) {
  if (!what) what = "JSON text";
  size_t max_depth = res->max_depth ? res->max_depth : LIGHT_JSON_MAX_DEPTH;
  size_t max_values = res->max_values ? res->max_values : LIGHT_JSON_MAX_VALUES;
  switch (res->error) {
  case LIGHT_JSON_OK: return LIGHT_OK;
  case LIGHT_JSON_E_SYNTAX:
    return light__error_set(err, LIGHT_E_DECODE, LIGHT_ERR_DECODE, "%s is not valid JSON (at byte %zu of %zu)", what,
                            res->offset, len);
  case LIGHT_JSON_E_UTF8:
    return light__error_set(err, LIGHT_E_DECODE, LIGHT_ERR_DECODE,
                            "%s is not valid JSON (invalid UTF-8 at byte %zu of %zu)", what, res->offset, len);
  case LIGHT_JSON_E_SURROGATE:
    return light__error_set(err, LIGHT_E_DECODE, LIGHT_ERR_DECODE,
                            "%s is not valid JSON (lone surrogate escape at byte %zu of %zu)", what, res->offset, len);
  case LIGHT_JSON_E_NUMBER:
    return light__error_set(err, LIGHT_E_DECODE, LIGHT_ERR_DECODE,
                            "%s has a number that cannot be held exactly at byte %zu of %zu (integers must be "
                            "within +-(2^53-1), numbers finite)",
                            what, res->offset, len);
  case LIGHT_JSON_E_DEPTH:
    return light__error_set(err, LIGHT_E_DECODE, LIGHT_ERR_DECODE, "%s is JSON nested deeper than %zu levels", what,
                            max_depth);
  case LIGHT_JSON_E_TOO_MANY:
    return light__error_set(err, LIGHT_E_TOO_LARGE, LIGHT_ERR_LIGHT,
                            "%s holds more than %zu JSON values (the decoded-value limit)", what, max_values);
  case LIGHT_JSON_E_NOMEM: return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  case LIGHT_JSON_E_BUILDER: break;
  }
  return light__error_set(err, LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT, "%s: the JSON builder failed", what);
}

/* ---- the cJSON builder (the C API's tree) ------------------------------ */

typedef struct cjson_builder {
  cJSON *root;
} cjson_builder;

static char *dup_cstr(const char *s, size_t n) {
  char *r = cJSON_malloc(n + 1);
  if (!r) return NULL;
  memcpy(r, s, n);
  r[n] = '\0';
  return r;
}

static int cj_attach(cjson_builder *cb, const light_json_slot *at, cJSON *item) {
  if (!item) return -1;
  if (!at->parent) {
    cb->root = item;
    return 0;
  }
  cJSON *parent = at->parent;
  if (at->parent_type == LIGHT_JSON_OBJECT) {
    item->string = dup_cstr(at->key, at->key_len);
    if (!item->string) {
      cJSON_Delete(item);
      return -1;
    }
  }
  /* cJSON_AddItemToArray, inlined without the list walk: child->prev is the tail. */
  cJSON *head = parent->child;
  if (!head) {
    parent->child = item;
    item->prev = item;
    item->next = NULL;
  } else {
    cJSON *tail = head->prev;
    tail->next = item;
    item->prev = tail;
    item->next = NULL;
    head->prev = item;
  }
  return 0;
}

static cJSON *cj_new(int type) {
  cJSON *n = cJSON_malloc(sizeof *n);
  if (n) {
    memset(n, 0, sizeof *n);
    n->type = type;
  }
  return n;
}

static int cj_scalar(void *ud, const light_json_slot *at, const light_json_scalar *v) {
  cJSON *item = NULL;
  switch (v->type) {
  case LIGHT_JSON_NULL: item = cj_new(cJSON_NULL); break;
  case LIGHT_JSON_FALSE: item = cj_new(cJSON_False); break;
  case LIGHT_JSON_TRUE:
    item = cj_new(cJSON_True);
    if (item) item->valueint = 1;
    break;
  case LIGHT_JSON_NUMBER:
    item = cj_new(cJSON_Number);
    if (item) {
      item->valuedouble = v->d;
      /* as cJSON_SetNumberValue: saturate valueint */
      if (v->d >= INT32_MAX)
        item->valueint = INT32_MAX;
      else if (v->d <= (double)INT32_MIN)
        item->valueint = INT32_MIN;
      else
        item->valueint = (int)v->d;
    }
    break;
  case LIGHT_JSON_STRING:
    item = cj_new(cJSON_String);
    if (item) {
      item->valuestring = dup_cstr(v->str, v->len);
      if (!item->valuestring) {
        cJSON_Delete(item);
        item = NULL;
      }
    }
    break;
  default: break;
  }
  return cj_attach(ud, at, item);
}

static void *cj_begin(void *ud, const light_json_slot *at, light_json_type type) {
  cJSON *item = cj_new(type == LIGHT_JSON_OBJECT ? cJSON_Object : cJSON_Array);
  return cj_attach(ud, at, item) == 0 ? item : NULL;
}

static int cj_end(void *ud, const light_json_slot *at, void *container, light_json_type type, size_t count) {
  return 0;
}

static const light_json_builder cjson_builder_fns = {cj_scalar, cj_begin, cj_end};

cJSON *light__json_to_cjson_ex(const char *text, size_t len, light_json_member *summary, size_t n_summary,
                               light_json_result *res) {
  cjson_builder cb = {NULL};
  light_json_options opt = {0, 0, summary, n_summary};
  if (light_json_parse(text, len, &cjson_builder_fns, &cb, &opt, res) == LIGHT_JSON_OK) return cb.root;
  cJSON_Delete(cb.root);
  return NULL;
}

light_status light_json_to_cjson(const char *text, size_t len, cJSON **out, light_error *err) {
  if (!out) return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "out is NULL");
  light_json_result res;
  *out = light__json_to_cjson_ex(text, len, NULL, 0, &res);
  if (*out) return LIGHT_OK;
  light_json_errc e = res.error;
  if (e == LIGHT_JSON_E_BUILDER) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  return light_json_error(err, &res, len, "response body");
}
