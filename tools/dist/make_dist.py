#!/usr/bin/env python3
"""`make dist`: the binary and source packages of light-sdk, into dist/.

    python3 tools/dist/make_dist.py [--build BUILD] [--out dist] [--only wheel,sdist,npm,deb,rock]

  wheel  light_sdk-V-cp310-abi3-manylinux_2_XY_x86_64.whl: the extension on the
         CPython 3.10 limited API, repaired by auditwheel so libcurl, cJSON,
         OpenSSL and their dependencies travel in light_sdk.libs/ (renamed with
         a hash, so they never clash with another copy in the process). The
         manylinux tag is the lowest the bundled files allow (`--plat auto`):
         the glibc symbol versions of this machine's libraries decide it.
  sdist  light_sdk-V.tar.gz: builds from source exactly as `pip install .`.
  npm    light-sdk-V.tgz (`npm pack`): the package plus a prebuilt Node-API
         addon in node/prebuilds/linux-x64-glibc/ with its native libraries
         beside it ($ORIGIN rpath), bundled by the same auditwheel logic.
  deb    liblight0_V-1_amd64.deb + liblight-dev_V-1_amd64.deb (CPack).
  rock   light-sdk-V-1.linux-x86_64.rock (`luarocks pack`, Lua 5.4).

Every artifact is built in BUILD/dist-work/ from the working tree; nothing is
written into the source tree except OUT. Tools: tools/install-deps.d/dist.sh.
"""
import argparse
import base64
import hashlib
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time
import zipfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
STEPS = ("wheel", "sdist", "npm", "deb", "rock")


def run(cmd, **kw):
    print("+", " ".join(str(c) for c in cmd), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, **kw)


def version():
    text = (ROOT / "core/include/light/version.h").read_text()
    return ".".join(re.search(rf"#define LIGHT_VERSION_{p} (\d+)", text).group(1) for p in ("MAJOR", "MINOR", "PATCH"))


def fresh(d):
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def copy_tree_files(files, dest):
    for rel in files:
        src = ROOT / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)


def worktree_files():
    """Tracked and new (not ignored) files of the working tree, as it is now."""
    out = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                         capture_output=True).stdout.decode()
    return [f for f in out.split("\0") if f]


def auditwheel_repair(wheel, outdir):
    fresh(outdir)
    run([sys.executable, "-m", "auditwheel", "repair", "--plat", "auto", "-w", outdir, wheel])
    (repaired,) = outdir.glob("*.whl")
    return repaired


# ---- wheel ----------------------------------------------------------------

def build_wheel(work, out):
    raw = fresh(work / "wheel")
    run([sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps", "-q", "-w", raw,
         f"--config-settings=build-dir={work / 'wheel-build'}", ROOT])
    (whl,) = raw.glob("*.whl")
    assert "-cp310-abi3-" in whl.name, f"wheel is not abi3: {whl.name}"
    repaired = auditwheel_repair(whl, work / "wheel-repaired")
    for old in out.glob("light_sdk-*.whl"):
        old.unlink()
    shutil.copy2(repaired, out / repaired.name)
    return out / repaired.name


# ---- sdist ----------------------------------------------------------------

