// The static build (scripts/build-static.sh) on a plain static host: the folder it writes is served
// under a sub-path, /course/cnn/, by a server that sends only Content-Type (no COOP/COEP, no
// nosniff, no cache headers); the page filters and trains there and asks for nothing outside the
// sub-path. Its service worker then takes it offline: with the server stopped and the browser
// offline, a reload still shows the page, filters, trains on the geometric figures and the digits, and runs
// the Lab's gradient check (the Lab's own wasm module). A new build on the host replaces the old
// one and its cache; served from www/ by the dev server, no service worker is left in the way.
// The built page is also checked at the classroom's sizes: 1024×768, 1280×720 at 200 % zoom, 375 px.
//
// The build uses the www/pkg/ and www/pkg-lab/ already built (--no-build): scripts/test.sh builds
// them before the browser tests, and the other browser tests need them too.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { after, before, test } from "node:test";
import { chromium } from "playwright-core";
import { CHROMIUM, FLAGS, openPage, ROOT } from "./harness.mjs";

const PREFIX = "/course/cnn/";
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css",
  ".wasm": "application/wasm", ".bin": "application/octet-stream", ".md": "text/markdown",
};

let scratch;
let out;
let server;
let base;
let context;
let page;
/** Paths the server was asked for, and every URL the browser asked for. */
const served = [];
const requested = [];
const failed = [];
const errors = [];

/** Runs the static build into `dir`; returns { status, output }. */
function build(dir) {
  const run = spawnSync("bash", [join(ROOT, "scripts", "build-static.sh"), "--no-build", dir], { encoding: "utf8" });
  return { status: run.status, output: run.stdout + run.stderr };
}

