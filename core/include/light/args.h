/**
 * @file light/args.h
 * @brief The argument rule: how one call's arguments become a request.
 *
 * Every binding hands the core the same three things for a call: the
 * operation (or a raw method and path), the positional path values, and one
 * params object, streamed through the length-delimited builder below while
 * the binding walks its native value. The core alone decides where each
 * top-level key goes, validates it and produces the request:
 *
 * Operation calls (light_args_new()), section ::LIGHT_ARGS_PARAMS:
 * - a path parameter's name → that path value (when not given positionally);
 * - `timeout`, `max_retries`, `extra_headers`, `extra_query`, `extra_body`
 *   → per-call options (below);
 *   (neither of these two with ::LIGHT_ARGS_SEPARATE_OPTIONS: then they are data)
 * - multipart operations: `file` (string or binary), `filename`,
 *   `content_type` (or `contentType`), `field` → the file part;
 * - everything else → the JSON body for operations with a JSON body, else
 *   the query string.
 *
 * Raw requests (light_args_new_raw()), section ::LIGHT_ARGS_PARAMS: the keys
 * `query` (object), `body` (any JSON value), `headers` (object), `timeout`,
 * `max_retries` (alias `maxRetries`); any other key is refused.
 *
 * Section ::LIGHT_ARGS_OPTIONS (a separate per-call options object, as in
 * Node's RequestOptions or Lua's trailing opts table) takes only per-call
 * options: `timeout`, `max_retries`/`maxRetries`,
 * `extra_headers`/`extraHeaders`/`headers`, `extra_query`/`extraQuery`/`query`,
 * `extra_body`/`extraBody`/`body`. Any other key → "unknown per-call option".
 *
 * Merging: `extra_query` and `extra_body` members override the same key given
 * directly; among equals the later one wins.
 *
 * Values (all strings with an explicit length; no NUL terminator needed):
 * - path values: a non-empty string without NUL, not "." or "..", at most
 *   ::LIGHT_ARGS_MAX_PARAM_BYTES bytes, or an integer; percent-encoded;
 * - query: string, integer, finite number or boolean (null = omitted); keys
 *   and values without NUL, each at most ::LIGHT_ARGS_MAX_PARAM_BYTES bytes;
 * - body: written as JSON text directly. Keys: UTF-8 without NUL. String
 *   values: UTF-8, NUL allowed (sent as \u0000). Numbers: NaN and ±Infinity
 *   are refused, integers beyond ±2^53 are refused (pass them as strings);
 *   at most ::LIGHT_ARGS_MAX_DEPTH levels, ::LIGHT_ARGS_MAX_ITEMS values and
 *   ::LIGHT_ARGS_MAX_BODY_BYTES bytes; binary data is refused;
 * - headers: names are RFC 9110 tokens; `Authorization`, `Host`,
 *   `Content-Length` and `Transfer-Encoding` are refused (the SDK sets
 *   them); values are strings without CR, LF or NUL, at most
 *   ::LIGHT_ARGS_MAX_PARAM_BYTES bytes; a header given here replaces the
 *   SDK's default of the same name (User-Agent, Accept, Content-Type);
 * - `timeout`: a positive finite number of seconds (milliseconds with
 *   ::LIGHT_ARGS_TIMEOUT_MS), at most 7 days; `max_retries`: an integer
 *   0..100. null = the client's setting.
 *
 * Errors: the first misuse sticks; every later builder call returns the same
 * status and does nothing, so a binding may stop walking at the first
 * non-LIGHT_OK return (a huge array is refused before it is walked, from its
 * announced length). light_args_error() describes it: LIGHT_E_INVALID_ARGUMENT
 * (message and param name the offending argument) or LIGHT_E_NOMEM.
 * Every check happens here, before any I/O.
 *
 * Ownership: a ::light_args owns copies of everything given to it; the
 * caller frees it with light_args_free(). Not thread-safe: one thread builds
 * it; once finished it may be used for any number of calls from any thread
 * (read-only).
 */
