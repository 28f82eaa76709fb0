"""Umbrella pytest fixtures: the local Light emulator for every suite.

Stdlib + pytest only. ``sandbox`` (plain HTTP) and ``sandbox_tls`` (HTTPS
with a generated test CA) are session-scoped subprocesses of
``python -m light_sandbox --port 0 --ready-json --no-rate-limit``; they expose
``.base_url``, ``.app_token``, ``.webhook_secret``, ``.ca_file`` and admin
helpers (``.journal()``, ``.fault(**kw)``, ``.advance_clock(s)``, ``.env()``,
... see sandbox/light_sandbox/runner.py). ``clean_sandbox`` (function scope, not
autouse) clears faults, journal, webhook log and resets config and clock.

Parity matrix (sandbox/light_sandbox/coverage.py): the session sets LIGHT_PARITY_DIR
(a fresh temporary directory unless already set) before any emulator starts;
every emulator records there which operation each SDK language called. At the
end the table is printed, and on a full run (every test file of tests/core,
tests/python, tests/node and tests/lua collected, nothing deselected, no test
failed) the session fails when a cell is empty or tests/COVERAGE.md is stale.
LIGHT_UPDATE_PARITY=1 rewrites tests/COVERAGE.md on such a run;
LIGHT_PARITY_TABLE=1 prints the table on subset runs too.
"""
import os
import pathlib
import shutil
import tempfile

import pytest

# The emulator is the package light_sandbox in sandbox/ (pytest.ini puts it on
# sys.path); child processes the tests start (`python -m light_sandbox`, the
# examples, the demo) find it through PYTHONPATH.
_SANDBOX_DIR = str(pathlib.Path(__file__).resolve().parent.parent / "sandbox")
if _SANDBOX_DIR not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ["PYTHONPATH"] = os.pathsep.join(x for x in [_SANDBOX_DIR, os.environ.get("PYTHONPATH", "")] if x)

from light_sandbox import coverage as parity
from light_sandbox.runner import SandboxProcess, free_port  # noqa: F401  (free_port re-exported)

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


# ---- parity matrix (operation x language) ------------------------------------------------------

TESTS = pathlib.Path(__file__).resolve().parent
PARITY_MD = TESTS / "COVERAGE.md"
PARITY_SUITES = ("core", "python", "node", "lua")
_parity = {"dir": None, "owned": False, "deselected": 0, "full": False, "why": "", "report": None}


def _rel(path):
    try:
        return path.relative_to(TESTS.parent)
    except ValueError:
        return path


def pytest_configure(config):
    if _parity["dir"] is not None or hasattr(config, "workerinput"):
        return
    d = os.environ.get(parity.ENV_VAR)
    if not d:
        d = tempfile.mkdtemp(prefix="light-parity-")
        os.environ[parity.ENV_VAR] = d  # inherited by every emulator this session starts
        _parity["owned"] = True
    else:
        os.makedirs(d, exist_ok=True)
    _parity["dir"] = d


def pytest_deselected(items):
    _parity["deselected"] += len(items)


def _full_run(session):
    """(is_full, reason): every test file of the four SDK suites collected, nothing filtered out."""
    opt = session.config.option
    if getattr(opt, "collectonly", False):
        return False, "--collect-only"
    if getattr(opt, "keyword", "") or getattr(opt, "markexpr", ""):
        return False, "-k/-m selection"
    if _parity["deselected"]:
        return False, f"{_parity['deselected']} test(s) deselected"
    collected = {pathlib.Path(str(item.path)).resolve() for item in session.items}
    for suite in PARITY_SUITES:
        files = sorted((TESTS / suite).glob("test_*.py"))
        if not files:
            return False, f"tests/{suite} has no test files"
        absent = [f for f in files if f.resolve() not in collected]
        if absent:
            return False, f"tests/{suite}/{absent[0].name} not collected"
    return True, ""


def pytest_collection_finish(session):
    _parity["full"], _parity["why"] = _full_run(session)


def pytest_sessionfinish(session, exitstatus):
    d = _parity["dir"]
    if d is None or hasattr(session.config, "workerinput"):
        return
    cov = parity.load(d)
    ops = parity.operation_ids()
    rep = {"cov": cov, "ops": ops, "checked": False, "problems": [], "note": "", "updated": False,
           "full": _parity["full"]}
    _parity["report"] = rep
    if not _parity["full"]:
        rep["note"] = f"subset run ({_parity['why'] or 'not every suite collected'}): parity not checked"
    elif session.testsfailed or exitstatus not in (0, pytest.ExitCode.OK):
        rep["note"] = "tests failed or the run was interrupted: parity not checked"
    else:
        rep["checked"] = True
        if os.environ.get("LIGHT_UPDATE_PARITY") == "1":
            PARITY_MD.write_text(parity.render(cov, ops), encoding="utf-8")
            rep["updated"] = True
        rep["problems"] = parity.problems(cov, ops, PARITY_MD)
        if rep["problems"]:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if _parity["owned"]:
        shutil.rmtree(d, ignore_errors=True)


def pytest_terminal_summary(terminalreporter, config):
    rep = _parity["report"]
    if rep is None:
        return
    tr = terminalreporter
    gaps = parity.missing(rep["cov"], rep["ops"])
    total = len(rep["ops"]) * len(parity.LANGUAGES)
    if rep["full"] or os.environ.get("LIGHT_PARITY_TABLE") == "1":
        tr.write_sep("=", "operation x language parity (exercised against the emulator)")
        tr.write(parity.render(rep["cov"], rep["ops"]).split("\n\n", 2)[-1])
    elif rep["cov"]:
        tr.write_line(f"parity: {total - len(gaps)} of {total} operation x language cells exercised "
                      f"by this run; LIGHT_PARITY_TABLE=1 prints them")
    if rep["note"] and (rep["cov"] or rep["checked"]):
        tr.write_line("parity: " + rep["note"])
    if rep["updated"]:
        tr.write_line(f"parity: rewrote {_rel(PARITY_MD)}")
    if rep["problems"]:
        tr.write_sep("=", "PARITY CHECK FAILED", red=True, bold=True)
        for p in rep["problems"]:
            tr.write_line("  " + p, red=True)
    elif rep["checked"]:
        tr.write_line(f"parity: OK, all {total} cells filled and {_rel(PARITY_MD)} up to date",
                      green=True)
