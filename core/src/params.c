/* The argument rule (light/args.h): one call's arguments, streamed in by a
 * binding while it walks its native value, routed by top-level key to the
 * path, the query, the JSON body, the multipart file or a per-call option,
 * validated, and turned into the request the exchange sends. The body is
 * written as JSON text directly (no cJSON tree), so a string value may carry
 * NUL (escaped as \u0000) and numbers JSON cannot carry exactly are refused.
 *
 * Body members are kept as segments of the body text (`"key":value`), so the
 * merge rule (extra_body over direct keys, the later over the earlier) is
 * decided once at finish by sorting keys: O(n log n) for any input. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "codec.h"
#include "params.h"

#define MAX_FRAMES (LIGHT_ARGS_MAX_DEPTH + 2)
#define MAX_PATH 8
#define TWO53 9007199254740992.0

typedef enum target {
  T_NONE = 0,
  T_PATH,  /* named path parameter (path_index) */
  T_QUERY, /* query value under top_key */
  T_BODY,  /* body member top_key (segment open) */
  T_FILE_DATA,
  T_FILE_NAME,
  T_FILE_CTYPE,
  T_FILE_FIELD,
  T_TIMEOUT,
  T_RETRIES,
  T_HEADERS,  /* object of headers */
  T_XQUERY,   /* object merged into the query (overrides) */
  T_XBODY,    /* object merged into the body (overrides) */
  T_RAWQUERY, /* raw request: the query object */
  T_RAWBODY   /* raw request: the body (any JSON value) */
} target;

typedef enum role {
  R_TOP = 0,
  R_JSON_OBJ,
  R_JSON_ARR,
  R_MEMBERS, /* object whose members become body segments (extra_body, raw body) */
  R_QUERY,   /* object whose members are query parameters */
  R_HEADERS, /* object whose members are headers */
  R_RECARR,  /* record member that is an array: its string elements are kept */
  R_SKIP     /* record member inside an object or nested array: walked, not kept */
} role;

typedef struct frame {
  unsigned char role;
  unsigned char extra; /* R_MEMBERS / R_QUERY: members override direct ones */
  size_t count;        /* members/elements written (JSON frames) */
  long seg;            /* body segment that ends with this frame, or -1 */
} frame;

typedef struct segment {
  size_t start, end;       /* body text of `"key":value` */
  size_t key_off, key_len; /* escaped key text (between the quotes); key_len = SIZE_MAX: whole raw body */
  unsigned char extra, dead;
  size_t order;
} segment;

typedef struct qentry {
  char *key, *val; /* NUL-terminated copies (NUL refused): the text sent */
  size_t klen;
  unsigned char kind; /* 's' string, 'n' number (num), 'b' boolean: for light_args_query() */
  double num;
  unsigned char extra, dead;
  size_t order;
} qentry;

struct light_args {
  const light_operation *op;
  char method[16];
  char *raw_path;
  unsigned flags;
  light_status st;
  light_error err;
  int type_err; /* the error is about a value's kind (or a missing/unknown argument) */
  int finished;
  light_args_section_kind section;
  int internal; /* 1: light_params conversion (keys go where the C caller put them) */
  target forced;

  /* path */
  char *path[MAX_PATH];
  size_t n_pos; /* positional values given */

  /* walker */
  frame fr_inline[8]; /* most arguments nest no deeper; fr points here or to a heap array */
  frame *fr;
  size_t fr_cap;
  size_t depth; /* fr[0] is R_TOP */
  int have_key;
  target tgt;
  size_t path_index;
  char top_key[72]; /* printable copy for messages */
  char *pkey;       /* pending member key (R_QUERY / R_HEADERS), NUL-terminated */
  size_t pkey_len;
  size_t items;

  /* query */
  qentry *q;
  size_t nq, capq;
  cJSON *query; /* after finish: object of strings */

  /* body */
  light__buf body; /* segments' text (wipe) */
  segment *seg;
  size_t nseg, capseg;
  long open_seg;
  int body_given; /* any body member or raw body value */
  int xbody_given;
  light__buf out_body; /* final JSON text (wipe) */
  int has_body;

  /* file */
  light_file file;
  int has_file;
  char *file_data, *file_name, *file_ctype, *file_field;

  /* headers */
  char **hname; /* LIGHT_ARGS_MAX_HEADERS slots, allocated with the first header */
  char **hline;
  size_t nh;

  long timeout_ms;
  int max_retries;

  light__buf path_query;

  /* record arguments (light_args_new_record): top-level members kept as values */
  int record;                /* light_args_record_kind + 1; 0 = call arguments */
  const char *const *rnames; /* the names positional values take, NULL-terminated; NULL = any key */
  light__arg *rec;           /* rec_inline, or a heap array past its size */
  size_t nrec, caprec;
  light__arg rec_inline[6];
  signed char slot[8]; /* rnames index -> rec index, -1 = not given */
};

/* ---- errors -------------------------------------------------------------- */

