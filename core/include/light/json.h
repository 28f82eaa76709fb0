/**
 * @file light/json.h
 * @brief The one JSON parser of light-sdk: strict, sans-I/O, with builder callbacks.
 *
 * light_json_parse() reads exactly [text, text+len) (no NUL terminator needed)
 * and calls a ::light_json_builder once per value, in document order, so a
 * binding builds its native values (Python objects, Lua tables, Node values)
 * straight from the bytes, with no intermediate tree — the model is hiredis'
 * redisReplyObjectFunctions. The C API's cJSON tree (light_response_json())
 * is one such builder (light_json_to_cjson()), so every language sees the same
 * accept/reject decisions and the same values.
 *
 * Strictness (RFC 8259, and the same in every language):
 * - text is valid UTF-8 (no overlong forms, no encoded surrogates, nothing
 *   above U+10FFFF); a \\uXXXX escape of a surrogate must be a high+low pair;
 *   control characters (< 0x20) inside strings must be escaped;
 * - no NaN/Infinity, no leading zeros, no trailing commas, no comments, one
 *   value per text (whitespace around it allowed);
 * - numbers are held exactly or refused: an integer literal (no fraction, no
 *   exponent) must lie within ±(2^53 − 1) (::LIGHT_JSON_MAX_SAFE_INTEGER, what
 *   a JavaScript number and a double hold exactly), and no number may overflow
 *   a double (1e400). A larger integer is ::LIGHT_JSON_E_NUMBER in every
 *   language, Python included: the API sends money, kWh and identifiers as
 *   strings, and strings are delivered byte for byte. Fractions are rounded
 *   to the nearest double, as every JSON parser does; underflow gives 0;
 * - nesting at most ::LIGHT_JSON_MAX_DEPTH levels of arrays/objects;
 * - at most ::LIGHT_JSON_MAX_VALUES values (scalars and containers, keys not
 *   counted) per text: the decoded-value limit that bounds the memory a body
 *   under the wire cap (max_response_bytes) can cost once it becomes native
 *   objects. Exceeding it is ::LIGHT_JSON_E_TOO_MANY, which light_json_error()
 *   reports as LIGHT_E_TOO_LARGE ("too-large"), the error of an over-cap body.
 *
 * Strings (values and keys) are delivered decoded, with their length: a
 * "\\u0000" inside is kept (a C string would cut it). Duplicate keys are
 * delivered as they come (a dict-like builder keeps the last, like every
 * runtime's JSON.parse/json.loads).
 */
#ifndef LIGHT_JSON_H
#define LIGHT_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "light/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Deepest nesting of arrays/objects accepted (cJSON's limit, and CPython's recursion limit). */
#define LIGHT_JSON_MAX_DEPTH 1000
/** Most values (scalars + containers) one text may hold: 4 Mi. */
#define LIGHT_JSON_MAX_VALUES ((size_t)4 << 20)
/** Largest integer magnitude accepted: 2^53 − 1 (JavaScript's Number.MAX_SAFE_INTEGER). */
#define LIGHT_JSON_MAX_SAFE_INTEGER INT64_C(9007199254740991)

/** Value types. Numbers fixed. */
typedef enum light_json_type {
  LIGHT_JSON_ABSENT = -1, /**< (summaries only) no such member */
  LIGHT_JSON_NULL = 0,
  LIGHT_JSON_FALSE = 1,
  LIGHT_JSON_TRUE = 2,
  LIGHT_JSON_NUMBER = 3,
  LIGHT_JSON_STRING = 4,
  LIGHT_JSON_ARRAY = 5,
  LIGHT_JSON_OBJECT = 6
} light_json_type;

/** Why a parse failed. Numbers fixed. */
typedef enum light_json_errc {
  LIGHT_JSON_OK = 0,
  LIGHT_JSON_E_SYNTAX = 1,    /**< not JSON (includes an empty text) */
  LIGHT_JSON_E_UTF8 = 2,      /**< invalid UTF-8 */
  LIGHT_JSON_E_SURROGATE = 3, /**< \\uD800-\\uDFFF escape not forming a pair */
  LIGHT_JSON_E_NUMBER = 4,    /**< number that cannot be held exactly (see the file comment) */
  LIGHT_JSON_E_DEPTH = 5,     /**< nested deeper than the limit */
  LIGHT_JSON_E_TOO_MANY = 6,  /**< more values than the limit */
  LIGHT_JSON_E_NOMEM = 7,     /**< the parser's own scratch allocation failed */
  LIGHT_JSON_E_BUILDER = 8    /**< a builder callback returned failure (its own error stands) */
} light_json_errc;

/** Where a value goes. Passed to every callback; valid during that call only. */
typedef struct light_json_slot {
  void *parent;                /**< handle begin() returned for the enclosing container; NULL for the root */
  light_json_type parent_type; /**< LIGHT_JSON_ARRAY or LIGHT_JSON_OBJECT (LIGHT_JSON_ABSENT at the root) */
  size_t index;                /**< 0-based position in the parent */
  const char *key;             /**< member key when the parent is an object: decoded UTF-8, may contain NUL; */
  size_t key_len;              /**<   valid in scalar() and begin() only (NULL in end()) */
  int depth;                   /**< 0 for the root */
} light_json_slot;

