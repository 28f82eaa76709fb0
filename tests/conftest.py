"""Umbrella pytest fixtures: the local Light emulator for every suite.

Stdlib + pytest only. ``sandbox`` (plain HTTP) and ``sandbox_tls`` (HTTPS
with a generated test CA) are session-scoped subprocesses of
``python -m tests.sandbox --port 0 --ready-json --no-rate-limit``; they expose
``.base_url``, ``.app_token``, ``.webhook_secret``, ``.ca_file`` and admin
helpers (``.journal()``, ``.fault(**kw)``, ``.advance_clock(s)``, ``.env()``,
... see tests/sandbox/runner.py). ``clean_sandbox`` (function scope, not
autouse) clears faults, journal, webhook log and resets config and clock.
"""
import pytest

from tests.sandbox.runner import SandboxProcess, free_port  # noqa: F401  (free_port re-exported)

__all__ = ["free_port", "SandboxProcess"]


def _start(request, args):
    sb = SandboxProcess(args)
    sb.start()
    request.addfinalizer(sb.stop)
    return sb


@pytest.fixture(scope="session")
def sandbox(request):
    """The emulator over plain HTTP (rate limits off)."""
    return _start(request, [])


@pytest.fixture(scope="session")
def sandbox_tls(request):
    """The emulator over HTTPS; ``.ca_file`` is the test CA to verify with."""
    return _start(request, ["--tls"])


@pytest.fixture
def clean_sandbox(sandbox):
    """A `sandbox` with no faults, an empty journal, default config and real time."""
    sandbox.clean()
    yield sandbox
    sandbox.clear_faults()
