/**
 * @file light/options.h
 * @brief The client option table: every option of ::light_client_options as
 *        data (name, type, unit, default, env var, range, doc), and setters
 *        that validate a value before storing it.
 *
 * Every binding iterates this table to accept, validate, convert and
 * document client options, so the option set, the checks and the messages
 * are the same in every language:
 *
 * - Python and Lua take the snake_case ::light_option::name, Node the
 *   camelCase ::light_option::js_name. A name found in neither is refused
 *   (light_option_find() returns NULL; the setters fail with "unknown option").
 * - Units: the table states each number's unit in the core ("ms", "s",
 *   "bytes", "1/s"). Python and Lua give every duration in seconds
 *   (light_client_options_set_seconds() converts "ms" options); Node gives
 *   numbers in the table's unit as they are (timeouts in milliseconds,
 *   backoff in seconds).
 * - A number must be finite, an integer where the type is ::LIGHT_OPT_INT,
 *   and inside [min, max] (min excluded when ::LIGHT_OPT_MIN_EXCLUSIVE);
 *   a string must not contain NUL (its length is given), and tokens, URLs,
 *   the CA file and the proxy must not contain CR or LF.
 *
 * Everything here is static data or works on the caller's struct: no
 * allocation, no locking; any thread.
 */
#ifndef LIGHT_OPTIONS_H
#define LIGHT_OPTIONS_H

#include <stddef.h>

#include "light/client.h"
#include "light/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Value type of an option. */
typedef enum light_option_type {
  LIGHT_OPT_STRING = 1, /**< text; NUL refused */
  LIGHT_OPT_INT = 2,    /**< integer number (a double with a fraction is refused) */
  LIGHT_OPT_DOUBLE = 3, /**< finite number */
  LIGHT_OPT_BOOL = 4,   /**< true/false */
  LIGHT_OPT_ENUM = 5    /**< one of ::light_option::choices, given as a string */
} light_option_type;

/** ::light_option::flags */
#define LIGHT_OPT_SECRET 1u        /**< value never shown (tokens; proxy may carry user:password) */
#define LIGHT_OPT_INTERNAL 2u      /**< set by the bindings themselves, not a user option */
#define LIGHT_OPT_MIN_EXCLUSIVE 4u /**< the value must be greater than min, not equal */
#define LIGHT_OPT_NO_CRLF 8u       /**< CR and LF refused (headers, URLs, paths) */
#define LIGHT_OPT_PATH 16u         /**< a file path: bindings also accept their path objects (os.PathLike) */

/** One row of the option table. Static: never free. */
typedef struct light_option {
  const char *name;    /**< snake_case ("max_retries"); Python, Lua, C docs */
  const char *js_name; /**< camelCase ("maxRetries", "baseURL"); Node */
  light_option_type type;
  const char *unit;         /**< "ms", "s", "bytes", "1/s", or NULL */
  const char *default_text; /**< human-readable default ("60000", "https://api.light.dev", "off") */
  double default_number;    /**< a number's default in ::unit (the value light_client_new uses for 0), else 0 */
  const char *env;          /**< environment variable read by light_client_options_init(), or NULL */
  double min, max;          /**< range of a number, in ::unit */
  const char *choices;      /**< ::LIGHT_OPT_ENUM: "off|error|info|debug"; else NULL */
  const char *doc;          /**< one line of documentation */
  size_t offset;            /**< offsetof(light_client_options, field) */
  unsigned flags;           /**< LIGHT_OPT_* bits */
} light_option;

/** @brief Number of rows in the option table. */
LIGHT_EXTERN(size_t) light_option_count(void);

/** @brief Row @p i (0-based), or NULL when out of range. */
LIGHT_EXTERN(const light_option *) light_option_at(size_t i);

/**
 * @brief The row whose name or js_name is @p name (@p len bytes, not
 *        necessarily NUL-terminated), or NULL. Internal options
 *        (::LIGHT_OPT_INTERNAL) are found too; bindings decide whether to
 *        accept them from users.
 */
LIGHT_EXTERN(const light_option *) light_option_find(const char *name, size_t len);

/** @brief "string", "integer", "number", "boolean" (the type named in messages). */
LIGHT_EXTERN(const char *) light_option_type_name(light_option_type type);

/**
 * @brief Fill @p err for a value of the wrong runtime type:
 *        "option 'timeout' must be a number, not <got>" (LIGHT_E_INVALID_ARGUMENT,
 *        param = the row's name). @p given is the name as the caller spelled
 *        it (NULL = the row's name); @p got the runtime's type name.
 * @return LIGHT_E_INVALID_ARGUMENT
 */
