/* light_http_request → configured libcurl easy handle, and a finished
 * transfer → exchange input (contract in curl_request.h). Used by the
 * blocking transport and the async engine alike. */
#include "curl_request.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- global init ------------------------------------------------------- */

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static int global_rc = -1;

static void global_init_once(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1; }

int light__global_init(void) {
  pthread_once(&global_once, global_init_once);
  return global_rc;
}

/* ---- callbacks --------------------------------------------------------- */

static size_t on_body(char *p, size_t size, size_t n, void *ud) {
  light__curl_io *io = ud;
  size_t len = size * n;
  if (io->max_bytes && io->body.len + len > io->max_bytes) {
    io->too_large = 1;
    return 0; /* CURLE_WRITE_ERROR: stop the transfer */
  }
  return light__buf_append(&io->body, p, len) == 0 ? len : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud) {
  light__curl_io *io = ud;
  size_t len = size * n;
  /* A new status line starts a new response (100 Continue, proxy CONNECT):
   * keep only the final response's headers. */
  if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
    light__buf_reset(&io->headers);
    return len;
  }
  if (len == 2 && p[0] == '\r' && p[1] == '\n') return len; /* end of block */
  if (io->headers.len + len > 256 * 1024) return 0;         /* absurd header block */
  return light__buf_append(&io->headers, p, len) == 0 ? len : 0;
}

/* libcurl calls this each time it is about to send the request. A second
 * call in one transfer is its silent re-send after a reused connection died
 * before any response byte ("Connection died, retrying a fresh connect").
 * The server may have read and processed the first copy (a non-idempotent
 * POST would be repeated), and the retry policy (retry.c) must stay the only
 * place that repeats an attempt: the re-send is stopped here and
 * light__curl_feed reports a receive failure, which the policy retries only
 * for idempotent requests, counted and with backoff. */
#if LIBCURL_VERSION_NUM >= 0x075000 /* CURLOPT_PREREQFUNCTION: libcurl 7.80.0 */
static int on_prereq(void *ud, char *conn_primary_ip, char *conn_local_ip, int conn_primary_port, int conn_local_port) {
  (void)conn_primary_ip;
  (void)conn_local_ip;
  (void)conn_primary_port;
  (void)conn_local_port;
  light__curl_io *io = ud;
  if (io->sends++ > 0) {
    io->resend_blocked = 1;
    return CURL_PREREQFUNC_ABORT;
  }
  return CURL_PREREQFUNC_OK;
}
#endif

/* ---- setup ------------------------------------------------------------- */

/* curl_slist_append copied every header line, Authorization included. */
static void header_list_free(light__curl_io *io) {
  for (struct curl_slist *l = io->header_list; l; l = l->next)
    if (l->data) light__secret_wipe(l->data, strlen(l->data));
  curl_slist_free_all(io->header_list);
  io->header_list = NULL;
}

void light__curl_io_free(light__curl_io *io) {
  if (!io) return;
  light__buf_free(&io->body);
  light__buf_free(&io->headers);
  header_list_free(io);
}

#define SETOPT(opt, val)                                                  \
  do {                                                                    \
    if ((rc = curl_easy_setopt(easy, opt, val)) != CURLE_OK) goto failed; \
  } while (0)

light_status light__curl_setup(CURL *easy, const light_client *client, const light_http_request *req,
                               light__curl_io *io, light_error *err) {
  CURLcode rc = CURLE_OK;
  if (!easy || !client || !req || !io || !req->url || !req->method)
    return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT, "curl setup: missing argument");
  const light__options *sh = client->opt;

  if (io->body.wipe) light__buf_wipe(&io->body); /* a failed mint's partial answer */
  light__buf_reset(&io->body);
  light__buf_reset(&io->headers);
  header_list_free(io);
  /* A token mint's answer carries the account token: that body buffer is wiped. */
  io->body.wipe = req->is_token_mint ? 1 : 0;
  io->too_large = 0;
  io->sends = 0;
  io->resend_blocked = 0;
  io->errbuf[0] = '\0';
  io->max_bytes = req->max_response_bytes ? req->max_response_bytes : sh->max_response_bytes;

  for (size_t i = 0; i < req->n_headers; i++) {
    if (!light__codec_header_safe(req->headers[i]))
      return light__error_set(err, LIGHT_E_INVALID_ARGUMENT, LIGHT_ERR_INVALID_ARGUMENT,
                              "header line contains CR or LF");
    struct curl_slist *l = curl_slist_append(io->header_list, req->headers[i]);
    if (!l) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
    io->header_list = l;
  }
  /* libcurl adds "Expect: 100-continue" to large POSTs; we never want the extra round trip. */
  struct curl_slist *l = curl_slist_append(io->header_list, "Expect:");
  if (!l) return light__error_set(err, LIGHT_E_NOMEM, LIGHT_ERR_LIGHT, "out of memory");
  io->header_list = l;

  SETOPT(CURLOPT_URL, req->url);
  SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
  SETOPT(CURLOPT_NOSIGNAL, 1L);
  SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
  SETOPT(CURLOPT_HTTPHEADER, io->header_list);
  if (strcmp(req->method, "GET") == 0) {
    SETOPT(CURLOPT_HTTPGET, 1L);
  } else if (strcmp(req->method, "HEAD") == 0) {
    SETOPT(CURLOPT_NOBODY, 1L); /* a HEAD answer has no body to wait for */
  } else {
    SETOPT(CURLOPT_POST, 1L);
    SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body ? req->body_len : 0));
    SETOPT(CURLOPT_POSTFIELDS, req->body ? req->body : "");
    if (strcmp(req->method, "POST") != 0) SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
  }
  SETOPT(CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : sh->timeout_ms);
  SETOPT(CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms > 0 ? req->connect_timeout_ms : sh->connect_timeout_ms);
  SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
  SETOPT(CURLOPT_TCP_NODELAY, 1L);
  if (sh->ca_file) SETOPT(CURLOPT_CAINFO, sh->ca_file);
  if (sh->proxy) SETOPT(CURLOPT_PROXY, sh->proxy);
  SETOPT(CURLOPT_SSL_VERIFYPEER, sh->insecure_skip_verify ? 0L : 1L);
  SETOPT(CURLOPT_SSL_VERIFYHOST, sh->insecure_skip_verify ? 0L : 2L);
  SETOPT(CURLOPT_WRITEFUNCTION, on_body);
  SETOPT(CURLOPT_WRITEDATA, (void *)io);
  SETOPT(CURLOPT_HEADERFUNCTION, on_header);
  SETOPT(CURLOPT_HEADERDATA, (void *)io);
  SETOPT(CURLOPT_ERRORBUFFER, io->errbuf);
