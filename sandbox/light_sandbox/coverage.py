"""Parity coverage: which operation each SDK language exercised against the emulator.

The emulator attributes every request that reached an operation handler (a
route matched, auth and rate limit passed, no fault injected, answer 2xx/4xx)
to its operation id (sandbox/light_sandbox/routes.py, the same ids as
core/src/operation_table.c and endpoints.json) and to the SDK language named
by the User-Agent the core sends: ``light-sdk/<v> <runtime>`` where runtime is
``c/<curl>`` (C, the core's default), ``python/<v>``, ``node/<v>``,
``lua/5.4`` or ``luajit/<v>`` (optionally followed by ``nginx/<v>`` inside
nginx). Other clients (urllib in the emulator's own tests, curl) are ignored.

When ``LIGHT_PARITY_DIR`` is set, each emulator process appends one JSON line
per first-seen (operation, language, variant, answer class 2xx/4xx) to ``<dir>/parity-<pid>.jsonl``
at once, so a killed emulator loses nothing. tests/conftest.py sets the
variable once per pytest session, merges the files at the end, prints the
operation x language table and checks tests/COVERAGE.md (tools/gen_parity.py
rewrites it). Stdlib only.
"""
import json
import os
import pathlib
import re
import threading

LANGUAGES = ("C", "Python", "Node", "Lua")
ENV_VAR = "LIGHT_PARITY_DIR"
LUA_VARIANTS = ("5.4", "LuaJIT", "nginx")

_UA = re.compile(r"^light-sdk/\S+ (?P<rt>[A-Za-z]+)/(?P<ver>\S+)(?P<rest>.*)$")


def classify(user_agent):
    """(language, variant) for an SDK User-Agent, or None for any other client.

    variant is "" for C, Python and Node; for Lua it is "5.4", "LuaJIT" or
    "nginx" (the Lua binding running inside nginx, whatever its Lua)."""
    if not user_agent:
        return None
    m = _UA.match(user_agent.strip())
    if not m:
        return None
    rt, rest = m.group("rt").lower(), m.group("rest")
    if rt == "c":
        return ("C", "")
    if rt == "python":
        return ("Python", "")
    if rt == "node":
        return ("Node", "")
    if rt in ("lua", "luajit"):
        if re.search(r"(^|\s)nginx/", rest):
            return ("Lua", "nginx")
        return ("Lua", "LuaJIT" if rt == "luajit" else m.group("ver"))
    return None


class Recorder:
    """Appends first-seen (op, language, variant, 2xx|4xx) keys of one process to a file."""

    def __init__(self, directory):
        self.key = (directory, os.getpid())
        self.path = pathlib.Path(directory) / f"parity-{os.getpid()}.jsonl"
        self.seen = set()
        self.lock = threading.Lock()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            pass  # hit() then records nothing; a request is never failed for coverage

    def hit(self, op, status, user_agent):
        if not op or not (200 <= status < 500) or 300 <= status < 400:
            return False
        who = classify(user_agent)
        if who is None:
            return False
        cls = "2xx" if status < 300 else "4xx"
        key = (op, who[0], who[1], cls)
        with self.lock:
            if key in self.seen:
                return False
            self.seen.add(key)
            line = (json.dumps({"op": op, "lang": who[0], "variant": who[1], "status": cls}) + "\n").encode()
            try:  # one O_APPEND write per line: atomic, nothing buffered to lose on SIGKILL
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
            except OSError:
                self.seen.discard(key)  # e.g. the session's directory is gone; never break a request
                return False
        return True


_recorder = None
_recorder_lock = threading.Lock()


def record(op, status, user_agent):
    """Called by the emulator for each answered API request (no-op without LIGHT_PARITY_DIR)."""
    global _recorder
    directory = os.environ.get(ENV_VAR)
    if not directory:
        return False
    with _recorder_lock:
        if _recorder is None or _recorder.key != (directory, os.getpid()):
            _recorder = Recorder(directory)
        rec = _recorder
    return rec.hit(op, status, user_agent)


# ---- merge and render ------------------------------------------------------------------------

def operation_ids():
    """The operation ids in route-table order (sandbox/light_sandbox/routes.py)."""
    from . import routes
    return [r[0] for r in routes.ROUTES]


