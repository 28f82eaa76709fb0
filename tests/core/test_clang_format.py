"""Every tracked C source and header is formatted as .clang-format says
(tools/format.sh --check; `tools/format.sh` fixes it)."""
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_clang_format_installed():
    assert shutil.which("clang-format"), "clang-format missing: tools/install-deps.sh installs it"


def test_c_sources_are_formatted():
    proc = subprocess.run([str(ROOT / "tools" / "format.sh"), "--check"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, ("not formatted (run tools/format.sh):\n" + proc.stdout + proc.stderr)
    assert proc.stdout == ""


def test_check_finds_an_unformatted_file(tmp_path):
    """The check is not vacuous: clang-format with the repository's style
    rewrites a badly laid out file."""
    bad = tmp_path / "bad.c"
    bad.write_text("int  f ( int x ){return x+1 ;}\n")
    shutil.copy(ROOT / ".clang-format", tmp_path / ".clang-format")
    out = subprocess.run(["clang-format", "--style=file", str(bad)], capture_output=True, text=True,
                         check=True).stdout
    assert out != bad.read_text()
