"""The CPython extension stays on the stable ABI of CPython 3.10 (abi3).

bindings/python/CMakeLists.txt compiles every build with
Py_LIMITED_API=0x030A0000, so a non-limited call fails to compile; this test
checks the result the other way round: the module built by `make build` is
named _light.abi3.so and abi3audit (tools/install-deps.d/dist.sh) finds no
symbol outside the 3.10 stable ABI."""
import json
import os
import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build"))


def test_extension_is_abi3_and_uses_only_the_310_stable_abi():
    mods = sorted((BUILD / "python" / "light").glob("_light*.so"))
    assert [m.name for m in mods] == ["_light.abi3.so"], f"run `make build-python`: found {mods}"
    r = subprocess.run([sys.executable, "-m", "abi3audit", "--report", "--assume-minimum-abi3", "3.10", str(mods[0])],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    result = json.loads(r.stdout)["specs"][str(mods[0])]["object"]["result"]
    assert result["is_abi3"] and result["is_abi3_baseline_compatible"], result
    assert result["non_abi3_symbols"] == [] and result["future_abi3_objects"] == {}, result
    assert result["computed"] == "3.10", result
