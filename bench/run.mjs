// Runs the in-browser benchmark: serves the repository on 127.0.0.1, drives headless Chromium
// through bench/harness/, checks that every contender's first losses agree, times them, and
// writes bench/results/latest.json and latest.md (and prints the markdown).
//
// Usage: node bench/run.mjs [--contenders engine,engine-seq,tfjs-wasm,tfjs-wasm-tuned,tfjs-cpu,convnetjs]
//                           [--nets cs231n,tiny,lecture] [--quick] [--no-page] [--out NAME]
// engine-seq is the engine with the three-layer nets built as a models::Sequential; the lecture
// net (a Sequential in the engine) runs on the engine and tfjs-wasm only.
// (--out NAME writes results/NAME.json and NAME.md instead of latest.*).
// Needs: bench/node_modules (npm ci in bench/); for the engine, www/pkg-bench/ (the benchmark's
// module, `scripts/build-wasm.sh --bench`); for the page, www/pkg/. bench/run.sh does all of it.

import { createServer } from "node:http";
import { readFile, stat, mkdir, writeFile, readdir } from "node:fs/promises";
import { execFileSync } from "node:child_process";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import { chromium } from "playwright-core";
import { NETS, flops } from "./harness/problem.js";
import { median, summary } from "./harness/timing.js";
import { renderMarkdown, evaluateTargets } from "./report.mjs";

const ROOT = resolve(fileURLToPath(new URL("..", import.meta.url)));
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const LOSS_STEPS = 3;
const LOSS_RTOL = 1e-5;

/**
 * The engine contender needs the benchmark's module, www/pkg-bench/ (feature `bench`, with the
 * handles of src/web/bench.rs), which `scripts/build-wasm.sh --bench` builds.
 */
function engineBuilt(contender) {
  if (contender !== "engine" && contender !== "engine-seq") return true;
  const glue = join(ROOT, "www", "pkg-bench", "cnn_playground.js");
  const text = existsSync(glue) ? readFileSync(glue, "utf8") : "";
  const ok = text.includes("class TrainBench") && text.includes("class SequentialBench");
  if (!ok) log(`${contender} skipped: www/pkg-bench/cnn_playground.js has no TrainBench or SequentialBench (run scripts/build-wasm.sh --bench)`);
  return ok;
}

/**
 * Whether a contender runs a net: a layered net (the lecture's) has only the engine's Sequential
 * and tfjs-wasm's contender; engine-seq is the three-layer nets as a Sequential (on a layered net
 * the engine already is one).
 */
function runs(contender, net) {
  if (NETS[net].layers) return contender === "engine" || contender === "tfjs-wasm";
  return true;
}

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const flag = (name) => process.argv.includes(`--${name}`);
const QUICK = flag("quick");
const CONTENDERS = option("contenders", "engine,engine-seq,tfjs-wasm,tfjs-wasm-tuned,tfjs-cpu,convnetjs").split(",").filter(engineBuilt);
const NET_NAMES = option("nets", "cs231n,tiny,lecture").split(",");
for (const net of NET_NAMES) if (!NETS[net]) throw new Error(`unknown net ${net} (known: ${Object.keys(NETS).join(", ")})`);

// ---------------------------------------------------------------------------------------------
// A static server for the repository root (bench/harness, bench/node_modules, www/), 127.0.0.1
// only. Cross-origin isolation gives performance.now() its fine resolution; it would also let
// tfjs-wasm pick its threaded binary, which the harness refuses explicitly.
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".json": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml",
  ".png": "image/png",
};
const served = [];