static light_status vfail(light_args *a, int type, const char *param, const char *fmt, va_list ap) {
  if (a->st != LIGHT_OK) return a->st;
  char buf[512];
  vsnprintf(buf, sizeof buf, fmt, ap);
  light__error_set(&a->err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "%s", buf);
  a->err.param = param;
  a->type_err = type;
  return a->st = LIGHT_E_INVALID_ARGUMENT;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static light_status
fail(light_args *a, const char *param, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  light_status st = vfail(a, 0, param, fmt, ap);
  va_end(ap);
  return st;
}

/* As fail(), for a misuse of kind rather than value (Python raises TypeError for these). */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static light_status
failt(light_args *a, const char *param, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  light_status st = vfail(a, 1, param, fmt, ap);
  va_end(ap);
  return st;
}

static light_status nomem(light_args *a) {
  if (a->st != LIGHT_OK) return a->st;
  light__error_set(&a->err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  return a->st = LIGHT_E_NOMEM;
}

/* A key made printable for a message: at most 64 bytes, controls as '?'. */
static void printable(char *dst, size_t cap, const char *s, size_t n) {
  size_t j = 0;
  for (size_t i = 0; i < n && j + 4 < cap && i < 64; i++) {
    unsigned char c = (unsigned char)s[i];
    dst[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
  }
  if (n > 64 && j + 4 < cap) {
    memcpy(dst + j, "...", 3);
    j += 3;
  }
  dst[j] = '\0';
}

static const char *op_label(const light_args *a, char *buf, size_t cap) {
  if (!a->op)
    snprintf(buf, cap, "request");
  else if (a->op->ns[0])
    snprintf(buf, cap, "%s.%s", a->op->ns, a->op->name);
  else
    snprintf(buf, cap, "%s", a->op->name);
  return buf;
}

/* ---- UTF-8 and JSON text ------------------------------------------------- */

static int utf8_valid(const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t need;
    unsigned cp;
    if (c >= 0xc2 && c <= 0xdf)
      need = 1, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      need = 2, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      need = 3, cp = c & 0x07;
    else
      return 0;
    if (n - i <= need) return 0;
    for (size_t k = 1; k <= need; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
      return 0;
    i += need + 1;
  }
  return 1;
}

static int put(light_args *a, const void *p, size_t n) {
  light__buf *b = &a->body;
  if (b->data && b->len + n < b->cap) { /* the common case: room left */
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
  }
  if (a->body.len + n > LIGHT_ARGS_MAX_BODY_BYTES) {
    fail(a, "body", "body is larger than %u bytes", (unsigned)LIGHT_ARGS_MAX_BODY_BYTES);
    return -1;
  }
  if (light__buf_append(&a->body, p, n) != 0) {
    nomem(a);
    return -1;
  }
  return 0;
}

static int put_json_string(light_args *a, const char *s, size_t n) {
  static const char hex[] = "0123456789abcdef";
  if (put(a, "\"", 1) != 0) return -1;
  size_t run = 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    if (put(a, s + run, i - run) != 0) return -1;
    char e[6] = {'\\', 0, 0, 0, 0, 0};
    size_t el = 2;
    switch (c) {
    case '"': e[1] = '"'; break;
    case '\\': e[1] = '\\'; break;
    case '\n': e[1] = 'n'; break;
    case '\r': e[1] = 'r'; break;
    case '\t': e[1] = 't'; break;
    case '\b': e[1] = 'b'; break;
    case '\f': e[1] = 'f'; break;
    default: e[1] = 'u', e[2] = '0', e[3] = '0', e[4] = hex[c >> 4], e[5] = hex[c & 15]; el = 6;
    }
    if (put(a, e, el) != 0) return -1;
    run = i + 1;
  }
  if (put(a, s + run, n - run) != 0) return -1;
  return put(a, "\"", 1);
}

/* Shortest text that reads back as d; integral values below 2^53 without a point. */
static void format_double(double d, char *buf, size_t cap) {
  if (d == floor(d) && fabs(d) < TWO53) {
    snprintf(buf, cap, "%.0f", d);
    if (strcmp(buf, "-0") == 0) snprintf(buf, cap, "0");
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(buf, cap, "%.*g", prec, d);
    if (strtod(buf, NULL) == d) return;
  }
}

/* ---- construction -------------------------------------------------------- */

static light_args *alloc_args(unsigned flags) {
  light_args *a = calloc(1, sizeof *a);
  if (!a) return NULL;
  a->flags = flags;
  a->err = (light_error)LIGHT_ERROR_INIT;
  a->body.wipe = 1;
  a->out_body.wipe = 1;
  a->open_seg = -1;
  a->max_retries = -1;
  a->fr = a->fr_inline;
  a->fr_cap = sizeof a->fr_inline / sizeof a->fr_inline[0];
  a->fr[0].role = R_TOP;
  a->fr[0].seg = -1;
  return a;
}

light_status light_args_new(light_args **out, const char *op_id, unsigned flags) {
  if (!out) return LIGHT_E_INVALID_ARGUMENT;
  light_args *a = *out = alloc_args(flags);
  if (!a) return LIGHT_E_NOMEM;
  a->op = light_operation_find(op_id);
  if (!a->op) return fail(a, "op", "unknown operation '%s'", op_id ? op_id : "(null)");
  size_t ml = strlen(a->op->method);
  memcpy(a->method, a->op->method, ml < sizeof a->method ? ml + 1 : 0);
  size_t n = 0;
  while (a->op->path_params[n]) n++;
  if (n > MAX_PATH) return fail(a, "op", "operation has too many path parameters");
  return LIGHT_OK;
}

light_status light_args_new_raw(light_args **out, const char *method, size_t ml, const char *path, size_t pl,
                                unsigned flags) {
  if (!out) return LIGHT_E_INVALID_ARGUMENT;
  light_args *a = *out = alloc_args(flags);
  if (!a) return LIGHT_E_NOMEM;
  a->section = LIGHT_ARGS_PARAMS;
  if (!method || ml == 0 || ml >= sizeof a->method) return fail(a, "method", "method must be 1..15 letters");
  for (size_t i = 0; i < ml; i++) {
    if (!isalpha((unsigned char)method[i])) return fail(a, "method", "method must be letters only");
    a->method[i] = (char)toupper((unsigned char)method[i]);
  }
  if (!path || pl == 0 || path[0] != '/') return fail(a, "path", "path must start with '/'");
  if (pl > LIGHT_ARGS_MAX_PARAM_BYTES)
    return fail(a, "path", "path is longer than %d bytes", LIGHT_ARGS_MAX_PARAM_BYTES);
  for (size_t i = 0; i < pl; i++) {
    unsigned char c = (unsigned char)path[i];
    if (c <= 0x20 || c >= 0x7f || c == '#')
      return fail(a, "path", "path contains spaces, CR/LF, NUL, control, non-ASCII or '#' characters");
  }
  if (!(a->raw_path = malloc(pl + 1))) return nomem(a);
  memcpy(a->raw_path, path, pl);
  a->raw_path[pl] = '\0';
  size_t q = strcspn(a->raw_path, "?");
  const char *p = a->raw_path;
  if (strstr(p, "/../") || strstr(p, "/./") || (q >= 3 && strncmp(p + q - 3, "/..", 3) == 0) ||
      (q >= 2 && strncmp(p + q - 2, "/.", 2) == 0))
    return fail(a, "path", "path must not contain dot segments");
  return LIGHT_OK;
}

light_status light_args_new_record(light_args **out, light_args_record_kind kind, unsigned flags) {
  static const char *const verify_names[] = {"payload", "signature", "secret", "tolerance", "now", NULL};
  static const char *const sign_names[] = {"payload", "secret", "timestamp", NULL};
  if (!out) return LIGHT_E_INVALID_ARGUMENT;
  light_args *a = *out = alloc_args(flags);
  if (!a) return LIGHT_E_NOMEM;
  if ((unsigned)kind > LIGHT_ARGS_WEBHOOK_SIGN) return fail(a, NULL, "unknown record kind %d", (int)kind);
  a->record = (int)kind + 1;
  a->rec = a->rec_inline;
  memset(a->slot, -1, sizeof a->slot);
  a->caprec = sizeof a->rec_inline / sizeof a->rec_inline[0];
  a->rnames = kind == LIGHT_ARGS_WEBHOOK_VERIFY ? verify_names : kind == LIGHT_ARGS_WEBHOOK_SIGN ? sign_names : NULL;
  a->section = a->rnames ? LIGHT_ARGS_PATH : LIGHT_ARGS_PARAMS;
  return LIGHT_OK;
}

const light__arg *light__args_record(const light_args *a, size_t *n) {
  *n = a && a->record ? a->nrec : 0;
  return *n ? a->rec : NULL;
}

const light__arg *light__args_member(const light_args *a, const char *name) {
  for (size_t i = 0; a && i < a->nrec; i++)
    if (strcmp(a->rec[i].name, name) == 0) return &a->rec[i];
  return NULL;
}

unsigned light__args_flags(const light_args *a) { return a ? a->flags : 0; }

const light__arg *light__args_slot(const light_args *a, size_t i) {
  return a && a->rnames && i < sizeof a->slot && a->slot[i] >= 0 ? &a->rec[a->slot[i]] : NULL;
}

int light__args_record_kind(const light_args *a) {
  return a && a->record && a->finished && a->st == LIGHT_OK ? a->record - 1 : -1;
}

light_status light__args_failf(light_args *a, int type, const char *param, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  light_status st = vfail(a, type, param, fmt, ap);
  va_end(ap);
  return st;
}

light_status light__args_fail_err(light_args *a, int type, const light_error *err) {
  if (err->code == LIGHT_E_NOMEM) return nomem(a);
  return light__args_failf(a, type, err->param, "%s", err->message ? err->message : "invalid argument");
}

static void free_record(light_args *a) {
  for (size_t i = 0; i < a->nrec; i++) {
    light__arg *r = &a->rec[i];
    if (r->s && r->wipe) light__secret_wipe(r->s, r->n);
    if (r->name_owned) free((char *)r->name);
    free(r->s);
    for (size_t j = 0; j < r->n_items; j++) {
      light__secret_wipe(r->items[j], r->item_len[j]);
      free(r->items[j]);
    }
    free(r->items);
    free(r->item_len);
  }
  if (a->rec != a->rec_inline) free(a->rec);
  if (a->fr != a->fr_inline) free(a->fr);
  light_error_clear(&a->err);
  free(a);
}

void light_args_free(light_args *a) {
  if (!a) return;
  if (a->record) {
    free_record(a); /* a record holds nothing else */
    return;
  }
  for (size_t i = 0; i < MAX_PATH; i++) free(a->path[i]);
  for (size_t i = 0; i < a->nq; i++) {
    free(a->q[i].key);
    free(a->q[i].val);
  }
  free(a->q);
  cJSON_Delete(a->query);
  light__buf_free(&a->body);
  light__buf_free(&a->out_body);
  free(a->seg);
  free(a->pkey);
  if (a->file_data) light__secret_wipe(a->file_data, a->file.len);
  free(a->file_data);
  free(a->file_name);
  free(a->file_ctype);
  free(a->file_field);
  for (size_t i = 0; i < a->nh; i++) {
    free(a->hname[i]);
    light__secret_free(a->hline[i]); /* a caller's header may carry a credential */
  }
  free(a->hname);
  free(a->hline);
  if (a->fr != a->fr_inline) free(a->fr);
  light__buf_free(&a->path_query);
  free(a->raw_path);
  light_error_clear(&a->err);
  free(a);
}

static light_status usable(light_args *a) {
  if (!a) return LIGHT_E_INVALID_ARGUMENT;
  if (a->st != LIGHT_OK) return a->st;
  if (a->finished) return fail(a, NULL, "arguments are already finished");
  return LIGHT_OK;
}

light_status light_args_section(light_args *a, light_args_section_kind s) {
  light_status st = usable(a);
  if (st != LIGHT_OK) return st;
  if (a->depth != 0 || a->have_key) return fail(a, NULL, "section changed inside an open value");
  if (s > LIGHT_ARGS_OPTIONS) return fail(a, NULL, "unknown section");
  if (!a->op && !a->rnames && s == LIGHT_ARGS_PATH)
    return failt(a, "path_params",
                 a->record ? "these arguments take no positional values" : "raw requests take no path parameters");
  a->section = s;
  return LIGHT_OK;
}

light_status light_args_fail(light_args *a, const char *param, const char *message) {
  if (!a) return LIGHT_E_INVALID_ARGUMENT;
  return fail(a, param, "%s", message ? message : "invalid argument");
}

int light_args_error_is_type(const light_args *a) { return a && a->st == LIGHT_E_INVALID_ARGUMENT && a->type_err; }

light_status light_args_error(const light_args *a, light_error *err) {
  if (!a) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  if (a->st == LIGHT_OK) return LIGHT_OK;
  if (err) {
    light__error_set(err, a->st, a->err.kind, "%s", a->err.message ? a->err.message : light_strerror(a->st));
    err->param = a->err.param;
  }
  return a->st;
}

/* ---- routing ------------------------------------------------------------- */

static int is(const char *k, size_t n, const char *name) { return strlen(name) == n && memcmp(k, name, n) == 0; }

static target option_target(const char *k, size_t n, int aliases) {
  if (is(k, n, "timeout")) return T_TIMEOUT;
  if (is(k, n, "max_retries")) return T_RETRIES;
  if (is(k, n, "extra_headers")) return T_HEADERS;
  if (is(k, n, "extra_query")) return T_XQUERY;
  if (is(k, n, "extra_body")) return T_XBODY;
  if (aliases) {
    if (is(k, n, "maxRetries")) return T_RETRIES;
    if (is(k, n, "headers") || is(k, n, "extraHeaders")) return T_HEADERS;
    if (is(k, n, "query") || is(k, n, "extraQuery")) return T_XQUERY;
    if (is(k, n, "body") || is(k, n, "extraBody")) return T_XBODY;
  }
  return T_NONE;
}

static long seg_open(light_args *a, const char *k, size_t n, int extra);

static light_status top_key(light_args *a, const char *k, size_t n) {
  printable(a->top_key, sizeof a->top_key, k, n);
  a->tgt = T_NONE;
  if (a->internal) {
    a->tgt = a->forced;
  } else if (!a->op) { /* raw request */
    if (is(k, n, "query"))
      a->tgt = T_RAWQUERY;
    else if (is(k, n, "body"))
      a->tgt = T_RAWBODY;
    else if (is(k, n, "headers") || is(k, n, "extra_headers"))
      a->tgt = T_HEADERS;
    else if (is(k, n, "timeout"))
      a->tgt = T_TIMEOUT;
    else if (is(k, n, "max_retries") || is(k, n, "maxRetries"))
      a->tgt = T_RETRIES;
    else if (is(k, n, "extra_query"))
      a->tgt = T_XQUERY;
    else if (is(k, n, "extra_body"))
      a->tgt = T_XBODY;
    else
      return failt(a, "options",
                   "request(): unknown argument '%s' (expected query, body, headers, timeout, max_retries)",
                   a->top_key);
  } else if (a->section == LIGHT_ARGS_OPTIONS) {
    a->tgt = option_target(k, n, 1);
    if (a->tgt == T_NONE)
      return failt(a, "options",
                   "unknown per-call option '%s' (expected timeout, max_retries, extra_headers, extra_query, "
                   "extra_body)",
                   a->top_key);
  } else {
    int data_only = (a->flags & LIGHT_ARGS_SEPARATE_OPTIONS) != 0;
    for (size_t i = 0; !data_only && a->op->path_params[i]; i++)
      if (is(k, n, a->op->path_params[i])) {
        a->tgt = T_PATH;
        a->path_index = i;
      }
    if (a->tgt == T_NONE && !data_only) a->tgt = option_target(k, n, 0);
    if (a->tgt == T_NONE && a->op->body == LIGHT_BODY_MULTIPART) {
      if (is(k, n, "file"))
        a->tgt = T_FILE_DATA;
      else if (is(k, n, "filename"))
        a->tgt = T_FILE_NAME;
      else if (is(k, n, "content_type") || is(k, n, "contentType"))
        a->tgt = T_FILE_CTYPE;
      else if (is(k, n, "field"))
        a->tgt = T_FILE_FIELD;
    }
    if (a->tgt == T_NONE) a->tgt = a->op->body == LIGHT_BODY_JSON ? T_BODY : T_QUERY;
  }
  if (a->tgt == T_QUERY || a->tgt == T_BODY) {
    if (memchr(k, '\0', n))
      return fail(a, a->tgt == T_BODY ? "body" : "query", "%s key '%s' contains a NUL byte",
                  a->tgt == T_BODY ? "body" : "query", a->top_key);
  }
  if (a->tgt == T_BODY) {
    if (!utf8_valid((const unsigned char *)k, n))
      return fail(a, "body", "body key '%s' is not valid UTF-8", a->top_key);
    if (seg_open(a, k, n, 0) < 0) return a->st;
  } else if (a->tgt == T_QUERY) {
    if (n > LIGHT_ARGS_MAX_PARAM_BYTES)
      return fail(a, "query", "query parameter name is longer than %d bytes", LIGHT_ARGS_MAX_PARAM_BYTES);
    free(a->pkey);
    if (!(a->pkey = malloc(n + 1))) return nomem(a);
    memcpy(a->pkey, k, n);
    a->pkey[n] = '\0';
    a->pkey_len = n;
  }
  a->have_key = 1;
  return LIGHT_OK;
}

/* ---- body segments -------------------------------------------------------- */

static long seg_open(light_args *a, const char *k, size_t n, int extra) {
  if (!a->body.data) { /* one allocation for a typical body */
    if (!(a->body.data = malloc(512))) return nomem(a), -1;
    a->body.cap = 512;
    a->body.len = 0;
    a->body.data[0] = '\0';
  }
  if (a->nseg == a->capseg) {
    size_t cap = a->capseg ? a->capseg * 2 : 16;
    segment *s = realloc(a->seg, cap * sizeof *s);
    if (!s) return nomem(a), -1;
    a->seg = s;
    a->capseg = cap;
  }
  segment *s = &a->seg[a->nseg];
  memset(s, 0, sizeof *s);
  s->start = a->body.len;
  s->extra = (unsigned char)extra;
  s->order = a->nseg;
  if (k) {
    if (put_json_string(a, k, n) != 0) return -1;
    s->key_off = s->start + 1;
    s->key_len = a->body.len - s->start - 2;
    if (put(a, ":", 1) != 0) return -1;
  } else {
    s->key_len = (size_t)-1; /* whole raw body */
  }
  a->body_given = 1;
  a->open_seg = (long)a->nseg;
  return (long)a->nseg++;
}

static void seg_close(light_args *a) {
  if (a->open_seg >= 0) a->seg[a->open_seg].end = a->body.len;
  a->open_seg = -1;
}

typedef enum vkind { V_STR, V_BIN, V_INT, V_DBL, V_BOOL, V_NULL, V_OBJ, V_ARR } vkind;
_Static_assert((int)V_ARR == (int)LIGHT__ARG_ARRAY && (int)V_STR == (int)LIGHT__ARG_STRING,
               "light__arg_kind follows vkind");

typedef struct val {
  vkind k;
  const char *s;
  size_t n;
  int64_t i;
  double d;
  int b;
} val;

/* ---- query ----------------------------------------------------------------- */

static light_status query_add(light_args *a, const char *v, size_t vn, int extra, const val *typed) {
  char name[72];
  printable(name, sizeof name, a->pkey ? a->pkey : "", a->pkey_len);
  if (memchr(a->pkey, '\0', a->pkey_len)) return fail(a, "query", "query key '%s' contains a NUL byte", name);
  if (memchr(v, '\0', vn)) return fail(a, "query", "query parameter '%s' contains a NUL byte", name);
  if (vn > LIGHT_ARGS_MAX_PARAM_BYTES)
    return fail(a, "query", "query parameter '%s' is longer than %d bytes", name, LIGHT_ARGS_MAX_PARAM_BYTES);
  if (a->nq == a->capq) {
    size_t cap = a->capq ? a->capq * 2 : 8;
    qentry *q = realloc(a->q, cap * sizeof *q);
    if (!q) return nomem(a);
    a->q = q;
    a->capq = cap;
  }
  qentry *e = &a->q[a->nq];
  memset(e, 0, sizeof *e);
  if (!(e->val = malloc(vn + 1))) return nomem(a);
  memcpy(e->val, v, vn);
  e->val[vn] = '\0';
  e->key = a->pkey;
  e->klen = a->pkey_len;
  a->pkey = NULL;
  e->extra = (unsigned char)extra;
  e->kind = 's';
  if (typed && typed->k == V_BOOL) e->kind = 'b', e->num = typed->b;
  if (typed && typed->k == V_DBL) e->kind = 'n', e->num = typed->d;
  if (typed && typed->k == V_INT && typed->i <= (int64_t)TWO53 && typed->i >= -(int64_t)TWO53)
    e->kind = 'n', e->num = (double)typed->i;
  e->order = a->nq++;
  return LIGHT_OK;
}

/* ---- values ---------------------------------------------------------------- */

static const char *kind_name(vkind k) {
  switch (k) {
  case V_STR: return "a string";
  case V_BIN: return "binary data";
  case V_INT:
  case V_DBL: return "a number";
  case V_BOOL: return "a boolean";
  case V_NULL: return "null";
  case V_OBJ: return "an object";
  default: return "an array";
  }
}

const char *light__arg_kind_name(light__arg_kind k) { return kind_name((vkind)k); }

static frame *top(light_args *a) { return &a->fr[a->depth]; }

static light_status push(light_args *a, role r, int extra) {
  if (a->depth + 1 >= MAX_FRAMES)
    return fail(a, "body", "arguments nested deeper than %d levels (or cyclic)", LIGHT_ARGS_MAX_DEPTH);
  if (a->depth + 1 >= a->fr_cap) {
    frame *nf = malloc(MAX_FRAMES * sizeof *nf);
    if (!nf) return nomem(a);
    memcpy(nf, a->fr, (a->depth + 1) * sizeof *nf);
    if (a->fr != a->fr_inline) free(a->fr);
    a->fr = nf;
    a->fr_cap = MAX_FRAMES;
  }
  frame *f = &a->fr[++a->depth];
  f->role = (unsigned char)r;
  f->extra = (unsigned char)extra;
  f->count = 0;
  f->seg = a->open_seg;
  a->open_seg = -1;
  return LIGHT_OK;
}

/* A value inside the body text (a member value or an array element). */
static light_status write_json(light_args *a, const val *v) {
  char num[40];
  switch (v->k) {
  case V_STR:
    if (!utf8_valid((const unsigned char *)v->s, v->n))
      return fail(a, "body", "body field '%s': string is not valid UTF-8", a->top_key);
    return put_json_string(a, v->s, v->n) == 0 ? LIGHT_OK : a->st;
  case V_BIN: return failt(a, "body", "body field '%s': binary data cannot be sent as JSON", a->top_key);
  case V_INT:
    if (v->i > (int64_t)TWO53 || v->i < -(int64_t)TWO53)
      return fail(a, "body",
                  "body field '%s': integer beyond +-2^53 cannot be sent exactly in JSON (pass it as a string)",
                  a->top_key);
    snprintf(num, sizeof num, "%lld", (long long)v->i);
    return put(a, num, strlen(num)) == 0 ? LIGHT_OK : a->st;
  case V_DBL:
    if (!isfinite(v->d)) return fail(a, "body", "body field '%s': NaN and Infinity cannot be sent as JSON", a->top_key);
    if ((a->flags & LIGHT_ARGS_NUMBERS_ARE_DOUBLES) && v->d == floor(v->d) && fabs(v->d) > TWO53)
      return fail(a, "body",
                  "body field '%s': integer beyond +-2^53 cannot be sent exactly in JSON (pass it as a string)",
                  a->top_key);
    format_double(v->d, num, sizeof num);
    return put(a, num, strlen(num)) == 0 ? LIGHT_OK : a->st;
  case V_BOOL: return put(a, v->b ? "true" : "false", v->b ? 4 : 5) == 0 ? LIGHT_OK : a->st;
  case V_NULL: return put(a, "null", 4) == 0 ? LIGHT_OK : a->st;
  case V_OBJ:
    if (put(a, "{", 1) != 0) return a->st;
    return push(a, R_JSON_OBJ, 0);
  case V_ARR:
    if (put(a, "[", 1) != 0) return a->st;
    return push(a, R_JSON_ARR, 0);
  }
  return LIGHT_OK;
}

/* Scalar text for a query value, path value or number option. Returns 0 or -1 (not a scalar). */
static int scalar_text(const val *v, char *buf, size_t cap, const char **s, size_t *n) {
  switch (v->k) {
  case V_STR: *s = v->s, *n = v->n; return 0;
  case V_INT:
    snprintf(buf, cap, "%lld", (long long)v->i);
    *s = buf, *n = strlen(buf);
    return 0;
  case V_DBL:
    if (!isfinite(v->d)) return -2;
    format_double(v->d, buf, cap);
    *s = buf, *n = strlen(buf);
    return 0;
  case V_BOOL: *s = v->b ? "true" : "false", *n = strlen(*s); return 0;
  default: return -1;
  }
}

static light_status path_value(light_args *a, size_t i, const val *v, const char *name) {
  char buf[40];
  const char *s;
  size_t n;
  if (a->path[i]) return failt(a, "path_params", "got multiple values for path parameter '%s'", name);
  if (v->k == V_DBL && isfinite(v->d) && v->d == floor(v->d) && fabs(v->d) <= TWO53) {
    val iv = {.k = V_INT, .i = (int64_t)v->d};
    return path_value(a, i, &iv, name);
  }
  if ((v->k != V_STR && v->k != V_INT) || scalar_text(v, buf, sizeof buf, &s, &n) != 0)
    return failt(a, "path_params", "path parameter '%s' must be a string, not %s%s", name,
                 v->k == V_DBL ? "a non-integral number" : kind_name(v->k),
                 v->k == V_DBL && !isfinite(v->d) ? " (NaN or Infinity)" : "");
  if (memchr(s, '\0', n)) return fail(a, "path_params", "path parameter '%s' contains a NUL byte", name);
  if (n > LIGHT_ARGS_MAX_PARAM_BYTES)
    return fail(a, "path_params", "path parameter '%s' is longer than %d bytes", name, LIGHT_ARGS_MAX_PARAM_BYTES);
  if (n == 0 || is(s, n, ".") || is(s, n, ".."))
    return fail(a, "path_params", "path parameter '%s' must not be empty, \".\" or \"..\"", name);
  if (!(a->path[i] = malloc(n + 1))) return nomem(a);
  memcpy(a->path[i], s, n);
  a->path[i][n] = '\0';
  return LIGHT_OK;
}

static light_status copy_str(light_args *a, char **dst, const val *v, const char *param) {
  if (v->k == V_NULL) return LIGHT_OK;
  if (v->k != V_STR) return failt(a, param, "%s must be a string, not %s", param, kind_name(v->k));
  if (memchr(v->s, '\0', v->n)) return fail(a, param, "%s contains a NUL byte", param);
  if (v->n > LIGHT_ARGS_MAX_PARAM_BYTES)
    return fail(a, param, "%s is longer than %d bytes", param, LIGHT_ARGS_MAX_PARAM_BYTES);
  free(*dst);
  if (!(*dst = malloc(v->n + 1))) return nomem(a);
  memcpy(*dst, v->s, v->n);
  (*dst)[v->n] = '\0';
  return LIGHT_OK;
}

static int header_token(const char *s, size_t n) {
  if (n == 0 || n > 256) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!(isalnum(c) || strchr("!#$%&'*+-.^_`|~", c)) || c == 0) return 0;
  }
  return 1;
}