def build_sdist(work, out):
    for old in out.glob("light_sdk-*.tar.gz"):
        old.unlink()
    run([sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", out, ROOT])
    (sd,) = out.glob("light_sdk-*.tar.gz")
    return sd


# ---- npm ------------------------------------------------------------------

def bundle_addon(addon, work, dest):
    """light.node + the libraries it needs beside it, the way auditwheel bundles
    a wheel's: wrap it in a throw-away platform wheel, repair, unwrap."""
    wdir = fresh(work / "addon-wheel")
    name = "light_node_prebuilt"
    whl = wdir / f"{name}-0-py3-none-linux_x86_64.whl"
    files = {f"{name}/light_node.so": addon.read_bytes(),
             f"{name}-0.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: 0\n".encode(),
             f"{name}-0.dist-info/WHEEL":
                 b"Wheel-Version: 1.0\nGenerator: light-sdk\nRoot-Is-Purelib: false\nTag: py3-none-linux_x86_64\n"}
    record = "".join(f"{n},sha256={base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b'=').decode()},{len(d)}\n"
                     for n, d in files.items()) + f"{name}-0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(whl, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files.items():
            z.writestr(n, d)
        z.writestr(f"{name}-0.dist-info/RECORD", record)
    repaired = auditwheel_repair(whl, work / "addon-repaired")
    tag = re.search(r"-(manylinux_\d+_\d+)_x86_64", repaired.name).group(1)
    fresh(dest)
    with zipfile.ZipFile(repaired) as z:
        for info in z.infolist():
            parts = info.filename.split("/")
            if parts[0] in (name, f"{name}.libs") and parts[-1]:
                target = dest / ("light.node" if parts[-1] == "light_node.so" else parts[-1])
                target.write_bytes(z.read(info))
                target.chmod(0o755)
    # auditwheel pointed light.node at ../light_node_prebuilt.libs; the libraries sit beside it now.
    # The bundled libraries already find each other through $ORIGIN.
    run(["patchelf", "--set-rpath", "$ORIGIN", dest / "light.node"])
    return tag


def build_npm(work, out):
    node_out = fresh(work / "node-addon")
    env = dict(os.environ, LIGHT_NODE_BUILD_DIR=str(work / "node-build"), LIGHT_NODE_OUTPUT_DIR=str(node_out),
               LIGHT_WERROR=os.environ.get("LIGHT_WERROR", "ON"))
    env.pop("LIGHT_NODE_SKIP_BUILD", None)
    run(["node", ROOT / "node/build-addon.js"], env=env)
    stage = fresh(work / "npm-stage")
    listing = json.loads(subprocess.run(["npm", "pack", "--dry-run", "--json", "--ignore-scripts"], cwd=ROOT,
                                        check=True, capture_output=True, text=True).stdout)
    copy_tree_files([f["path"] for f in listing[0]["files"]], stage)
    tag = bundle_addon(node_out / "light.node", work, stage / "node/prebuilds/linux-x64-glibc")
    (stage / "node/prebuilds/linux-x64-glibc/PLATFORM").write_text(
        f"linux x86_64, glibc >= {tag.split('_', 1)[1].replace('_', '.')} ({tag}); Node-API 8 (Node >= 18)\n")
    for old in out.glob("light-sdk-*.tgz"):
        old.unlink()
    run(["npm", "pack", "--ignore-scripts", "--pack-destination", out.resolve()], cwd=stage)
    (tgz,) = out.glob("light-sdk-*.tgz")
    return tgz, tag


# ---- deb ------------------------------------------------------------------

def build_deb(work, out):
    b = work / "deb"
    run(["cmake", "-S", ROOT, "-B", b, "-DCMAKE_BUILD_TYPE=Release", "-DCMAKE_INSTALL_PREFIX=/usr",
         "-DLIGHT_INSTALL=ON", "-DLIGHT_BUILD_TESTS=OFF", f"-DLIGHT_WERROR={os.environ.get('LIGHT_WERROR', 'ON')}",
         "--log-level=WARNING"])
    run(["cmake", "--build", b, "-j", os.environ.get("JOBS", "2"), "--target", "light_shared", "light_static"])
    for old in b.glob("*.deb"):
        old.unlink()
    run(["cpack", "-G", "DEB"], cwd=b, stdout=subprocess.DEVNULL)
    debs = []
    for old in out.glob("liblight*.deb"):
        old.unlink()
    for d in sorted(b.glob("*.deb")):
        shutil.copy2(d, out / d.name)
        debs.append(out / d.name)
    assert {re.match(r"(liblight[^_]*)_", d.name).group(1) for d in debs} == {"liblight0", "liblight-dev"}, debs
    return debs


# ---- rock -----------------------------------------------------------------

def build_rock(work, out):
    """`luarocks make` in a copy of the tree (the builtin backend compiles in
    place), then `luarocks pack` of the installed rock: a binary rock for Lua
    5.4, linking the system's libcurl/OpenSSL/cJSON (Debian: libcurl4,
    libssl3, libcjson1). LuaJIT gets no binary rock: a rock's architecture
    (linux-x86_64) does not name the Lua ABI, so a 5.1 one would carry the same
    file name; LuaJIT users build from the rockspec."""
    src = fresh(work / "rock-src")
    copy_tree_files(worktree_files(), src)
    tree = fresh(work / "rock-tree")
    (spec,) = src.glob("light-sdk-*.rockspec")
    run(["luarocks", "--lua-version=5.4", "--tree", tree, "make", spec.name], cwd=src, stdout=subprocess.DEVNULL)
    packdir = fresh(work / "rock-pack")
    run(["luarocks", "--lua-version=5.4", "--tree", tree, "pack", "light-sdk", f"{version()}-1"], cwd=packdir)
    (rock,) = packdir.glob("light-sdk-*.rock")
    for old in out.glob("light-sdk-*.rock"):
        old.unlink()
    shutil.copy2(rock, out / rock.name)
    return out / rock.name


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("LIGHT_BUILD_DIR", str(ROOT / "build")))
    ap.add_argument("--out", default=str(ROOT / "dist"))
    ap.add_argument("--only", default=",".join(STEPS))
    a = ap.parse_args()
    work = pathlib.Path(a.build).resolve() / "dist-work"
    work.mkdir(parents=True, exist_ok=True)
    out = pathlib.Path(a.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    steps = a.only.split(",")
    unknown = set(steps) - set(STEPS)
    if unknown:
        sys.exit(f"make_dist: unknown step(s) {sorted(unknown)}; steps: {', '.join(STEPS)}")
    summary = {"version": version()}
    for step in steps:
        t0 = time.monotonic()
        if step == "wheel":
            summary["wheel"] = build_wheel(work, out).name
        elif step == "sdist":
            summary["sdist"] = build_sdist(work, out).name
        elif step == "npm":
            tgz, tag = build_npm(work, out)
            summary["npm"], summary["npm_glibc_tag"] = tgz.name, tag
        elif step == "deb":
            summary["deb"] = [d.name for d in build_deb(work, out)]
        elif step == "rock":
            summary["rock"] = build_rock(work, out).name
        summary[f"{step}_seconds"] = round(time.monotonic() - t0, 1)
    manifest = out / "MANIFEST.json"
    old = json.loads(manifest.read_text()) if manifest.exists() else {}
    old.update(summary)
    manifest.write_text(json.dumps(old, indent=2) + "\n")
    print("dist:")
    for f in sorted(out.iterdir()):
        print(f"  {f.stat().st_size / 1e6:8.2f} MB  {f.name}")


if __name__ == "__main__":
    main()
