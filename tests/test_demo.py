"""`make demo` runs the quickstart journey in every language; this runs the
same script so the demo (and the examples it runs) cannot rot."""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_demo_all_languages_pass():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "demo.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "demo: 5/5 languages passed" in out, out
    assert out.count("✓ webhook sign + verify") == 4, out  # Python, Node, Lua 5.4, LuaJIT
    assert "webhook verified" in out  # C