static light_status header_add(light_args *a, const val *v) {
  char name[72];
  printable(name, sizeof name, a->pkey, a->pkey_len);
  if (v->k == V_NULL) return LIGHT_OK;
  if (!header_token(a->pkey, a->pkey_len))
    return fail(a, "headers", "header name '%s' is not a valid token (CR, LF, NUL, spaces or ':' in it?)", name);
  static const char *const refused[] = {"Authorization", "Host", "Content-Length", "Transfer-Encoding", NULL};
  for (const char *const *r = refused; *r; r++)
    if (strlen(*r) == a->pkey_len && strncasecmp(*r, a->pkey, a->pkey_len) == 0)
      return fail(a, "headers", "header '%s' cannot be set per call (the SDK sets it)", *r);
  if (v->k != V_STR) return failt(a, "headers", "header '%s' value must be a string, not %s", name, kind_name(v->k));
  for (size_t i = 0; i < v->n; i++) {
    unsigned char c = (unsigned char)v->s[i];
    if (c == '\r' || c == '\n' || c == 0 || (c < 0x20 && c != '\t') || c == 0x7f)
      return fail(a, "headers", "header '%s' value contains CR, LF, NUL or another control character", name);
  }
  if (v->n == 0) return fail(a, "headers", "header '%s' value must not be empty", name);
  if (v->n > LIGHT_ARGS_MAX_PARAM_BYTES)
    return fail(a, "headers", "header '%s' value is longer than %d bytes", name, LIGHT_ARGS_MAX_PARAM_BYTES);
  if (!a->hname) {
    a->hname = calloc(LIGHT_ARGS_MAX_HEADERS, sizeof *a->hname);
    a->hline = calloc(LIGHT_ARGS_MAX_HEADERS, sizeof *a->hline);
    if (!a->hname || !a->hline) return nomem(a);
  }
  size_t slot = a->nh;
  for (size_t i = 0; i < a->nh; i++)
    if (strcasecmp(a->hname[i], a->pkey) == 0) slot = i;
  if (slot == a->nh && a->nh >= LIGHT_ARGS_MAX_HEADERS)
    return fail(a, "headers", "more than %d per-call headers", LIGHT_ARGS_MAX_HEADERS);
  light__buf line = {.wipe = 1};
  if (light__buf_append(&line, a->pkey, a->pkey_len) || light__buf_append(&line, ": ", 2) ||
      light__buf_append(&line, v->s, v->n)) {
    light__buf_free(&line);
    return nomem(a);
  }
  if (slot == a->nh) {
    a->hname[slot] = a->pkey;
    a->pkey = NULL;
    a->nh++;
  } else {
    light__secret_free(a->hline[slot]);
  }
  a->hline[slot] = line.data;
  return LIGHT_OK;
}

