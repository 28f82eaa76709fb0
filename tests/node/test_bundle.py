"""A Node application bundled with esbuild, light-sdk left external as the
README says (`--external:light-sdk`), runs against the emulator: the bundle
holds the application's own code, `require('light-sdk')` resolves at run
time to the installed package and its native addon. Bundling light-sdk
itself (no --external) is shown to break at the addon, so the README's
advice is the one that works."""
import os
import pathlib
import shutil
import subprocess

ROOT = pathlib.Path(__file__).resolve().parents[2]
ESBUILD = ROOT / "node_modules" / ".bin" / "esbuild"

APP = r"""
const { Light, webhooks } = require('light-sdk');
const helper = require('./helper');
async function main() {
  const light = new Light();
  const acct = await light.accounts.create({ email: helper.email() });
  const again = await light.accounts.retrieve(acct.uuid);
  const sig = webhooks.sign('{"event":"x"}', 'whsec_bundle', 1700000000);
  console.log(`bundled ok ${again.uuid === acct.uuid} ${sig.startsWith('1700000000.')}`);
  light.close();
}
main().catch((e) => { console.log(`error: ${e.name}: ${e.message}`); process.exitCode = 1; });
"""


def _app(tmp_path):
    app = tmp_path / "app"
    (app / "node_modules").mkdir(parents=True)
    (app / "node_modules" / "light-sdk").symlink_to(ROOT)  # as `npm install <path>` links it
    (app / "app.js").write_text(APP)
    (app / "helper.js").write_text("module.exports.email = () => `bundle+${process.pid}@example.com`;\n")
    return app


def _bundle(app, *extra):
    assert ESBUILD.exists(), f"{ESBUILD} missing: npm install at the repository root (devDependency esbuild)"
    out = app / "dist" / "app.js"
    r = subprocess.run([str(ESBUILD), "app.js", "--bundle", "--platform=node", f"--outfile={out}", *extra],
                       cwd=app, capture_output=True, text=True, timeout=120)
    return r, out


def _env(sandbox):
    env = dict(os.environ, LIGHT_BASE_URL=sandbox.base_url, LIGHT_APP_TOKEN=sandbox.app_token)
    env.pop("NODE_OPTIONS", None)
    return env


def test_bundle_with_light_sdk_external_runs(tmp_path, clean_sandbox):
    app = _app(tmp_path)
    r, out = _bundle(app, "--external:light-sdk")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert "bundle+" in text  # the application's own module is inside the bundle
    assert 'require("light-sdk")' in text and "native.js" not in text  # light-sdk is not
    node = shutil.which("node")
    p = subprocess.run([node, str(out)], cwd=app, env=_env(clean_sandbox), capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "bundled ok true true", p.stdout + p.stderr
    assert [e["method"] for e in clean_sandbox.journal(path="/v1/app/accounts")] == ["POST"]


def test_bundling_light_sdk_itself_breaks_at_the_addon(tmp_path, clean_sandbox):
    app = _app(tmp_path)
    r, out = _bundle(app, "--loader:.node=file")
    assert r.returncode == 0, r.stderr  # esbuild bundles it without complaint...
    node = shutil.which("node")
    p = subprocess.run([node, str(out)], cwd=app, env=_env(clean_sandbox), capture_output=True, text=True, timeout=60)
    # ...but the addon is looked for next to the bundle, and the error says so in one line
    assert p.returncode != 0 and "bundled ok" not in p.stdout
    assert "light-sdk: native addon not found" in p.stderr, p.stderr
