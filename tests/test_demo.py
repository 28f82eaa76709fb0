"""`make demo` runs the 16-step journey in C, Python, Node, Lua 5.4 and LuaJIT
against one emulator; this runs the same script so the demo (and the journeys
it runs) cannot rot."""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
from demo import JOURNEY_STEPS  # noqa: E402

LANGUAGES = ("C", "Python", "Node", "Lua 5.4", "LuaJIT")


def sections(out):
    """{language: its transcript lines} from the demo's output."""
    found, current = {}, None
    for line in out.splitlines():
        if line.rstrip(":") in LANGUAGES and line.endswith(":"):
            current = found.setdefault(line[:-1], [])
        elif current is not None and line.startswith("  "):
            current.append(line)
    return found


def test_demo_all_languages_pass_every_step():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "demo.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "demo: 5/5 languages passed | C ✓ | Python ✓ | Node ✓ | Lua 5.4 ✓ | LuaJIT ✓ |" in out, out
    got = sections(proc.stdout)
    assert sorted(got) == sorted(LANGUAGES), out
    for lang, lines in got.items():
        assert not [ln for ln in lines if "✗" in ln], (lang, out)
        steps = [ln[len("  ✓ "):].split(" — ", 1)[0] for ln in lines if ln.startswith("  ✓ ")]
        assert steps == list(JOURNEY_STEPS), (lang, out)
        webhooks = next(ln for ln in lines if ln.startswith("  ✓ webhooks — "))
        m = re.search(r"(\d+) received, (\d+) verified: ", webhooks)
        assert m and int(m[1]) == int(m[2]) > 0, (lang, webhooks)
    m = re.search(r"\| (\d+) webhooks delivered and verified$", proc.stdout.rstrip())
    assert m and int(m[1]) >= 5, out