/* A value at the top level of the params/options section. */
static light_status top_value(light_args *a, const val *v) {
  a->have_key = 0;
  switch (a->tgt) {
  case T_PATH: {
    if (v->k == V_NULL) return LIGHT_OK;
    return path_value(a, a->path_index, v, a->op->path_params[a->path_index]);
  }
  case T_QUERY: {
    char buf[40];
    const char *s;
    size_t n;
    if (v->k == V_NULL) return LIGHT_OK;
    int r = scalar_text(v, buf, sizeof buf, &s, &n);
    if (r == -2) return fail(a, "query", "query parameter '%s' is NaN or Infinity", a->top_key);
    if (r != 0)
      return failt(a, "query", "query parameter '%s' must be a string, number or boolean, not %s", a->top_key,
                   kind_name(v->k));
    return query_add(a, s, n, 0, v);
  }
  case T_BODY: {
    light_status st = write_json(a, v);
    if (st == LIGHT_OK && v->k != V_OBJ && v->k != V_ARR) seg_close(a);
    return st;
  }
  case T_FILE_DATA:
    if (v->k == V_NULL) return LIGHT_OK;
    if (v->k != V_STR && v->k != V_BIN)
      return failt(a, "file", "file must be a string or binary data, not %s", kind_name(v->k));
    free(a->file_data);
    if (!(a->file_data = malloc(v->n ? v->n : 1))) return nomem(a);
    if (v->n) memcpy(a->file_data, v->s, v->n);
    a->file.data = a->file_data;
    a->file.len = v->n;
    a->has_file = 1;
    return LIGHT_OK;
  case T_FILE_NAME: return copy_str(a, &a->file_name, v, "filename");
  case T_FILE_CTYPE: return copy_str(a, &a->file_ctype, v, "content_type");
  case T_FILE_FIELD: return copy_str(a, &a->file_field, v, "field");
  case T_TIMEOUT: {
    if (v->k == V_NULL) return LIGHT_OK;
    int ms = (a->flags & LIGHT_ARGS_TIMEOUT_MS) != 0;
    double d = v->k == V_INT ? (double)v->i : v->k == V_DBL ? v->d : NAN;
    double lim = ms ? 7 * 86400e3 : 7 * 86400.0;
    if (v->k != V_INT && v->k != V_DBL)
      return failt(a, "timeout", "timeout must be a number of %s, not %s", ms ? "milliseconds" : "seconds",
                   kind_name(v->k));
    if (!(d > 0) || !(d <= lim))
      return fail(a, "timeout", "timeout must be a positive finite number of %s (at most 7 days)",
                  ms ? "milliseconds" : "seconds");
    double t = ms ? d : d * 1000.0;
    a->timeout_ms = t < 1 ? 1 : (long)(t + 0.5);
    return LIGHT_OK;
  }
  case T_RETRIES: {
    if (v->k == V_NULL) return LIGHT_OK;
    double d = v->k == V_INT ? (double)v->i : v->k == V_DBL ? v->d : NAN;
    if (v->k != V_INT && v->k != V_DBL)
      return failt(a, "max_retries", "max_retries must be an integer, not %s", kind_name(v->k));
    if (!(d >= 0 && d <= 100) || d != floor(d))
      return fail(a, "max_retries", "max_retries must be an integer from 0 to 100");
    a->max_retries = (int)d;
    return LIGHT_OK;
  }
  case T_HEADERS:
    if (v->k == V_NULL) return LIGHT_OK;
    if (v->k != V_OBJ)
      return failt(a, "headers", "%s must be an object (a mapping of header names to strings), not %s", a->top_key,
                   kind_name(v->k));
    return push(a, R_HEADERS, 0);
  case T_XQUERY:
  case T_RAWQUERY:
    if (v->k == V_NULL) return LIGHT_OK;
    if (v->k != V_OBJ)
      return failt(a, "query", "%s must be an object (a mapping), not %s", a->top_key, kind_name(v->k));
    return push(a, R_QUERY, a->tgt == T_XQUERY);
  case T_XBODY:
    if (v->k == V_NULL) return LIGHT_OK;
    if (v->k != V_OBJ) return failt(a, "body", "%s must be an object (a mapping), not %s", a->top_key, kind_name(v->k));
    a->xbody_given = 1;
    return push(a, R_MEMBERS, 1);
  case T_RAWBODY:
    if (v->k == V_NULL) return LIGHT_OK;
    if (v->k == V_OBJ) {
      a->body_given = 1;
      return push(a, R_MEMBERS, 0);
    }
    if (seg_open(a, NULL, 0, 0) < 0) return a->st;
    {
      light_status st = write_json(a, v);
      if (st == LIGHT_OK && v->k != V_ARR) seg_close(a);
      return st;
    }
  default: return failt(a, NULL, "light_args: value without a key");
  }
}

