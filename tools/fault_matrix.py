#!/usr/bin/env python3
"""Run the fault × language matrix (tests/faults) and rewrite the table in
tests/README.md from the observed outcomes (LIGHT_UPDATE_FAULT_MATRIX=1).
Extra arguments go to pytest. Exit code: pytest's."""
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def main():
    env = dict(os.environ, LIGHT_UPDATE_FAULT_MATRIX="1")
    cmd = [sys.executable, "-m", "pytest", "tests/faults", "-q", *sys.argv[1:]]
    return subprocess.call(cmd, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