#ifndef LIGHT_ARGS_H
#define LIGHT_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "light/client.h"
#include "light/engine.h"
#include "light/error.h"
#include "light/exchange.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest path value, query key or value, and header value, in bytes. */
#define LIGHT_ARGS_MAX_PARAM_BYTES 8192
/** Deepest nesting of a body value. */
#define LIGHT_ARGS_MAX_DEPTH 64
/** Most values (scalars and containers) in one call's arguments. */
#define LIGHT_ARGS_MAX_ITEMS 1000000
/** Largest JSON body. */
#define LIGHT_ARGS_MAX_BODY_BYTES (64u * 1024 * 1024)
/** Most per-call headers. */
#define LIGHT_ARGS_MAX_HEADERS 32

/** light_args_new() flag: a per-call `timeout` is in milliseconds (Node), not seconds. */
#define LIGHT_ARGS_TIMEOUT_MS 1u
/**
 * light_args_new() flag: the runtime has one number type (JavaScript, LuaJIT):
 * an integral light_args_double() beyond +-2^53 is refused in a body like an
 * integer (it cannot be an exact integer on the wire).
 */
#define LIGHT_ARGS_NUMBERS_ARE_DOUBLES 2u
/**
 * light_args_new() flag: per-call options come in their own object
 * (::LIGHT_ARGS_OPTIONS: Node's RequestOptions, Lua's opts table), so every
 * key of the params object is data — `timeout` or a path parameter's name
 * there is a body or query field. Without it (Python keyword arguments) those
 * keys are options and named path parameters.
 */
#define LIGHT_ARGS_SEPARATE_OPTIONS 4u

/**
 * light_args_new() / light_args_new_record() flag: names are camelCase
 * (::light_option::js_name: `maxRetries`, `baseURL`), as Node spells them.
 */
#define LIGHT_ARGS_CAMEL_NAMES 8u

typedef struct light_args light_args;

/** What the next top-level values are (light_args_section()). */
typedef enum light_args_section_kind {
  LIGHT_ARGS_PATH = 0,   /**< each top-level value is the next positional path value (the initial section) */
  LIGHT_ARGS_PARAMS = 1, /**< key/value pairs of the params object */
  LIGHT_ARGS_OPTIONS = 2 /**< key/value pairs of a per-call options object */
} light_args_section_kind;

/**
 * @brief Start the arguments of operation @p op_id.
 * @param[out] out caller owns; free with light_args_free(). Set even on
 *             failure when memory allowed (then holding the error).
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT (unknown operation), LIGHT_E_NOMEM.
 */
LIGHT_EXTERN(light_status) light_args_new(light_args **out, const char *op_id, unsigned flags);

/**
 * @brief Start the arguments of a raw request (see light_request()).
 * @p method (letters, at most 15) and @p path (starting with '/', printable
 * ASCII without '#', no dot segments) are checked here.
 * @return as light_args_new().
 */
LIGHT_EXTERN(light_status)
light_args_new_raw(light_args **out, const char *method, size_t method_len, const char *path, size_t path_len,
                   unsigned flags);

/** @brief Free @p a (wipes the body: it may carry an SSN). NULL-safe. */
LIGHT_EXTERN(void) light_args_free(light_args *a);

/** @brief Switch section (values given so far stay). Returns the sticky status. */
LIGHT_EXTERN(light_status) light_args_section(light_args *a, light_args_section_kind section);

