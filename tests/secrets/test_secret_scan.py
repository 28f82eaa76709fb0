"""Secret hygiene across the languages: with LIGHT_LOG=debug, a journey in C,
Python, Node, Lua 5.4 and LuaJIT (tests/secrets/driver.*) creates an account,
mints its token (for_account), updates identity, runs credit_check with an SSN
dashed and digits-only, hits a 422, two 401s (wrong app token, wrong account
token), a refused CR/LF token, verifies a webhook and fails one with a wrong
secret, printing repr/inspect/tostring of every client, response and error.
Its stdout, stderr and the emulator's journal for the run are scanned.

What counts as a leak (anywhere in stdout, stderr or the journal JSON):
  * the app token, the wrong app token, every account token the emulator
    issued (GET /_sandbox/tokens), the JWT header every issued token starts
    with, the wrong account token, the CR/LF token (and its injected header),
    the webhook secret;
  * the SSN in any separator form (123-45-6789, 123456789, 123 45 6789);
  * its last four digits standing alone, except as the value of an
    ``ssn_last4`` field: the caller sends ssn_last4 itself (identity PATCH)
    and the API may return it, so `"ssn_last4": "6789"` is legitimate data.
    A uuid or request id that merely contains the digits inside a longer
    alphanumeric run is not a leak (random hex would otherwise flake).
"""
import json
import os
import pathlib
import re
import secrets
import shutil
import subprocess
import sys

import pytest

from light_sandbox.runner import SandboxProcess

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("LIGHT_BUILD_DIR", ROOT / "build"))
HERE = pathlib.Path(__file__).resolve().parent

SSN = "123-45-6789"
LAST4 = SSN[-4:]
JWT_HEADER = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"  # base64url of {"alg":"HS256","typ":"JWT"}
SSN_ANY_FORM = re.compile(r"123[\s.-]?45[\s.-]?6789")
LAST4_ALONE = re.compile(r"(?<![0-9A-Za-z])" + LAST4 + r"(?![0-9A-Za-z])")
LAST4_FIELD = re.compile(r"ssn_?last_?4[\\\"']*\s*[:=]\s*[\\\"']*$", re.IGNORECASE)  # also JSON inside JSON
LANGUAGES = ["c", "python", "node", "lua5.4", "luajit"]


# ---- the scanner ------------------------------------------------------------

def find_leaks(text, literals):
    """[(what, excerpt)] for every secret in ``text``; ``literals`` maps a name to a secret string."""
    leaks = []

    def excerpt(i, n):
        return text[max(0, i - 40):i + n + 40].replace("\n", "\\n")

    for name, value in literals.items():
        if value and value in text:
            i = text.index(value)
            leaks.append((name, excerpt(i, len(value))))
    for m in SSN_ANY_FORM.finditer(text):
        leaks.append(("SSN", excerpt(m.start(), len(m.group()))))
    for m in LAST4_ALONE.finditer(text):
        if not LAST4_FIELD.search(text[max(0, m.start() - 24):m.start()]):
            leaks.append(("SSN last 4 outside ssn_last4", excerpt(m.start(), 4)))
    return leaks


def test_scanner_finds_planted_secrets():
    """The scan can fail: each kind of secret planted in harmless text is reported, legit forms are not."""
    lits = {"app token": "app_sandbox_" + "ab" * 16, "webhook secret": "whsec_" + "cd" * 16,
            "account token": JWT_HEADER + ".eyJzdWIiOiJ4In0.c2ln"}
    clean = ('light: GET /v1/account -> 200\nuuid 1f2e6789-aaaa-4bbb-8ccc-0a1b2c6789ab req_0a6789ff\n'
             '{"ssn_last4": "6789"} ssn_last4=\'6789\' ssn_last4: \'6789\' total 16789 cents '
             + json.dumps({"body": json.dumps({"ssn_last4": "6789"})}))
    assert find_leaks(clean, lits) == []
    for name, value in lits.items():
        found = find_leaks(clean + f"\nAuthorization: Bearer {value}\n", lits)
        assert [n for n, _ in found] == [name]
        assert find_leaks(f"{clean}\n{value[:-1]}", lits) == []  # a different string is not that secret
    for form in ("123-45-6789", "123456789", "123 45 6789", '{"ssn": "123456789"}'):
        assert "SSN" in [n for n, _ in find_leaks(clean + form, lits)], form
    for text in ("last four: 6789", "ssn=***-**-6789", '"note": "6789"'):
        assert [n for n, _ in find_leaks(text, lits)] == ["SSN last 4 outside ssn_last4"], text


# ---- running the drivers -----------------------------------------------------

@pytest.fixture(scope="module")
def sb(request):
    s = SandboxProcess([])
    s.start()
    request.addfinalizer(s.stop)
    return s


