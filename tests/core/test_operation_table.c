/* Invariants of the operation table (core/src/operation_table.c). The row by
 * row comparison with docs/api/endpoints.json is in
 * tests/core/test_operation_table.py (via tests/core/dump_operations.c). */
#include <string.h>

#include "harness.h"
#include "light/operation.h"

static size_t count_list(const char *const *l) {
  size_t n = 0;
  while (l && l[n]) n++;
  return n;
}

static int snake_case(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
  return 1;
}

/* Names between {} in the path, in order, must equal path_params. */
static int params_match(const light_operation *op) {
  size_t i = 0;
  for (const char *p = strchr(op->path, '{'); p; p = strchr(p + 1, '{')) {
    const char *close = strchr(p, '}');
    if (!close || !op->path_params[i]) return 0;
    size_t n = (size_t)(close - p - 1);
    if (strlen(op->path_params[i]) != n || strncmp(p + 1, op->path_params[i], n) != 0) return 0;
    i++;
  }
  return op->path_params[i] == NULL;
}

int main(void) {
  size_t n = light_operation_count();
  CHECK_INT(n, 49);
  CHECK(light_operation_at(n) == NULL);
  CHECK(light_operation_at((size_t)-1) == NULL);
  CHECK(light_operation_find(NULL) == NULL);
  CHECK(light_operation_find("no_such_operation") == NULL);
  CHECK(light_operation_find("") == NULL);

  size_t inferred = 0, paginated = 0, multipart = 0, app = 0, account = 0;
  for (size_t i = 0; i < n; i++) {
    const light_operation *op = light_operation_at(i);
    CHECK(op != NULL);
    if (!op) continue;
    CHECK(op->id && snake_case(op->id));
    CHECK(light_operation_find(op->id) == op); /* unique id, found */
    for (size_t j = 0; j < i; j++) {
      const light_operation *o = light_operation_at(j);
      if (o->auth == op->auth && strcmp(o->ns, op->ns) == 0 && strcmp(o->name, op->name) == 0) {
        fprintf(stderr, "duplicate binding method: %s and %s\n", o->id, op->id);
        CHECK(0);
      }
      if (strcmp(o->method, op->method) == 0 && strcmp(o->path, op->path) == 0) {
        fprintf(stderr, "duplicate route: %s and %s\n", o->id, op->id);
        CHECK(0);
      }
    }
    CHECK(strcmp(op->method, "GET") == 0 || strcmp(op->method, "POST") == 0 || strcmp(op->method, "PATCH") == 0 ||
          strcmp(op->method, "PUT") == 0 || strcmp(op->method, "DELETE") == 0);
    CHECK(op->path[0] == '/');
    if (!params_match(op)) {
      fprintf(stderr, "%s: path params do not match %s\n", op->id, op->path);
      CHECK(0);
    }
    /* Auth kind follows the path family. */
    if (strncmp(op->path, "/v1/app/", 8) == 0) {
      CHECK_INT(op->auth, LIGHT_AUTH_APP);
      app++;
    } else {
      CHECK(strcmp(op->path, "/v1/account") == 0 || strncmp(op->path, "/v1/account/", 12) == 0);
      CHECK_INT(op->auth, LIGHT_AUTH_ACCOUNT);
      account++;
    }
    CHECK(op->ns != NULL && op->name && snake_case(op->name));
    for (const char *s = op->ns; *s; s++) CHECK((*s >= 'a' && *s <= 'z') || *s == '_' || *s == '.');
    CHECK(op->query_params != NULL && op->required != NULL && op->path_params != NULL);
    CHECK(op->summary && *op->summary);
    CHECK(op->success_status == 200 || op->success_status == 202);
    /* GET never has a body and is always safe to repeat. */
    if (strcmp(op->method, "GET") == 0) {
      CHECK_INT(op->body, LIGHT_BODY_NONE);
      CHECK_INT(op->idempotent, 1);
    }
    if (strcmp(op->method, "PUT") == 0 || strcmp(op->method, "PATCH") == 0 || strcmp(op->method, "DELETE") == 0)
      CHECK_INT(op->idempotent, 1);
    /* Required fields only exist for JSON bodies. */
    if (count_list(op->required)) CHECK_INT(op->body, LIGHT_BODY_JSON);
    if (op->paginated) {
      paginated++;
      CHECK(strcmp(op->method, "GET") == 0);
      CHECK(count_list(op->query_params) >= 2);
    }
    if (op->body == LIGHT_BODY_MULTIPART) multipart++;
    CHECK_INT(op->inferred, op->confidence == LIGHT_CONFIDENCE_INFERRED);
    inferred += op->inferred != 0;
  }
  CHECK_INT(inferred, 6);
  CHECK_INT(paginated, 2);
  CHECK_INT(multipart, 1);
  CHECK_INT(app + account, 49);
  CHECK_INT(app, 16);

  /* A few rows bindings rely on by name. */
  const light_operation *op = light_operation_find("create_account_token");
  CHECK(op && strcmp(op->method, "POST") == 0 && strcmp(op->path, "/v1/app/accounts/{account_uuid}/token") == 0);
  op = light_operation_find("upload_comparison_invoice");
  CHECK(op && op->body == LIGHT_BODY_MULTIPART && strcmp(op->ns, "comparison_invoice") == 0);
  op = light_operation_find("get_account");
  CHECK(op && op->auth == LIGHT_AUTH_ACCOUNT && strcmp(op->ns, "") == 0 && strcmp(op->name, "retrieve") == 0);
  TEST_MAIN_END();
}