/** @brief Key of the next member of the object being built (or of the section). */
LIGHT_EXTERN(light_status) light_args_key(light_args *a, const char *key, size_t len);
/** @brief A string value (UTF-8; NUL allowed only in body strings). */
LIGHT_EXTERN(light_status) light_args_string(light_args *a, const char *s, size_t len);
/** @brief Binary data: accepted only as a multipart `file`. */
LIGHT_EXTERN(light_status) light_args_binary(light_args *a, const void *data, size_t len);
/** @brief An integer. Outside ±2^53 it is refused in a body. */
LIGHT_EXTERN(light_status) light_args_int(light_args *a, int64_t v);
/** @brief A number. NaN and ±Infinity are refused everywhere. */
LIGHT_EXTERN(light_status) light_args_double(light_args *a, double v);
LIGHT_EXTERN(light_status) light_args_bool(light_args *a, int v);
LIGHT_EXTERN(light_status) light_args_null(light_args *a);
/** @brief Open an object; light_args_end() closes it. */
LIGHT_EXTERN(light_status) light_args_begin_object(light_args *a);
/**
 * @brief Open an array of @p n elements (its announced length: refused at once
 * when over the item budget, so a sparse array is never walked).
 */
LIGHT_EXTERN(light_status) light_args_begin_array(light_args *a, size_t n);
LIGHT_EXTERN(light_status) light_args_end(light_args *a);

/**
 * @brief Refuse the arguments with a binding's own message (a native value
 * the builder cannot express, e.g. a JavaScript Map): sticks like any error.
 * @return LIGHT_E_INVALID_ARGUMENT (or the earlier error).
 */
LIGHT_EXTERN(light_status) light_args_fail(light_args *a, const char *param, const char *message);

/**
 * @brief Finish: open containers, path parameter count, required body fields
 * and merge rules are checked; the request is fixed. Idempotent.
 * @return the sticky status.
 */
LIGHT_EXTERN(light_status) light_args_finish(light_args *a);

/**
 * @brief Copy the sticky error into @p err (which the caller clears with
 * light_error_clear()). Returns its status (LIGHT_OK when none).
 */
LIGHT_EXTERN(light_status) light_args_error(const light_args *a, light_error *err);

/**
 * @brief 1 when the sticky error is about an argument's kind or presence (a
 * missing, unknown or wrongly typed argument: Python raises TypeError), 0 for
 * a bad value (NUL, NaN, too long, out of range: ValueError) or no error.
 */
LIGHT_EXTERN(int) light_args_error_is_type(const light_args *a);

/** @brief The query as an object of strings (after finish; borrowed; NULL when empty). For pagination. */
LIGHT_EXTERN(const cJSON *) light_args_query(const light_args *a);

/** @brief The JSON body text (after finish; borrowed), length in @p len; NULL when the request has none. */
LIGHT_EXTERN(const char *) light_args_body(const light_args *a, size_t *len);

/**
 * @brief Replace the query by @p query (an object of scalars, e.g. the next
 * page's from light_page_next_query()); validated like params. After finish.
 */
LIGHT_EXTERN(light_status) light_args_set_query(light_args *a, const cJSON *query);

/**
 * @brief light_call() with finished arguments (reusable: @p args is only read).
 * @return as light_call(); the sticky argument error when @p args holds one.
 */
LIGHT_EXTERN(light_status)
light_call_args(light_response **out, light_client *client, const light_args *args, light_error *err);

/**
 * @brief light_exchange_new() with finished arguments (copied: @p args may be freed afterwards).
 * @return as light_exchange_new().
 */
LIGHT_EXTERN(light_status)
light_exchange_new_args(light_exchange **out, light_client *client, const light_args *args, light_error *err);

/**
 * @brief light_engine_submit() with finished arguments (copied at submission).
 * @return as light_engine_submit().
 */
LIGHT_EXTERN(light_status)
light_engine_submit_args(light_async_request **handle, light_engine *engine, light_client *client,
                         const light_args *args, light_done_cb done, void *ud, light_error *err);

/**
 * @name Record arguments
 * The other values a binding hands the core — client options, with_options
 * overrides, webhook arguments — go through the same builder, so each
 * binding walks its native values with the one converter it has for call
 * arguments, and the core alone checks them, with one message for every
 * language. Top-level members are kept as values (strings copied, and wiped
 * when the args are freed: they hold tokens and webhook secrets); an array
 * keeps its string elements. light_args_finish() runs the check of the
 * record's kind; a type misuse (an unknown or missing name, a value of the
 * wrong kind) is flagged for light_args_error_is_type().
 * @{
 */