/** A plain static host: the folder under PREFIX, Content-Type only; anything else is a 404. */
function plainServer(root) {
  return createServer(async (req, res) => {
    served.push(new URL(req.url, "http://host").pathname);
    try {
      const path = decodeURIComponent(new URL(req.url, "http://host").pathname);
      const file = path.startsWith(PREFIX) ? normalize(join(root, path.slice(PREFIX.length))) : null;
      if (!file || !(file === root || file.startsWith(root + sep))) throw new Error("outside");
      const target = statSync(file).isDirectory() ? join(file, "index.html") : file;
      const body = await readFile(target);
      res.writeHead(200, { "Content-Type": TYPES[extname(target)] ?? "application/octet-stream" }).end(body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
    }
  });
}

/** The built sw.js's precache list: { version, files }. */
function precache() {
  const first = readFileSync(join(out, "sw.js"), "utf8").split("\n")[0];
  const m = first.match(/^self\.PRECACHE = (\{.*\});$/);
  assert.ok(m, `sw.js starts with the precache list: ${first.slice(0, 80)}`);
  return JSON.parse(m[1]);
}

/** Every file under `dir`, relative, sorted. */
function filesUnder(dir, prefix = "") {
  return readdirSync(dir).sort().flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name), rel) : [rel];
  });
}

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cnn-playground-static-"));
  out = join(scratch, "site");
  const made = build(out);
  assert.equal(made.status, 0, made.output);
  server = plainServer(out);
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${server.address().port}${PREFIX}`;
  context = await chromium.launchPersistentContext(join(scratch, "profile"), {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 720 },
  });
  context.on("request", (r) => requested.push(r.url()));
  context.on("requestfailed", (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  page = context.pages()[0] ?? (await context.newPage());
  page.on("console", (m) => m.type() === "error" && errors.push(`console: ${m.text()}`));
  page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
});

after(async () => {
  await context?.close();
  server?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

const STATUS = "[data-testid=train-status]";

async function waitForState(...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

/** Opens `hash` of the page (from the host or, offline, from the service worker's cache). */
async function open(hash) {
  await page.goto("about:blank"); // a new load, not a change of the hash only
  await page.goto(base + hash);
  await page.waitForSelector("body[data-ready='true']");
}

/** Sobel x on the circle sample: the output's size and pixels. */
async function sobelPixels() {
  await page.check("input[name=filter][value=sobelX]");
  await page.waitForSelector("[data-testid=result][data-filter=sobelX][data-status=ok]");
  return page.$$eval("[data-testid^=output-canvas-]", (canvases) => canvases.map((c) => ({
    width: c.width,
    height: c.height,
    data: Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data),
  })));
}

/** Presses Step `n` times on the Train panel; each press is one more iteration. */
async function steps(n) {
  const start = Number(await page.getAttribute(STATUS, "data-iteration"));
  for (let i = 1; i <= n; i++) {
    await page.click("[data-action=train-step]");
    await page.waitForFunction(([sel, it]) => document.querySelector(sel).dataset.iteration === String(it), [STATUS, start + i]);
  }
  assert.equal(await page.getAttribute(STATUS, "data-iteration"), String(start + n));
}

let online;

test("the build is a folder of relative files, every one of them precached under one version", async () => {
  const { version, files } = precache();
  assert.match(version, /^[0-9a-f]{16}$/);
  assert.deepEqual(files, filesUnder(out).filter((f) => f !== "sw.js"), "every file but sw.js itself, once");
  for (const f of ["index.html", "css/style.css", "js/main.js", "js/train/worker.js", "js/lab/worker.js",
    "pkg/cnn_playground.js", "pkg/cnn_playground_bg.wasm", "pkg-lab/cnn_playground.js", "pkg-lab/cnn_playground_bg.wasm",
    "data/digits.bin"]) {
    assert.ok(files.includes(f), `${f} is precached`);
  }
  const index = readFileSync(join(out, "index.html"), "utf8");
  assert.equal(index.match(/<meta name="cnn-playground-build" content="([0-9a-f]+)">/)?.[1], version);
  // No address from the host's root: a module, worker, fetch or link that starts with "/".
  const absolute = /(?:\bfrom\s*|\bimport\s*\(\s*|\bfetch\s*\(\s*|new\s+(?:URL|Worker)\s*\(\s*|\b(?:href|src)\s*=\s*)["'`]\/(?!\/)/;
  for (const f of files.filter((f) => /\.(js|html|css)$/.test(f))) {
    assert.doesNotMatch(readFileSync(join(out, f), "utf8"), absolute, `${f} names an address from the host's root`);
  }
  // The same sources give the same version, and a build replaces the one before in its folder.
  const again = join(scratch, "again");
  assert.equal(build(again).status, 0);
  await writeFile(join(again, "stale.js"), "// left by an older build");
  assert.equal(build(again).status, 0);
  assert.deepEqual(filesUnder(again), filesUnder(out));
  assert.equal(readFileSync(join(again, "sw.js"), "utf8"), readFileSync(join(out, "sw.js"), "utf8"));
  // A folder that is not a previous build is never emptied.
  const mine = join(scratch, "mine");
  await mkdir(mine);
  await writeFile(join(mine, "notes.txt"), "my notes");
  const refused = build(mine);
  assert.equal(refused.status, 1);
  assert.match(refused.output, /is not empty and not a previous static build: choose another folder or empty it/);
  assert.equal(readFileSync(join(mine, "notes.txt"), "utf8"), "my notes");
});

test("served under /course/cnn/ by a plain host, the page filters and trains", async () => {
  await open("#tab=filters");
  assert.equal(await page.evaluate(() => window.crossOriginIsolated), false, "no COOP/COEP from this host");
  await page.waitForSelector("[data-testid=result][data-status=ok]");
  online = await sobelPixels();
  assert.equal(online.length, 1);
  assert.ok(online[0].data.some((v, i) => i % 4 !== 3 && v !== 0), "Sobel x finds edges in the circle");

  await page.click("#tab-train");
  await waitForState("idle");
  await steps(3);
});

