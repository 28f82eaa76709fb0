"""The parity-matrix machinery (sandbox/light_sandbox/coverage.py, tools/gen_parity.py,
the hook in the emulator): User-Agent -> language, first-seen recording,
merge, render, and the checks that must fail on an empty cell or a stale
tests/COVERAGE.md. The matrix itself is checked at the end of a full run by
tests/conftest.py."""
import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from light_sandbox import coverage
from light_sandbox.runner import SandboxProcess

ROOT = pathlib.Path(__file__).resolve().parents[1]
OPS = coverage.operation_ids()


@pytest.mark.parametrize("ua,want", [
    ("light-sdk/0.1.0 c/7.88.1", ("C", "")),
    ("light-sdk/0.1.0 python/3.11.2", ("Python", "")),
    ("light-sdk/0.1.0 node/18.19.0", ("Node", "")),
    ("light-sdk/0.1.0 lua/5.4", ("Lua", "5.4")),
    ("light-sdk/0.1.0 luajit/2.1.0-beta3", ("Lua", "LuaJIT")),
    ("light-sdk/0.1.0 luajit/2.1.0-beta3 nginx/1.22.1", ("Lua", "nginx")),
    ("light-sdk/0.1.0 lua/5.1 nginx/1.25.3", ("Lua", "nginx")),
])
def test_user_agent_to_language(ua, want):
    assert coverage.classify(ua) == want


@pytest.mark.parametrize("ua", [
    None, "", "Python-urllib/3.11", "curl/7.88.1", "python-requests/2.28.1", "node",
    "light-sdk/0.1.0",                 # no runtime
    "light-sdk/0.1.0 ruby/3.2",        # not one of the four SDK languages
    "Mozilla/5.0 light-sdk/0.1.0 c/8",  # SDK name not in front
])
def test_other_clients_are_not_attributed(ua):
    assert coverage.classify(ua) is None


def test_recorder_appends_first_seen_answers_only(tmp_path):
    rec = coverage.Recorder(str(tmp_path))
    py = "light-sdk/0.1.0 python/3.11.2"
    assert rec.hit("get_account", 200, py)
    assert not rec.hit("get_account", 200, py)          # already seen
    assert rec.hit("get_account", 422, "light-sdk/0.1.0 lua/5.4")  # a 4xx from the handler counts
    assert not rec.hit("get_account", 500, "light-sdk/0.1.0 c/8.0")  # 5xx does not
    assert not rec.hit("get_account", 302, "light-sdk/0.1.0 c/8.0")  # nor a redirect
    assert not rec.hit(None, 200, "light-sdk/0.1.0 c/8.0")           # no handler reached
    assert not rec.hit("list_accounts", 200, "curl/8")                 # not an SDK
    assert rec.hit("get_account", 404, py)               # first 4xx of that language: one more line
    assert not rec.hit("get_account", 401, py)
    lines = [json.loads(x) for x in rec.path.read_text().splitlines()]
    assert lines == [{"op": "get_account", "lang": "Python", "variant": "", "status": "2xx"},
                     {"op": "get_account", "lang": "Lua", "variant": "5.4", "status": "4xx"},
                     {"op": "get_account", "lang": "Python", "variant": "", "status": "4xx"}]
    assert rec.path.name == f"parity-{os.getpid()}.jsonl"


def test_load_merges_processes_and_ignores_torn_lines(tmp_path):
    (tmp_path / "parity-1.jsonl").write_text(
        '{"op": "get_account", "lang": "Lua", "variant": "5.4", "status": "4xx"}\n'
        '{"op": "get_account", "lang": "C", "variant": "", "status": "2xx"}\n'
        '{"op": "list_accounts", "lang": "Node", "variant": "", "status": "4xx"}\n')
    (tmp_path / "parity-2.jsonl").write_text(
        '{"op": "get_account", "lang": "Lua", "variant": "LuaJIT", "status": "4xx"}\n'
        '{"op": "get_account", "lang": "Lua", "variant": "5.4", "status": "2xx"}\n'
        '{"op": "get_account", "lang": "Cobol", "variant": "", "status": "2xx"}\n'   # unknown language
        '{"op": "list_acc')                                          # a writer killed mid-line
    (tmp_path / "other.txt").write_text("not coverage")
    cov = coverage.load(tmp_path)
    assert cov == {"get_account": {"Lua": {"5.4": True, "LuaJIT": False}, "C": {"": True}},
                   "list_accounts": {"Node": {"": False}}}
    assert coverage.cell(cov["get_account"]["Lua"]) == "5.4, LuaJIT (4xx only)"
    assert coverage.cell({"nginx": True, "LuaJIT": True, "5.4": True}) == "5.4, LuaJIT, nginx"
    assert coverage.cell(cov["get_account"]["C"]) == "✓"
    assert coverage.cell(cov["list_accounts"]["Node"]) == "✓ (4xx only)"
    assert coverage.cell({}) == ""
    merged = coverage.merge(coverage.load(tmp_path), {"list_accounts": {"Node": {"": True}}})
    assert merged["list_accounts"]["Node"] == {"": True}


