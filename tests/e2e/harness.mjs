// Shared set-up of the browser tests: the project's own static server (scripts/server.mjs, the
// one ./scripts/serve.sh runs) on a free port of 127.0.0.1, and headless Chromium driven by
// playwright-core with a fresh profile. Every request and console error is recorded, so each test
// file can check that the page logged no errors and asked no host but its own.

import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
// Screenshots go to a temporary folder, so a test run leaves the tree as it found it; the committed
// ones in docs/screenshots/ change only on purpose: `UPDATE_SCREENSHOTS=1 ./scripts/test.sh`.
export const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1"
  ? join(ROOT, "docs", "screenshots")
  : mkdtempSync(join(tmpdir(), "cnn-playground-screenshots-"));
export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
export const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

/** Starts scripts/server.mjs on a free port; resolves to { url, stop }. */
export function startServer() {
  const child = spawn(process.execPath, [join(ROOT, "scripts", "server.mjs"), "--port", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/on (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) resolve({ url: m[1], stop: () => child.kill() });
    });
    child.on("exit", (code) => reject(new Error(`the server exited (${code}) before listening: ${out}`)));
  });
}

/**
 * Serves the page, opens it in a fresh Chromium profile at `hash` (e.g. "#tab=shapes") and waits
 * until the first panel is ready. `deviceScaleFactor` 2 with half the window's size is that window
 * at 200 % browser zoom (e.g. 640×360 at 2 for 1280×720). Returns { page, url, log, close }; `log.errors` holds console
 * errors and uncaught exceptions, `log.requests` every URL the page asked for.
 */
export async function openPage(hash = "", { width = 1280, height = 720, deviceScaleFactor = 1 } = {}) {
  const server = await startServer();
  const profile = await mkdtemp(join(tmpdir(), "cnn-playground-chromium-"));
  // Playwright passes the new, empty profile directory to Chromium as --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width, height },
    deviceScaleFactor,
  });
  const log = { errors: [], requests: [] };
  context.on("request", (r) => log.requests.push(r.url()));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => m.type() === "error" && log.errors.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => log.errors.push(`uncaught: ${e.message}`));
  await page.goto(server.url + hash);
  await page.waitForSelector("body[data-ready='true']");
  return {
    page,
    url: server.url,
    log,
    async close() {
      await context.close();
      server.stop();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** URLs that went anywhere but the page's own server (data: and blob: URLs stay in the page). */
export function foreignRequests(requests, own) {
  const host = new URL(own).host;
  return requests.filter((u) => {
    const url = new URL(u);
    if (url.protocol === "data:" || url.protocol === "blob:") return false;
    return url.host !== host;
  });
}
