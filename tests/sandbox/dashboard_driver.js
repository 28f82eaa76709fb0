// Drives the emulator dashboard (/_sandbox/ui) in Debian's chromium, headless, with
// playwright-core (tools/install-deps.d/browser.sh installs both). A line protocol on
// stdin/stdout lets test_dashboard.py interleave browser steps with SDK calls:
//   in:  {"cmd": "load", "url": ...} | {"cmd": "wait_account", "uuid": ..., "status"?: ...}
//        {"cmd": "click_activate", "uuid": ...} | {"cmd": "trigger", "event": ..., "uuid": ...}
//        {"cmd": "wait_delivery", "event": ...} | {"cmd": "wait_request", "sdk": ..., "path": ...}
//        {"cmd": "fault", "path": ..., "status": ...} | {"cmd": "advance_clock"}
//        {"cmd": "screenshot", "path": ...} | {"cmd": "quit"}
//   out: one JSON line per command: {"ok": true, ...} or {"ok": false, "error": ...}
"use strict";
const path = require("path");
const readline = require("readline");

const prefix = process.env.LIGHT_BROWSER_PREFIX || path.join(__dirname, "..", "..", "build-browser");
const { chromium } = require(path.join(prefix, "node_modules", "playwright-core"));
const TIMEOUT = 15000;

async function main() {
  const browser = await chromium.launch({
    executablePath: process.env.LIGHT_CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") consoleErrors.push(m.text()); });
  const external = [];
  page.on("request", (r) => { if (!r.url().startsWith(process.env.LIGHT_SANDBOX_URL || "http://127.0.0.1")) external.push(r.url()); });

  const handlers = {
    async load(c) {
      const resp = await page.goto(c.url, { waitUntil: "load" });
      await page.waitForSelector("#conn:not(.down)", { timeout: TIMEOUT });
      await page.waitForFunction(() => document.querySelectorAll("#t-event option").length > 0, null, { timeout: TIMEOUT });
      return { status: resp.status(), title: await page.title(),
               events: await page.$$eval("#t-event option", (os) => os.map((o) => o.value)) };
    },
    async wait_account(c) {
      const sel = `#accounts tr[data-uuid="${c.uuid}"]` + (c.status ? `[data-status="${c.status}"]` : "");
      await page.waitForSelector(sel, { timeout: TIMEOUT });
      return { status: await page.getAttribute(`#accounts tr[data-uuid="${c.uuid}"]`, "data-status"),
               text: await page.textContent(`#accounts tr[data-uuid="${c.uuid}"]`) };
    },
    async click_activate(c) {
      await page.click(`#accounts tr[data-uuid="${c.uuid}"] button[data-action="activate"]`);
      return {};
    },
    async trigger(c) {
      await page.waitForSelector(`#t-account option[value="${c.uuid}"]`, { state: "attached", timeout: TIMEOUT });
      await page.selectOption("#t-event", c.event);
      await page.selectOption("#t-account", c.uuid);
      await page.click("#b-trigger");
      await page.waitForSelector("#toast:not(.err)", { state: "visible", timeout: TIMEOUT });
      return { toast: await page.textContent("#toast") };
    },
    async wait_delivery(c) {
      const sel = `#deliveries tr[data-event="${c.event}"][data-ok="1"]`;
      await page.waitForSelector(sel, { timeout: TIMEOUT });
      return { text: await page.textContent(sel) };
    },
    async wait_request(c) {
      await page.waitForFunction(([sdk, p]) => [...document.querySelectorAll("#requests tbody tr")].some(
        (tr) => tr.querySelector("[data-sdk]").dataset.sdk === sdk && tr.querySelector(".path").title === p),
        [c.sdk, c.path], { timeout: TIMEOUT });
      return {};
    },
    async fault(c) {
      await page.selectOption("#f-kind", "status");
      await page.fill("#f-path", c.path);
      await page.fill("#f-status", String(c.status));
      await page.click("#b-fault");
      await page.waitForSelector("#faults tbody tr", { timeout: TIMEOUT });
      return { text: await page.textContent("#faults tbody") };
    },
    async advance_clock() {
      const before = await page.textContent("#m-clock");
      await page.selectOption("#k-amount", "86400");
      await page.click("#b-clock");
      await page.waitForFunction((b) => document.querySelector("#m-clock").textContent !== b, before, { timeout: TIMEOUT });
      return { before, after: await page.textContent("#m-clock") };
    },
    async screenshot(c) {
      await page.screenshot({ path: c.path, fullPage: true });
      return { path: c.path, errors: consoleErrors, external };
    },
  };

  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    if (c.cmd === "quit") break;
    let out;
    try {
      out = Object.assign({ ok: true }, await handlers[c.cmd](c));
    } catch (e) {
      out = { ok: false, error: String(e && e.message || e).split("\n")[0], errors: consoleErrors };
    }
    process.stdout.write(JSON.stringify(out) + "\n");
  }
  await browser.close();
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + "\n"); process.exit(1); });