/* ---- record arguments ------------------------------------------------------- */

/* A new member named @p k (@p n bytes): refused when it is not one of the
 * record's names or was given already. */
static light_status record_member(light_args *a, const char *k, size_t n, long known) {
  const char *param = known >= 0 ? a->rnames[known] : NULL;
  size_t pi = known >= 0 ? (size_t)known : 0;
  for (size_t i = 0; known < 0 && a->rnames && a->rnames[i] && !param; i++)
    if (is(k, n, a->rnames[i])) param = a->rnames[pi = i];
  int nul = memchr(k, '\0', n) != NULL, twice = 0;
  for (size_t i = 0; i < a->nrec; i++) twice |= a->rec[i].name_len == n && memcmp(a->rec[i].name, k, n) == 0;
  if (nul || (a->rnames && !param) || twice) {
    printable(a->top_key, sizeof a->top_key, k, n);
    if (nul) return failt(a, NULL, "argument name '%s' contains a NUL byte", a->top_key);
    if (twice) return failt(a, param, "argument '%s' given twice", a->top_key);
    char expected[96] = "";
    for (size_t i = 0; a->rnames[i]; i++)
      snprintf(expected + strlen(expected), sizeof expected - strlen(expected), "%s%s", i ? ", " : "", a->rnames[i]);
    return failt(a, NULL, "unexpected argument '%s' (expected %s)", a->top_key, expected);
  }
  if (a->nrec == a->caprec) {
    size_t cap = a->caprec * 2;
    light__arg *r = malloc(cap * sizeof *r);
    if (!r) return nomem(a);
    memcpy(r, a->rec, a->nrec * sizeof *r);
    if (a->rec != a->rec_inline) free(a->rec);
    a->rec = r;
    a->caprec = cap;
  }
  light__arg *m = &a->rec[a->nrec];
  memset(m, 0, sizeof *m);
  /* record strings are tokens and webhook secrets, wiped when freed; a webhook's payload (name 0) and
   * a verify's signature (name 1) are not secrets */
  m->wipe = !(param && (pi == 0 || (pi == 1 && a->record - 1 == LIGHT_ARGS_WEBHOOK_VERIFY)));
  if (param) {
    m->name = param; /* static */
    a->slot[pi] = (signed char)a->nrec;
  } else {
    if (!(m->name = light__memdup0(k, n))) return nomem(a);
    m->name_owned = 1;
  }
  m->name_len = n;
  m->kind = LIGHT__ARG_NULL;
  a->nrec++;
  a->have_key = 1;
  return LIGHT_OK;
}

/* The value of the newest member. */
static light_status record_value(light_args *a, const val *v) {
  light__arg *m = &a->rec[a->nrec - 1];
  a->have_key = 0;
  m->kind = (light__arg_kind)v->k;
  switch (v->k) {
  case V_STR:
  case V_BIN:
    if (!(m->s = light__memdup0(v->s, v->n))) return nomem(a);
    m->n = v->n;
    return LIGHT_OK;
  case V_INT: m->i = v->i; return LIGHT_OK;
  case V_DBL: m->d = v->d; return LIGHT_OK;
  case V_BOOL: m->b = v->b; return LIGHT_OK;
  case V_NULL: return LIGHT_OK;
  case V_OBJ: return push(a, R_SKIP, 0);
  default: return push(a, R_RECARR, 0);
  }
}

