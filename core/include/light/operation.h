/**
 * @file light/operation.h
 * @brief The operation table: one row per Light API endpoint.
 *
 * This table is the single source of truth for the API surface. Bindings
 * enumerate it to build their namespaced methods (`client.<ns>.<name>`), type
 * stubs are generated from it, and the transports use it for method, path,
 * auth kind and retry safety. Adding an endpoint is one row in
 * core/src/operation_table.c.
 */
#ifndef LIGHT_OPERATION_H
#define LIGHT_OPERATION_H

#include "light/common.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Which token an operation needs. */
typedef enum light_auth_kind {
  LIGHT_AUTH_NONE = 0,
  LIGHT_AUTH_APP = 1,    /**< app token (paths under /v1/app/) */
  LIGHT_AUTH_ACCOUNT = 2 /**< account token (paths under /v1/account/) */
} light_auth_kind;

/** How an operation's request body is sent. */
typedef enum light_body_kind {
  LIGHT_BODY_NONE = 0,     /**< no body (GET, or POST without payload) */
  LIGHT_BODY_JSON = 1,     /**< application/json object */
  LIGHT_BODY_MULTIPART = 2 /**< multipart/form-data with a `file` part */
} light_body_kind;

/** How much the docs back an operation up (endpoints.json `confidence`). */
typedef enum light_confidence {
  LIGHT_CONFIDENCE_DOCUMENTED = 0,
  LIGHT_CONFIDENCE_EXAMPLE_APP = 1,
  LIGHT_CONFIDENCE_INFERRED = 2
} light_confidence;

/**
 * One endpoint. All strings are static. NULL-terminated string lists.
 *
 * Binding surface: an operation is exposed on the client of its @c auth kind
 * (app client or account client) as `<ns>.<name>` where @c ns is a dotted
 * namespace path ("accounts", "billing.invoices", "locations.usage") or ""
 * for a method on the client itself (e.g. the account client's `retrieve`).
 * Path parameters are positional, in @c path_params order; everything else is
 * keyword/body.
 */
typedef struct light_operation {
  const char *id;     /**< stable id, e.g. "create_account" */
  const char *method; /**< "GET", "POST", "PATCH", "PUT", "DELETE" */
  const char *path;   /**< template, e.g. "/v1/app/accounts/{account_uuid}" */
  light_auth_kind auth;
  light_body_kind body;
  int paginated;  /**< list envelope {data, has_more, limit, offset, next_page_url} */
  int idempotent; /**< safe to retry after the request may have reached the server */
  int inferred;   /**< path itself is a guess (6 rows): easy to correct */
  light_confidence confidence;
  const char *ns;                  /**< binding namespace, "" = client root */
  const char *name;                /**< binding method name, snake_case */
  const char *const *path_params;  /**< names in template order */
  const char *const *query_params; /**< known query parameter names */
  const char *const *required;     /**< body fields that must be present (checked before I/O) */
  int success_status;              /**< documented success status (200, 202) */
  const char *summary;             /**< one line for docs and stubs */
} light_operation;

/** @brief Number of rows in the table. Thread safety: any thread. */
LIGHT_EXTERN(size_t) light_operation_count(void);

/**
 * @brief Row @p i (0-based), or NULL when out of range.
 * Ownership: static; never free. Thread safety: any thread.
 */
LIGHT_EXTERN(const light_operation *) light_operation_at(size_t i);

/** @brief Row whose id is @p id, or NULL. NULL-safe. */
LIGHT_EXTERN(const light_operation *) light_operation_find(const char *id);

#ifdef __cplusplus
}
#endif
#endif