function startServer() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://127.0.0.1").pathname);
    let file = normalize(join(ROOT, path));
    if (file !== ROOT && !file.startsWith(ROOT + sep)) return res.writeHead(403).end("forbidden");
    try {
      if ((await stat(file)).isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      if (path.endsWith(".wasm")) served.push(path);
      res.writeHead(200, {
        "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
        "Cache-Control": "no-store",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Embedder-Policy": "require-corp",
      });
      res.end(body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end(`not found: ${path}`);
    }
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

// ---------------------------------------------------------------------------------------------
// Timing plans, per contender, net and round (null: no timing in that round).
const ROUNDS = QUICK ? 2 : 4;

function plan(contender, net, round) {
  const slow = (contender === "tfjs-cpu" || contender === "convnetjs") && net === "cs231n";
  if (slow) {
    const few = { warmMs: 0, warmMin: 1, iters: 3, minIters: 3, budgetMs: 0 };
    return round === 0 ? { step: few, forward: few, conv: few } : null;
  }
  // The first round warms up for ~2 s (V8 tiers up new wasm and JavaScript during its first calls).
  const warm = round === 0 ? 1 : 0.15;
  const q = QUICK ? 0.4 : 1;
  return {
    step: { warmMs: 2000 * warm, warmMin: 2, iters: 25, minIters: 3, budgetMs: 2500 * q },
    forward: { warmMs: 500 * warm, warmMin: 2, iters: 30, minIters: 3, budgetMs: 1000 * q },
    conv: { warmMs: 300 * warm, warmMin: 2, iters: 30, minIters: 3, budgetMs: 800 * q },
  };
}

// The paired comparison of the Sequential model with the three-layer net (issue 13's 1.05×):
// blocks of three training steps, the two contenders' blocks side by side in ABBA order, so that
// the machine's load (which on a shared machine changes over seconds, longer than a block) hits
// both blocks of a pair alike; the ratio of each pair is one sample.
const PAIRS = QUICK ? 8 : 30;
const BLOCK = { warmMs: 0, warmMin: 0, iters: 3, minIters: 3, budgetMs: 0 };
const NOTHING = { warmMs: 0, warmMin: 0, iters: 0, minIters: 0, budgetMs: 0 };

/** `b`'s block medians over `a`'s, pair by pair, on warmed-up pages of both. */
async function paired(pages, net, a, b) {
  const blocks = { [a]: [], [b]: [] };
  for (let k = 0; k < PAIRS; k++) {
    for (const c of k % 2 ? [b, a] : [a, b]) {
      const plan = { step: BLOCK, forward: NOTHING, conv: NOTHING };
      const r = await pages[c].page.evaluate(([n, pl]) => window.bench.time(n, pl), [net, plan]);
      blocks[c].push(median(r.step));
    }
  }
  const ratios = blocks[a].map((x, k) => blocks[b][k] / x);
  log(`${b} / ${a} ${net}, ${PAIRS} ABBA pairs of ${BLOCK.iters}-step blocks: median ratio ${median(ratios).toFixed(3)}`);
  return { a, b, blocks, ratios, ratio: median(ratios) };
}

function log(msg) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

const CHROMIUM_FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

async function openHarness(browser, base) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") log(`page ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => log(`page error: ${e.message}`));
  await page.goto(`${base}/bench/harness/index.html`);
  await page.waitForFunction(() => document.body?.dataset.ready === "1");
  return { context, page };
}

/** Milliseconds from navigation start to the page's ready marker (body[data-ready]), per fresh context. */
async function timeToInteractive(browser, base, runs) {
  const out = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, obs) => {
        if (document.body?.dataset.ready) {
          window.__readyAt = performance.now();
          obs.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-ready"] });
    });
    await page.goto(`${base}/www/index.html`);
    await page.waitForFunction(() => window.__readyAt !== undefined, null, { timeout: 30000 });
    out.push(await page.evaluate(() => window.__readyAt));
    await context.close();
  }
  return out;
}

/**
 * Sizes of the wasm builds: the page's module (www/pkg/, what the page loads at start; issue 5's
 * target), the Lab module (www/pkg-lab/, which the Lab's worker loads when the Lab panel is first
 * shown) and the benchmark's (www/pkg-bench/, which only this benchmark loads).
 */
async function wasmSize() {
  const out = [];
  for (const [role, dir] of [["page", "pkg"], ["lab", "pkg-lab"], ["bench", "pkg-bench"]]) {
    const files = (await readdir(join(ROOT, "www", dir)).catch(() => [])).filter((f) => f.endsWith("_bg.wasm"));
    for (const f of files) {
      const path = join(ROOT, "www", dir, f);
      const raw = (await stat(path)).size;
      const gz = execFileSync("gzip", ["-9", "-c", path], { maxBuffer: 1 << 28 }).length;
      out.push({ role, file: `www/${dir}/${f}`, bytes: raw, gzip9Bytes: gz });
    }
  }
  return out;
}

function machine(browserVersion) {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const l = execFileSync("lscpu", { encoding: "utf8" }).split("\n").find((x) => x.startsWith("Model name"));
    if (l) cpu = l.split(":")[1].trim();
  } catch {}
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {}
  return {
    cpu, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    chromium: browserVersion, node: process.version, commit, loadAverageAtStart: os.loadavg(),
    // What scripts/build-wasm.sh built the modules with (run.sh passes the variable through).
    wasmRustflags: process.env.CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS || "-C target-feature=+simd128",
  };
}

