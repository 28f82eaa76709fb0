"""The committed type stubs match the operation table (tools/gen_python_stubs.py)."""
import ast
import subprocess
import sys

from .conftest import BUILD, REPO


def test_stubs_are_current():
    r = subprocess.run([sys.executable, str(REPO / "tools" / "gen_python_stubs.py"), "--build", str(BUILD), "--check"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr


def test_stubs_parse_and_cover_every_operation():
    from light._resources import OPERATIONS
    text = (REPO / "python" / "light" / "__init__.pyi").read_text()
    ast.parse(text)
    for name in ("events.pyi", "_light.pyi"):
        ast.parse((REPO / "python" / "light" / name).read_text())
    assert (REPO / "python" / "light" / "py.typed").exists()
    for op in OPERATIONS:
        assert f"def {op.name}(" in text and op.summary.replace('"', "'") in text, op.id