test("after one visit the service worker controls the page and holds every file", async () => {
  const { version, files } = precache();
  const active = await page.evaluate(async () => (await navigator.serviceWorker.ready).active.scriptURL);
  assert.equal(active, `${base}sw.js`);
  await page.reload();
  await page.waitForSelector("body[data-ready='true']");
  // The link still opens the Train panel, whose worker loads the engine after the page is ready:
  // wait for it, or the next test's navigation cancels that load (net::ERR_ABORTED, not a failure
  // of the host, but it would read as one below).
  await waitForState("idle");
  const cached = await page.evaluate(async () => {
    const names = await caches.keys();
    const keys = await (await caches.open(names[0])).keys();
    return { controller: navigator.serviceWorker.controller?.scriptURL, names, keys: keys.map((r) => r.url).sort() };
  });
  assert.equal(cached.controller, `${base}sw.js`);
  assert.deepEqual(cached.names, [`cnn-playground-${version}`]);
  assert.deepEqual(cached.keys, files.map((f) => base + f).sort());
});

test("from the host at 1024×768, 1280×720 at 200 % zoom and 375 px: the page fits, Filters side by side in presenter mode", async () => {
  const cdp = await page.context().newCDPSession(page);
  try {
    for (const [width, height, scale, present] of [[1024, 768, 1, true], [640, 360, 2, true], [375, 800, 2, false]]) {
      const label = `${width}×${height} at scale ${scale}`;
      await cdp.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: scale, mobile: false });
      await open(`#tab=filters${present ? "&present=1" : ""}`);
      await page.waitForSelector("[data-testid=result][data-status=ok]");
      const view = await page.evaluate(() => ({
        size: [window.innerWidth, window.innerHeight, window.devicePixelRatio],
        sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
        presenter: document.documentElement.classList.contains("presenter"),
      }));
      assert.deepEqual(view, { size: [width, height, scale], sideways: 0, presenter: present }, label);
      const boxes = await page.$$eval(["#tab-filters", "#tab-shapes", "#tab-lab", "#tab-train", "[data-testid=input-canvas]",
        "[data-testid=output-canvas-0]"].join(", "), (els) => els.map((e) => {
        const r = e.getBoundingClientRect();
        return { id: e.id || e.dataset.testid, left: r.left, top: r.top, right: r.right, bottom: r.bottom, height: r.height };
      }));
      const inView = (b) => b.left >= 0 && b.top >= 0 && b.right <= width && b.bottom <= height;
      for (const b of boxes.filter((b) => b.id.startsWith("tab-"))) {
        assert.ok(inView(b), `${label}: ${b.id} at ${JSON.stringify(b)}`);
        if (width === 375) assert.ok(b.height >= 44, `${label}: ${b.id} is ${b.height} px tall`);
      }
      if (present) {
        const [input, output] = ["input-canvas", "output-canvas-0"].map((id) => boxes.find((b) => b.id === id));
        assert.ok(inView(input) && inView(output), `${label}: ${JSON.stringify([input, output])}`);
        assert.ok(input.right <= output.left && Math.abs(input.top - output.top) <= 4, `${label}: side by side`);
      }
    }
  } finally {
    await cdp.send("Emulation.clearDeviceMetricsOverride");
    await cdp.detach();
  }
});

test("offline, a reload shows the page; it filters, trains on figures and digits, and runs the Lab", async () => {
  await new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
  await context.setOffline(true);

  await open("#tab=filters");
  await page.waitForSelector("[data-testid=result][data-status=ok]");
  assert.deepEqual(await sobelPixels(), online, "the same output as online");

  await page.click("#tab-train");
  await waitForState("idle");
  await steps(2);
  await page.check("input[name=tds][value=digits]");
  await waitForState("idle", "error");
  assert.equal(await page.getAttribute(STATUS, "data-state"), "idle", await page.textContent("[data-testid=train-message]"));
  assert.match(await page.textContent("[data-testid=train-summary]"),
    /^100 training and 300 validation images of 16×16×1, 10 classes \(0, 1, 2, 3, 4, 5, 6, 7, 8, 9\)/);
  await steps(2);

  await page.click("#tab-lab");
  await page.click("[data-testid=gc-run]");
  await page.waitForFunction(() => /^Done in /.test(document.querySelector("[data-testid=gc-status]").textContent),
    undefined, { timeout: 120_000 });
  for (const name of ["dx", "dw", "db"]) {
    assert.equal(await page.textContent(`[data-testid=gc-verdict-${name}]`), "correct");
  }
  await context.setOffline(false);
});

