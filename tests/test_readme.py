"""Every fenced code block of README.md is executed, so the README cannot rot.

A block is one of:
- a program, run by its tag: ```c (compiled with cc against the build's
  liblight.a), ```python (PYTHONPATH = the package + extension, as after
  `pip install .`), ```js (node, from the repository root, `require('light-sdk')`
  resolving to the package), ```lua (under lua5.4 AND luajit), ```sh (bash, in
  its own process group, killed at the end), ```nginx (a real nginx with the lua
  module, then HTTP requests checked by this test);
- its expected output: a ```text block right after a line `Output:` that
  follows a program; each line must appear in the program's stdout, in order
  (`…` matches anything);
- skipped, only with `<!-- readme-test: skip: <reason> -->` on the line before
  its fence.
Anything else fails the test. Programs other than the nginx configuration must
have an Output block (so each one prints something that is checked).
"""
import hashlib
import hmac
import http.client
import json
import os
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import time

import pytest

from light_sandbox.runner import free_port

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
README = ROOT / "README.md"
RUNNABLE = {"c", "python", "js", "lua", "sh", "nginx"}
SKIP = re.compile(r"^<!-- readme-test: skip: (\S.*\S) -->$")
NGINX_MODULES = pathlib.Path("/usr/lib/nginx/modules")


def parse(text):
    """[(line_no, tag, body, skip_reason, expected_output)] for every fenced block,
    and the list of problems (blocks neither runnable nor annotated, stray outputs)."""
    lines = text.splitlines()
    blocks, problems = [], []
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start, tag = i, m.group(1)
        j = i + 1
        while j < len(lines) and lines[j].rstrip() != "```":
            j += 1
        if j == len(lines):
            problems.append(f"line {start + 1}: unterminated ``` block")
            break
        body = "\n".join(lines[i + 1:j]) + "\n"
        prev = next((lines[k].strip() for k in range(start - 1, -1, -1) if lines[k].strip()), "")
        skip = SKIP.match(prev)
        if tag == "text" and prev == "Output:":
            if blocks and blocks[-1][1] in RUNNABLE and blocks[-1][3] is None and blocks[-1][4] is None:
                blocks[-1] = blocks[-1][:4] + (body,)
            else:
                problems.append(f"line {start + 1}: an Output block that does not follow a program")
        elif skip:
            blocks.append((start + 1, tag, body, skip.group(1), None))
        elif tag in RUNNABLE:
            blocks.append((start + 1, tag, body, None, None))
        else:
            problems.append(f"line {start + 1}: ```{tag} block is neither runnable ({', '.join(sorted(RUNNABLE))}) "
                            "nor annotated <!-- readme-test: skip: reason -->")
        i = j + 1
    for line, tag, _, skip, expected in blocks:
        if skip is None and tag != "nginx" and expected is None:
            problems.append(f"line {line}: ```{tag} program without an Output block (nothing would be checked)")
    return blocks, problems


BLOCKS, PROBLEMS = parse(README.read_text())


def programs(tag):
    return [pytest.param(b, id=f"{tag}-line{b[0]}") for b in BLOCKS if b[1] == tag and b[3] is None]


def check_output(expected, out):
    """Each expected line matches (fully, `…` = anything) a line of `out`, in order."""
    got = [line.rstrip() for line in out.splitlines()]
    pos = 0
    for want in expected.splitlines():
        pattern = re.compile(".*".join(re.escape(part) for part in want.rstrip().split("…")))
        while pos < len(got) and not pattern.fullmatch(got[pos]):
            pos += 1
        assert pos < len(got), f"expected line {want!r} not found (in order) in the output:\n{out}"
        pos += 1


def program_env(sandbox, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHT_")}
    env.update(LIGHT_APP_TOKEN=sandbox.app_token, LIGHT_BASE_URL=sandbox.base_url,
               LIGHT_WEBHOOK_SECRET=sandbox.webhook_secret, LIGHT_BUILD_DIR=str(BUILD))
    # what `pip install .` / `luarocks make` would provide, from the build tree
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "python"), str(BUILD / "python"), str(ROOT), str(ROOT / "sandbox")])
    env.update(extra)
    return env


