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
 *
 * Argument order (libgit2's): output parameters first (`T **out`, a filled
 * struct, an output buffer and its size), then the object acted on, then the
 * inputs, and `light_error *err` last. One exception: the length of a
 * buffer a function returns follows its subject (light_response_body()).
 *
 * Versioned structs: light_client_options and light_params carry the layout
 * version the caller was compiled against; initialise them with
 * light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION) and
 * LIGHT_PARAMS_INIT / light_params_init(&p, LIGHT_PARAMS_VERSION). A version
 * the library does not know is refused with LIGHT_E_INVALID_ARGUMENT.
 *
 * Every function returning light_status lists in its doc the exact codes it
 * returns.
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
