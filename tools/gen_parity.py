#!/usr/bin/env python3
"""Generate tests/COVERAGE.md, the operation x language parity table, from the
coverage files the emulator wrote (sandbox/light_sandbox/coverage.py).

    LIGHT_PARITY_DIR=/tmp/parity make test        # keep the coverage of a full run
    python3 tools/gen_parity.py --from /tmp/parity           # rewrite tests/COVERAGE.md
    python3 tools/gen_parity.py --from /tmp/parity --check   # exit 1 if a cell is empty or the file is stale
    python3 tools/gen_parity.py --from /tmp/parity --stdout  # print, write nothing

Several directories may be given (coverage of separate runs is merged). On a
full `make test`, LIGHT_UPDATE_PARITY=1 does the same without a kept directory.
"""
import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sandbox"))

from light_sandbox import coverage  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--from", dest="dirs", action="append", required=True, metavar="DIR",
                   help="a LIGHT_PARITY_DIR of a test run (repeatable)")
    p.add_argument("--out", default=str(ROOT / "tests" / "COVERAGE.md"), help="file to write (default tests/COVERAGE.md)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--check", action="store_true", help="write nothing; exit 1 on an empty cell or a stale --out")
    g.add_argument("--stdout", action="store_true", help="print the document instead of writing it")
    a = p.parse_args(argv)
    cov = {}
    for d in a.dirs:
        if not pathlib.Path(d).is_dir():
            p.error(f"--from {d}: not a directory")
        coverage.merge(cov, coverage.load(d))
    ops = coverage.operation_ids()
    doc = coverage.render(cov, ops)
    if a.stdout:
        sys.stdout.write(doc)
        return 0
    if a.check:
        problems = coverage.problems(cov, ops, a.out)
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    pathlib.Path(a.out).write_text(doc, encoding="utf-8")
    gaps = coverage.missing(cov, ops)
    print(f"wrote {a.out}: {len(ops) * len(coverage.LANGUAGES) - len(gaps)} of "
          f"{len(ops) * len(coverage.LANGUAGES)} cells filled")
    if gaps:
        print(f"{len(gaps)} empty cell(s): " + ", ".join(f"{op}/{lang}" for op, lang in gaps), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