#if LIBCURL_VERSION_NUM >= 0x075000 /* 7.80.0 */
  SETOPT(CURLOPT_PREREQFUNCTION, on_prereq);
  SETOPT(CURLOPT_PREREQDATA, (void *)io);
#endif
  /* Accept-Encoding: gzip; libcurl inflates before on_body, so max_bytes caps
   * the decoded size (a gzip bomb stops at the cap, memory bounded by it). */
  SETOPT(CURLOPT_ACCEPT_ENCODING, "gzip");
  return LIGHT_OK;
failed:
  return light__error_set(err, rc == CURLE_OUT_OF_MEMORY ? LIGHT_E_NOMEM : LIGHT_E_INTERNAL, LIGHT_ERR_LIGHT,
                          "curl_easy_setopt: %s", curl_easy_strerror(rc));
}

/* ---- outcome ----------------------------------------------------------- */

light_transport_failure light__curl_failure(CURLcode rc, int connected) {
  switch (rc) {
  case CURLE_COULDNT_CONNECT:
  case CURLE_COULDNT_RESOLVE_HOST:
  case CURLE_COULDNT_RESOLVE_PROXY: return LIGHT_FAIL_CONNECT;
  case CURLE_OPERATION_TIMEDOUT: return connected ? LIGHT_FAIL_TIMEOUT : LIGHT_FAIL_CONNECT_TIMEOUT;
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_ISSUER_ERROR:
  case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS: return LIGHT_FAIL_TLS_VERIFY;
  case CURLE_SEND_ERROR: return LIGHT_FAIL_SEND;
  case CURLE_RECV_ERROR:
  case CURLE_GOT_NOTHING:
  case CURLE_PARTIAL_FILE: return LIGHT_FAIL_RECV;
  case CURLE_SSL_CONNECT_ERROR: return LIGHT_FAIL_CONNECT; /* handshake: the request was not sent */
  case CURLE_ABORTED_BY_CALLBACK: return LIGHT_FAIL_CANCELLED;
  default: return LIGHT_FAIL_OTHER;
  }
}

void light__curl_feed(light_exchange *x, CURL *easy, CURLcode rc, light__curl_io *io) {
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    light_exchange_feed_response(x, (int)status, io->headers.data ? io->headers.data : "", io->headers.len,
                                 io->body.data ? io->body.data : "", io->body.len);
    if (io->body.wipe || light__exchange_response_is_secret(x)) light__buf_wipe(&io->body);
    return;
  }
  if (rc == CURLE_WRITE_ERROR && io->too_large) {
    light_exchange_feed_failure(x, LIGHT_FAIL_TOO_LARGE, NULL);
    return;
  }
  if (rc == CURLE_ABORTED_BY_CALLBACK && io->resend_blocked) {
    light_exchange_feed_failure(x, LIGHT_FAIL_RECV,
                                "connection closed before any response (the server may have processed the request)");
    return;
  }
  /* Connected = the TCP connect finished (connect time > 0), or the request
   * went out on a reused connection (pre-transfer time > 0). */
  double connect_s = 0, pretransfer_s = 0;
  curl_easy_getinfo(easy, CURLINFO_CONNECT_TIME, &connect_s);
  curl_easy_getinfo(easy, CURLINFO_PRETRANSFER_TIME, &pretransfer_s);
  light_transport_failure f = light__curl_failure(rc, connect_s > 0 || pretransfer_s > 0);
  const char *detail = io->errbuf[0] ? io->errbuf : curl_easy_strerror(rc);
  light_exchange_feed_failure(x, f, detail);
}