def run(cmd, env, timeout=180, **kw):
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, **kw)
    out = proc.stdout
    assert proc.returncode == 0, f"{cmd} exited {proc.returncode}\nstdout:\n{out}\nstderr:\n{proc.stderr}"
    return out


def test_every_block_is_executed_or_annotated():
    assert not PROBLEMS, "\n".join(PROBLEMS)
    skipped = [b for b in BLOCKS if b[3] is not None]
    assert len(skipped) <= 2, f"keep skip annotations rare: {[(b[0], b[3]) for b in skipped]}"
    tags = {b[1] for b in BLOCKS if b[3] is None}
    assert RUNNABLE <= tags, f"README lost its {sorted(RUNNABLE - tags)} sample(s)"


def test_parser_rejects_unannotated_and_orphan_blocks():
    text = "```ruby\nputs 1\n```\n\nOutput:\n```text\nx\n```\n```python\nprint(1)\n```\n"
    _, problems = parse(text)
    assert any("```ruby block is neither runnable" in p for p in problems), problems
    assert any("Output block that does not follow" in p for p in problems), problems
    assert any("program without an Output block" in p for p in problems), problems
    ok, problems = parse("<!-- readme-test: skip: needs sudo apt-get -->\n```sh\nsudo x\n```\n"
                         "```python\nprint('a b')\n```\nOutput:\n```text\na …\n```\n")
    assert not problems and ok[0][3] == "needs sudo apt-get" and ok[1][4] == "a …\n"
    check_output("a …\nc\n", "a b\nx\nc\n")
    with pytest.raises(AssertionError):
        check_output("c\na …\n", "a b\nc\n")


def test_paths_named_in_the_readme_exist():
    text = README.read_text()
    named = set(re.findall(r"`((?:examples|docs|bench|tests|tools|lua|core|python|node)/[\w./{},*-]+)`", text))
    missing = []
    for path in sorted(named):
        if any(ch in path for ch in "{}*"):
            continue
        if not (ROOT / path).exists():
            missing.append(path)
    assert not missing, f"README names paths that do not exist: {missing}"


@pytest.mark.parametrize("block", programs("c"))
def test_c_sample(block, clean_sandbox, tmp_path):
    sandbox = clean_sandbox
    line, _, body, _, expected = block
    lib = BUILD / "liblight.a"
    assert lib.exists(), f"{lib} not built: run `make build`"
    src = tmp_path / "sample.c"
    src.write_text(body)
    exe = tmp_path / "sample"
    run([os.environ.get("CC", "cc"), "-std=c11", "-Wall", "-Wextra", "-Werror", "-I", str(ROOT / "core" / "include"),
         str(src), str(lib), "-lcurl", "-lcjson", "-lcrypto", "-lpthread", "-lm", "-o", str(exe)], dict(os.environ))
    check_output(expected, run([str(exe)], program_env(sandbox)))


@pytest.mark.parametrize("block", programs("python"))
def test_python_sample(block, clean_sandbox, tmp_path):
    sandbox = clean_sandbox
    _, _, body, _, expected = block
    src = tmp_path / "sample.py"
    src.write_text(body)
    check_output(expected, run([sys.executable, str(src)], program_env(sandbox)))


@pytest.mark.parametrize("block", programs("js"))
def test_node_sample(block, clean_sandbox):
    sandbox = clean_sandbox
    _, _, body, _, expected = block
    # from the repository root, so that require('light-sdk') resolves to this package
    check_output(expected, run(["node", "-"], program_env(sandbox), input=body))


@pytest.mark.parametrize("interpreter,flavour", [("lua5.4", "5.4"), ("luajit", "jit")])
@pytest.mark.parametrize("block", programs("lua"))
def test_lua_sample(block, interpreter, flavour, clean_sandbox, tmp_path):
    sandbox = clean_sandbox
    _, _, body, _, expected = block
    assert (BUILD / "lua" / flavour / "light" / "core.so").exists(), "Lua module not built: run `make build`"
    src = tmp_path / "sample.lua"
    src.write_text(body)
    env = program_env(sandbox, LUA_PATH=f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;",
                      LUA_CPATH=f"{BUILD}/lua/{flavour}/?.so;;")
    check_output(expected, run([interpreter, str(src)], env))