test("a new build on the host replaces the old one and its cache", async () => {
  // What the host gets from a build of changed sources: a changed file, so another version in
  // sw.js and index.html (the build itself is checked above; here, what the browser does with it).
  const { version, files } = precache();
  const next = "fedcba9876543210";
  await writeFile(join(out, "data/README.md"), `${readFileSync(join(out, "data/README.md"), "utf8")}\nchanged\n`);
  await writeFile(join(out, "index.html"), readFileSync(join(out, "index.html"), "utf8").replace(version, next));
  const sw = readFileSync(join(out, "sw.js"), "utf8");
  await writeFile(join(out, "sw.js"), sw.replace(`"version":"${version}"`, `"version":"${next}"`));
  await new Promise((resolve) => server.listen(new URL(base).port, "127.0.0.1", resolve));

  const updated = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    await registration.update();
    const worker = registration.installing;
    if (!worker) return "no new worker";
    await new Promise((resolve) => worker.addEventListener("statechange", () => /^(activated|redundant)$/.test(worker.state) && resolve()));
    const names = await caches.keys();
    const readme = await (await caches.open(names[0])).match("data/README.md");
    return { state: worker.state, names, changed: (await readme.text()).endsWith("\nchanged\n") };
  });
  assert.deepEqual(updated, { state: "activated", names: [`cnn-playground-${next}`], changed: true });
  await open("#tab=filters");
  assert.equal(await page.getAttribute("meta[name=cnn-playground-build]", "content"), next);
  assert.equal(await page.evaluate(async () => (await (await caches.open((await caches.keys())[0])).keys()).length), files.length);
});

test("served from www/ by the dev server, no service worker gets in the way", { timeout: 120_000 }, async () => {
  const dev = await openPage("#tab=filters");
  try {
    const start = await dev.page.evaluate(async () => ({
      build: document.querySelector("meta[name=cnn-playground-build]"),
      registrations: (await navigator.serviceWorker.getRegistrations()).length,
    }));
    assert.deepEqual(start, { build: null, registrations: 0 }, "the page registers no worker");
    // A worker left on the origin by a build once served there is replaced by www/sw.js, which has
    // no precache list: it deletes the caches, controls nothing and unregisters itself.
    const left = await dev.page.evaluate(async () => {
      await (await caches.open("cnn-playground-0123456789abcdef")).put("js/main.js", new Response("stale"));
      const worker = (await navigator.serviceWorker.register("sw.js")).installing;
      // "activated" once its activate handler has finished, or "redundant" if unregistering it
      // (with no page to wait for) ended it first.
      await new Promise((resolve) => worker.addEventListener("statechange", () => /^(activated|redundant)$/.test(worker.state) && resolve()));
      return { registrations: (await navigator.serviceWorker.getRegistrations()).length, caches: await caches.keys() };
    });
    assert.deepEqual(left, { registrations: 0, caches: [] });
    await dev.page.reload();
    await dev.page.waitForSelector("body[data-ready='true']");
    assert.equal(await dev.page.evaluate(() => navigator.serviceWorker.controller), null);
    assert.deepEqual(dev.log.errors, []);
  } finally {
    await dev.close();
  }
});

test("no request left the sub-path, none failed, no console errors", async () => {
  const own = (u) => u.startsWith("data:") || u.startsWith("blob:") || u.startsWith(base);
  assert.deepEqual(requested.filter((u) => !own(u)), []);
  assert.deepEqual(served.filter((p) => !p.startsWith(PREFIX)), []);
  assert.deepEqual(failed, []);
  assert.deepEqual(errors, []);
});