/* An element of an array member: strings are kept (a list of secrets). */
static light_status record_item(light_args *a, const val *v) {
  light__arg *m = &a->rec[a->nrec - 1];
  if (v->k != V_STR) {
    if (!m->bad_item) m->bad_item_kind = (light__arg_kind)v->k;
    m->bad_item = 1;
    return v->k == V_OBJ || v->k == V_ARR ? push(a, R_SKIP, 0) : LIGHT_OK;
  }
  if (m->n_items % 8 == 0) {
    char **it = realloc(m->items, (m->n_items + 8) * sizeof *it);
    if (it) m->items = it;
    size_t *il = it ? realloc(m->item_len, (m->n_items + 8) * sizeof *il) : NULL;
    if (il) m->item_len = il;
    if (!it || !il) return nomem(a);
  }
  if (!(m->items[m->n_items] = light__memdup0(v->s, v->n))) return nomem(a);
  m->item_len[m->n_items++] = v->n;
  return LIGHT_OK;
}

/* A value at the top level of record arguments: positional or after its key. */
static light_status record_top(light_args *a, const val *v) {
  if (a->section == LIGHT_ARGS_PATH) {
    size_t np = 0;
    while (a->rnames[np]) np++;
    if (a->n_pos >= np) return failt(a, NULL, "takes at most %zu arguments (%zu given)", np, a->n_pos + 1);
    size_t i = a->n_pos++;
    if (record_member(a, a->rnames[i], strlen(a->rnames[i]), (long)i) != LIGHT_OK) return a->st;
  } else if (!a->have_key) {
    return failt(a, NULL, "light_args: value without a key");
  }
  return record_value(a, v);
}

static light_status on_value(light_args *a, const val *v) {
  light_status st = usable(a);
  if (st != LIGHT_OK) return st;
  if (++a->items > LIGHT_ARGS_MAX_ITEMS)
    return fail(a, "body", "arguments hold more than %d values", LIGHT_ARGS_MAX_ITEMS);
  frame *f = top(a);
  switch ((role)f->role) {
  case R_TOP:
    if (a->record) return record_top(a, v);
    if (a->section == LIGHT_ARGS_PATH) {
      char label[96];
      size_t npp = 0;
      while (a->op->path_params[npp]) npp++;
      if (a->n_pos >= npp)
        return failt(a, "path_params", "%s() takes %zu path parameter%s (%zu given)", op_label(a, label, sizeof label),
                     npp, npp == 1 ? "" : "s", a->n_pos + 1);
      size_t i = a->n_pos++;
      return path_value(a, i, v, a->op->path_params[i]);
    }
    if (!a->have_key) return failt(a, NULL, "light_args: value without a key");
    return top_value(a, v);
  case R_JSON_OBJ:
    if (!a->have_key) return failt(a, NULL, "light_args: value without a key");
    a->have_key = 0;
    f->count++;
    st = write_json(a, v);
    return st;
  case R_JSON_ARR:
    if (f->count++ && put(a, ",", 1) != 0) return a->st;
    return write_json(a, v);
  case R_MEMBERS:
    if (!a->have_key) return failt(a, NULL, "light_args: value without a key");
    a->have_key = 0;
    st = write_json(a, v);
    if (st == LIGHT_OK && v->k != V_OBJ && v->k != V_ARR) seg_close(a);
    return st;
  case R_QUERY: {
    char buf[40];
    const char *s;
    size_t n;
    char name[72];
    if (!a->have_key) return failt(a, NULL, "light_args: value without a key");
    a->have_key = 0;
    printable(name, sizeof name, a->pkey, a->pkey_len);
    if (v->k == V_NULL) return LIGHT_OK;
    int r = scalar_text(v, buf, sizeof buf, &s, &n);
    if (r == -2) return fail(a, "query", "query parameter '%s' is NaN or Infinity", name);
    if (r != 0)
      return failt(a, "query", "query parameter '%s' must be a string, number or boolean, not %s", name,
                   kind_name(v->k));
    return query_add(a, s, n, f->extra, v);
  }
  case R_HEADERS:
    if (!a->have_key) return failt(a, NULL, "light_args: value without a key");
    a->have_key = 0;
    return header_add(a, v);
  case R_RECARR: return record_item(a, v);
  case R_SKIP: a->have_key = 0; return v->k == V_OBJ || v->k == V_ARR ? push(a, R_SKIP, 0) : LIGHT_OK;
  }
  return LIGHT_OK;
}

light_status light_args_key(light_args *a, const char *k, size_t n) {
  light_status st = usable(a);
  if (st != LIGHT_OK) return st;
  if (!k && n) return fail(a, NULL, "key is NULL");
  if (!k) k = "";
  if (a->have_key) return fail(a, NULL, "light_args: two keys in a row");
  frame *f = top(a);
  switch ((role)f->role) {
  case R_TOP:
    if (a->section == LIGHT_ARGS_PATH) return fail(a, NULL, "light_args: a key in the path section");
    return a->record ? record_member(a, k, n, -1) : top_key(a, k, n);
  case R_SKIP: a->have_key = 1; return LIGHT_OK;
  case R_JSON_OBJ:
  case R_MEMBERS: {
    printable(a->top_key, sizeof a->top_key, k, n); /* messages name the innermost key */
    if (memchr(k, '\0', n)) return fail(a, "body", "body key '%s' contains a NUL byte", a->top_key);
    if (!utf8_valid((const unsigned char *)k, n))
      return fail(a, "body", "body key '%s' is not valid UTF-8", a->top_key);
    if (f->role == R_MEMBERS) {
      if (seg_open(a, k, n, f->extra) < 0) return a->st;
    } else {
      if (f->count && put(a, ",", 1) != 0) return a->st;
      if (put_json_string(a, k, n) != 0 || put(a, ":", 1) != 0) return a->st;
    }
    a->have_key = 1;
    return LIGHT_OK;
  }
  case R_QUERY:
  case R_HEADERS: {
    char name[72];
    printable(name, sizeof name, k, n);
    if (f->role == R_QUERY && memchr(k, '\0', n)) return fail(a, "query", "query key '%s' contains a NUL byte", name);
    if (f->role == R_QUERY && n > LIGHT_ARGS_MAX_PARAM_BYTES)
      return fail(a, "query", "query parameter name is longer than %d bytes", LIGHT_ARGS_MAX_PARAM_BYTES);
    free(a->pkey);
    if (!(a->pkey = malloc(n + 1))) return nomem(a);
    memcpy(a->pkey, k, n);
    a->pkey[n] = '\0';
    a->pkey_len = n;
    a->have_key = 1;
    return LIGHT_OK;
  }
  default: return fail(a, NULL, "light_args: a key inside an array");
  }
}

light_status light_args_string(light_args *a, const char *s, size_t n) {
  val v = {.k = V_STR, .s = s ? s : "", .n = s ? n : 0};
  return on_value(a, &v);
}
light_status light_args_binary(light_args *a, const void *d, size_t n) {
  val v = {.k = V_BIN, .s = d ? d : "", .n = d ? n : 0};
  return on_value(a, &v);
}
light_status light_args_int(light_args *a, int64_t i) {
  val v = {.k = V_INT, .i = i};
  return on_value(a, &v);
}
light_status light_args_double(light_args *a, double d) {
  val v = {.k = V_DBL, .d = d};
  return on_value(a, &v);
}
light_status light_args_bool(light_args *a, int b) {
  val v = {.k = V_BOOL, .b = b != 0};
  return on_value(a, &v);
}
light_status light_args_null(light_args *a) {
  val v = {.k = V_NULL};
  return on_value(a, &v);
}
light_status light_args_begin_object(light_args *a) {
  val v = {.k = V_OBJ};
  return on_value(a, &v);
}
light_status light_args_begin_array(light_args *a, size_t n) {
  light_status st = usable(a);
  if (st != LIGHT_OK) return st;
  if (n > (size_t)LIGHT_ARGS_MAX_ITEMS || a->items + n > (size_t)LIGHT_ARGS_MAX_ITEMS)
    return fail(a, "body", "array of %zu elements is over the limit of %d values per call", n, LIGHT_ARGS_MAX_ITEMS);
  val v = {.k = V_ARR};
  return on_value(a, &v);
}

light_status light_args_end(light_args *a) {
  light_status st = usable(a);
  if (st != LIGHT_OK) return st;
  if (a->depth == 0) return fail(a, NULL, "light_args_end without an open object or array");
  if (a->have_key) return fail(a, NULL, "light_args: key without a value");
  frame *f = top(a);
  if (f->role == R_JSON_OBJ && put(a, "}", 1) != 0) return a->st;
  if (f->role == R_JSON_ARR && put(a, "]", 1) != 0) return a->st;
  long seg = f->seg;
  a->depth--;
  if (seg >= 0) {
    a->open_seg = seg;
    seg_close(a);
  }
  return LIGHT_OK;
}

