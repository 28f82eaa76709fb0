"""Row-by-row check of the C operation table (core/src/operation_table.c)
against docs/api/endpoints.json, the repository's API reference. The C side comes from
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
ENDPOINTS = ROOT / "docs" / "api" / "endpoints.json"
TABLE_C = ROOT / "core" / "src" / "operation_table.c"
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
    assert ENDPOINTS.exists(), f"{ENDPOINTS} missing"
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
        # Enforced locally: only the fields the docs state as required ("enforced"
        # in endpoints.json); every other field is passed through.
        want = [f["name"] for f in e["body"].get("fields", []) if f.get("enforced")]
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


def test_enforced_fields_are_documented_as_required(spec):
    """Each enforced field: a real name, required in the catalog, and the docs'
    phrase as a comment above its row in operation_table.c."""
    source = TABLE_C.read_text()
    enforced = [(e["id"], f) for e in spec for f in e["body"].get("fields", []) if f.get("enforced")]
    assert [(i, f["name"]) for i, f in enforced] == [("create_account", "email")]
    for op_id, f in enforced:
        assert FIELD_NAME.match(f["name"]) and f["required"] is True, f
        row = source.index('{"%s",' % op_id)
        comment = source.rfind("/*", 0, row)
        assert comment != -1 and f["docs_phrase"] in source[comment:row], (op_id, f["docs_phrase"])


def test_guessed_field_names_are_not_enforced(c_table):
    """The names the docs never give (ssn, query, address_1, esi_id,
    service_start_date...) are passed through: no row requires them."""
    required = {r["id"]: r["required"] for r in c_table}
    for op_id in ("credit_check", "app_address_search", "account_address_search", "full_address_search",
                  "esi_id_search", "accept_plan", "accept_renewal_plan", "fetch_usage_profile"):
        assert required[op_id] == [], op_id


def test_inferred_rows_say_so_in_their_summary(c_table):
    for r in c_table:
        assert ("(path inferred)" in r["summary"]) == bool(r["inferred"]), r["id"]


def test_api_reference_is_current(c_table, spec):
    """docs/api/README.md is what tools/gen_api_reference.py renders from the table and endpoints.json."""
    import importlib.util
    spec_mod = importlib.util.spec_from_file_location("gen_api_reference", ROOT / "tools" / "gen_api_reference.py")
    gen = importlib.util.module_from_spec(spec_mod)
    spec_mod.loader.exec_module(gen)
    want = gen.render(c_table, spec)
    have = (ROOT / "docs" / "api" / "README.md").read_text(encoding="utf-8")
    assert have == want, "docs/api/README.md is stale: run python3 tools/gen_api_reference.py"
    for e in spec:
        assert f"## {e['id']}\n" in have


def test_tests_read_only_the_repository():
    """No test or tool reads the API knowledge from outside the repository."""
    offenders = []
    for base in ("tests", "tools", "sandbox", "docs", "examples"):
        for f in (ROOT / base).rglob("*"):
            if f.suffix in {".py", ".js", ".lua", ".c", ".md", ".sh"} and f.is_file():
                text = f.read_text(encoding="utf-8", errors="replace")
                if re.search(r"shared\W{0,6}light-api", text):
                    offenders.append(str(f.relative_to(ROOT)))
    assert not offenders, offenders


def test_models_file_matches_the_docs(spec):
    """docs/api/models.json (the typed stubs' source): every response it maps is an
    operation, every type it names exists, every webhook event of the core has a
    shape, and a field is 'promised' only when the docs' example response shows it."""
    models = json.loads((ROOT / "docs" / "api" / "models.json").read_text())
    ids = {e["id"]: e for e in spec}
    names = set(models["models"])

    def check_type(t, where):
        for part in t.split("|"):
            base = part[:-2] if part.endswith("[]") else part
            assert base in names | {"string", "integer", "number", "boolean", "any", "null"}, (where, t)

    for m_name, m in models["models"].items():
        for f_name, f in m["fields"].items():
            assert FIELD_NAME.match(f_name), (m_name, f_name)
            check_type(f["type"], f"{m_name}.{f_name}")
    for op_id, t in models["responses"].items():
        assert op_id in ids, op_id
        check_type(t[5:-1] if t.startswith("page<") else t, op_id)
        e = ids[op_id]
        example = e["response"].get("example")
        model = models["models"][t[5:-1] if t.startswith("page<") else t.rstrip("[]")]
        promised = {k for k, f in model["fields"].items() if f.get("promised")}
        if isinstance(example, list):
            example = example[0] if example else {}
        if isinstance(example, dict):
            assert promised <= set(example), (op_id, promised - set(example))
        # every documented response field with a plain name is in the model
        documented = {f["name"] for f in e["response"]["fields"] if FIELD_NAME.match(f["name"])}
        assert documented <= set(model["fields"]) | {"data", "has_more", "limit", "offset", "next_page_url"}, \
            (op_id, documented - set(model["fields"]))
    source = (ROOT / "core" / "include" / "light" / "webhook.h").read_text()
    core_events = set(re.findall(r'#define LIGHT_EVENT_\w+ "([a-z_]+\.[a-z_]+)"', source))
    assert len(core_events) == 18
    assert set(models["events"]) == core_events, set(models["events"]) ^ core_events
    for ev, data in models["events"].items():
        assert data in names, ev
