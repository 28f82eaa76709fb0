"""The dashboard at ``/_sandbox/ui``: one self-contained HTML page (inline CSS and JS,
no external assets, no build step) that polls the admin API once a second.

Shows accounts with their enrollment state, the request journal (method, path,
status, SDK language from the User-Agent, duration), webhook deliveries (event,
attempts, the endpoint's answers, whether the endpoint verified the signature)
and active faults; buttons move an account to active, create an account in a
state, trigger an event, inject a fault and advance the clock. All text from the
emulator is inserted with textContent (request paths are attacker-chosen)."""

_HTML = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Light sandbox</title>
<style>
:root { --bg:#f6f7f9; --card:#fff; --ink:#1d2330; --mute:#6b7385; --line:#e3e6ec; --acc:#3b5bdb;
        --ok:#2b8a3e; --warn:#e67700; --bad:#c92a2a; --chip:#eef1f6; }
* { box-sizing:border-box; }
body { margin:0; font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
header { display:flex; align-items:center; gap:16px; padding:10px 18px; background:#1d2330; color:#fff; flex-wrap:wrap; }
header h1 { font-size:16px; margin:0; font-weight:600; letter-spacing:.2px; }
header h1 span { color:#ffd43b; }
header .meta { display:flex; gap:14px; flex-wrap:wrap; color:#c5cad6; font-size:12px; }
header .meta b { color:#fff; font-weight:500; }
#conn { margin-left:auto; font-size:12px; padding:2px 8px; border-radius:10px; background:#2b8a3e; }
#conn.down { background:var(--bad); }
main { display:grid; grid-template-columns: minmax(0,1fr) minmax(0,1fr); gap:14px; padding:14px 18px; }
section { background:var(--card); border:1px solid var(--line); border-radius:8px; overflow:hidden; min-width:0; }
section.wide { grid-column: 1 / -1; }
section h2 { font-size:13px; margin:0; padding:9px 12px; border-bottom:1px solid var(--line); display:flex; align-items:center; gap:8px; }
section h2 .count { color:var(--mute); font-weight:400; }
.scroll { max-height:330px; overflow:auto; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:5px 9px; border-bottom:1px solid var(--line); white-space:nowrap; vertical-align:top; }
th { position:sticky; top:0; background:#fafbfc; color:var(--mute); font-weight:500; font-size:12px; }
td.path { max-width:230px; overflow:hidden; text-overflow:ellipsis; font-family:ui-monospace,Menlo,Consolas,monospace; font-size:12px; }
td.mono, .mono { font-family:ui-monospace,Menlo,Consolas,monospace; font-size:12px; }
td.endpoint { max-width:150px; }
tr:hover td { background:#f8f9fb; }
.empty { color:var(--mute); padding:14px 12px; }
.badge { display:inline-block; padding:1px 7px; border-radius:9px; font-size:11px; background:var(--chip); color:var(--ink); }
.s-active { background:#d3f9d8; color:#1b5e20; } .s-needs_attention { background:#ffe3e3; color:#8b1a1a; }
.s-cancelled { background:#e9ecef; color:#495057; } .s-reviewing, .s-activating, .s-scheduled { background:#fff3bf; color:#7a5200; }
.s-applying, .s-ready { background:#dbe4ff; color:#1c3399; } .s-created { background:#f1f3f5; color:#343a40; }
.st2 { color:var(--ok); } .st4 { color:var(--warn); } .st5, .stE { color:var(--bad); }
.ok { color:var(--ok); } .bad { color:var(--bad); } .mute { color:var(--mute); }
button, select, input { font:inherit; font-size:12px; }
button { border:1px solid var(--acc); background:var(--acc); color:#fff; border-radius:5px; padding:3px 9px; cursor:pointer; }
button.ghost { background:#fff; color:var(--acc); }
button:disabled { opacity:.5; cursor:default; }
select, input { border:1px solid var(--line); border-radius:5px; padding:3px 6px; background:#fff; }
.controls { display:flex; flex-wrap:wrap; gap:10px; padding:10px 12px; }
.ctl { display:flex; align-items:center; gap:6px; padding:6px 8px; border:1px solid var(--line); border-radius:6px; background:#fafbfc; }
.ctl label { color:var(--mute); font-size:12px; }
#toast { position:fixed; right:16px; bottom:16px; padding:8px 12px; border-radius:6px; background:#1d2330; color:#fff; display:none; max-width:520px; }
#toast.err { background:var(--bad); }
</style></head>
<body>
<header>
  <h1>Light <span>sandbox</span></h1>
  <div class="meta">
    <div>API <b id="m-url" class="mono">…</b></div>
    <div>clock <b id="m-clock">…</b></div>
    <div>webhooks → <b id="m-webhook">…</b></div>
    <div>state <b id="m-state">memory</b></div>
  </div>
  <div id="conn">live</div>
</header>
<main>
  <section class="wide">
    <h2>Controls</h2>
    <div class="controls">
      <div class="ctl"><label>New account</label>
        <select id="c-state"></select><button id="b-create">Create</button></div>
      <div class="ctl"><label>Trigger</label>
        <select id="t-event"></select><select id="t-account"></select><button id="b-trigger">Fire event</button></div>
      <div class="ctl"><label>Fault</label>
        <select id="f-method"><option value="">any</option><option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option></select>
        <input id="f-path" placeholder="/v1/account (empty = all)" size="20">
        <select id="f-kind"></select>
        <input id="f-status" type="number" value="503" min="100" max="599" style="width:62px" title="status">
        <input id="f-times" type="number" value="1" min="1" style="width:48px" title="times">
        <button id="b-fault">Inject</button></div>
      <div class="ctl"><label>Clock</label>
        <select id="k-amount"><option value="60">+1 min</option><option value="3600" selected>+1 hour</option>
          <option value="86400">+1 day</option><option value="2592000">+30 days</option></select>
        <button id="b-clock">Advance</button><button id="b-clock-reset" class="ghost">Real time</button></div>
    </div>
  </section>
  <section class="wide">
    <h2>Accounts <span class="count" id="n-accounts"></span></h2>
    <div class="scroll"><table id="accounts"><thead><tr><th>uuid</th><th>email</th><th>status</th><th>reason</th>
      <th>invoices</th><th>created</th><th></th></tr></thead><tbody></tbody></table>
      <div class="empty" id="e-accounts">No accounts yet. Create one above, or through the SDK.</div></div>
  </section>
  <section>
    <h2>Requests <span class="count" id="n-requests"></span></h2>
    <div class="scroll"><table id="requests"><thead><tr><th>time</th><th>method</th><th>path</th><th>status</th>
      <th>SDK</th><th>ms</th></tr></thead><tbody></tbody></table>
      <div class="empty" id="e-requests">No API requests yet.</div></div>
  </section>
  <section>
    <h2>Webhook deliveries <span class="count" id="n-deliveries"></span></h2>
    <div class="scroll"><table id="deliveries"><thead><tr><th>time</th><th>event</th><th>attempts</th>
      <th>answers</th><th>signature</th><th>endpoint</th></tr></thead><tbody></tbody></table>
      <div class="empty" id="e-deliveries">No deliveries yet (start with --receiver or --webhook-url, or run light-sandbox listen).</div></div>
  </section>
  <section class="wide">
    <h2>Active faults <span class="count" id="n-faults"></span></h2>
    <div class="scroll"><table id="faults"><thead><tr><th>id</th><th>method</th><th>path</th><th>kind</th>
      <th>status</th><th>times left</th><th>hits</th><th></th></tr></thead><tbody></tbody></table>
      <div class="empty" id="e-faults">No faults: every request is answered normally.</div></div>
  </section>
</main>
<div id="toast"></div>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(k === null || k === undefined ? "" : String(k)));
  return e;
}
async function api(method, path, body) {
  const r = await fetch("/_sandbox/" + path, {method, headers: {"Content-Type": "application/json"},
                                              body: body === undefined ? undefined : JSON.stringify(body)});
  const t = await r.text();
  let j = null; try { j = t ? JSON.parse(t) : null; } catch (e) { j = t; }
  if (!r.ok) throw new Error((j && j.detail) || ("HTTP " + r.status));
  return j;
}
let toastTimer = null;
function toast(msg, err) {
  const t = $("toast"); t.textContent = msg; t.className = err ? "err" : ""; t.style.display = "block";
  clearTimeout(toastTimer); toastTimer = setTimeout(() => { t.style.display = "none"; }, 4000);
}
async function act(btn, fn, done) {
  btn.disabled = true;
  try { const out = await fn(); if (done) toast(done(out)); await refresh(); }
  catch (e) { toast(e.message, true); }
  finally { btn.disabled = false; }
}
function sdk(headers) {
  let ua = ""; for (const [k, v] of Object.entries(headers || {})) if (k.toLowerCase() === "user-agent") ua = v;
  const m = /^light-sdk\/\S+ ([A-Za-z]+)\/(\S+)(.*)$/.exec(ua.trim());
  if (!m) return ua ? ua.split(" ")[0].slice(0, 24) : "—";
  const rt = m[1].toLowerCase();
  if (rt === "c") return "C"; if (rt === "python") return "Python"; if (rt === "node") return "Node";
  if (rt === "lua" || rt === "luajit") return /(^|\s)nginx\//.test(m[3]) ? "Lua (nginx)" : (rt === "luajit" ? "Lua (LuaJIT)" : "Lua " + m[2]);
  return ua.split(" ")[0];
}
const hms = (ts) => ts ? new Date(ts * 1000).toLocaleTimeString([], {hour12: false}) : "";
const short = (u) => u ? u.slice(0, 8) + "…" : "";
function fill(id, rows, make) {
  const tb = $(id).tBodies[0]; tb.replaceChildren(...rows.map(make));
  $("e-" + id).style.display = rows.length ? "none" : "block";
  $("n-" + id).textContent = rows.length ? "(" + rows.length + ")" : "";
}
let meta = null, journal = [], lastSeq = 0, accounts = [], deliveries = [], lastDelivery = 0;
async function init() {
  meta = await api("GET", "meta");
  $("t-event").replaceChildren(...meta.webhook_events.map((e) => el("option", {value: e}, e)));
  $("f-kind").replaceChildren(...meta.fault_kinds.map((k) => el("option", {value: k}, k)));
  $("c-state").replaceChildren(...meta.statuses.map(([s, r]) => el("option", {value: s + "/" + r}, s + "/" + r)));
  $("c-state").value = "active/active";
  $("b-create").addEventListener("click", (ev) => act(ev.target, () => api("POST", "accounts", {state: $("c-state").value}),
      (o) => "created " + o.account.uuid + " (" + o.account.status + "/" + o.account.status_reason + ")"));
  $("b-trigger").addEventListener("click", (ev) => act(ev.target, () => {
      if (!$("t-account").value) throw new Error("no account to trigger for: create one first");
      return api("POST", "trigger", {event: $("t-event").value, account: $("t-account").value}); },
      (o) => "fired " + o.event.event + " (" + o.deliveries + " delivery(ies) queued)"));
  $("b-fault").addEventListener("click", (ev) => act(ev.target, () => {
      const f = {kind: $("f-kind").value, times: parseInt($("f-times").value, 10) || 1};
      if ($("f-method").value) f.method = $("f-method").value;
      if ($("f-path").value.trim()) f.path = $("f-path").value.trim();
      if (f.kind === "status") f.status = parseInt($("f-status").value, 10) || 500;
      return api("POST", "faults", f); }, (o) => "fault " + o.id + " installed (" + o.kind + ")"));
  $("b-clock").addEventListener("click", (ev) => act(ev.target, () => api("POST", "clock", {advance: parseInt($("k-amount").value, 10)}),
      (o) => "clock now " + o.iso));
  $("b-clock-reset").addEventListener("click", (ev) => act(ev.target, () => api("POST", "clock", {reset: true}), () => "real time"));
}
function renderAccounts(rows) {
  accounts = rows;
  fill("accounts", rows.slice().reverse(), (a) => el("tr", {"data-uuid": a.uuid, "data-status": a.status + "/" + a.status_reason},
    el("td", {class: "mono", title: a.uuid}, short(a.uuid)), el("td", {}, a.email || ""),
    el("td", {}, el("span", {class: "badge s-" + a.status}, a.status)), el("td", {}, a.status_reason),
    el("td", {}, a.invoices), el("td", {class: "mute"}, (a.created_at || "").replace("T", " ").replace("Z", "")),
    el("td", {}, a.status === "active" || a.status === "cancelled" ? "" :
       el("button", {class: "ghost", "data-action": "activate", onclick: (ev) => act(ev.target,
          () => api("POST", "accounts/" + a.uuid + "/state", {state: "active"}), (o) => o.uuid.slice(0, 8) + " is " + o.status)}, "Move to active"),
       " ", el("button", {class: "ghost", onclick: () => { $("t-account").value = a.uuid; $("t-event").focus(); }}, "Trigger…"))));
  const sel = $("t-account"), cur = sel.value;
  sel.replaceChildren(...rows.slice().reverse().map((a) => el("option", {value: a.uuid}, short(a.uuid) + " " + (a.email || ""))));
  if (cur && rows.some((a) => a.uuid === cur)) sel.value = cur;
}
function renderRequests() {
  fill("requests", journal.slice(-200).reverse(), (r) => el("tr", {"data-seq": r.seq},
    el("td", {class: "mute"}, hms(r.time)), el("td", {}, r.method),
    el("td", {class: "path", title: r.path}, r.path + (r.fault ? "  [fault: " + r.fault.kind + "]" : "")),
    el("td", {class: "st" + String(r.status || "E")[0]}, r.status === null ? "—" : r.status),
    el("td", {"data-sdk": sdk(r.headers)}, sdk(r.headers)),
    el("td", {class: "mute"}, r.duration === null ? "" : (r.duration * 1000).toFixed(1))));
}
function renderDeliveries(rows) {
  const groups = new Map();
  for (const r of rows) {
    const k = r.event_uuid + " " + r.url;
    if (!groups.has(k)) groups.set(k, []);
    groups.get(k).push(r);
  }
  const list = [...groups.values()].reverse().slice(0, 200);
  fill("deliveries", list, (g) => {
    const last = g[g.length - 1], ver = g.map((x) => x.verified).filter((v) => v !== null && v !== undefined);
    const answers = el("td", {class: "mono"});
    g.forEach((x, i) => { if (i) answers.append(" → ");
      answers.append(el("span", {class: "st" + (x.status ? String(x.status)[0] : "E"), title: x.error || x.response || ""}, x.status || "err")); });
    const sig = ver.length ? (ver[ver.length - 1] ? el("span", {class: "ok"}, "✓ verified") : el("span", {class: "bad"}, "✗ rejected"))
                           : el("span", {class: "mute", title: "the endpoint's answer does not report a verification"}, "—");
    return el("tr", {"data-event": last.event, "data-ok": last.ok ? "1" : "0"},
      el("td", {class: "mute"}, hms(g[0].delivered_at)), el("td", {}, last.event),
      el("td", {}, g.length + (last.ok ? "" : last.final ? " (gave up)" : " (retrying)")), answers, el("td", {}, sig),
      el("td", {class: "path endpoint", title: last.url}, last.url.replace(/^https?:\/\//, "") + (last.listener ? "  (listen #" + last.listener + ")" : "")));
  });
}
function renderFaults(rows) {
  fill("faults", rows, (f) => el("tr", {},
    el("td", {}, f.id), el("td", {}, f.method || "any"), el("td", {class: "path"}, f.path || f.path_regex || "(all)"),
    el("td", {}, f.kind), el("td", {}, f.status || ""), el("td", {}, f.times === null ? "∞" : f.times), el("td", {}, f.hits),
    el("td", {}, el("button", {class: "ghost", onclick: (ev) => act(ev.target, () => api("DELETE", "faults/" + f.id), () => "fault removed")}, "Remove"))));
}
function journalFrom() {  // re-read entries still in flight (no status yet) so they get theirs
  const open = journal.filter((r) => r.status === null).map((r) => r.seq);
  return (open.length ? Math.min(...open) - 1 : lastSeq) + "&limit=500";
}
let busy = false;
async function refresh() {
  if (busy) return; busy = true;
  try {
    const [ov, accts, reqs, hooks, faults] = await Promise.all([
      api("GET", "overview"), api("GET", "accounts"), api("GET", "requests?since=" + journalFrom()),
      api("GET", "webhooks?wait=0&since=" + lastDelivery), api("GET", "faults")]);
    $("m-url").textContent = ov.base_url;
    $("m-clock").textContent = ov.clock.iso.replace("T", " ").replace("Z", " UTC") + (Math.abs(ov.clock.offset) >= 1 ? " (+" + Math.round(ov.clock.offset) + " s)" : "");
    const dest = [ov.webhook_url].concat(ov.listeners.map((l) => l.url + " (listen)")).filter(Boolean);
    $("m-webhook").textContent = dest.length ? dest.join(", ") : "nowhere (events only)";
    $("m-state").textContent = ov.state_file || "memory";
    const fresh = new Map(reqs.map((r) => [r.seq, r]));
    journal = journal.filter((r) => !fresh.has(r.seq)).concat(reqs).sort((a, b) => a.seq - b.seq).slice(-2000);
    if (journal.length) lastSeq = journal[journal.length - 1].seq;
    if (ov.deliveries === 0) deliveries = [];  // the delivery log was cleared
    deliveries = deliveries.concat(hooks).slice(-3000);
    if (deliveries.length) lastDelivery = deliveries[deliveries.length - 1].seq;
    renderAccounts(accts); renderRequests(); renderDeliveries(deliveries); renderFaults(faults);
    $("conn").textContent = "live"; $("conn").className = "";
  } catch (e) { $("conn").textContent = "disconnected"; $("conn").className = "down"; }
  finally { busy = false; }
}
init().then(refresh).catch((e) => toast(e.message, true));
setInterval(refresh, 1000);
</script>
</body></html>
"""

PAGE = _HTML.encode("utf-8")
