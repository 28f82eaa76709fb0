"""`make demo` runs the 16-step journey in C, Python, Node, Lua 5.4 and LuaJIT
against one emulator; this runs the same script so the demo (and the journeys
it runs) cannot rot."""
import pathlib
import re
import subprocess
import sys

import pytest

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


@pytest.mark.parametrize("runtime,cpath", [("lua5.4", "lua/5.4"), ("luajit", "lua/jit")])
def test_lua_quickstart_still_runs(sandbox, runtime, cpath):
    """The demo runs journey.lua now; the Lua quickstart the README points at must keep working too
    (the C, Python and Node quickstarts are run by tests/examples/test_examples_{c,python,node}.py)."""
    from demo import BUILD, journey_env
    env = journey_env(sandbox)
    env.update(LUA_PATH=f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;", LUA_CPATH=f"{BUILD}/{cpath}/?.so;;")
    proc = subprocess.run([runtime, str(ROOT / "examples/lua/quickstart.lua")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    steps = [ln[4:].split(" — ", 1)[0] for ln in proc.stdout.splitlines() if ln.startswith("  ✓ ")]
    assert steps == ["create account", "check eligibility", "full address search", "request plans",
                     "account client (token minted and cached by the SDK)", "webhook sign + verify"], proc.stdout
    assert "  ✓ webhook sign + verify — enrollment.finalized" in proc.stdout


def test_transcript_problems_judges_a_journey():
    from demo import transcript_problems
    good = "".join(f"  ✓ {s} — x\n" for s in JOURNEY_STEPS)
    assert transcript_problems(good) == []
    assert transcript_problems(good.replace("  ✓ usage — x\n", "")) == ["no ✓ for: usage"]
    failed = good.split("  ✓ usage")[0] + "  ✗ usage — NotFoundError: no location\n"
    assert transcript_problems(failed)[0] == "✗ usage — NotFoundError: no location"
    assert "no ✓ for: usage, invoices" in transcript_problems(failed)[1]
    swapped = good.replace("  ✓ invoices — x\n", "") + "  ✓ invoices — x\n"
    assert transcript_problems(swapped)[0].startswith("steps out of order or repeated: ")
    assert transcript_problems("") == ["no ✓ for: " + ", ".join(JOURNEY_STEPS)]
