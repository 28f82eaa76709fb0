"""Soak harness: builds the C drivers, runs one soak driver per language
against an emulator and collects the figures (tests/soak/test_soak.py,
`make soak`; docs/soak.md).

Scale: LIGHT_SOAK_SCALE (default 0.1 in `make test`; `make soak` and CI use
1 = 100,000 requests and 1,000,000 webhook verifications per language).
Figures go to <LIGHT_BUILD_DIR>/soak/figures.json and figures.md
(LIGHT_SOAK_REPORT_DIR overrides the directory).
"""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
HERE = pathlib.Path(__file__).resolve().parent
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
TSAN_BUILD = pathlib.Path(os.environ.get("LIGHT_TSAN_BUILD_DIR", str(BUILD) + "-tsan"))
REPORT_DIR = pathlib.Path(os.environ.get("LIGHT_SOAK_REPORT_DIR", BUILD / "soak"))

SCALE = float(os.environ.get("LIGHT_SOAK_SCALE", "0.1"))
REQUESTS = max(100, round(100_000 * SCALE))
VERIFIES = max(1000, round(1_000_000 * SCALE))
RSS_GROWTH_MAX = 2 * 2**20          # bytes, warm-up sample -> end sample
GC_OBJECTS_GROWTH_MAX = 100         # Python: live objects, warm-up -> end
THREADS = 8                         # C: threads sharing one client
EXIT_GRACE_S = 20                   # after printing its figures, a driver must exit this fast

# (id, title) in report order. "c-tsan" is the ThreadSanitizer run (its RSS
# is TSan's shadow memory, so it is reported but not bounded).
LANGS = [("c-tsan", "C, 8 threads + engine, ThreadSanitizer"), ("c", "C, 8 threads + engine"), ("python", "Python"),
         ("node", "Node"), ("lua5.4", "Lua 5.4"), ("luajit", "LuaJIT")]

# Figures of this process's runs, by language id (filled by test_soak.py).
RESULTS = {}

TSAN_OPTIONS = "halt_on_error=1:exitcode=66:second_deadlock_stack=1:history_size=4"


def _libs():
    out = subprocess.run(["pkg-config", "--libs", "libcurl", "libcrypto", "libcjson"], capture_output=True,
                         text=True, check=True).stdout.split()
    return out + ["-lpthread", "-lm"]