@pytest.mark.parametrize("block", programs("sh"))
def test_sh_sample(block, tmp_path):
    """Shell blocks start their own servers; the block runs in its own process
    group, which is killed afterwards whatever happened."""
    _, _, body, _, expected = block
    script = tmp_path / "sample.sh"
    script.write_text(body)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHT_")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "python"), str(BUILD / "python"), str(ROOT), str(ROOT / "sandbox")])
    env["PORT"] = str(free_port())
    proc = subprocess.Popen(["bash", "-e", str(script)], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=180)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{out}\nstderr:\n{err}"
    check_output(expected, out)


def _http(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize("block", programs("nginx"))
def test_nginx_sample(block, clean_sandbox, tmp_path):
    """The configuration, with the repository path and the port substituted, in a
    real nginx: a signed webhook → 200, a tampered one → 400, an API call
    over cosockets → the account's status."""
    sandbox = clean_sandbox
    _, _, body, _, _ = block
    assert shutil.which("nginx") and (NGINX_MODULES / "ngx_http_lua_module.so").exists(), \
        "nginx with the lua module missing: tools/install-deps.sh installs it"
    assert (BUILD / "lua" / "jit" / "light" / "core.so").exists(), "LuaJIT module not built: run `make build`"
    assert "/path/to/light-sdk" in body and "listen 127.0.0.1:8080;" in body
    port = free_port()
    conf = body.replace("/path/to/light-sdk/build", str(BUILD)).replace("/path/to/light-sdk", str(ROOT))
    conf = conf.replace("listen 127.0.0.1:8080;", f"listen 127.0.0.1:{port};")
    (tmp_path / "nginx.conf").write_text(conf)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LIGHT_")}
    env.update(LIGHT_APP_TOKEN=sandbox.app_token, LIGHT_BASE_URL=sandbox.base_url,
               LIGHT_WEBHOOK_SECRET=sandbox.webhook_secret)
    # as root, workers would switch to an unprivileged user that cannot read the test's temp dir
    main = f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log warn;" + \
        (" user root;" if os.geteuid() == 0 else "")
    for d in ("client_body_temp", "proxy_temp"):
        (tmp_path / d).mkdir()
    proc = subprocess.Popen(["nginx", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e",
                             str(tmp_path / "error.log"), "-g", main], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, "nginx exited: " + proc.stderr.read().decode()
            try:
                status, _ = _http(port, "GET", "/webhooks/light")  # no signature → 400
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        assert status == 400
        raw = (b'{"uuid":"evt_1","created_at":"2026-01-01T00:00:00Z","api_version":"v1",'
               b'"event":"enrollment.finalized","data":{}}')
        ts = str(int(time.time()))
        sig = ts + "." + hmac.new(sandbox.webhook_secret.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
        assert _http(port, "POST", "/webhooks/light", raw, {"Light-Signature-v1": sig}) == \
            (200, "received enrollment.finalized\n")
        status, _ = _http(port, "POST", "/webhooks/light", raw.replace(b"evt_1", b"evt_2"), {"Light-Signature-v1": sig})
        assert status == 400
        acct = sandbox.create_account(email="readme-nginx@example.com")
        uuid = acct["uuid"] if isinstance(acct, dict) else acct
        assert _http(port, "GET", f"/account-status?uuid={uuid}") == (200, "created/unresolved\n")
        seen = [r for r in sandbox.journal(path="/v1/account") if r.get("account_uuid") == uuid]
        assert seen and "nginx/" in json.dumps(seen[-1]["headers"]), seen  # sent by the SDK inside nginx
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stderr.close()
    log = (tmp_path / "error.log").read_text(errors="replace")
    assert "light webhook refused: signature_mismatch" in log, log[-3000:]
    assert "[alert]" not in log and "[emerg]" not in log, log[-3000:]
    assert sandbox.app_token not in log and sandbox.webhook_secret not in log