/** A scalar value. Pointers are valid during the callback only. */
typedef struct light_json_scalar {
  light_json_type type; /**< NULL, FALSE, TRUE, NUMBER or STRING */
  const char *str;      /**< STRING: decoded UTF-8 bytes (may contain NUL); NUMBER: the literal as written */
  size_t len;           /**< bytes at str */
  int is_integer;       /**< NUMBER written without fraction or exponent: @ref i holds it exactly */
  int64_t i;            /**< NUMBER with is_integer */
  double d;             /**< NUMBER: its value as a double (exact when is_integer; "-0" gives -0.0) */
} light_json_scalar;

/**
 * Builder callbacks. Each attaches the value to at->parent (at its index or
 * key) or, for the root (at->parent == NULL), keeps it as the result.
 * Return 0 on success; nonzero (scalar/end) or NULL (begin) stops the parse
 * with ::LIGHT_JSON_E_BUILDER — the builder records its own error.
 * Everything built before a failure (of any kind) is reachable from the root
 * the builder kept; the builder frees it. The parser allocates nothing the
 * builder must free.
 */
typedef struct light_json_builder {
  int (*scalar)(void *ud, const light_json_slot *at, const light_json_scalar *v);
  /** A container opens: return its handle (passed as parent to its members). */
  void *(*begin)(void *ud, const light_json_slot *at, light_json_type type);
  /** The container closes with @p count members. */
  int (*end)(void *ud, const light_json_slot *at, void *container, light_json_type type, size_t count);
} light_json_builder;

/**
 * A top-level member of a root object to summarise while parsing (the
 * exchange reads has_more/offset/limit/data and token this way, and the
 * webhook envelope check event/data, without a tree). Set @ref key; the
 * parser fills the rest (for the last occurrence of a duplicate key).
 */
typedef struct light_json_member {
  const char *key;      /**< in: NUL-terminated key */
  light_json_type type; /**< out: the value's type, LIGHT_JSON_ABSENT when missing or the root is no object */
  size_t count;         /**< out: members of an array or object value */
  double number;        /**< out: a NUMBER's value, or a STRING's when it is a whole JSON number literal; else NaN */
} light_json_member;

/** Options; a zeroed struct (or NULL) means the documented limits and no summary. */
typedef struct light_json_options {
  size_t max_depth;           /**< 0: LIGHT_JSON_MAX_DEPTH (values above it are clamped to it) */
  size_t max_values;          /**< 0: LIGHT_JSON_MAX_VALUES */
  light_json_member *summary; /**< optional top-level members to summarise */
  size_t n_summary;
} light_json_options;

/** Outcome of a parse. */
typedef struct light_json_result {
  light_json_errc error; /**< LIGHT_JSON_OK on success */
  size_t offset;         /**< byte offset of the failure (or of the end) */
  size_t values;         /**< values seen */
  light_json_type root;  /**< type of the root value (LIGHT_JSON_ABSENT on a syntax error before it) */
  size_t max_depth;      /**< the depth limit used (for messages) */
  size_t max_values;     /**< the value limit used (for messages) */
} light_json_result;

/**
 * Parse [text, text+len) strictly, calling @p b (NULL: validate only).
 * @return LIGHT_JSON_OK or the error (also in @p res when non-NULL).
 */
LIGHT_EXTERN(light_json_errc)
light_json_parse(const char *text, size_t len, const light_json_builder *b, void *ud, const light_json_options *opt,
                 light_json_result *res);

/**
 * Fill @p err for a failed parse of a @p len byte text, with one message for
 * every language: "<what> is not valid JSON (invalid UTF-8 at byte 7 of 20)",
 * "<what> is JSON nested deeper than 1000 levels", "<what> holds more than
 * 4194304 JSON values (the decoded-value limit)", ... (@p what e.g.
 * "response body"). Returns the status: LIGHT_E_TOO_LARGE for
 * ::LIGHT_JSON_E_TOO_MANY, LIGHT_E_NOMEM for ::LIGHT_JSON_E_NOMEM,
 * LIGHT_E_DECODE otherwise (kind LIGHT_ERR_DECODE; LIGHT_ERR_LIGHT for the
 * first two). Not for ::LIGHT_JSON_E_BUILDER (the builder's error stands):
 * that returns LIGHT_E_INTERNAL.
 */
LIGHT_EXTERN(light_status)
light_json_error(light_error *err, const light_json_result *res, size_t len, const char *what);

/**
 * Parse into a new cJSON tree (the C API's builder). @p out: caller owns
 * (cJSON_Delete). cJSON keeps strings as C strings, so a string or key
 * containing "\\u0000" is cut there in the tree (use light_json_parse() for
 * the full bytes). @return LIGHT_OK, or what light_json_error() returns
 * (@p what "response body").
 */
LIGHT_EXTERN(light_status) light_json_to_cjson(const char *text, size_t len, cJSON **out, light_error *err);

#ifdef __cplusplus
}
#endif

#endif