/* ---- finish ---------------------------------------------------------------- */

static const char *seg_text(const light_args *a, const segment *s) { return a->body.data + s->key_off; }

typedef struct sortkey {
  const char *key;
  size_t len;
  unsigned extra;
  size_t order;
  unsigned char *dead;
} sortkey;

static int key_cmp(const void *x, const void *y) {
  const sortkey *p = x, *q = y;
  size_t n = p->len < q->len ? p->len : q->len;
  int c = memcmp(p->key, q->key, n);
  if (c) return c;
  if (p->len != q->len) return p->len < q->len ? -1 : 1;
  if (p->extra != q->extra) return p->extra < q->extra ? -1 : 1;
  return p->order < q->order ? -1 : p->order > q->order;
}

/* Of each run of equal keys only the last survives: extra_* over direct, later over earlier. */
static void kill_losers(sortkey *v, size_t m) {
  qsort(v, m, sizeof *v, key_cmp);
  for (size_t i = 0; i + 1 < m; i++)
    if (v[i].len == v[i + 1].len && memcmp(v[i].key, v[i + 1].key, v[i].len) == 0) *v[i].dead = 1;
}

static light_status resolve_segments(light_args *a) {
  if (a->nseg < 2) return LIGHT_OK;
  sortkey *v = malloc(a->nseg * sizeof *v);
  if (!v) return nomem(a);
  size_t m = 0;
  for (size_t i = 0; i < a->nseg; i++) {
    segment *s = &a->seg[i];
    if (s->key_len == (size_t)-1) continue;
    v[m++] = (sortkey){seg_text(a, s), s->key_len, s->extra, s->order, &s->dead};
  }
  kill_losers(v, m);
  free(v);
  return LIGHT_OK;
}

static light_status resolve_query(light_args *a) {
  if (a->nq < 2) return LIGHT_OK;
  sortkey *v = malloc(a->nq * sizeof *v);
  if (!v) return nomem(a);
  for (size_t i = 0; i < a->nq; i++)
    v[i] = (sortkey){a->q[i].key, a->q[i].klen, a->q[i].extra, a->q[i].order, &a->q[i].dead};
  kill_losers(v, a->nq);
  free(v);
  return LIGHT_OK;
}

static int has_member(const light_args *a, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < a->nseg; i++) {
    const segment *s = &a->seg[i];
    if (!s->dead && s->key_len == n && memcmp(seg_text(a, s), name, n) == 0) return 1;
  }
  return 0;
}

static light_status build_query_and_url(light_args *a) {
  cJSON_Delete(a->query);
  a->query = NULL;
  size_t live = 0;
  for (size_t i = 0; i < a->nq; i++) live += !a->q[i].dead;
  cJSON *text = NULL; /* what is sent: every value as its text */
  if (live) {
    if (!(a->query = cJSON_CreateObject()) || !(text = cJSON_CreateObject())) {
      cJSON_Delete(text);
      return nomem(a);
    }
    for (size_t i = 0; i < a->nq; i++) {
      const qentry *e = &a->q[i];
      if (e->dead) continue;
      cJSON *typed = e->kind == 'b'   ? cJSON_AddBoolToObject(a->query, e->key, e->num != 0)
                     : e->kind == 'n' ? cJSON_AddNumberToObject(a->query, e->key, e->num)
                                      : cJSON_AddStringToObject(a->query, e->key, e->val);
      if (!typed || !cJSON_AddStringToObject(text, e->key, e->val)) {
        cJSON_Delete(text);
        return nomem(a);
      }
    }
  }
  light__buf_free(&a->path_query);
  light_error e = LIGHT_ERROR_INIT;
  light_status st;
  if (a->op) {
    const char *pv[MAX_PATH];
    size_t npp = 0;
    while (a->op->path_params[npp]) {
      pv[npp] = a->path[npp];
      npp++;
    }
    st = light__codec_path(a->op->path, pv, npp, &a->path_query, &e);
  } else {
    st = light__buf_appends(&a->path_query, a->raw_path) == 0 ? LIGHT_OK : LIGHT_E_NOMEM;
  }
  if (st == LIGHT_OK) st = light__codec_query(text, &a->path_query, &e);
  cJSON_Delete(text);
  if (st != LIGHT_OK) {
    if (st == LIGHT_E_NOMEM) {
      light_error_clear(&e);
      return nomem(a);
    }
    fail(a, e.param, "%s", e.message ? e.message : "invalid argument");
    light_error_clear(&e);
    return a->st;
  }
  return LIGHT_OK;
}

light_status light_args_finish(light_args *a) {
  if (!a) return LIGHT_E_INVALID_ARGUMENT;
  if (a->st != LIGHT_OK || a->finished) return a->st;
  char label[96];
  if (a->depth != 0 || a->have_key) return fail(a, NULL, "light_args_finish with an open object, array or key");
  if (a->record) {
    if (light__record_check(a, (light_args_record_kind)(a->record - 1)) == LIGHT_OK) a->finished = 1;
    return a->st;
  }
  if (a->op) {
    for (size_t i = 0; a->op->path_params[i]; i++)
      if (!a->path[i])
        return failt(a, "path_params", "%s() missing path parameter '%s'", op_label(a, label, sizeof label),
                     a->op->path_params[i]);
  }
  if (resolve_segments(a) != LIGHT_OK || resolve_query(a) != LIGHT_OK) return a->st;
  int whole = 0;
  for (size_t i = 0; i < a->nseg; i++) whole |= a->seg[i].key_len == (size_t)-1;
  light_body_kind kind = a->op ? a->op->body : (a->has_file ? LIGHT_BODY_MULTIPART : LIGHT_BODY_JSON);
  if (a->op && kind != LIGHT_BODY_JSON && (a->body_given || a->xbody_given))
    return failt(a, "body", "operation '%s' takes no JSON body (extra_body)", a->op->id);
  if (kind == LIGHT_BODY_MULTIPART && !a->has_file)
    return failt(a, "file", "%s() needs a file (the content as a string or bytes)", op_label(a, label, sizeof label));
  if (!a->op && a->has_file && a->body_given) return fail(a, "body", "give a JSON body or a file, not both");
  if (whole && a->xbody_given) return fail(a, "body", "extra_body needs the body to be an object");
  if (a->op && kind == LIGHT_BODY_JSON) {
    for (const char *const *r = a->op->required; r && *r; r++)
      if (!has_member(a, *r))
        return failt(a, "body", "%s() missing required body field '%s' (operation '%s')",
                     op_label(a, label, sizeof label), *r, a->op->id);
  }
  if ((a->op && kind == LIGHT_BODY_JSON) || (!a->op && (a->body_given || a->xbody_given))) {
    light__buf *o = &a->out_body;
    if (whole) {
      for (size_t i = 0; i < a->nseg; i++)
        if (a->seg[i].key_len == (size_t)-1 &&
            light__buf_append(o, a->body.data + a->seg[i].start, a->seg[i].end - a->seg[i].start) != 0)
          return nomem(a);
    } else {
      int first = 1;
      size_t total = 2;
      for (size_t i = 0; i < a->nseg; i++)
        if (!a->seg[i].dead) total += a->seg[i].end - a->seg[i].start + 1;
      if (!o->data) { /* one allocation of the final size */
        if (!(o->data = malloc(total + 1))) return nomem(a);
        o->cap = total + 1;
        o->len = 0;
        o->data[0] = '\0';
      }
      if (light__buf_append(o, "{", 1) != 0) return nomem(a);
      for (size_t i = 0; i < a->nseg; i++) {
        const segment *s = &a->seg[i];
        if (s->dead) continue;
        if ((!first && light__buf_append(o, ",", 1) != 0) ||
            light__buf_append(o, a->body.data + s->start, s->end - s->start) != 0)
          return nomem(a);
        first = 0;
      }
      if (light__buf_append(o, "}", 1) != 0) return nomem(a);
    }
    a->has_body = 1;
    light__buf_free(&a->body); /* wiped */
    a->body.wipe = 1;
  }
  if (a->has_file) {
    a->file.filename = a->file_name;
    a->file.content_type = a->file_ctype;
    a->file.field = a->file_field;
  }
  if (build_query_and_url(a) != LIGHT_OK) return a->st;
  a->finished = 1;
  return LIGHT_OK;
}

const char *light_args_body(const light_args *a, size_t *len) {
  if (len) *len = 0;
  if (!a || !a->finished || !a->has_body) return NULL;
  if (len) *len = a->out_body.len;
  return a->out_body.data;
}

const cJSON *light_args_query(const light_args *a) { return a && a->finished ? a->query : NULL; }

