#!/usr/bin/env python3
"""Run the libFuzzer targets of tests/fuzz for a bounded time each and report
executions. Used by `make fuzz` (mk/fuzz.mk) and tests/fuzz/test_fuzz_smoke.py.

Each target fuzzes a working corpus in <build>/corpus/<target> seeded from
tests/fuzz/corpus/<target> (new inputs are kept between runs there, not in
the repository); crashes land in <build>/artifacts/. Exit status 1 when any
target crashed, leaked or failed a property check.
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
TARGETS = ["fuzz_webhook", "fuzz_codec", "fuzz_response", "fuzz_multipart", "fuzz_args", "fuzz_json", "fuzz_http_parser"]


def run_one(build, target, seconds):
    exe = build / "tests" / "fuzz" / target
    if not exe.exists():
        raise SystemExit(f"{exe} not built (make fuzz builds it)")
    corpus = build / "corpus" / target
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in (ROOT / "tests" / "fuzz" / "corpus" / target).iterdir():
        if not (corpus / seed.name).exists():
            shutil.copy(seed, corpus / seed.name)
    artifacts = build / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    cmd = [str(exe), f"-max_total_time={seconds}", "-print_final_stats=1", "-timeout=25",
           f"-artifact_prefix={artifacts}/{target}-", str(corpus)]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=seconds + 300)
    elapsed = time.monotonic() - t0
    out = proc.stdout + proc.stderr
    m = re.search(r"stat::number_of_executed_units:\s*(\d+)", out)
    execs = int(m.group(1)) if m else 0
    crashed = proc.returncode != 0 or "ERROR: AddressSanitizer" in out or "runtime error" in out \
        or "ERROR: libFuzzer" in out
    return {"target": target, "rc": proc.returncode, "executions": execs, "seconds": elapsed,
            "crashed": crashed, "corpus": len(list(corpus.iterdir())), "output": out}


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build-fuzz"))
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("targets", nargs="*", default=TARGETS)
    args = ap.parse_args(argv)
    build = pathlib.Path(args.build).resolve()
    results = []
    for t in args.targets or TARGETS:
        r = run_one(build, t, args.seconds)
        results.append(r)
        status = "CRASH" if r["crashed"] else "ok"
        print(f"{t:15s} {status:5s} {r['executions']:>12,d} executions in {r['seconds']:6.1f} s "
              f"({r['executions'] / max(r['seconds'], 1e-9):,.0f}/s), corpus {r['corpus']}", flush=True)
        if r["crashed"]:
            print(r["output"][-6000:], file=sys.stderr)
    failed = [r["target"] for r in results if r["crashed"]]
    print(f"fuzz: {len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