def build_tsan_core():
    """build-tsan/liblight.a: the core compiled with -fsanitize=thread (gcc).
    libcurl, OpenSSL and cJSON stay the system's uninstrumented builds."""
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(TSAN_BUILD), "-DLIGHT_TSAN=ON", "-DLIGHT_INSTALL=OFF",
                    "-DLIGHT_WERROR=ON", "-DCMAKE_BUILD_TYPE=RelWithDebInfo"],
                   check=True, capture_output=True, timeout=600)
    proc = subprocess.run(["cmake", "--build", str(TSAN_BUILD), "-j2", "--target", "light_static"],
                          capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise RuntimeError(f"TSan core build failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return TSAN_BUILD / "liblight.a"


def build_c_driver(outdir, tsan=False):
    """Compile tests/soak/soak_c.c against build/liblight.a, or with -fsanitize=thread
    against the TSan core."""
    lib = build_tsan_core() if tsan else BUILD / "liblight.a"
    if not lib.exists():
        raise RuntimeError(f"{lib} missing: run `make build`")
    exe = pathlib.Path(outdir) / ("soak_c_tsan" if tsan else "soak_c")
    san = ["-O1", "-fsanitize=thread", "-fno-omit-frame-pointer"] if tsan else ["-O2"]
    cmd = ["gcc", "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-g", "-Wall", "-Wextra", "-Werror", *san,
           "-I", str(ROOT / "core" / "include"), "-I", str(ROOT / "tests" / "core"),  # poll_host.h
           str(HERE / "soak_c.c"), str(lib), *_libs(), "-o", str(exe)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}\n{proc.stderr[-3000:]}")
    return exe


def lua_build_dir():
    if os.environ.get("LIGHT_LUA_BUILD"):
        return pathlib.Path(os.environ["LIGHT_LUA_BUILD"])
    return BUILD / "lua"


def command(lang, workdir):
    """argv and extra environment of one language's driver."""
    if lang in ("c", "c-tsan"):
        tsan = lang == "c-tsan"
        env = {"LIGHT_SOAK_THREADS": str(THREADS)}
        if tsan:
            # The TSan run proves thread safety of the requests; its verifications
            # are a tenth (they are single-call CPU work, the same code as the plain run).
            env.update(TSAN_OPTIONS=TSAN_OPTIONS, LIGHT_SOAK_VERIFIES=str(max(1000, VERIFIES // 10)))
        return [str(build_c_driver(workdir, tsan=tsan))], env
    if lang == "python":
        return [shutil.which("python3") or "python3", str(HERE / "soak_python.py")], {}
    if lang == "node":
        node = shutil.which("node")
        if not node:
            raise RuntimeError("node is not installed")
        return [node, "--expose-gc", "--max-semi-space-size=1", str(HERE / "soak_node.js")], {"NODE_OPTIONS": ""}
    flavour = "5.4" if lang == "lua5.4" else "jit"
    exe = shutil.which(lang)
    if not exe:
        raise RuntimeError(f"{lang} is not installed")
    module = lua_build_dir() / flavour / "light" / "core.so"
    if not module.exists():
        raise RuntimeError(f"{module} not built: run `make build`")
    return [exe, str(HERE / "soak.lua")], {
        "LUA_PATH": f"{ROOT / 'lua' / '?.lua'};{ROOT / 'lua' / '?' / 'init.lua'};;",
        "LUA_CPATH": f"{lua_build_dir() / flavour / '?.so'};;",
        "LIGHT_SOAK_PAGE_SIZE": str(os.sysconf("SC_PAGE_SIZE")),
    }


def timeout_for(lang):
    # Generous: ~3,000 req/s is the emulator's rate on an idle box; a loaded
    # 2-core box (or TSan) may be several times slower.
    return 120 + REQUESTS / 150 + VERIFIES / 10_000


def run(lang, sandbox, account_uuid, workdir):
    """Run one driver; returns (figures dict or None, returncode, stderr, seconds)."""
    argv, extra = command(lang, workdir)
    env = dict(os.environ)
    env.update(sandbox.env())
    env.update(LIGHT_SOAK_ACCOUNT=account_uuid, LIGHT_SOAK_REQUESTS=str(REQUESTS),
               LIGHT_SOAK_VERIFIES=str(VERIFIES))
    env.update(extra)
    for k in ("LIGHT_APP_TOKEN", "LIGHT_BASE_URL", "LIGHT_LOG"):
        env.pop(k, None)
    t0 = time.monotonic()
    deadline = t0 + timeout_for(lang)
    with tempfile.TemporaryFile() as errf:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=errf, text=True,
                                errors="replace")
        out_lines = []
        timer = threading.Timer(max(1.0, deadline - time.monotonic()), proc.kill)
        timer.start()
        try:
            for line in proc.stdout:  # ends at EOF: the driver exited (or was killed)
                out_lines.append(line)
                if line.startswith("{"):
                    # Figures printed after close(): the process must now exit by
                    # itself (a leftover handle would keep Node's loop alive).
                    try:
                        proc.wait(timeout=EXIT_GRACE_S)
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.wait()
                        errf.seek(0)
                        return _figures("".join(out_lines)), None, \
                            f"did not exit by itself within {EXIT_GRACE_S} s of printing its figures\n" \
                            + errf.read().decode(errors="replace"), time.monotonic() - t0
            rc = proc.wait()
        finally:
            timer.cancel()
            proc.stdout.close()
        errf.seek(0)
        err = errf.read().decode(errors="replace")
    if time.monotonic() >= deadline and rc < 0:
        err = f"killed after {timeout_for(lang):.0f} s\n{err}"
        rc = None
    return _figures("".join(out_lines)), rc, err, time.monotonic() - t0


def _figures(stdout):
    for line in reversed((stdout or "").splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                return None
    return None


def mib(n):
    return n / 2**20


def summary_lines(results):
    """Markdown table of the figures (the report file and the terminal summary)."""
    lines = [f"Soak at scale {SCALE:g}: {REQUESTS:,} requests and {VERIFIES:,} webhook verifications per "
             f"language (C TSan run: {max(1000, VERIFIES // 10):,} verifications); RSS sampled after the first "
             f"10 % (warm-up) and at the end.",
             "",
             "| language | requests ok / expected 404 / failed | verifications ok / rejected / failed "
             "| RSS after warm-up | RSS at end | growth | other | wall s |",
             "|---|---|---|---|---|---|---|---|"]
    for lang, title in LANGS:
        r = results.get(lang)
        if not r:
            continue
        f = r.get("figures") or {}
        if not f:
            lines.append(f"| {title} | (no figures: exit {r.get('rc')}) | | | | | | {r.get('seconds', 0):.0f} |")
            continue
        growth = f["rss_end"] - f["rss_warm"]
        other = []
        if "gc_objects_warm" in f:
            other.append(f"gc objects {f['gc_objects_warm']:,} → {f['gc_objects_end']:,}")
        if "handles_before" in f:
            other.append(f"handles {f['handles_before']} → {f['handles_after']}, resources "
                         f"{len(f['resources_before'])} → {len(f['resources_after'])}; V8 heap used "
                         f"{mib(f['heap_used_warm']):.2f} → {mib(f['heap_used_end']):.2f} MiB, external "
                         f"{mib(f['external_warm']):.2f} → {mib(f['external_end']):.2f} MiB")
        if "lua_heap_warm" in f:
            other.append(f"Lua heap {f['lua_heap_warm'] / 1024:.0f} → {f['lua_heap_end'] / 1024:.0f} KiB")
        if lang == "c-tsan":
            other.append(f"TSan reports: {r.get('tsan_reports', '?')}; RSS is TSan shadow memory, not bounded")
        lines.append(f"| {title} | {f['ok']:,} / {f['expected_errors']:,} / {f['failed']:,} "
                     f"| {f['verified']:,} / {f['verify_rejected']:,} / {f['verify_failed']:,} "
                     f"| {mib(f['rss_warm']):.2f} MiB | {mib(f['rss_end']):.2f} MiB | {growth / 1024:+.0f} KiB "
                     f"| {'; '.join(other)} | {r.get('seconds', 0):.0f} |")
    return lines


def write_report(results):
    REPORT_DIR.mkdir(parents=True, exist_ok=True)
    data = {"scale": SCALE, "requests": REQUESTS, "verifies": VERIFIES, "rss_growth_max": RSS_GROWTH_MAX,
            "results": {k: {kk: vv for kk, vv in v.items() if kk != "stderr"} for k, v in results.items()}}
    (REPORT_DIR / "figures.json").write_text(json.dumps(data, indent=2) + "\n")
    (REPORT_DIR / "figures.md").write_text("\n".join(summary_lines(results)) + "\n")
    return REPORT_DIR / "figures.md"