light_status light_args_set_query(light_args *a, const cJSON *query) {
  if (!a) return LIGHT_E_INVALID_ARGUMENT;
  if (a->st != LIGHT_OK) return a->st;
  if (!a->finished) return fail(a, NULL, "light_args_set_query before light_args_finish");
  for (size_t i = 0; i < a->nq; i++) {
    free(a->q[i].key);
    free(a->q[i].val);
  }
  a->nq = 0;
  if (query && !cJSON_IsObject(query)) return failt(a, "query", "query must be an object");
  for (const cJSON *it = query ? query->child : NULL; it; it = it->next) {
    const char *k = it->string ? it->string : "";
    a->pkey_len = strlen(k);
    free(a->pkey);
    if (!(a->pkey = malloc(a->pkey_len + 1))) return nomem(a);
    memcpy(a->pkey, k, a->pkey_len + 1);
    val v = {.k = V_NULL};
    if (cJSON_IsString(it))
      v.k = V_STR, v.s = it->valuestring ? it->valuestring : "", v.n = strlen(v.s);
    else if (cJSON_IsBool(it))
      v.k = V_BOOL, v.b = cJSON_IsTrue(it);
    else if (cJSON_IsNumber(it))
      v.k = V_DBL, v.d = it->valuedouble;
    else if (!cJSON_IsNull(it))
      return failt(a, "query", "query parameter '%s' must be a string, number or boolean", k);
    if (v.k == V_NULL) continue;
    char buf[40];
    const char *s;
    size_t n;
    if (scalar_text(&v, buf, sizeof buf, &s, &n) != 0)
      return fail(a, "query", "query parameter '%s' is NaN or Infinity", k);
    if (query_add(a, s, n, 0, &v) != LIGHT_OK) return a->st;
  }
  return build_query_and_url(a);
}

light_status light__args_view_get(const light_args *a, light__args_view *v) {
  if (!a) return LIGHT_E_INVALID_ARGUMENT;
  if (a->st != LIGHT_OK) return a->st;
  if (!a->finished || a->record) return LIGHT_E_STATE;
  memset(v, 0, sizeof *v);
  v->op = a->op;
  v->method = a->method;
  v->raw_path = a->raw_path;
  v->path_query = a->path_query.data ? a->path_query.data : "";
  v->path_query_len = a->path_query.len;
  if (a->has_body) {
    v->body = a->out_body.data;
    v->body_len = a->out_body.len;
  }
  v->file = a->has_file ? &a->file : NULL;
  v->headers = (const char *const *)a->hline;
  v->header_names = (const char *const *)a->hname;
  v->n_headers = a->nh;
  v->timeout_ms = a->timeout_ms;
  v->max_retries = a->max_retries;
  return LIGHT_OK;
}

/* ---- the C API's light_params ---------------------------------------------- */

static light_status stream_cjson(light_args *a, const cJSON *j, int depth) {
  if (depth > LIGHT_ARGS_MAX_DEPTH + 1)
    return fail(a, "body", "arguments nested deeper than %d levels (or cyclic)", LIGHT_ARGS_MAX_DEPTH);
  if (cJSON_IsNull(j)) return light_args_null(a);
  if (cJSON_IsBool(j)) return light_args_bool(a, cJSON_IsTrue(j));
  if (cJSON_IsNumber(j)) return light_args_double(a, j->valuedouble);
  if (cJSON_IsString(j))
    return light_args_string(a, j->valuestring ? j->valuestring : "", j->valuestring ? strlen(j->valuestring) : 0);
  if (cJSON_IsRaw(j)) return fail(a, "body", "raw cJSON items cannot be sent");
  int obj = cJSON_IsObject(j);
  if (!obj && !cJSON_IsArray(j)) return fail(a, "body", "invalid JSON item");
  light_status st = obj ? light_args_begin_object(a) : light_args_begin_array(a, (size_t)cJSON_GetArraySize(j));
  for (const cJSON *c = j->child; st == LIGHT_OK && c; c = c->next) {
    if (obj) st = light_args_key(a, c->string ? c->string : "", c->string ? strlen(c->string) : 0);
    if (st == LIGHT_OK) st = stream_cjson(a, c, depth + 1);
  }
  return st == LIGHT_OK ? light_args_end(a) : st;
}

static light_status stream_members(light_args *a, const cJSON *obj, target t) {
  a->forced = t;
  for (const cJSON *c = obj->child; c && a->st == LIGHT_OK; c = c->next) {
    const char *k = c->string ? c->string : "";
    if (light_args_key(a, k, strlen(k)) == LIGHT_OK) stream_cjson(a, c, 1);
  }
  return a->st;
}

light_status light__args_from_params(light_args **out, const char *op_id, const char *method, const char *path,
                                     const light_params *p) {
  static const light_params none = LIGHT_PARAMS_INIT;
  if (!p) p = &none;
  light_status st = op_id ? light_args_new(out, op_id, LIGHT_ARGS_TIMEOUT_MS)
                          : light_args_new_raw(out, method, method ? strlen(method) : 0, path, path ? strlen(path) : 0,
                                               LIGHT_ARGS_TIMEOUT_MS);
  light_args *a = *out;
  if (st != LIGHT_OK) return st;
  if (p->version == 0 || p->version > LIGHT_PARAMS_VERSION)
    return fail(a, "params",
                "light_params.version is 0 or newer than this library: initialise with LIGHT_PARAMS_INIT or "
                "light_params_init()");
  if (op_id) {
    size_t npp = 0;
    while (a->op->path_params[npp]) npp++;
    if (p->n_path_params != npp)
      return failt(a, "path_params", "operation '%s' takes %zu path parameter(s), %zu given", a->op->id, npp,
                   p->n_path_params);
    for (size_t i = 0; i < p->n_path_params; i++) {
      const char *v = p->path_params ? p->path_params[i] : NULL;
      if (!v) return fail(a, "path_params", "path parameter '%s' is NULL", a->op->path_params[i]);
      if (light_args_string(a, v, strlen(v)) != LIGHT_OK) return a->st;
    }
  } else if (p->n_path_params) {
    return failt(a, "path_params", "raw requests take no path parameters");
  }
  a->section = LIGHT_ARGS_PARAMS;
  a->internal = 1;
  if (p->query) {
    if (!cJSON_IsObject(p->query)) return failt(a, "query", "query must be an object");
    a->forced = T_QUERY;
    for (const cJSON *c = p->query->child; c && a->st == LIGHT_OK; c = c->next) {
      const char *k = c->string ? c->string : "";
      if (light_args_key(a, k, strlen(k)) != LIGHT_OK) break;
      if (cJSON_IsObject(c) || cJSON_IsArray(c)) {
        failt(a, "query", "query parameter '%s' must be a string, number or boolean", k);
        break;
      }
      stream_cjson(a, c, 1);
    }
    if (a->st != LIGHT_OK) return a->st;
  }
  if (p->body) {
    if (a->op && a->op->body != LIGHT_BODY_JSON)
      return fail(a, "body",
                  a->op->body == LIGHT_BODY_MULTIPART ? "operation '%s' takes a file, not a JSON body"
                                                      : "operation '%s' takes no body (pass query parameters instead)",
                  a->op->id);
    if (a->op && !cJSON_IsObject(p->body)) return fail(a, "body", "body of '%s' must be a JSON object", a->op->id);
    if (cJSON_IsObject(p->body)) {
      a->body_given = 1;
      if (stream_members(a, p->body, T_BODY) != LIGHT_OK) return a->st;
    } else {
      a->forced = T_RAWBODY;
      if (light_args_key(a, "body", 4) != LIGHT_OK || stream_cjson(a, p->body, 1) != LIGHT_OK) return a->st;
    }
  }
  if (p->file) {
    if (a->op && a->op->body != LIGHT_BODY_MULTIPART)
      return fail(a, "file",
                  a->op->body == LIGHT_BODY_JSON ? "operation '%s' takes a JSON body, not a file"
                                                 : "operation '%s' takes no file",
                  a->op->id);
    if (!(a->file_data = malloc(p->file->len ? p->file->len : 1))) return nomem(a);
    if (p->file->len) memcpy(a->file_data, p->file->data, p->file->len);
    a->file.data = a->file_data;
    a->file.len = p->file->len;
    a->has_file = 1;
    if ((p->file->filename && !(a->file_name = light__strdup(p->file->filename))) ||
        (p->file->content_type && !(a->file_ctype = light__strdup(p->file->content_type))) ||
        (p->file->field && !(a->file_field = light__strdup(p->file->field))))
      return nomem(a);
  }
  if (p->timeout_ms < 0) return fail(a, "timeout_ms", "timeout_ms must not be negative");
  a->timeout_ms = p->timeout_ms;
  if (p->max_retries > 100) return fail(a, "max_retries", "max_retries must be an integer from 0 to 100");
  a->max_retries = p->max_retries < 0 ? -1 : p->max_retries;
  a->internal = 0;
  return light_args_finish(a);
}
