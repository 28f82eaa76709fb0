#!/usr/bin/env python3
"""Rewrite callers (and the core's own declarations and definitions) for the
0.2 C ABI: output parameters first, and versioned option structs.

    light_client_options_init(&o)            -> light_client_options_init(&o, LIGHT_CLIENT_OPTIONS_VERSION)
    light_client_for_account(app, u, &c, e)  -> light_client_for_account(&c, app, u, e)
    light_call(c, op, p, &r, e)              -> light_call(&r, c, op, p, e)
    light_request(c, m, path, p, &r, e)      -> light_request(&r, c, m, path, p, e)
    light_exchange_new(c, op, p, &x, e)      -> light_exchange_new(&x, c, op, p, e)
    light_exchange_new_raw(c, m, pa, p, &x, e) -> light_exchange_new_raw(&x, c, m, pa, p, e)
    light_exchange_next(x, &req, &d)         -> light_exchange_next(&req, &d, x)
    light_exchange_finish(x, &r, e)          -> light_exchange_finish(&r, x, e)
    light_engine_submit(g, c, op, p, cb, ud, &h, e)        -> light_engine_submit(&h, g, c, op, p, cb, ud, e)
    light_engine_submit_raw(g, c, m, pa, p, cb, ud, &h, e) -> light_engine_submit_raw(&h, g, c, m, pa, p, cb, ud, e)
    light_webhook_sign(pl, n, s, sn, ts, out, cap)         -> light_webhook_sign(out, cap, pl, n, s, sn, ts)
    light_webhook_parse_event(pl, n, &j, e)                -> light_webhook_parse_event(&j, pl, n, e)
    light_webhook_construct_event(pl, n, h, s, k, t, now, &j, e) -> (&j, pl, n, h, s, k, t, now, e)

Only calls with the old number of arguments are rewritten; the pure
reorders cannot tell an old call from a new one, so run it exactly once
per file:

    tools/migrate_abi.py [--dry-run]            every tracked .c/.h/.md file; refuses
                                                a tree whose client.h already has the new light_call
    tools/migrate_abi.py [--dry-run] FILE...    only these files (still on the old ABI),
                                                e.g. after cherry-picking the ABI commit onto a
                                                merged tree, the files another branch changed

then tools/format.sh. A misordered call mostly fails to compile (-Werror).
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]

# name -> (old argument count, new order as indices into the old arguments)
REORDER = {
    "light_client_for_account": (4, [2, 0, 1, 3]),
    "light_call": (5, [3, 0, 1, 2, 4]),
    "light_request": (6, [4, 0, 1, 2, 3, 5]),
    "light_exchange_new": (5, [3, 0, 1, 2, 4]),
    "light_exchange_new_raw": (6, [4, 0, 1, 2, 3, 5]),
    "light_exchange_next": (3, [1, 2, 0]),
    "light_exchange_finish": (3, [1, 0, 2]),
    "light_engine_submit": (8, [6, 0, 1, 2, 3, 4, 5, 7]),
    "light_engine_submit_raw": (9, [7, 0, 1, 2, 3, 4, 5, 6, 8]),
    "light_webhook_sign": (7, [5, 6, 0, 1, 2, 3, 4]),
    "light_webhook_parse_event": (4, [2, 0, 1, 3]),
    "light_webhook_construct_event": (9, [7, 0, 1, 2, 3, 4, 5, 6, 8]),
    # added in the same release, migrated when the branches that brought them were merged
    "light_client_with_options": (4, [2, 0, 1, 3]),
    "light_call_args": (4, [2, 0, 1, 3]),
    "light_exchange_new_args": (4, [2, 0, 1, 3]),
    "light_engine_submit_args": (7, [5, 0, 1, 2, 3, 4, 6]),
    "light_page_next_query": (4, [2, 0, 1, 3]),
}
NAME_RE = re.compile(r"\b(" + "|".join(sorted(REORDER, key=len, reverse=True) + ["light_client_options_init"]) +
                     r")\s*\(")


def split_args(text, start):
    """text[start] == '('. Returns (end index of the matching ')', [raw args])."""
    depth, i, args, cur = 0, start, [], start + 1
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            q = ch
            i += 1
            while i < len(text) and text[i] != q:
                i += 2 if text[i] == "\\" else 1
        elif text.startswith("/*", i):
            i = text.index("*/", i) + 1
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                args.append(text[cur:i])
                return i, args
        elif ch == "," and depth == 1:
            args.append(text[cur:i])
            cur = i + 1
        i += 1
    return -1, []


def rewrite(text):
    out, pos, n = [], 0, 0
    for m in NAME_RE.finditer(text):
        if m.start() < pos:
            continue
        name = m.group(1)
        open_at = m.end() - 1
        end, args = split_args(text, open_at)
        if end < 0:
            continue
        if name == "light_client_options_init":
            if len(args) != 1 or not args[0].strip() or "light_client_options" in args[0]:
                continue  # a declaration/definition, a mention "()", or already migrated
            new_args = [args[0], " LIGHT_CLIENT_OPTIONS_VERSION"]
        else:
            count, order = REORDER[name]
            if len(args) != count:
                continue
            lead = [re.match(r"\s*", a).group(0) for a in args]
            body = [a.strip() for a in args]
            new_args = [lead[i] + body[order[i]] for i in range(count)]
        out.append(text[pos:open_at + 1])
        out.append(",".join(new_args))
        out.append(")")
        pos = end + 1
        n += 1
    out.append(text[pos:])
    return "".join(out), n


def main():
    dry = "--dry-run" in sys.argv
    files = [a for a in sys.argv[1:] if a != "--dry-run"]
    if not files:
        client_h = (ROOT / "core/include/light/client.h").read_text()
        if re.search(r"light_call\(light_response \*\*out", client_h):
            sys.exit("migrate_abi: the tree already has the new signatures (name the files still on the old ABI)")
        files = subprocess.run(["git", "ls-files", "--", "*.c", "*.h", "*.md"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.split()
    total = 0
    for f in files:
        if f == "tools/migrate_abi.py" or f.startswith("CHANGELOG"):
            continue
        p = ROOT / f
        s = p.read_text()
        new, n = rewrite(s)
        if n:
            total += n
            print(f"{f}: {n}")
            if not dry:
                p.write_text(new)
    print(f"migrate_abi: {total} calls/declarations rewritten")


if __name__ == "__main__":
    main()
