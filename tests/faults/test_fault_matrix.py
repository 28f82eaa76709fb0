"""Fault × language matrix (issue 8): every fault of tests/faults/matrix.py,
for C, Python, Node, Lua 5.4 and LuaJIT, for an idempotent GET and a
non-idempotent POST. Each cell asserts the error class (or the successful
retry), the number of attempts, that Authorization never reaches another
host, and that the same client works afterwards; the last test checks that
every driver process survived and that tests/README.md holds the observed
matrix (LIGHT_UPDATE_FAULT_MATRIX=1, or `python3 tools/fault_matrix.py`,
rewrites it)."""
import pytest

from tests.faults import matrix as fm
from tests.faults.harness import LANGS


@pytest.mark.parametrize("fault,lang,op", fm.CELLS, ids=[f"{f}-{lang}-{op}" for f, lang, op in fm.CELLS])
def test_cell(fault_matrix, fault, lang, op):
    out = fault_matrix.observe(fault, lang, op)
    assert out.problems == [], f"{out.cell}; first reply {out.first}; then {out.second}"
    assert out.cell == fm.EXPECTED[fault][op], f"first reply {out.first}"


def test_drivers_survive_and_readme_matrix(fault_matrix):
    for key in fm.CELLS:
        fault_matrix.observe(*key)
    assert not fault_matrix.deaths, fault_matrix.deaths
    for lang in LANGS:
        d = fault_matrix.driver(lang)
        assert d.alive(), f"{lang} driver exited"
        assert d.send("close") == {"ok": True}, lang
    # Every driver ran every cell in one process; it must exit cleanly (the
    # C ASan+UBSan driver: no sanitizer report, no leak).
    for lang, (rc, err) in fault_matrix.stop_drivers().items():
        assert rc == 0, f"{lang} driver exited with {rc}: {err[-3000:]}"
        for marker in ("ERROR: AddressSanitizer", "LeakSanitizer", "runtime error:"):
            assert marker not in err, f"{lang}: {err[-3000:]}"
    table = fm.render(fault_matrix.cells())
    print("\n" + table)
    if fm.update_requested():
        fm.write_readme_block(table)
    text = fm.README.read_text() if fm.README.exists() else ""
    assert fm.readme_block(text) == table, (
        "tests/README.md's fault matrix differs from what was observed; "
        "rerun with LIGHT_UPDATE_FAULT_MATRIX=1 (or python3 tools/fault_matrix.py) if the change is intended")