LIGHT_EXTERN(light_status)
light_option_type_error(const light_option *opt, const char *given, const char *got, light_error *err);

/**
 * @brief Fill @p err with "unknown option 'foo'" (@p len bytes of @p name;
 *        control characters shown as '?'). @return LIGHT_E_INVALID_ARGUMENT
 */
LIGHT_EXTERN(light_status) light_option_unknown_error(const char *name, size_t len, light_error *err);

/**
 * @brief Set a string or enum option. @p value (@p len bytes, and
 *        value[len] must be '\0') is borrowed: it must outlive the use of
 *        @p opts by light_client_new(). NULL resets the option to its default.
 * @param name  snake_case or camelCase name (NUL-terminated)
 * @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT (unknown name, not a string
 *         option, NUL inside, CR/LF where refused, enum value not a choice).
 */
LIGHT_EXTERN(light_status)
light_client_options_set_string(light_client_options *opts, const char *name, const char *value, size_t len,
                                light_error *err);

/**
 * @brief Set a number option in the table's unit. For ::LIGHT_OPT_INT the
 *        value must be integral. NaN, ±Infinity and values outside
 *        [min, max] are refused. @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT.
 */
LIGHT_EXTERN(light_status)
light_client_options_set_double(light_client_options *opts, const char *name, double value, light_error *err);

/** @brief light_client_options_set_double() for an integer (exact beyond 2^53). */
LIGHT_EXTERN(light_status)
light_client_options_set_int(light_client_options *opts, const char *name, long long value, light_error *err);

/**
 * @brief Set a duration given in seconds: "ms" options are converted
 *        (rounded to the nearest millisecond), "s" options taken as they are.
 *        Messages speak of seconds. Other options: as light_client_options_set_double().
 */
LIGHT_EXTERN(light_status)
light_client_options_set_seconds(light_client_options *opts, const char *name, double seconds, light_error *err);

/** @brief Set a boolean option (@p value 0 or 1). @return LIGHT_OK, LIGHT_E_INVALID_ARGUMENT. */
LIGHT_EXTERN(light_status)
light_client_options_set_bool(light_client_options *opts, const char *name, int value, light_error *err);

/**
 * @brief The option table as JSON, for bindings and generators that hand it
 * to their runtime with their JSON converter: an array of objects {name,
 * js_name, type ("string", "integer", "number", "boolean", "enum"), unit,
 * default, default_number, env, min, max, min_exclusive, choices, doc,
 * internal, secret, path}; keys whose value is NULL in the table (unit, env,
 * choices, and min/max/default_number of non-numbers) are left out.
 * @return a new tree the caller frees with cJSON_Delete(), or NULL when out of memory.
 */
LIGHT_EXTERN(cJSON *) light_option_table_json(void);

/**
 * @brief The error kinds as JSON: an array indexed by kind - 1 of objects
 * {kind, name, parent (absent for the root), status (absent when none), doc}.
 * @return a new tree the caller frees with cJSON_Delete(), or NULL when out of memory.
 */
LIGHT_EXTERN(cJSON *) light_error_kind_table_json(void);

/** light_operation_table_json() / light_error_details_json() flag: camelCase keys (Node). */
#define LIGHT_TABLE_CAMEL_KEYS 1u

/**
 * @brief The operation table (light/operation.h) as JSON: an array of objects
 * {id, method, path, auth ("none", "app", "account"), body ("none", "json",
 * "multipart"), paginated, idempotent, inferred, confidence, ns, name,
 * path_params, query_params, required, success_status, summary}
 * (pathParams, queryParams, successStatus with ::LIGHT_TABLE_CAMEL_KEYS).
 * @return a new tree the caller frees with cJSON_Delete(), or NULL when out of memory.
 */
LIGHT_EXTERN(cJSON *) light_operation_table_json(unsigned flags);

/**
 * @brief What an error carries, as one JSON object the bindings turn into
 * their exception's attributes, so every language has the same fields:
 * kind (the class name), message (the core's text), status (when there was a
 * response), request_id, headers ({lower-case name: value}, repeated names
 * joined with ", "; present when there was a response), retries, retry_after
 * (seconds, when the server sent one), reason (signature failures), param
 * (the offending argument). Absent values are left out; keys are camelCase
 * (requestId, retryAfter) with ::LIGHT_TABLE_CAMEL_KEYS. The response body is
 * not included: bindings decode light_error::body with their own decoder
 * (it may hold NUL).
 * @return a new tree the caller frees with cJSON_Delete() (an empty object for
 *         NULL @p err), or NULL when out of memory.
 */
LIGHT_EXTERN(cJSON *) light_error_details_json(const light_error *err, unsigned flags);

#ifdef __cplusplus
}
#endif
#endif
