"""The Node suite (tests/node/*.test.js) once more with the addon and the
core inside it built with ASan+UBSan (build-node-asan/, never node/build/),
loaded through LIGHT_NODE_ADDON into a stock node with gcc's libasan and
libubsan preloaded (node itself is not instrumented: ASan sees the addon's
and the core's memory accesses and every malloc/free of the process).
Leak detection is off: node does not free its own heap at exit, so a leak
report would be node's, not ours (leaks are covered by the soak's RSS bound
and by valgrind/ASan in the C and Lua suites). Fails on any sanitizer
report or failing test."""
import os
import pathlib
import shutil
import subprocess

from tests.node.test_node_suite import HERE, ROOT, counts, node_env

BUILD = pathlib.Path(os.environ.get("LIGHT_NODE_ASAN_BUILD_DIR", ROOT / "build-node-asan"))


def _runtime(name):
    out = subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True, text=True).stdout.strip()
    assert os.path.isabs(out) and os.path.exists(out), f"{name} not found (gcc): {out!r}"
    return out


def _include_dirs():
    """Where node_api.h and uv.h are (as node/build-addon.js finds them)."""
    node = pathlib.Path(shutil.which("node")).resolve()
    node_inc = next((d for d in (node.parent.parent / "include" / "node", pathlib.Path("/usr/include/node"),
                                 pathlib.Path("/usr/local/include/node")) if (d / "node_api.h").exists()), None)
    napi = ROOT / "node_modules" / "node-api-headers" / "include"
    napi = napi if (napi / "node_api.h").exists() else node_inc
    assert napi, "no node_api.h (npm install at the root installs node-api-headers)"
    uv = next((d for d in (node_inc, pathlib.Path("/usr/include"), pathlib.Path("/usr/local/include"))
               if d and (d / "uv.h").exists()), None)
    assert uv, "no uv.h (libuv1-dev)"
    return sorted({str(napi), str(uv)})


def build_asan_addon():
    out = BUILD / "addon"
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(BUILD), "-DCMAKE_BUILD_TYPE=Debug", "-DLIGHT_BUILD_NODE=ON",
                    "-DLIGHT_SANITIZE=ON", "-DLIGHT_INSTALL=OFF", "-DLIGHT_BUILD_TESTS=OFF", "-DLIGHT_WERROR=ON",
                    f"-DLIGHT_NODE_INCLUDE_DIRS={';'.join(_include_dirs())}", f"-DLIGHT_NODE_OUTPUT_DIR={out}",
                    "--log-level=WARNING"], check=True, capture_output=True, timeout=600)
    proc = subprocess.run(["cmake", "--build", str(BUILD), "--target", "light_node", "-j2"],
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    addon = out / "light.node"
    assert addon.exists()
    return addon


def test_node_suite_under_asan_ubsan(clean_sandbox, sandbox_tls):
    node = shutil.which("node")
    assert node, "node is not installed"
    addon = build_asan_addon()
    env = node_env(clean_sandbox, sandbox_tls)
    env.update(LIGHT_NODE_ADDON=str(addon), LIGHT_NODE_SANITIZED="1",
               LD_PRELOAD=f"{_runtime('libasan.so')} {_runtime('libubsan.so')}",
               ASAN_OPTIONS="detect_leaks=0:abort_on_error=0:halt_on_error=1:exitcode=99",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=98")
    # The process really runs the instrumented addon with the runtimes mapped.
    maps = subprocess.run([node, "-e", "require('./node'); process.stdout.write(require('fs')"
                           ".readFileSync('/proc/self/maps', 'utf8'))"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert maps.returncode == 0, maps.stderr[-3000:]
    assert str(addon) in maps.stdout and "libasan" in maps.stdout and "libubsan" in maps.stdout, maps.stdout[-3000:]
    assert str(ROOT / "node" / "build" / "light.node") not in maps.stdout
    files = sorted(str(p.relative_to(ROOT)) for p in HERE.glob("*.test.js"))
    assert len(files) >= 5, files
    total, failures = 0, []
    for f in files:
        proc = subprocess.run([node, "--test", "--test-reporter=tap", f], cwd=ROOT, env=env, capture_output=True,
                              text=True, errors="replace", timeout=600)
        c = counts(proc.stdout)
        print(f"{f} (ASan+UBSan addon): {c}")
        report = "AddressSanitizer" in proc.stdout + proc.stderr or "runtime error:" in proc.stdout + proc.stderr
        if proc.returncode != 0 or report or c["tests"] is None or c["fail"] or c["pass"] != c["tests"]:
            failures.append(f"{f} (exit {proc.returncode}): {c}\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        total += c["tests"] or 0
    assert not failures, "\n\n".join(failures)
    assert total >= 40, f"only {total} Node tests ran under ASan"
