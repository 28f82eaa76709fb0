/* A webhook endpoint on plain POSIX sockets, API.md §17: reads each request's
 * raw body, verifies its Light-Signature-v1 header with light_webhook_verify()
 * (through light_webhook_construct_event(), which also parses the envelope),
 * answers 400 to a bad signature and 200 to a good one, and prints one line
 * per request.
 *
 *   LIGHT_WEBHOOK_SECRET=whsec_... ./webhook_receiver PORT [MAX_REQUESTS]
 *
 * Listens on 127.0.0.1:PORT (0 = any free port; the line "listening on
 * http://127.0.0.1:N/" says which), one request per connection (Connection:
 * close), and exits after MAX_REQUESTS requests (0 or absent = never) or on
 * SIGTERM / SIGINT. Output:
 *   200 enrollment.identity_updated <event uuid> account <account uuid>
 *   400 rejected: signature_mismatch
 * Acknowledge fast and do the work elsewhere: Light waits 10 s per attempt and
 * retries non-2xx answers; treat events as "go re-fetch" hints (they may repeat).
 * A production endpoint sits behind TLS; this one serves loopback only. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <light/light.h>

#define MAX_HEADERS 16384
#define MAX_BODY (1024 * 1024)

static volatile sig_atomic_t stopping;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void answer(int fd, int status, const char *body) {
  char head[256];
  int n = snprintf(head, sizeof head,
                   "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                   "Connection: close\r\n\r\n",
                   status,
                   status == 200   ? "OK"
                   : status == 400 ? "Bad Request"
                                   : "Error",
                   strlen(body));
  if (write(fd, head, (size_t)n) < 0 || write(fd, body, strlen(body)) < 0) perror("write");
}

/* The value of header @p name in the header block @p head (NUL-terminated, CRLF lines), copied into @p out. */
static int header_value(const char *head, const char *name, char *out, size_t n) {
  size_t len = strlen(name);
  for (const char *line = strstr(head, "\r\n"); line && line[2] != '\r'; line = strstr(line + 2, "\r\n")) {
    const char *h = line + 2;
    if (strncasecmp(h, name, len) == 0 && h[len] == ':') {
      h += len + 1;
      while (*h == ' ' || *h == '\t') h++;
      size_t v = strcspn(h, "\r\n");
      while (v && (h[v - 1] == ' ' || h[v - 1] == '\t')) v--;
      if (v >= n) return -1;
      memcpy(out, h, v);
      out[v] = '\0';
      return 0;
    }
  }
  return -1;
}

/* Read one request from @p fd, verify it, answer it, print its line. */
static void handle(int fd, const char *secret) {
  static char buf[MAX_HEADERS + MAX_BODY + 1];
  size_t got = 0;
  char *end = NULL;
  while (!end && got < MAX_HEADERS) {
    ssize_t r = read(fd, buf + got, MAX_HEADERS - got);
    if (r <= 0) return; /* closed, timed out or interrupted before a whole request arrived */
    got += (size_t)r;
    buf[got] = '\0';
    end = strstr(buf, "\r\n\r\n");
  }
  if (!end) {
    answer(fd, 431, "{\"error\":\"headers too large\"}");
    return;
  }
  end[2] = '\0'; /* headers end with their last CRLF */
  size_t header_len = (size_t)(end + 4 - buf);
  if (strncmp(buf, "POST ", 5) != 0) {
    printf("405 %.*s\n", (int)strcspn(buf, " "), buf);
    answer(fd, 405, "{\"error\":\"POST only\"}");
    return;
  }
  char value[512];
  long length = header_value(buf, "Content-Length", value, sizeof value) == 0 ? strtol(value, NULL, 10) : 0;
  if (length < 0 || length > MAX_BODY) {
    printf("413 body of %ld bytes refused\n", length);
    answer(fd, 413, "{\"error\":\"body too large\"}");
    return;
  }
  char *body = end + 4;
  size_t have = got - header_len;
  while (have < (size_t)length) {
    ssize_t r = read(fd, body + have, (size_t)length - have);
    if (r <= 0) return;
    have += (size_t)r;
  }
  char signature[512];
  int has_sig = header_value(buf, LIGHT_SIGNATURE_HEADER, signature, sizeof signature) == 0;

  /* Verify over the raw bytes exactly as received: re-serialised JSON would not match. */
  const char *secrets[] = {secret};
  light_error err = LIGHT_ERROR_INIT;
  cJSON *event = NULL;
  if (light_webhook_construct_event(&event, body, (size_t)length, has_sig ? signature : NULL, secrets, 1, 3600,
                                    (int64_t)time(NULL), &err) != LIGHT_OK) {
    const char *reason = err.code == LIGHT_E_SIGNATURE ? light_signature_reason_name(err.signature_reason)
                                                       : light_error_kind_name(err.kind);
    char out[128];
    snprintf(out, sizeof out, "{\"error\":\"%s\"}", reason);
    printf("400 rejected: %s\n", reason);
    answer(fd, 400, out);
    light_error_clear(&err);
    return;
  }
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(event, "event");
  const cJSON *uuid = cJSON_GetObjectItemCaseSensitive(event, "uuid");
  const cJSON *account = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(event, "data"), "account"), "uuid");
  printf("200 %s %s account %s\n", name->valuestring, cJSON_IsString(uuid) ? uuid->valuestring : "-",
         cJSON_IsString(account) ? account->valuestring : "-");
  cJSON_Delete(event);
  answer(fd, 200, "{\"ok\":true}");
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PORT [MAX_REQUESTS]\n", argv[0]);
    return 2;
  }
  int port = atoi(argv[1]);
  long max_requests = argc > 2 ? atol(argv[2]) : 0;
  const char *secret = getenv("LIGHT_WEBHOOK_SECRET");
  if (!secret || !*secret) {
    fprintf(stderr, "set LIGHT_WEBHOOK_SECRET\n");
    return 2;
  }

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal; /* no SA_RESTART: a blocked accept() returns EINTR */
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int ls = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t alen = sizeof addr;
  if (ls < 0 || setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(ls, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(ls, 64) != 0 ||
      getsockname(ls, (struct sockaddr *)&addr, &alen) != 0) {
    perror("listen on 127.0.0.1");
    return 1;
  }
  printf("listening on http://127.0.0.1:%d/\n", ntohs(addr.sin_port));
  fflush(stdout);

  long handled = 0;
  while (!stopping && (max_requests == 0 || handled < max_requests)) {
    int fd = accept(ls, NULL, NULL);
    if (fd < 0) {
      if (errno == EINTR) continue;
      perror("accept");
      break;
    }
    struct timeval tv = {10, 0}; /* a stalled client cannot hold the endpoint */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    handle(fd, secret);
    fflush(stdout);
    close(fd);
    handled++;
  }
  close(ls);
  return 0;
}
