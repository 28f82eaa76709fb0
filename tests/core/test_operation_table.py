"""Row-by-row check of the C operation table (core/src/operation_table.c)
against shared/light-api/endpoints.json. The C side comes from
tests/core/dump_operations.c (built by CMake as `dump_operations`; compiled
here with cc when no build exists), so this is the table the library ships."""
import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
ENDPOINTS = ROOT.parent / "shared" / "light-api" / "endpoints.json"
CONFIDENCE = {"documented", "example-app", "inferred"}
BODY_KIND = {None: "none", "application/json": "json", "multipart/form-data": "multipart"}
FIELD_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


def _dump_binary(tmp_path_factory):
    built = BUILD / "dump_operations"
    src = ROOT / "core" / "src" / "operation_table.c"
    if built.exists() and built.stat().st_mtime >= src.stat().st_mtime:
        return built
    cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    assert cc, "no C compiler to build tests/core/dump_operations.c"
    out = tmp_path_factory.mktemp("dump") / "dump_operations"
    subprocess.run([cc, "-std=c11", "-I", str(ROOT / "core" / "include"), "-o", str(out),
                    str(ROOT / "tests" / "core" / "dump_operations.c"), str(src)], check=True)
    return out


@pytest.fixture(scope="module")
def c_table(tmp_path_factory):
    exe = _dump_binary(tmp_path_factory)
    proc = subprocess.run([str(exe)], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def spec():
    assert ENDPOINTS.exists(), f"{ENDPOINTS} missing (shared/ must sit beside the repository)"
    return json.loads(ENDPOINTS.read_text())


def test_same_ids_in_same_order(c_table, spec):
    assert len(spec) == 49
    assert [r["id"] for r in c_table] == [e["id"] for e in spec]


def test_every_row_matches(c_table, spec):
    rows = {r["id"]: r for r in c_table}
    problems = []
    for e in spec:
        r = rows[e["id"]]

        def diff(what, c_val, spec_val):
            if c_val != spec_val:
                problems.append(f"{e['id']}: {what}: table {c_val!r} != endpoints.json {spec_val!r}")

        diff("method", r["method"], e["method"])
        diff("path", r["path"], e["path"])
        diff("auth", r["auth"], e["auth"])
        diff("path_params", r["path_params"], list(e["path_params"]))
        diff("path {…} names", re.findall(r"\{([^}]+)\}", r["path"]), list(e["path_params"]))
        assert e["confidence"] in CONFIDENCE, e["confidence"]
        diff("confidence", r["confidence"], e["confidence"])
        diff("inferred", bool(r["inferred"]), e["confidence"] == "inferred")
        diff("body kind", r["body"], BODY_KIND[e["body"].get("content_type")])
        diff("query_params", r["query_params"], [q["name"] for q in e["query_params"]])
        diff("success_status", r["success_status"], e["response"]["status"])
        if r["body"] == "json":
            # Required fields with a real name (a few are described, not named, in the docs).
            want = [f["name"] for f in e["body"].get("fields", [])
                    if f.get("required") is True and FIELD_NAME.match(f["name"])]
            diff("required", r["required"], want)
    assert not problems, "\n".join(problems)


def test_inferred_rows(c_table):
    inferred = sorted(r["id"] for r in c_table if r["inferred"])
    assert len(inferred) == 6, inferred


def test_binding_names_unique(c_table):
    seen = {}
    for r in c_table:
        key = (r["auth"], r["ns"], r["name"])
        assert key not in seen, f"{r['id']} and {seen[key]} share {key}"
        seen[key] = r["id"]
