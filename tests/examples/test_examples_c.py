"""The C examples (examples/c/*.c, built into $LIGHT_BUILD_DIR/examples/) run
against the emulator, each checked on what it prints or writes with the same
checks as the Python programs (test_examples_python.py): both languages print
the same lines."""
import os
import subprocess

import pytest

from light_sandbox.runner import free_port

from .conftest import BUILD, ROOT, example_env
from .test_examples_python import (check_billing, check_client_agent, check_enrollment_basic, check_ineligible,
                                   check_journey, check_receiver_max_requests, check_usage_csv,
                                   check_webhook_receiver, last_month, run, today)

BIN = BUILD / "examples"
PROGRAMS = ("journey", "quickstart", "enrollment_basic", "client_agent", "billing_invoices", "usage_csv",
            "webhook_receiver")


def argv(name, *args):
    return [str(BIN / name), *map(str, args)]


def test_every_c_example_is_built():
    sources = sorted(p.stem for p in (ROOT / "examples" / "c").glob("*.c"))
    assert sorted(PROGRAMS) == sources
    missing = [n for n in PROGRAMS if not os.access(BIN / n, os.X_OK)]
    assert not missing, f"not built (run `make build-core`): {missing}"


def test_journey(sandbox_rx):
    check_journey(run(sandbox_rx, argv("journey")))


def test_journey_reports_a_failed_step(sandbox_rx):
    """A failing step prints ✗ with the error and exits 1 (here: the app token is refused)."""
    proc = subprocess.run(argv("journey"), cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env=example_env(sandbox_rx, LIGHT_APP_TOKEN="app_sandbox_wrong"))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "  ✗ create account — create_account: AuthenticationError (HTTP 401): "), proc.stdout


def test_quickstart(sandbox_rx):
    out = run(sandbox_rx, argv("quickstart"))
    assert "webhook verified: event enrollment.finalized" in out and "tampered webhook refused: yes" in out, out


def test_enrollment_basic(sandbox_rx):
    check_enrollment_basic(run(sandbox_rx, argv("enrollment_basic")))


def test_enrollment_basic_ineligible_area(sandbox_rx):
    check_ineligible(run(sandbox_rx, argv("enrollment_basic", "123 Main St", "78701"), expect=1))


@pytest.mark.parametrize("days", [7, 12, 30])
def test_client_agent(sandbox_rx, days):
    before = today(sandbox_rx)
    out = run(sandbox_rx, argv("client_agent", days))
    check_client_agent(out, days, {before, today(sandbox_rx)})


def test_client_agent_refuses_a_start_inside_the_opt_out_window(sandbox_rx):
    proc = subprocess.run(argv("client_agent", 3), capture_output=True, text=True, timeout=30,
                          env=example_env(sandbox_rx))
    assert proc.returncode == 2 and "start-in-days 7..30" in proc.stderr


def test_billing_invoices(sandbox_rx):
    check_billing(run(sandbox_rx, argv("billing_invoices", 7)), pages=4)
    check_billing(run(sandbox_rx, argv("billing_invoices", 100)), pages=1)


def test_usage_csv(sandbox_rx, tmp_path):
    year, month = last_month(sandbox_rx)
    out = run(sandbox_rx, argv("usage_csv", f"{year:04d}-{month:02d}", tmp_path))
    check_usage_csv(out, tmp_path, year, month)


def test_webhook_receiver(sandbox_rx):
    port = free_port()
    check_webhook_receiver(sandbox_rx, argv("webhook_receiver", port), port)


def test_webhook_receiver_exits_after_max_requests(sandbox_rx):
    port = free_port()
    check_receiver_max_requests(sandbox_rx, argv("webhook_receiver", port, 2), port)