async function main() {
  const started = Date.now();
  const server = await startServer();
  const base = `http://127.0.0.1:${server.address().port}`;
  const userDataDir = mkdtempSync(join(os.tmpdir(), "bench-chromium-"));
  const browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, `--user-data-dir=${userDataDir}`],
  }).catch(async (e) => {
    // Playwright refuses --user-data-dir in args; it then makes its own empty profile directory.
    if (!/user-data-dir/.test(e.message)) throw e;
    return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  });
  // An interrupted run still closes its browser (its processes would otherwise outlive the run).
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      log(`${signal}: closing Chromium`);
      browser.close().finally(() => process.exit(130));
    });
  }
  const results = { machine: machine(browser.version()), started: new Date(started).toISOString(), contenders: {}, nets: {} };
  try {
    // 1. Agreement: the first losses of every contender, from the same data and weights.
    const losses = {};
    for (const c of CONTENDERS) {
      const { context, page } = await openHarness(browser, base);
      results.contenders[c] = await page.evaluate((n) => window.bench.load(n), c);
      log(`${c}: ${JSON.stringify(results.contenders[c])}`);
      for (const net of NET_NAMES) {
        losses[net] ??= {};
        if (!runs(c, net)) continue;
        losses[net][c] = await page.evaluate(([n, k]) => window.bench.losses(n, k), [net, LOSS_STEPS]);
        log(`${c} ${net} first losses: ${losses[net][c].map((v) => v.toFixed(7)).join(" ")}`);
      }
      await context.close();
    }
    for (const net of NET_NAMES) {
      const here = CONTENDERS.filter((c) => runs(c, net));
      const ref = losses[net][here[0]];
      let worst = 0;
      for (const c of here)
        losses[net][c].forEach((v, i) => {
          const rel = Math.abs(v - ref[i]) / Math.max(1, Math.abs(ref[i]));
          if (!(rel <= LOSS_RTOL)) {
            throw new Error(
              `ABORT: ${net}: ${c}'s loss at step ${i} is ${v}, ${here[0]}'s is ${ref[i]} ` +
                `(relative difference ${rel.toExponential(2)} > ${LOSS_RTOL}); the contenders do not ` +
                `compute the same net, so timing them would compare different work.`,
            );
          }
          worst = Math.max(worst, rel);
        });
      results.nets[net] = { config: NETS[net], flops: flops(NETS[net]), losses: losses[net], maxRelLossDiff: worst, timings: {} };
      log(`${net}: first ${LOSS_STEPS} losses agree across ${here.join(", ")} (max relative difference ${worst.toExponential(2)})`);
    }

    // 2. Timing. Each contender has its own page; the fast ones run in interleaved rounds
    // (A B A B …) so that a change in the machine's load hits them alike, and their samples are
    // pooled. The slow ones (tfjs-cpu and ConvNetJS on cs231n) get one warm-up call and three timed.
    const pages = {};
    for (const c of CONTENDERS) {
      pages[c] = await openHarness(browser, base);
      await pages[c].page.evaluate((n) => window.bench.load(n), c);
    }
    for (const net of NET_NAMES) {
      const acc = {};
      for (let round = 0; round < ROUNDS; round++) {
        for (const c of CONTENDERS) {
          const p = runs(c, net) ? plan(c, net, round) : null;
          if (!p) continue;
          const t0 = Date.now();
          const r = await pages[c].page.evaluate(([n, pl]) => window.bench.time(n, pl), [net, p]);
          acc[c] ??= { step: [], forward: [], conv: [], notes: r.notes };
          for (const k of ["step", "forward", "conv"]) acc[c][k].push(...r[k]);
          acc[c].lastLoss = r.lastLoss;
          const conv = r.conv.length ? `, conv ${median(r.conv).toFixed(2)} ms` : "";
          log(`${c} ${net} round ${round + 1}: step ${median(r.step).toFixed(2)} ms, forward ${median(r.forward).toFixed(2)} ms${conv} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
        }
      }
      for (const [c, a] of Object.entries(acc)) {
        results.nets[net].timings[c] = {
          step: summary(a.step), forward: summary(a.forward), conv: a.conv.length ? summary(a.conv) : null,
          lastLoss: a.lastLoss, notes: a.notes,
        };
      }
      if (pages.engine && pages["engine-seq"] && runs("engine-seq", net) && !NETS[net].layers) {
        results.nets[net].paired = await paired(pages, net, "engine", "engine-seq");
      }
      if (pages.engine && results.nets[net].timings.engine) {
        results.nets[net].timings.engine.layers = await pages.engine.page.evaluate(
          ([n, p]) => window.bench.profile(n, p), [net, { warmMs: 300, iters: 40, budgetMs: QUICK ? 1000 : 3000 }],
        );
      }
    }
    if (pages["tfjs-wasm"]) {
      results.matMul512 = await pages["tfjs-wasm"].page.evaluate(() => window.bench.matMul512());
      log(`tfjs-wasm matMul 512³: ${median(results.matMul512.samples).toFixed(2)} ms`);
    }
    if (pages.engine) {
      results.engineGemm512 = await pages.engine.page.evaluate(() => window.bench.matMul512());
      log(`engine gemm 512³: ${median(results.engineGemm512.samples).toFixed(2)} ms`);
    }
    for (const { context } of Object.values(pages)) await context.close();

    // 3. The page: wasm size and time to interactive.
    if (!flag("no-page")) {
      results.wasm = await wasmSize();
      try {
        results.timeToInteractive = await timeToInteractive(browser, base, QUICK ? 2 : 5);
      } catch (e) {
        results.timeToInteractive = null;
        results.timeToInteractiveError = e.message;
      }
    }
    results.wasmServed = [...new Set(served)];
  } finally {
    await browser.close();
    server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
  results.machine.loadAverageAtEnd = os.loadavg();
  results.seconds = (Date.now() - started) / 1000;
  results.targets = evaluateTargets(results);
  const md = renderMarkdown(results);
  const dir = join(ROOT, "bench", "results");
  await mkdir(dir, { recursive: true });
  const name = option("out", "latest");
  await writeFile(join(dir, `${name}.json`), JSON.stringify(results, null, 1) + "\n");
  await writeFile(join(dir, `${name}.md`), md);
  process.stdout.write(md);
}

main().catch((e) => {
  log(e.stack ?? String(e));
  process.exit(1);
});
