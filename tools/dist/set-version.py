#!/usr/bin/env python3
"""tools/dist/set-version.py X.Y.Z — change the version of every package.

The one place is core/include/light/version.h (LIGHT_VERSION_MAJOR/MINOR/
PATCH); CMake and pyproject.toml read it. npm and LuaRocks cannot read a C
header, so package.json, package-lock.json and the rockspec (name and
`version`) carry copies this script rewrites; tests/dist/test_version.py
fails when any of them disagrees with the header or with light_version()."""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def main(v):
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", v)
    if not m:
        sys.exit(f"set-version: {v!r} is not MAJOR.MINOR.PATCH")
    h = ROOT / "core/include/light/version.h"
    text = h.read_text()
    for part, num in zip(("MAJOR", "MINOR", "PATCH"), m.groups()):
        text = re.sub(rf"(#define LIGHT_VERSION_{part}) \d+", rf"\g<1> {num}", text)
    h.write_text(text)
    for name in ("package.json", "package-lock.json"):
        p = ROOT / name
        if not p.exists():
            continue
        d = json.loads(p.read_text())
        d["version"] = v
        if "packages" in d and "" in d["packages"]:
            d["packages"][""]["version"] = v
        p.write_text(json.dumps(d, indent=2) + "\n")
    (old,) = ROOT.glob("light-sdk-*.rockspec")
    new = ROOT / f"light-sdk-{v}-1.rockspec"
    spec = re.sub(r'^version = "[^"]*"', f'version = "{v}-1"', old.read_text(), flags=re.M)
    if old != new:
        subprocess.run(["git", "mv", str(old), str(new)], cwd=ROOT, check=False)
        if old.exists():
            old.rename(new)
    new.write_text(spec)
    print(f"version {v}: version.h, package.json, package-lock.json, {new.name}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
