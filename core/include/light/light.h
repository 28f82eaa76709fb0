/**
 * @file light/light.h
 * @brief light-sdk: C client for the Light electricity API. Umbrella header.
 *
 * Concepts, one header each:
 * - light/common.h    LIGHT_EXTERN, the export macro of every public function
 * - light/version.h   version macros and light_version()
 * - light/error.h     status codes, error kinds, the caller-owned light_error
 * - light/operation.h the operation table (every endpoint, as data)
 * - light/client.h    clients, blocking calls, responses, pagination
 * - light/args.h      the argument rule: a call's arguments streamed in, validated, routed
 * - light/exchange.h      the sans-I/O exchange state machine every transport drives
 * - light/engine.h    async engine for host event loops (curl_multi_socket_action)
 * - light/webhook.h   webhook signing, verification, event envelope, event names
 * - light/json.h      the strict JSON parser with builder callbacks (and its cJSON builder)
 *
 * Ownership conventions: `T **out` parameters give the caller a new object
 * to free with its `_free` function; functions returning `const T *` lend
 * memory owned by their argument; every `_free` accepts NULL.
 */
#ifndef LIGHT_LIGHT_H
#define LIGHT_LIGHT_H

#include "light/common.h"
#include "light/version.h"
#include "light/error.h"
#include "light/operation.h"
#include "light/client.h"
#include "light/options.h"
#include "light/exchange.h"
#include "light/engine.h"
#include "light/webhook.h"
#include "light/args.h"
#include "light/json.h"
#include "light/http_parser.h"

#endif