typedef enum light_args_record_kind {
  /** Client construction: every key is a user option of the table
   *  (light/options.h), snake_case or with ::LIGHT_ARGS_CAMEL_NAMES camelCase;
   *  numbers in seconds, or with ::LIGHT_ARGS_TIMEOUT_MS in the table's unit;
   *  null = the default. */
  LIGHT_ARGS_CLIENT_OPTIONS = 0,
  /** light_client_with_options(): `timeout`, `connect_timeout`, `max_retries`, `app_info` (names and units as above).
   */
  LIGHT_ARGS_CLIENT_OVERRIDES = 1,
  /** Webhook verification: positional or named `payload` (string or binary, required), `signature`
   *  (string; null = none), `secret` (a string or an array of at most 16 strings, without NUL; null =
   *  none), `tolerance` (seconds, 1 .. ::LIGHT_WEBHOOK_MAX_TOLERANCE; null = the default), `now` (Unix
   *  seconds; null = the clock). */
  LIGHT_ARGS_WEBHOOK_VERIFY = 2,
  /** Webhook signing: `payload` (required), `secret` (a non-empty string without NUL, required),
   *  `timestamp` (Unix seconds >= 0; null = the clock). */
  LIGHT_ARGS_WEBHOOK_SIGN = 3
} light_args_record_kind;

/**
 * @brief Start record arguments of @p kind (flags: ::LIGHT_ARGS_CAMEL_NAMES,
 * ::LIGHT_ARGS_TIMEOUT_MS, ::LIGHT_ARGS_NUMBERS_ARE_DOUBLES). Webhook kinds
 * start in the ::LIGHT_ARGS_PATH section (positional values take the names in
 * order) and take named values in ::LIGHT_ARGS_PARAMS; option kinds start in
 * ::LIGHT_ARGS_PARAMS. Ownership as light_args_new().
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT (unknown kind), LIGHT_E_NOMEM.
 */
LIGHT_EXTERN(light_status) light_args_new_record(light_args **out, light_args_record_kind kind, unsigned flags);

/**
 * @brief Store finished ::LIGHT_ARGS_CLIENT_OPTIONS arguments into @p opts
 * (initialised with light_client_options_init(); the environment's defaults
 * stay where no value was given). Strings are borrowed from @p a: keep it
 * until light_client_new() returns.
 * @return LIGHT_OK, or the sticky status (LIGHT_E_STATE when @p a is not finished options).
 */
LIGHT_EXTERN(light_status) light_args_client_options(const light_args *a, light_client_options *opts);

/**
 * @brief Store finished ::LIGHT_ARGS_CLIENT_OVERRIDES arguments into @p o
 * (initialised with light_client_overrides_init()). Strings are borrowed from @p a.
 * @return as light_args_client_options().
 */
LIGHT_EXTERN(light_status) light_args_client_overrides(const light_args *a, light_client_overrides *o);

/**
 * @brief light_webhook_verify() of finished ::LIGHT_ARGS_WEBHOOK_VERIFY
 * arguments; the payload is then light_args_payload()'s.
 * @return as light_webhook_verify(); the sticky status of @p a.
 */
LIGHT_EXTERN(light_status) light_webhook_verify_args(const light_args *a, light_error *err);

/**
 * @brief light_webhook_sign() of finished ::LIGHT_ARGS_WEBHOOK_SIGN arguments
 * into @p out (at least ::LIGHT_SIGNATURE_MAX bytes).
 * @return as light_webhook_sign(), with @p err filled; the sticky status of @p a.
 */
LIGHT_EXTERN(light_status)
light_webhook_sign_args(char *out, size_t out_size, const light_args *a, light_error *err);

/** @brief The `payload` of finished webhook arguments (borrowed from @p a), its length in @p len; NULL otherwise. */
LIGHT_EXTERN(const char *) light_args_payload(const light_args *a, size_t *len);
/** @} */

#ifdef __cplusplus
}
#endif
#endif
