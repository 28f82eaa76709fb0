/* Wiping secrets before their memory is released (contract in codec.h).
 * OPENSSL_cleanse is used because a plain memset before free() is a dead
 * store the compiler may remove. */
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* Weak and empty: the library never observes secrets; a test may link a
 * strong definition to check the wipe (tests/core/test_secrets.c). */
__attribute__((weak)) void light__secret_probe(const void *p, size_t n, int wiped) {
  (void)p;
  (void)n;
  (void)wiped;
}

void light__secret_wipe(void *p, size_t n) {
  if (!p || !n) return;
  light__secret_probe(p, n, 0);
  OPENSSL_cleanse(p, n);
  light__secret_probe(p, n, 1);
}

void light__secret_free(char *p) {
  if (!p) return;
  light__secret_wipe(p, strlen(p));
  free(p);
}

static void json_wipe(cJSON *j) {
  for (; j; j = j->next) {
    /* Only what cJSON_Delete frees: a key flagged StringIsConst and the
     * value/children of a reference item belong to someone else. */
    if (j->string && !(j->type & cJSON_StringIsConst)) light__secret_wipe(j->string, strlen(j->string));
    if (j->type & cJSON_IsReference) continue;
    if (j->valuestring) light__secret_wipe(j->valuestring, strlen(j->valuestring));
    json_wipe(j->child);
  }
}

void light_json_delete_wiped(cJSON *json) {
  json_wipe(json);
  cJSON_Delete(json);
}