def full(ops):
    return {op: {lang: ({"5.4": True, "LuaJIT": True} if lang == "Lua" else {"": True})
                 for lang in coverage.LANGUAGES} for op in ops}


def test_complete_coverage_and_fresh_file_pass(tmp_path):
    cov = full(OPS)
    md = tmp_path / "PARITY.md"
    md.write_text(coverage.render(cov, OPS), encoding="utf-8")
    assert coverage.missing(cov, OPS) == []
    assert coverage.problems(cov, OPS, md) == []
    text = md.read_text()
    assert "**missing**" not in text
    assert f"{len(OPS)} operations x 4 languages: {len(OPS) * 4} of {len(OPS) * 4} cells filled." in text
    for op in OPS:
        assert f"| `{op}` | ✓ | ✓ | ✓ | 5.4, LuaJIT |" in text


def test_an_empty_cell_fails(tmp_path):
    cov = full(OPS)
    del cov["annual_compare"]["Node"]
    md = tmp_path / "PARITY.md"
    md.write_text(coverage.render(cov, OPS), encoding="utf-8")  # even when the file matches
    assert coverage.missing(cov, OPS) == [("annual_compare", "Node")]
    probs = coverage.problems(cov, OPS, md)
    assert probs == ["Node never exercised: annual_compare"]
    assert "| `annual_compare` | ✓ | ✓ | **missing** | 5.4, LuaJIT |" in md.read_text()


def test_a_stale_or_absent_file_fails(tmp_path):
    cov = full(OPS)
    md = tmp_path / "PARITY.md"
    assert any("does not exist" in p for p in coverage.problems(cov, OPS, md))
    older = full(OPS)
    older["get_account"]["Lua"] = {"5.4": True}  # LuaJIT not yet seen when the file was generated
    md.write_text(coverage.render(older, OPS), encoding="utf-8")
    probs = coverage.problems(cov, OPS, md)
    assert len(probs) == 1 and "stale" in probs[0]


def test_unknown_operation_is_reported(tmp_path):
    cov = full(OPS)
    cov["teleport"] = {"C": {"": True}}
    md = tmp_path / "PARITY.md"
    md.write_text(coverage.render(cov, OPS), encoding="utf-8")
    assert coverage.problems(cov, OPS, md) == [
        "coverage names operations the route table does not have: teleport"]


def test_rows_are_the_api_operations():
    """One row per operation of endpoints.json (the core's operation table and the
    emulator's routes carry the same ids; tests/core/test_operation_table.py checks the core)."""
    endpoints = json.loads((ROOT / "docs" / "api" / "endpoints.json").read_text())
    assert [e["id"] for e in endpoints] == OPS
    assert len(OPS) == len(set(OPS)) == 49


def test_committed_parity_md_has_every_cell_filled():
    text = (ROOT / "tests" / "COVERAGE.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| `")]
    assert [r.split("`")[1] for r in rows] == OPS
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")[1:]]
        assert len(cells) == 4 and all(cells) and "**missing**" not in cells, r


