"""Usage export, API.md §11: one month of daily usage and of 15-minute
intervals written as two CSV files (header + one row per day / interval).

    LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 python examples/python/usage_csv.py \
        [--month 2026-10] [--out-dir .]

Writes <out-dir>/daily-YYYY-MM.csv (date, consumption_kwh, generation_kwh) and
<out-dir>/intervals-YYYY-MM.csv (start, end, date, consumption_kwh,
generation_kwh). kWh values are copied as the API sends them (decimal text).
LIGHT_ACCOUNT_UUID picks the account; without it a sandbox customer is
enrolled and activated first (sandbox_account.py).
"""
import argparse
import csv
import datetime as dt
import pathlib
import sys
from decimal import Decimal

import light
from sandbox_account import active_account


def last_month():
    d = dt.date.today().replace(day=1) - dt.timedelta(days=1)
    return f"{d.year:04d}-{d.month:02d}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--month", default=last_month(), help="YYYY-MM (default: last month)")
    ap.add_argument("--out-dir", default=".")
    args = ap.parse_args()
    year, month = (int(x) for x in args.month.split("-"))
    out = pathlib.Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)

    with light.Client() as client:
        acct, location = active_account(client)
        daily = acct.locations.usage.daily(location, month=month, year=year)
        path = out / f"daily-{args.month}.csv"
        total = Decimal(0)
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["date", "consumption_kwh", "generation_kwh"])
            for d in daily.days:
                w.writerow([d.date, d.consumption, d.generation])
                total += Decimal(d.consumption)
        print(f"wrote {len(daily.days)} days to {path} ({total} {daily.units})")

        iv = acct.locations.usage.intervals(location, month=month, year=year)
        path = out / f"intervals-{args.month}.csv"
        total = Decimal(0)
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["start", "end", "date", "consumption_kwh", "generation_kwh"])
            for i in iv.intervals:
                w.writerow([i.start, i.end, i.date, i.consumption, i.generation])
                total += Decimal(i.consumption)
        print(f"wrote {len(iv.intervals)} intervals of {iv.interval_minutes} min ({iv.timezone}) to {path}"
              f" ({total} {iv.units})")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except light.LightError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
