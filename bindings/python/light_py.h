/* Internal contract between the files of the CPython binding (light._light).
 *
 * One file per core concept: module.c (init, module state, operation table),
 * client.c (Client type, blocking calls), errors.c (exception classes and
 * light_error → exception), webhook.c (sign/verify), engine.c (asyncio
 * driver of the core's async engine), convert.c (Python → the core's
 * light_args), decode.c (JSON → Python). No static mutable state: everything
 * lives in the module state or in instances. Cross-file names are `lpy_`;
 * everything else is static. */
#ifndef LIGHT_PY_H
#define LIGHT_PY_H

/* Only the limited API of CPython 3.10 (stable ABI, abi3): one build serves
 * 3.10 and every later version. CMakeLists.txt defines it for every build;
 * the default here keeps a stray compile honest. */
#ifndef Py_LIMITED_API
#define Py_LIMITED_API 0x030A0000
#endif
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <light/light.h>

/* Capacity of the class table; light_error_kind_count() must fit (checked at import). */
#define LPY_N_KINDS 32

typedef struct lpy_state {
  PyTypeObject *client_type;  /* _light.Client */
  PyTypeObject *engine_type;  /* _light.Engine */
  PyTypeObject *request_type; /* _light.AsyncRequest */
  PyObject *exc[LPY_N_KINDS]; /* exception class per light_error_kind (NONE unused) */
  PyObject *str_add_reader, *str_add_writer, *str_remove_reader, *str_remove_writer; /* interned (module.c) */
  PyObject *str_call_later, *str_call_soon, *str_cancel, *str_set_result, *str_set_exception;
  PyObject *str_create_future, *str_done;
  char runtime[32]; /* "python/3.12.1": the interpreter running us (not the headers built against) */
} lpy_state;

/* Module state of @p module (a light._light module object). */
lpy_state *lpy_state_of(PyObject *module);
/* Module state from a type of this module (instances' types are not subclassable). */
lpy_state *lpy_state_from_type(PyTypeObject *tp);

/* ---- client.c ---------------------------------------------------------- */
typedef struct lpy_client lpy_client; /* _light.Client's instance (client.c) */
int lpy_client_type_init(PyObject *module, lpy_state *st);
/* Borrow the core client for a call: NULL (exception set) when closed. */
light_client *lpy_client_acquire(lpy_client *c);
/* Return a client borrowed with lpy_client_acquire() (frees it when closing). */
void lpy_client_release(lpy_client *c);

/* Result of a successful response: the tuple (json, next_query or None,
 * (status, raw headers, request_id or None, retries)); next_query only when
 * @p paginated. Takes nothing from @p resp (caller frees it). */
PyObject *lpy_result(lpy_state *st, light_response *resp, const cJSON *prev_query, int paginated);

/* ---- errors.c ---------------------------------------------------------- */
int lpy_errors_init(PyObject *module, lpy_state *st);
/* Raise the Python exception for @p err (status @p code; may be NULL) and clear @p err. Always returns NULL. */
PyObject *lpy_raise(lpy_state *st, light_status code, light_error *err);
/* Raise light's own LightError @p message (a closed client or engine) as the core's are raised. NULL. */
PyObject *lpy_raise_state(lpy_state *st, const char *message);
/* A TypeError/ValueError (@p cls) with @p msg and err->param as `.param`; new reference or NULL. */
PyObject *lpy_arg_exception(PyObject *cls, const light_error *err, const char *msg);
/* Build (not raise) the exception for @p err; new reference, or NULL with an error set. */
PyObject *lpy_exception(lpy_state *st, light_status code, const light_error *err);

/* ---- decode.c ---------------------------------------------------------- */
/* JSON text → Python (dict/list/str/int/float/bool/None) with the core's
 * parser (light/json.h), filling @p summary (may be NULL). New reference; on
 * failure NULL with: a Python exception set (MemoryError from a builder
 * callback) or, when none is set, the parse's outcome in @p res. */
PyObject *lpy_decode_raw(const char *text, size_t len, light_json_member *summary, size_t n_summary,
                         light_json_result *res);
/* The same, raising light's error for a refused text (@p what: "response
 * body", ...): the decode error, or the too-large error past
 * LIGHT_JSON_MAX_VALUES. An empty text gives None. */
PyObject *lpy_decode(lpy_state *st, const char *text, size_t len, const char *what);
/* cJSON (small trees the core builds, e.g. the next page's query) → Python. */
PyObject *lpy_decode_cjson(lpy_state *st, const cJSON *j);

/* ---- convert.c --------------------------------------------------------- */
/* Bytes of a bytes-like object (bytes, bytearray, memoryview, any buffer). On
 * success *data and *len stay valid while *keep (a new reference the caller
 * drops) lives; the data never changes under a released GIL (non-bytes
 * buffers are copied). -1 with TypeError otherwise. */
int lpy_bytes_of(PyObject *o, PyObject **keep, const char **data, Py_ssize_t *len);
/* Request direction (Python → the core's light_args). Stream one value, or
 * the members of a mapping as key/value pairs of the current section.
 * 0, or -1 with an exception set or the args' sticky error (check both). */
int lpy_args_value(light_args *a, PyObject *obj);
int lpy_args_members(light_args *a, PyObject *obj);
/* Finish streamed arguments (@p rc: the streaming's outcome): @p a, or NULL
 * (@p a freed) with the exception: Python's, TypeError for a type misuse the
 * core flagged (Python's idiom), else the core's error (ValueError, ...). */
light_args *lpy_args_finish(lpy_state *st, light_args *a, int rc);
/* A call's arguments as a finished light_args (light/args.h): @p path_params
 * a tuple of positional path values (or NULL), @p params a mapping of
 * keyword arguments (or NULL); for a raw request (@p op_id NULL) @p params
 * is {query, body, headers, timeout, max_retries}. NULL with an exception set. */
light_args *lpy_args_build(lpy_state *st, const char *op_id, const char *method, Py_ssize_t method_len,
                           const char *path, Py_ssize_t path_len, PyObject *path_params, PyObject *params);

/* ---- webhook.c --------------------------------------------------------- */
extern PyMethodDef lpy_webhook_methods[];

/* ---- engine.c ---------------------------------------------------------- */
int lpy_engine_type_init(PyObject *module, lpy_state *st);

#endif
