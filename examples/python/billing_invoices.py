"""Billing for an active customer, API.md §10: payment method, billing
address, every invoice (the SDK walks the pages), and one invoice's charges.

    LIGHT_APP_TOKEN=... LIGHT_BASE_URL=http://127.0.0.1:8080 python examples/python/billing_invoices.py \
        [--page-size 10] [--invoice NUMBER]

LIGHT_ACCOUNT_UUID picks the account; without it a sandbox customer is
enrolled and activated first (sandbox_account.py).
"""
import argparse
import sys
from decimal import Decimal

import light
from sandbox_account import active_account


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--page-size", type=int, default=10)
    ap.add_argument("--invoice", help="invoice number to detail (default: the newest)")
    args = ap.parse_args()

    with light.Client() as client:
        acct, _location = active_account(client)
        pm = acct.billing.payment_method()
        print(f"payment method: {pm.card_brand} ending {pm.card_last4}, expires {pm.card_exp_month}/{pm.card_exp_year}")
        b = acct.billing.address.retrieve()
        print(f"billing address: {b.address_1} {b.address_2 or ''}, {b.city} {b.state} {b.postal_code}"
              f" (same as service address: {b.same_as_service_address})")

        print("number        date        period                    kWh       total  status")
        count = pages = 0
        paid_total = Decimal(0)
        for page in acct.billing.invoices.list(limit=args.page_size).pages():  # one request per page
            pages += 1
            for inv in page.data:  # this page only (iterating a Page walks on to the last)
                count += 1
                state = "voided" if inv.voided_at else ("paid" if inv.paid_at else "due")
                if state == "paid":
                    paid_total += Decimal(inv.total)  # money arrives as decimal strings: keep it exact
                print(f"{inv.number}  {inv.invoice_date}  {inv.billing_period_start}..{inv.billing_period_end}"
                      f"  {inv.total_kwh:>9}  {inv.total:>8}  {state}")
                args.invoice = args.invoice or inv.number
        print(f"{count} invoices across {pages} pages, {paid_total} paid")

        inv = acct.billing.invoices.retrieve(args.invoice)
        print(f"invoice {inv.number}: {inv.total} for {inv.total_kwh} kWh, due {inv.payment_due_date}")
        lines = Decimal(0)
        for group in inv.charges_groups:
            print(f"  {group.name}: {group.total}")
            for ch in group.charges:
                print(f"    {ch.description}: {ch.quantity} {ch.unit} × {ch.rate} = {ch.amount}")
                lines += Decimal(ch.amount)
        print(f"charges add up to {lines} (invoice total {inv.total})")
        if inv.get("payment"):
            print(f"payment: {inv.payment.status}, autopay {inv.payment.autopay_date}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except light.LightError as e:
        print(f"error: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
