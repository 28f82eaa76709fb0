/* Internal: turning a light_http_request into a configured libcurl easy
 * handle and a finished transfer back into exchange input. Shared by the
 * blocking transport (transport.c) and the async engine (engine.c) so both
 * speak HTTP identically. Implemented in curl_request.c. */
#ifndef LIGHT_CURL_REQUEST_H
#define LIGHT_CURL_REQUEST_H

#include <curl/curl.h>

#include "codec.h"
#include "light/client.h"
#include "light/exchange.h"

/* Per-transfer buffers. Owned by whoever owns the easy handle; reusable
 * across transfers (light__curl_setup resets it), released by light__curl_io_free. */
typedef struct light__curl_io {
  light__buf body;
  light__buf headers;
  size_t max_bytes;
  int too_large;
  int sends;          /* times libcurl was about to send the request in this transfer */
  int resend_blocked; /* libcurl's own re-send was refused (see on_prereq) */
  struct curl_slist *header_list;
  char errbuf[CURL_ERROR_SIZE];
} light__curl_io;

/* Process-wide curl_global_init, exactly once, thread-safe. Returns 0 or -1. */
int light__global_init(void);

/* Configure `easy` for `req` with the client's TLS/proxy settings: URL,
 * method, headers, body, timeouts, CA file, proxy, verification, size cap,
 * no redirects, write/header callbacks into io. Resets io first. */
light_status light__curl_setup(CURL *easy, const light_client *client, const light_http_request *req,
                               light__curl_io *io, light_error *err);

/* After the transfer finished with `rc`: feed the exchange with the HTTP
 * response (status, headers, body) or the classified transport failure. */
void light__curl_feed(light_exchange *x, CURL *easy, CURLcode rc, light__curl_io *io);

/* Transport failure class of a libcurl result (CONNECT for refused/resolve/connect-timeout, ...). */
light_transport_failure light__curl_failure(CURLcode rc, int connected);

void light__curl_io_free(light__curl_io *io);

#endif
