/* Internal (light__) view of finished call arguments (light/args.h), read by
 * the exchange when it builds the request. Implemented in params.c. */
#ifndef LIGHT_PARAMS_INTERNAL_H
#define LIGHT_PARAMS_INTERNAL_H

#include "light/args.h"
#include "light/client.h"
#include "light/operation.h"

typedef struct light__args_view {
  const light_operation *op; /* NULL for a raw request */
  const char *method;        /* raw: upper-case method; op: op->method */
  const char *raw_path;      /* raw: the path as given (NUL-terminated); op: NULL */
  const char *path_query;    /* encoded path (op) or raw path, then "?query"; NUL-terminated */
  size_t path_query_len;
  const char *body; /* JSON text (NUL-terminated) or NULL when no JSON body */
  size_t body_len;
  const light_file *file;     /* multipart file or NULL */
  const char *const *headers; /* "Name: value" lines */
  const char *const *header_names;
  size_t n_headers;
  long timeout_ms; /* 0 = client's */
  int max_retries; /* -1 = client's */
} light__args_view;

/* The view of a finished, error-free @p a (borrowed from it). Returns the sticky status otherwise. */
light_status light__args_view_get(const light_args *a, light__args_view *v);

/* Build finished arguments from the C API's light_params (op_id, or method+path for raw). */
light_status light__args_from_params(light_args **out, const char *op_id, const char *method, const char *path,
                                     const light_params *p);

/* One member of record arguments (light_args_new_record()), owned by the args. */
typedef enum light__arg_kind {
  LIGHT__ARG_STRING,
  LIGHT__ARG_BINARY,
  LIGHT__ARG_INT,
  LIGHT__ARG_DOUBLE,
  LIGHT__ARG_BOOL,
  LIGHT__ARG_NULL,
  LIGHT__ARG_OBJECT,
  LIGHT__ARG_ARRAY
} light__arg_kind;

typedef struct light__arg {
  const char *name; /* NUL-terminated: one of the record's static names, or a copy (name_owned) */
  size_t name_len;
  int name_owned;
  int wipe; /* s is wiped when freed (everything but a webhook's payload and signature) */
  light__arg_kind kind;
  char *s; /* STRING/BINARY: copy with a NUL after its n bytes (wiped at free) */
  size_t n;
  int64_t i;
  double d;
  int b;
  char **items; /* ARRAY: copies of its string elements (wiped at free), NUL-terminated */
  size_t *item_len;
  size_t n_items;
  int bad_item;                  /* ARRAY: an element that is not a string was given */
  light__arg_kind bad_item_kind; /* ... of this kind */
} light__arg;

/* Members of record arguments, in the order given (NULL, 0 for call arguments). */
const light__arg *light__args_record(const light_args *a, size_t *n);
/* The member that takes positional name @p i of a webhook record (the order of
 * light/args.h: payload, signature, secret, tolerance, now / payload, secret,
 * timestamp), or NULL when not given. */
const light__arg *light__args_slot(const light_args *a, size_t i);
/* The member named @p name, or NULL. */
const light__arg *light__args_member(const light_args *a, const char *name);
/* "a string", "binary data", "a number", ... for messages. */
const char *light__arg_kind_name(light__arg_kind k);
/* The kind of finished, error-free record arguments, else -1. */
int light__args_record_kind(const light_args *a);
/* The flags light_args_new_record() was given. */
unsigned light__args_flags(const light_args *a);
/* Make @p a's sticky error (@p type: a TypeError in Python; else a bad value). Returns it. */
light_status light__args_failf(light_args *a, int type, const char *param, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* Copy @p err (a setter's error) into @p a's sticky error. */
light_status light__args_fail_err(light_args *a, int type, const light_error *err);

/* record.c: the check light_args_finish() runs over record arguments of @p kind. */
light_status light__record_check(light_args *a, light_args_record_kind kind);

#endif
