"""Soak: per language (C, Python, Node, Lua 5.4, LuaJIT) REQUESTS calls and
VERIFIES webhook verifications against a dedicated emulator, every call with
its expected outcome, RSS growth after warm-up below 2 MiB; Python: live gc
objects do not grow; Node: active handles/resources back to their baseline
after close() and the process exits by itself; C: 8 threads share one client,
once more under ThreadSanitizer with zero reports.

LIGHT_SOAK_SCALE sets the size (default 0.1 = 10,000 requests and 100,000
verifications per language; `make soak` and CI: 1). Figures are printed in
the terminal summary and written to build/soak/figures.{md,json}
(tests/soak/harness.py, docs/soak.md).
"""
import re

import pytest

from light_sandbox.runner import SandboxProcess
from tests.soak import harness

LANG_IDS = [lang for lang, _ in harness.LANGS]


@pytest.fixture(scope="module")
def soak_sandbox():
    """An emulator of its own (rate limits off) so the soak's traffic never
    fills the session emulator's journal, and one account to call."""
    sb = SandboxProcess([])
    sb.start()
    try:
        acct = sb.create_account(email="soak@example.com", first_name="Soak", last_name="Test")
        uuid = acct["uuid"]
        yield sb, uuid
    finally:
        sb.stop()


def tsan_reports(stderr):
    return len(re.findall(r"^WARNING: ThreadSanitizer:", stderr, re.M))


@pytest.mark.parametrize("lang", LANG_IDS)
def test_soak(lang, soak_sandbox, tmp_path):
    sb, uuid = soak_sandbox
    figures, rc, stderr, seconds = harness.run(lang, sb, uuid, tmp_path)
    result = {"figures": figures, "rc": rc, "seconds": round(seconds, 1)}
    if lang == "c-tsan":
        result["tsan_reports"] = tsan_reports(stderr)
    harness.RESULTS[lang] = result
    tail = stderr[-6000:]
    assert figures is not None, f"{lang}: no figures (exit {rc})\n{tail}"
    print(f"\n{lang}: {figures}")
    assert sb.alive(), "the emulator died during the soak"

    # Every call had its expected outcome.
    n_ver = figures["verifies"]
    assert figures["requests"] == harness.REQUESTS
    assert figures["failed"] == 0 and figures["verify_failed"] == 0, tail
    assert figures["ok"] == harness.REQUESTS - harness.REQUESTS // 10, figures
    assert figures["expected_errors"] == harness.REQUESTS // 10, figures
    assert figures["verified"] + figures["verify_rejected"] == n_ver, figures
    assert figures["verify_rejected"] == n_ver // 10, figures

    if lang == "c-tsan":
        assert result["tsan_reports"] == 0 and "ThreadSanitizer" not in stderr, tail
        assert figures["threads"] == harness.THREADS
    else:
        growth = figures["rss_end"] - figures["rss_warm"]
        assert growth < harness.RSS_GROWTH_MAX, \
            f"{lang}: RSS grew {growth / 1024:.0f} KiB after warm-up ({figures})"
    if lang == "c":
        assert figures["threads"] == harness.THREADS
    if lang == "python":
        grew = figures["gc_objects_end"] - figures["gc_objects_warm"]
        assert grew < harness.GC_OBJECTS_GROWTH_MAX, f"python: {grew:+d} live gc objects after warm-up ({figures})"
    if lang == "node":
        assert figures["handles_after"] == figures["handles_before"], figures
        assert figures["resources_after"] == figures["resources_before"], figures
    if lang in ("lua5.4", "luajit"):
        assert figures["lua_heap_end"] - figures["lua_heap_warm"] < 64 * 1024, figures
    # Exited by itself, with success, within EXIT_GRACE_S of printing its figures
    # (a Node event loop kept alive by a leftover handle shows up as rc None).
    assert rc == 0, f"{lang}: exit {rc}\n{tail}"
