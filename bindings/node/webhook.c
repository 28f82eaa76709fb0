/* Webhooks: verify (+ parse the event) and sign. No I/O.
 *
 * webhookVerify(payload, header, secrets, toleranceS, nowS) → event object,
 * or throws SignatureVerificationError (reason) / APIError (not an envelope).
 * webhookSign(payload, secret, timestampS) → "t.hex".
 * payload is a Buffer / Uint8Array or a string (its UTF-8 bytes). The
 * arguments are record arguments (light_args_new_record()), walked by
 * convert.c and checked by the core; the args copy the secrets and wipe them
 * when freed. node/webhooks.js normalises the public arguments. */
#include <string.h>

#include "light_node.h"

napi_value light_node__webhook_verify(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], v = NULL;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  light_args *a = light_node__record(env, LIGHT_ARGS_WEBHOOK_VERIFY, 0, NULL, argc, argv);
  if (!a) return NULL;
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_verify_args(a, &err);
  if (st == LIGHT_OK) {
    /* the event: validated with the envelope summary by the core's parser, built by JSON.parse */
    size_t len = 0;
    const char *payload = light_args_payload(a, &len);
    light_json_member m[LIGHT_WEBHOOK_ENVELOPE_N];
    light_webhook_envelope_init(m);
    light_json_result res;
    memset(&res, 0, sizeof res);
    int rc = len ? light_node__decode(env, payload, len, m, LIGHT_WEBHOOK_ENVELOPE_N, 0, &res, &v) : 1;
    st = rc < 0 ? LIGHT_OK /* v NULL: the exception is pending */ : light_webhook_envelope_check(&res, m, len, &err);
  }
  light_args_free(a);
  return st == LIGHT_OK ? v : light_node__throw_error(env, &err);
}

napi_value light_node__webhook_sign(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], v;
  LN_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  light_args *a = light_node__record(env, LIGHT_ARGS_WEBHOOK_SIGN, 0, NULL, argc, argv);
  if (!a) return NULL;
  char out[LIGHT_SIGNATURE_MAX];
  light_error err = LIGHT_ERROR_INIT;
  light_status st = light_webhook_sign_args(out, sizeof out, a, &err);
  light_args_free(a);
  if (st != LIGHT_OK) return light_node__throw_error(env, &err);
  LN_CALL(env, napi_create_string_utf8(env, out, NAPI_AUTO_LENGTH, &v));
  return v;
}