@pytest.fixture(scope="module")
def c_driver(tmp_path_factory):
    lib = BUILD / "liblight.a"
    assert lib.exists(), f"{lib} not built: run `make build`"
    out = tmp_path_factory.mktemp("secrets") / "driver_c"
    libs = subprocess.run(["pkg-config", "--libs", "libcurl", "libcjson", "libcrypto"], capture_output=True,
                          text=True, check=True).stdout.split()
    cmd = [os.environ.get("CC", "cc"), "-std=c11", "-D_POSIX_C_SOURCE=200809L", "-Wall", "-Wextra", "-Werror",
           "-I", str(ROOT / "core/include"), str(HERE / "driver.c"), str(lib), *libs, "-lpthread", "-lm",
           "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def command(lang, c_driver):
    lua_path = f"{ROOT}/lua/?.lua;{ROOT}/lua/?/init.lua;;"
    if lang == "c":
        return [str(c_driver)], {}
    if lang == "python":
        return [sys.executable, str(HERE / "driver.py")], {
            "PYTHONPATH": os.pathsep.join([str(ROOT / "python"), str(BUILD / "python")])}
    if lang == "node":
        return ["node", str(HERE / "driver.js")], {}
    if lang == "lua5.4":
        return ["lua5.4", str(HERE / "driver.lua")], {"LUA_PATH": lua_path, "LUA_CPATH": f"{BUILD}/lua/5.4/?.so;;"}
    return ["luajit", str(HERE / "driver.lua")], {"LUA_PATH": lua_path, "LUA_CPATH": f"{BUILD}/lua/jit/?.so;;"}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_secret_in_output_or_journal(lang, sb, c_driver):
    argv, extra = command(lang, c_driver)
    assert shutil.which(argv[0]) or os.path.exists(argv[0]), f"{argv[0]} missing: tools/install-deps.sh installs it"
    wrong_app = "app_sandbox_" + secrets.token_hex(16)
    wrong_acct = f"{JWT_HEADER[:-4]}Zm9v.{secrets.token_urlsafe(24)}.{secrets.token_urlsafe(16)}"
    crlf_head = "eyJcrlf" + secrets.token_hex(8)
    crlf_token = crlf_head + "\r\nX-Injected-" + secrets.token_hex(4) + ": 1"
    env = dict(os.environ)
    env.update(extra)
    env.update(LIGHT_LOG="debug", LIGHT_APP_TOKEN=sb.app_token, LIGHT_BASE_URL=sb.base_url,
               LIGHT_WEBHOOK_SECRET=sb.webhook_secret, SECRETSCAN_SSN=SSN, SECRETSCAN_WRONG_APP_TOKEN=wrong_app,
               SECRETSCAN_WRONG_ACCOUNT_TOKEN=wrong_acct, SECRETSCAN_CRLF_TOKEN=crlf_token)
    sb.clear_journal()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    out, err = proc.stdout, proc.stderr
    assert proc.returncode == 0, out + err

    # The journey ran, with the debug log on, through every step the scan relies on.
    assert f"SECRETSCAN-DONE {lang[:3] if lang.startswith('lua') else lang}" in out, out + err
    for label in ("credit_check dashed", "credit_check digits", "422 error", "401 app error", "401 account error",
                  "crlf token error", "webhook event", "signature error"):
        assert f"{label}:" in out, (label, out)
    assert "Authorization: Bearer [redacted]" in err, err
    assert "(account token mint)" in err, err
    if lang == "python":  # logging.getLogger("light") records were scanned too
        assert "log INFO: POST /v1/app/accounts 200" in err and "response headers" in err, err
        assert "log INFO: POST /v1/account/enroll/credit-check 422 UnprocessableEntityError" in err, err
    if lang == "node":  # the logger and the request/retry/response events were scanned too
        assert "logger info: light: POST /v1/app/accounts 200" in err and "event response:" in err, err
        assert "event request:" in err and "401 AuthenticationError" in err, err
    uuid = re.search(r"account uuid: ([0-9a-f-]{36})", out)[1]
    issued = sb.issued_tokens()
    mine = [t["token"] for t in issued if t["account_uuid"] == uuid]
    assert mine, f"no account token was minted for {uuid}"
    journal = sb.journal()
    credit = [e for e in journal if e["path"] == "/v1/account/enroll/credit-check"]
    assert len(credit) == 3 and all(json.loads(e["body"])["ssn"] == "***" for e in credit), credit
    assert sum(e["status"] == 401 for e in journal) >= 2, journal

    literals = {"app token": sb.app_token, "wrong app token": wrong_app, "wrong account token": wrong_acct,
                "CR/LF token": crlf_head, "injected header": crlf_token.split("\r\n", 1)[1].split(":")[0],
                "webhook secret": sb.webhook_secret, "JWT header of issued tokens": JWT_HEADER}
    for i, t in enumerate(t["token"] for t in issued):
        literals[f"issued account token #{i}"] = t
    where = {"stdout": out, "stderr": err, "journal": json.dumps(journal)}
    leaks = {name: find_leaks(text, literals) for name, text in where.items()}
    assert leaks == {"stdout": [], "stderr": [], "journal": []}, leaks

    # Self-check with the real secrets: the same scan sees a token planted into this run's output.
    assert find_leaks(out + "\n" + mine[0], literals), "scanner missed a planted account token"
    assert find_leaks(err + sb.app_token, literals), "scanner missed a planted app token"
