/* Billing for an active customer, API.md §10: payment method, billing
 * address, every invoice (light_page_next_query() walks the pages), and one
 * invoice's charges.
 *
 *   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 ./billing_invoices [page-size [invoice-number]]
 *
 * LIGHT_ACCOUNT_UUID picks the account; without it a sandbox customer is
 * enrolled and activated first (ex_active_account in example_calls.h).
 * Money arrives as decimal text; sums are kept exact in integer cents. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

#include "example_calls.h"

static int list_invoices(light_client *acct, int page_size, char *newest, size_t n) {
  cJSON *query = ex_jsonf("{\"limit\":%d}", page_size);
  int count = 0, pages = 0;
  long long paid_cents = 0;
  printf("number        date        period                    kWh       total  status\n");
  for (;;) {
    light_params p = LIGHT_PARAMS_INIT;
    p.query = query;
    light_response *resp = NULL;
    light_error err = LIGHT_ERROR_INIT;
    if (light_call(&resp, acct, "list_invoices", &p, &err) != LIGHT_OK) {
      ex_fail("list_invoices: %s", err.message ? err.message : light_strerror(err.code));
      light_error_clear(&err);
      cJSON_Delete(query);
      return -1;
    }
    pages++;
    const cJSON *inv;
    cJSON_ArrayForEach(inv, ex_get(light_response_json(resp), "data")) {
      count++;
      const cJSON *voided = ex_get(inv, "voided_at"), *paid = ex_get(inv, "paid_at");
      const char *state = cJSON_IsString(voided) ? "voided" : cJSON_IsString(paid) ? "paid" : "due";
      if (strcmp(state, "paid") == 0) paid_cents += ex_fixed(ex_str(inv, "total"), 2);
      printf("%s  %s  %s..%s  %9s  %8s  %s\n", ex_str(inv, "number"), ex_str(inv, "invoice_date"),
             ex_str(inv, "billing_period_start"), ex_str(inv, "billing_period_end"), ex_str(inv, "total_kwh"),
             ex_str(inv, "total"), state);
      if (!*newest) snprintf(newest, n, "%s", ex_str(inv, "number"));
    }
    cJSON *next = NULL;
    int more = light_page_next_query(&next, resp, query, NULL); /* the same query with the offset advanced */
    light_response_free(resp);
    cJSON_Delete(query);
    query = next;
    if (more < 0) return ex_fail("list_invoices: not a list envelope"), -1;
    if (more == 0) break;
  }
  char total[32];
  printf("%d invoices across %d pages, %s paid\n", count, pages, ex_fixed_text(paid_cents, 2, total, sizeof total));
  return 0;
}

static int show_invoice(light_client *acct, const char *number) {
  cJSON *inv = ex_call(acct, "get_invoice", number, NULL, NULL, NULL);
  if (!inv) return -1;
  printf("invoice %s: %s for %s kWh, due %s\n", ex_str(inv, "number"), ex_str(inv, "total"), ex_str(inv, "total_kwh"),
         ex_str(inv, "payment_due_date"));
  long long lines = 0;
  const cJSON *group, *ch;
  cJSON_ArrayForEach(group, ex_get(inv, "charges_groups")) {
    printf("  %s: %s\n", ex_str(group, "name"), ex_str(group, "total"));
    cJSON_ArrayForEach(ch, ex_get(group, "charges")) {
      printf("    %s: %s %s × %s = %s\n", ex_str(ch, "description"), ex_str(ch, "quantity"), ex_str(ch, "unit"),
             ex_str(ch, "rate"), ex_str(ch, "amount"));
      lines += ex_fixed(ex_str(ch, "amount"), 2);
    }
  }
  char sum[32];
  printf("charges add up to %s (invoice total %s)\n", ex_fixed_text(lines, 2, sum, sizeof sum), ex_str(inv, "total"));
  if (cJSON_IsObject(ex_get(inv, "payment")))
    printf("payment: %s, autopay %s\n", ex_str(inv, "payment.status"), ex_str(inv, "payment.autopay_date"));
  cJSON_Delete(inv);
  return 0;
}

int main(int argc, char **argv) {
  int page_size = argc > 1 ? atoi(argv[1]) : 10;
  char number[64] = "";
  if (argc > 2) snprintf(number, sizeof number, "%s", argv[2]);
  light_client *app = ex_app_client(), *acct = NULL;
  char location[64];
  int rc = -1;
  if (!app || ex_active_account(app, &acct, location, sizeof location) != 0) goto out;

  cJSON *pm = ex_call(acct, "get_payment_method", NULL, NULL, NULL, NULL);
  if (!pm) goto out;
  printf("payment method: %s ending %s, expires %g/%g\n", ex_str(pm, "card_brand"), ex_str(pm, "card_last4"),
         ex_num(pm, "card_exp_month"), ex_num(pm, "card_exp_year"));
  cJSON_Delete(pm);
  cJSON *b = ex_call(acct, "get_billing_address", NULL, NULL, NULL, NULL);
  if (!b) goto out;
  printf("billing address: %s %s, %s %s %s (same as service address: %s)\n", ex_str(b, "address_1"),
         ex_str(b, "address_2"), ex_str(b, "city"), ex_str(b, "state"), ex_str(b, "postal_code"),
         cJSON_IsTrue(ex_get(b, "same_as_service_address")) ? "True" : "False");
  cJSON_Delete(b);

  char newest[64] = "";
  if (list_invoices(acct, page_size, newest, sizeof newest) != 0) goto out;
  rc = show_invoice(acct, number[0] ? number : newest);
out:
  if (rc != 0) fprintf(stderr, "error: %s\n", ex_error);
  light_client_free(acct);
  light_client_free(app);
  return rc == 0 ? 0 : 1;
}
