/* Prints the operation table as JSON (one array) for
 * tests/core/test_operation_table.py, which compares it with
 * docs/api/endpoints.json. Public API only. */
#include <stdio.h>

#include "light/operation.h"

static void str(const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

static void list(const char *const *l) {
  putchar('[');
  for (size_t i = 0; l && l[i]; i++) {
    if (i) putchar(',');
    str(l[i]);
  }
  putchar(']');
}

int main(void) {
  static const char *const auth[] = {"none", "app", "account"};
  static const char *const body[] = {"none", "json", "multipart"};
  static const char *const conf[] = {"documented", "example-app", "inferred"};
  printf("[\n");
  for (size_t i = 0; i < light_operation_count(); i++) {
    const light_operation *op = light_operation_at(i);
    printf("%s{\"id\":", i ? ",\n" : "");
    str(op->id);
    printf(",\"method\":");
    str(op->method);
    printf(",\"path\":");
    str(op->path);
    printf(",\"auth\":\"%s\",\"body\":\"%s\",\"paginated\":%d,\"idempotent\":%d,\"inferred\":%d,\"confidence\":\"%s\"",
           auth[op->auth], body[op->body], op->paginated, op->idempotent, op->inferred, conf[op->confidence]);
    printf(",\"ns\":");
    str(op->ns);
    printf(",\"name\":");
    str(op->name);
    printf(",\"path_params\":");
    list(op->path_params);
    printf(",\"query_params\":");
    list(op->query_params);
    printf(",\"required\":");
    list(op->required);
    printf(",\"success_status\":%d,\"summary\":", op->success_status);
    str(op->summary);
    putchar('}');
  }
  printf("\n]\n");
  return 0;
}
