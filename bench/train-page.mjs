// Times the training panel as a user meets it, in headless Chromium: the "Overfit 100 examples"
// preset from Start to Finished, one epoch of the full figures set (2,000 images of 32×32, its
// accuracy check included), and iterations per second at batch 50 on that set (between two
// accuracy checks, so only minibatch steps). Each figure is the median of several runs.
//
// Usage: node bench/train-page.mjs [--runs N]   (default 5; needs www/pkg/ built by
// scripts/build-wasm.sh and the root's npm packages, as for the browser tests).
// Prints a markdown table and writes bench/results/train-page.json and train-page.md.

import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import { join } from "node:path";
import { openPage, ROOT } from "../tests/e2e/harness.mjs";

const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error("--runs takes a whole number ≥ 1");

const STATUS = "[data-testid=train-status]";

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

async function waitForState(page, ...states) {
  await page.waitForFunction(([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states], { timeout: 600_000 });
}

/**
 * Starts a run and records, in the page, the time of every change of the iteration count.
 * Returns { elapsedMs (the page's own Start-to-Finished wall time), ticks: [[iteration, ms], …] }.
 */
async function timedRun(page) {
  await page.evaluate((sel) => {
    const status = document.querySelector(sel);
    window.__ticks = [];
    window.__observer?.disconnect();
    window.__observer = new MutationObserver(() => {
      const it = Number(status.dataset.iteration);
      if (window.__ticks.at(-1)?.[0] !== it) window.__ticks.push([it, performance.now()]);
    });
    window.__observer.observe(status, { attributes: true, attributeFilter: ["data-iteration"] });
  }, STATUS);
  await page.click("[data-action=train-start]");
  await waitForState(page, "finished", "diverged");
  if ((await page.getAttribute(STATUS, "data-state")) !== "finished") throw new Error("the run diverged");
  return {
    elapsedMs: Number(await page.getAttribute(STATUS, "data-elapsed-ms")),
    ticks: await page.evaluate(() => window.__ticks),
  };
}

/** Opens the panel with `hash` (settings in the URL, as a shared link would) and runs it `RUNS` times. */
async function bench(name, hash, analyse) {
  const session = await openPage(`#tab=train&${hash}`);
  const { page } = session;
  const results = [];
  try {
    await waitForState(page, "idle");
    console.error(`${name}: ${await page.textContent("[data-testid=train-summary]")}`);
    for (let r = 0; r < RUNS; r++) {
      if (r > 0) {
        await page.click("[data-action=train-reset]");
        await waitForState(page, "idle");
      }
      const run = await timedRun(page);
      results.push(analyse(run));
      console.error(`${name} run ${r + 1}/${RUNS}: ${JSON.stringify(results.at(-1))}`);
    }
    if (session.log.errors.length) throw new Error(`console errors: ${session.log.errors.join("; ")}`);
  } finally {
    await session.close();
  }
  return results;
}

// The overfit preset is the page's default set-up: 100 figures of 16×16, 20 epochs of batch 50.
const overfit = await bench("overfit", "tds=figures", (run) => ({ ms: run.elapsedMs }));

// One epoch of the full figures preset is 40 iterations of 50 and the accuracy check after it.
const FULL = "tds=figures&tsize=32&tntrain=2000&tnval=500&tlr=0.003&tdecay=0.95&treg=0.001";
const epoch = await bench("one full-figures epoch", `${FULL}&tep=1`, (run) => ({ ms: run.elapsedMs }));

// Two epochs give a stretch, iterations 41 to 79, with no accuracy check inside: it/s there is
// minibatch steps only. Each tick is the end of a chunk of iterations in the worker.
const full = await bench("it/s at batch 50", `${FULL}&tep=2`, ({ ticks }) => {
  const a = ticks.find(([it]) => it > 40);
  const b = ticks.filter(([it]) => it < 80).at(-1);
  return { itPerSec: (1000 * (b[0] - a[0])) / (b[1] - a[1]) };
});

const summary = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, loadavg: os.loadavg().map((l) => Number(l.toFixed(2))) },
  runs: RUNS,
  overfitPresetMs: median(overfit.map((r) => r.ms)),
  fullShapesEpochMs: median(epoch.map((r) => r.ms)),
  itPerSecBatch50: median(full.map((r) => r.itPerSec)),
  samples: { overfit: overfit.map((r) => r.ms), epoch: epoch.map((r) => r.ms), itPerSec: full.map((r) => r.itPerSec) },
};

const md = [
  `Training panel in headless Chromium (${summary.machine.cpus} cores, load ${summary.machine.loadavg.join(" / ")}), median of ${RUNS} runs:`,
  "",
  "| what | median | runs |",
  "| --- | ---: | --- |",
  `| "Overfit 100 examples" preset (100 figures 16×16, 20 epochs of batch 50, Start to Finished) | ${(summary.overfitPresetMs / 1000).toFixed(2)} s | ${summary.samples.overfit.map((m) => (m / 1000).toFixed(2)).join(", ")} |`,
  `| one epoch of the full figures set (2,000 of 32×32, batch 50, with its accuracy check) | ${(summary.fullShapesEpochMs / 1000).toFixed(2)} s | ${summary.samples.epoch.map((m) => (m / 1000).toFixed(2)).join(", ")} |`,
  `| iterations per second at batch 50 (32×32, 16 filters 5×5, hidden 100) | ${summary.itPerSecBatch50.toFixed(1)} it/s | ${summary.samples.itPerSec.map((v) => v.toFixed(1)).join(", ")} |`,
  "",
].join("\n");

const out = join(ROOT, "bench", "results");
await mkdir(out, { recursive: true });
await writeFile(join(out, "train-page.json"), `${JSON.stringify(summary, null, 2)}\n`);
await writeFile(join(out, "train-page.md"), md);
console.log(md);
