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

#endif