def test_gen_parity_cli(tmp_path):
    cov_dir = tmp_path / "cov"
    cov_dir.mkdir()
    lines = [json.dumps({"op": op, "lang": lang, "variant": "5.4" if lang == "Lua" else "", "status": "2xx"})
             for op in OPS for lang in coverage.LANGUAGES if (op, lang) != ("meter_reads", "C")]
    (cov_dir / "parity-7.jsonl").write_text("\n".join(lines) + "\n")
    out = tmp_path / "PARITY.md"
    tool = [sys.executable, str(ROOT / "tools" / "gen_parity.py"), "--from", str(cov_dir), "--out", str(out)]
    r = subprocess.run(tool, capture_output=True, text=True)
    assert r.returncode == 1 and "meter_reads/C" in r.stderr  # written, but an empty cell fails
    assert "| `meter_reads` | **missing** | ✓ | ✓ | 5.4 |" in out.read_text()
    r = subprocess.run(tool + ["--check"], capture_output=True, text=True)
    assert r.returncode == 1 and "C never exercised: meter_reads" in r.stderr
    with open(cov_dir / "parity-8.jsonl", "w") as f:  # a second emulator process fills the gap
        f.write(json.dumps({"op": "meter_reads", "lang": "C", "variant": "", "status": "2xx"}) + "\n")
    r = subprocess.run(tool + ["--check"], capture_output=True, text=True)
    assert r.returncode == 1 and "stale" in r.stderr and "never exercised" not in r.stderr
    r = subprocess.run(tool, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(tool + ["--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def _call(sb, path, ua, token=None, method="GET", body=None):
    req = urllib.request.Request(sb.base_url + path, method=method, data=body,
                                 headers={"User-Agent": ua, "Content-Type": "application/json"})
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code


def test_emulator_records_what_reached_a_handler(tmp_path, monkeypatch):
    """A real emulator process with LIGHT_PARITY_DIR set (as the session sets it)."""
    monkeypatch.setenv(coverage.ENV_VAR, str(tmp_path))
    node, c, lua = "light-sdk/9.9.9 node/20.0.0", "light-sdk/9.9.9 c/8.0.0", "light-sdk/9.9.9 luajit/2.1 nginx/1.22"
    with SandboxProcess() as sb:
        assert _call(sb, "/v1/app/accounts", node, token="app_wrong") == 401   # auth failed: not counted
        assert _call(sb, "/v1/app/nowhere", node, token=sb.app_token) == 404   # no route: not counted
        sb.fault(method="GET", path="/v1/app/plan-groups", kind="status", status=503)
        assert _call(sb, "/v1/app/plan-groups", c, token=sb.app_token) == 503  # injected fault: not counted
        sb.clear_faults()
        assert _call(sb, "/v1/app/accounts", "Python-urllib/3.11", token=sb.app_token) == 200  # not an SDK
        assert _call(sb, "/v1/app/accounts", node, token=sb.app_token) == 200
        assert _call(sb, "/v1/app/accounts", node, token=sb.app_token) == 200  # recorded once
        assert _call(sb, "/v1/app/accounts", c, token=sb.app_token, method="POST", body=b"{}") == 422  # handler's 4xx
        assert _call(sb, "/v1/app/accounts/enroll/eligibility", lua, token=sb.app_token, method="POST",
                     body=b'{"postal_code": "75202"}') == 200
        pid = sb.pid
    files = list(tmp_path.glob("parity-*.jsonl"))
    assert [f.name for f in files] == [f"parity-{pid}.jsonl"]
    assert coverage.load(tmp_path) == {"list_accounts": {"Node": {"": True}}, "create_account": {"C": {"": False}},
                                       "check_eligibility": {"Lua": {"nginx": True}}}


# ---- when the session enforces the matrix (tests/conftest.py) ----------------------------------

class _Opt:
    def __init__(self, **kw):
        self.collectonly, self.keyword, self.markexpr = False, "", ""
        self.__dict__.update(kw)


class _Session:
    def __init__(self, paths, **opt):
        self.config = type("Config", (), {"option": _Opt(**opt)})()
        self.items = [type("Item", (), {"path": p})() for p in paths]


class _Terminal:
    def __init__(self):
        self.text = ""

    def write_sep(self, sep, title, **kw):
        self.text += f"{sep * 3} {title} {sep * 3}\n"

    def write(self, text, **kw):
        self.text += text

    def write_line(self, line, **kw):
        self.text += line + "\n"


def _summary(conftest):
    tr = _Terminal()
    conftest.pytest_terminal_summary(tr, None)
    return tr.text


def _every_suite_file():
    from tests import conftest
    return [f for suite in conftest.PARITY_SUITES for f in sorted((conftest.TESTS / suite).glob("test_*.py"))]


def test_full_run_needs_every_file_of_the_four_suites(monkeypatch):
    from tests import conftest
    monkeypatch.setitem(conftest._parity, "deselected", 0)
    files = _every_suite_file()
    assert len(files) >= 10
    assert conftest._full_run(_Session(files + [ROOT / "tests" / "test_parity.py"])) == (True, "")
    ok, why = conftest._full_run(_Session(files[1:]))
    assert not ok and files[0].name in why
    assert conftest._full_run(_Session(files, keyword="journey")) == (False, "-k/-m selection")
    assert conftest._full_run(_Session(files, markexpr="not slow")) == (False, "-k/-m selection")
    assert conftest._full_run(_Session(files, collectonly=True)) == (False, "--collect-only")
    monkeypatch.setitem(conftest._parity, "deselected", 3)
    assert conftest._full_run(_Session(files)) == (False, "3 test(s) deselected")


def test_session_fails_on_an_empty_cell_only_on_a_full_run(tmp_path, monkeypatch):
    from tests import conftest
    cov_dir = tmp_path / "cov"
    cov_dir.mkdir()
    (cov_dir / "parity-1.jsonl").write_text(json.dumps({"op": "get_account", "lang": "C", "status": "2xx"}) + "\n")
    md = tmp_path / "PARITY.md"
    monkeypatch.setattr(conftest, "PARITY_MD", md)
    monkeypatch.delenv("LIGHT_UPDATE_PARITY", raising=False)
    saved = dict(conftest._parity)
    try:
        for full, failed, want_status in ((False, 0, 0), (True, 1, 0), (True, 0, pytest.ExitCode.TESTS_FAILED)):
            conftest._parity.update({"dir": str(cov_dir), "owned": False, "full": full, "why": "subset"})
            s = _Session([])
            s.testsfailed, s.exitstatus = failed, 0
            conftest.pytest_sessionfinish(s, 0)
            rep = conftest._parity["report"]
            assert s.exitstatus == want_status, (full, failed)
            assert rep["checked"] == (full and not failed)
            out = _summary(conftest)
            if full:  # a full run prints the table, even when tests failed
                assert "| `get_account` | ✓ | **missing** | **missing** | **missing** |" in out
                assert "1 of 196 cells filled" in out
            else:
                assert "| `get_account` |" not in out and "parity: 1 of 196" in out
            if rep["checked"]:
                assert "C never exercised: list_accounts" in rep["problems"][0]
                assert any("does not exist" in p for p in rep["problems"])
                assert "PARITY CHECK FAILED" in out and "C never exercised: list_accounts" in out
            else:
                assert "PARITY CHECK FAILED" not in out and "parity not checked" in out
        monkeypatch.setenv("LIGHT_UPDATE_PARITY", "1")  # rewrites the file; the empty cells still fail
        s = _Session([])
        s.testsfailed, s.exitstatus = 0, 0
        conftest.pytest_sessionfinish(s, 0)
        assert md.exists() and "| `get_account` | ✓ | **missing** |" in md.read_text()
        assert s.exitstatus == pytest.ExitCode.TESTS_FAILED
        assert not any("stale" in p for p in conftest._parity["report"]["problems"])
        assert cov_dir.exists()  # a directory the session did not create is kept
        # complete coverage and the file it generated: the session passes and says so
        full_cov = tmp_path / "full"
        full_cov.mkdir()
        (full_cov / "parity-2.jsonl").write_text("".join(
            json.dumps({"op": op, "lang": lang, "variant": "5.4" if lang == "Lua" else "", "status": "2xx"}) + "\n"
            for op in OPS for lang in coverage.LANGUAGES))
        conftest._parity.update({"dir": str(full_cov), "full": True})
        s = _Session([])
        s.testsfailed, s.exitstatus = 0, 0
        conftest.pytest_sessionfinish(s, 0)
        assert s.exitstatus == 0 and conftest._parity["report"]["problems"] == []
        out = _summary(conftest)
        assert "parity: OK, all 196 cells filled" in out and f"rewrote {md}" in out
        monkeypatch.delenv("LIGHT_UPDATE_PARITY")
        conftest.pytest_sessionfinish(s, 0)
        assert s.exitstatus == 0 and "rewrote" not in _summary(conftest)
    finally:
        conftest._parity.clear()
        conftest._parity.update(saved)
