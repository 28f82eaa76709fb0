"""Runs the Node suite (tests/node/*.test.js, `node --test`) against the
emulator: plain HTTP from the `clean_sandbox` fixture and HTTPS from
`sandbox_tls` (LIGHT_SANDBOX_TLS_URL / _CA_FILE / _APP_TOKEN). The addon is
the one `make build-node` (`npm install` at the root) built in node/build/.
Fails on any failing test and when the runner reports zero tests."""
import os
import pathlib
import re
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
ADDON = pathlib.Path(os.environ.get("LIGHT_NODE_ADDON", ROOT / "node" / "build" / "light.node"))


def node_env(sandbox, sandbox_tls):
    env = dict(os.environ)
    env.update(sandbox.env())
    env["LIGHT_SANDBOX_TLS_URL"] = sandbox_tls.base_url
    env["LIGHT_SANDBOX_TLS_CA_FILE"] = sandbox_tls.ca_file
    env["LIGHT_SANDBOX_TLS_APP_TOKEN"] = sandbox_tls.app_token
    for k in ("LIGHT_APP_TOKEN", "LIGHT_BASE_URL", "LIGHT_LOG", "NODE_OPTIONS"):
        env.pop(k, None)
    return env


def counts(tap):
    out = {}
    for key in ("tests", "pass", "fail", "cancelled", "skipped", "todo"):
        m = re.search(rf"^# {key} (\d+)$", tap, re.M)
        out[key] = int(m.group(1)) if m else None
    return out


def test_node_suite(clean_sandbox, sandbox_tls):
    node = shutil.which("node")
    assert node, "node is not installed (tools/install-deps.d/node.sh)"
    assert ADDON.exists(), f"{ADDON} is not built: run `make build-node` (npm install at the repository root)"
    files = sorted(str(p.relative_to(ROOT)) for p in HERE.glob("*.test.js"))
    assert len(files) >= 5, files
    env = node_env(clean_sandbox, sandbox_tls)
    total = {"tests": 0, "pass": 0, "fail": 0, "cancelled": 0, "skipped": 0, "todo": 0}
    failures = []
    # One runner per file, in turn: the files share the emulator's journal,
    # faults and clock (works on every Node with --test, 18 included).
    for f in files:
        proc = subprocess.run([node, "--test", "--test-reporter=tap", f], cwd=ROOT, env=env, capture_output=True,
                              text=True, timeout=300)
        tap = proc.stdout
        c = counts(tap)
        print(f"{f}: {c}")
        print("\n".join(line for line in tap.splitlines() if line.startswith("# ") and "Subtest" not in line))
        assert c["tests"] is not None, f"{f}: no TAP summary\n{tap[-4000:]}\n{proc.stderr[-2000:]}"
        for k in total:
            total[k] += c[k] or 0
        failed = re.findall(r"^\s*not ok \d+ - (.*)$", tap, re.M)
        if proc.returncode != 0 or failed:
            failures.append(f"{f} (exit {proc.returncode}): {failed}\n{tap[-6000:]}\n{proc.stderr[-2000:]}")
    print(f"node --test totals: {total}")
    assert not failures, "\n\n".join(failures)
    assert total["tests"] > 0, f"the Node runner reported no tests: {total}"
    assert total["pass"] == total["tests"], total
    assert total["fail"] == 0 and not total["skipped"] and not total["todo"] and not total["cancelled"], total
    # a file that fails to load is reported as a failure; this catches files that silently register nothing
    assert total["tests"] >= 40, f"only {total['tests']} Node tests ran"
