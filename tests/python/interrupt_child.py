"""Child process of tests/python/test_interrupt.py: makes one blocking call
that the parent interrupts with a real signal. Usage:

    python interrupt_child.py SCENARIO BASE_URL APP_TOKEN [ACCOUNT_UUID]

It prints "calling" (flushed) right before the call the parent interrupts,
and "returned" if that call ever returns. Scenarios:

  transfer   GET list_accounts (the parent delays it 20 s)
  post       POST create_account (delayed 20 s); the KeyboardInterrupt is
             caught, then the same client makes another call ("after ok"),
             then the exception is re-raised
  backoff    GET list_accounts answered 503 + Retry-After: 20 once
  ratelimit  rate_limit=True: 30 calls fill the one-second window (prints
             "filled <seconds>"), the 31st waits in the limiter
  mint       a daemon thread's for_account call holds the mint (delayed
             20 s); the main thread's call of the same account waits on it
  sigterm    a SIGTERM handler raises SystemExit(7) during a delayed call
  handler    a SIGUSR1 handler that returns normally runs during a call
             delayed 3 s, which then returns; prints how long before the
             call returned the handler ran ("handler lead <seconds>")
"""
import signal
import sys
import threading
import time

import light

# Python installs its SIGINT handler only when SIGINT is not ignored at
# startup (a child of a background job may inherit SIG_IGN): be explicit.
signal.signal(signal.SIGINT, signal.default_int_handler)
scenario, base_url, token = sys.argv[1:4]
uuid = sys.argv[4] if len(sys.argv) > 4 else None
FAST = dict(retry_base=0.01, retry_max=0.05)


def say(line):
    print(line, flush=True)


if scenario == "transfer":
    c = light.Client(token, base_url=base_url, max_retries=0)
    say("calling")
    c.accounts.list()
    say("returned")
elif scenario == "post":
    c = light.Client(token, base_url=base_url, **FAST)
    say("calling")
    try:
        c.accounts.create(email=f"interrupt{time.time_ns()}@example.com")
        say("returned")
    except KeyboardInterrupt:
        c.accounts.list()
        say("after ok")
        raise
elif scenario == "backoff":
    c = light.Client(token, base_url=base_url, max_retries=1)
    say("calling")
    c.accounts.list()
    say("returned")
elif scenario == "ratelimit":
    c = light.Client(token, base_url=base_url, rate_limit=True)
    t0 = time.monotonic()
    for _ in range(30):
        c.accounts.list()
    say(f"filled {time.monotonic() - t0:.3f}")
    say("calling")
    c.accounts.list()
    say("returned")
elif scenario == "mint":
    c = light.Client(token, base_url=base_url, max_retries=0)
    holder = threading.Thread(target=lambda: c.for_account(uuid).retrieve(), daemon=True)
    holder.start()
    time.sleep(0.3)  # the holder's mint is on the wire (delayed by the parent's fault)
    say("calling")
    c.for_account(uuid).retrieve()
    say("returned")
elif scenario == "sigterm":
    def on_term(signum, frame):
        raise SystemExit(7)
    signal.signal(signal.SIGTERM, on_term)
    c = light.Client(token, base_url=base_url, max_retries=0)
    say("calling")
    c.accounts.list()
    say("returned")
elif scenario == "handler":
    ran = []
    signal.signal(signal.SIGUSR1, lambda signum, frame: ran.append(time.monotonic()))
    c = light.Client(token, base_url=base_url, max_retries=0)
    say("calling")
    c.accounts.list()
    done = time.monotonic()
    say("returned")
    say(f"handler lead {done - ran[0]:.3f}" if ran else "handler never ran")
else:
    raise SystemExit(f"unknown scenario {scenario}")