def load(directory):
    """Merge every parity-*.jsonl under ``directory``: {op: {lang: {variant: answered_2xx}}}.

    answered_2xx is False when that variant only ever got 4xx answers."""
    cov = {}
    d = pathlib.Path(directory)
    for f in sorted(d.glob("parity-*.jsonl")):
        for line in f.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                row = json.loads(line)
                op, lang, variant, ok = row["op"], row["lang"], row.get("variant") or "", row.get("status") != "4xx"
            except (ValueError, KeyError, TypeError):
                continue  # a torn line of a killed writer: ignore it
            if lang in LANGUAGES and isinstance(op, str):
                seen = cov.setdefault(op, {}).setdefault(lang, {})
                seen[variant] = seen.get(variant, False) or ok
    return cov


def merge(into, cov):
    """Add the coverage ``cov`` (as load() returns) to ``into``; returns ``into``."""
    for op, langs in cov.items():
        for lang, variants in langs.items():
            seen = into.setdefault(op, {}).setdefault(lang, {})
            for v, ok in variants.items():
                seen[v] = seen.get(v, False) or ok
    return into


def cell(variants):
    """Text of one cell from {variant: answered_2xx}: "✓" (C, Python, Node) or the Lua
    runtimes; "(4xx only)" marks calls that never got a 2xx answer."""
    if not variants:
        return ""
    order = {v: i for i, v in enumerate(LUA_VARIANTS)}
    named = sorted((v for v in variants if v), key=lambda v: (order.get(v, len(order)), v))
    if not named:
        return "✓" if variants[""] else "✓ (4xx only)"
    return ", ".join(v if variants[v] else f"{v} (4xx only)" for v in named)


def missing(cov, ops):
    """[(op, language)] of empty cells, in table order."""
    return [(op, lang) for op in ops for lang in LANGUAGES if not cov.get(op, {}).get(lang)]


def unknown_ops(cov, ops):
    return sorted(set(cov) - set(ops))


def render(cov, ops):
    """The markdown document kept in tests/COVERAGE.md."""
    lines = [
        "# Operation x language coverage",
        "",
        "Generated by the test run (`make test`; sandbox/light_sandbox/coverage.py, tests/conftest.py) or",
        "`python3 tools/gen_parity.py --from DIR`; do not edit by hand. A cell is filled when that",
        "language's SDK called the operation against the emulator and the request reached the",
        "operation's handler (2xx or 4xx answer, no injected fault); \"(4xx only)\" marks a call that",
        "never got a 2xx answer. Lua cells name the runtimes seen: Lua 5.4, LuaJIT, and the binding",
        "inside nginx.",
        "",
        "| operation | " + " | ".join(LANGUAGES) + " |",
        "|---|" + "---|" * len(LANGUAGES),
    ]
    for op in ops:
        row = cov.get(op, {})
        lines.append(f"| `{op}` | " + " | ".join(cell(row.get(lang)) or "**missing**" for lang in LANGUAGES) + " |")
    gaps = missing(cov, ops)
    filled = len(ops) * len(LANGUAGES) - len(gaps)
    lines += ["", f"{len(ops)} operations x {len(LANGUAGES)} languages: {filled} of "
              f"{len(ops) * len(LANGUAGES)} cells filled."]
    return "\n".join(lines) + "\n"


def problems(cov, ops, parity_md):
    """Human-readable reasons the parity check fails ([] when it passes)."""
    out = []
    gaps = missing(cov, ops)
    if gaps:
        by_lang = {}
        for op, lang in gaps:
            by_lang.setdefault(lang, []).append(op)
        for lang in LANGUAGES:
            if lang in by_lang:
                out.append(f"{lang} never exercised: {', '.join(by_lang[lang])}")
    extra = unknown_ops(cov, ops)
    if extra:
        out.append(f"coverage names operations the route table does not have: {', '.join(extra)}")
    want = render(cov, ops)
    p = pathlib.Path(parity_md)
    have = p.read_text(encoding="utf-8") if p.exists() else None
    if have is None:
        out.append(f"{p} does not exist: generate it with `LIGHT_UPDATE_PARITY=1 make test`")
    elif have != want:
        import difflib
        diff = [d for d in difflib.unified_diff(have.splitlines(), want.splitlines(), lineterm="", n=0)
                if d[:1] in "+-" and not d.startswith(("+++", "---"))]
        shown = "\n    ".join(diff[:12]) + ("\n    ..." if len(diff) > 12 else "")
        out.append(f"{p} is stale (- committed, + this run):\n    {shown}\n"
                   "  regenerate it: `LIGHT_UPDATE_PARITY=1 make test`, or keep the coverage with "
                   "`LIGHT_PARITY_DIR=DIR make test` and run `python3 tools/gen_parity.py --from DIR`")
    return out
