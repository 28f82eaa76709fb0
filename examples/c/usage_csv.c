/* Usage export, API.md §11: one month of daily usage and of 15-minute
 * intervals written as two CSV files (header + one row per day / interval).
 *
 *   LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 ./usage_csv [YYYY-MM [out-dir]]
 *
 * Writes <out-dir>/daily-YYYY-MM.csv (date,consumption_kwh,generation_kwh) and
 * <out-dir>/intervals-YYYY-MM.csv (start,end,date,consumption_kwh,generation_kwh);
 * the month defaults to last month, out-dir to ".". kWh values are copied as the
 * API sends them (decimal text); the printed totals are exact (integer Wh).
 * LIGHT_ACCOUNT_UUID picks the account; without it a sandbox customer is
 * enrolled and activated first (ex_active_account in example_calls.h). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <light/light.h>

#include "example_calls.h"

/* Fetch one usage resource and write @p header, then its rows (array @p rows_key, fields @p cols) as CSV to
 * @p path. The fetched JSON goes to @p out (caller frees). */
static int export_csv(light_client *acct, const char *op, const char *location, const cJSON *query, const char *path,
                      const char *header, const char *rows_key, const char *const *cols, cJSON **out) {
  cJSON *r = ex_call(acct, op, location, query, NULL, NULL);
  if (!r) return -1;
  FILE *f = fopen(path, "w");
  if (!f) {
    cJSON_Delete(r);
    return ex_fail("cannot write %s", path), -1;
  }
  fprintf(f, "%s\n", header);
  const cJSON *row;
  cJSON_ArrayForEach(row, ex_get(r, rows_key)) {
    for (size_t i = 0; cols[i]; i++) fprintf(f, "%s%s", i ? "," : "", ex_str(row, cols[i]));
    fputc('\n', f);
  }
  if (fclose(f) != 0) {
    cJSON_Delete(r);
    return ex_fail("cannot write %s", path), -1;
  }
  *out = r;
  return 0;
}

static long long total_wh(const cJSON *rows) {
  long long wh = 0;
  const cJSON *row;
  cJSON_ArrayForEach(row, rows) wh += ex_fixed(ex_str(row, "consumption"), 3);
  return wh;
}

int main(int argc, char **argv) {
  int year, month;
  if (argc > 1) {
    if (sscanf(argv[1], "%d-%d", &year, &month) != 2 || month < 1 || month > 12) {
      fprintf(stderr, "usage: %s [YYYY-MM [out-dir]]\n", argv[0]);
      return 2;
    }
  } else { /* last month */
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    year = tm.tm_year + 1900;
    month = tm.tm_mon;
    if (month == 0) month = 12, year--;
  }
  const char *dir = argc > 2 ? argv[2] : ".";
  light_client *app = ex_app_client(), *acct = NULL;
  char location[64], path[4096], total[32];
  cJSON *daily = NULL, *intervals = NULL, *query = NULL;
  int rc = -1;
  if (!app || ex_active_account(app, &acct, location, sizeof location) != 0) goto out;
  query = ex_jsonf("{\"year\":%d,\"month\":%d}", year, month);

  static const char *const day_cols[] = {"date", "consumption", "generation", NULL};
  snprintf(path, sizeof path, "%s/daily-%04d-%02d.csv", dir, year, month);
  if (export_csv(acct, "usage_daily", location, query, path, "date,consumption_kwh,generation_kwh", "days", day_cols,
                 &daily) != 0)
    goto out;
  printf("wrote %d days to %s (%s %s)\n", ex_len(daily, "days"), path,
         ex_fixed_text(total_wh(ex_get(daily, "days")), 3, total, sizeof total), ex_str(daily, "units"));

  static const char *const interval_cols[] = {"start", "end", "date", "consumption", "generation", NULL};
  snprintf(path, sizeof path, "%s/intervals-%04d-%02d.csv", dir, year, month);
  if (export_csv(acct, "usage_intervals", location, query, path, "start,end,date,consumption_kwh,generation_kwh",
                 "intervals", interval_cols, &intervals) != 0)
    goto out;
  printf("wrote %d intervals of %g min (%s) to %s (%s %s)\n", ex_len(intervals, "intervals"),
         ex_num(intervals, "interval_minutes"), ex_str(intervals, "timezone"), path,
         ex_fixed_text(total_wh(ex_get(intervals, "intervals")), 3, total, sizeof total), ex_str(intervals, "units"));
  rc = 0;
out:
  if (rc != 0) fprintf(stderr, "error: %s\n", ex_error);
  cJSON_Delete(query);
  cJSON_Delete(daily);
  cJSON_Delete(intervals);
  light_client_free(acct);
  light_client_free(app);
  return rc == 0 ? 0 : 1;
}
