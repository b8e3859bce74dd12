// Turns a results object of run.mjs into the issue's target checks and a markdown report.

import { median } from "./harness/timing.js";
import { networkText } from "./harness/problem.js";

const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? "–" : x.toFixed(d));
const ms = (s) => (s ? `${fmt(s.median, s.median < 10 ? 2 : 1)} (${fmt(s.min, s.min < 10 ? 2 : 1)})` : "–");
const gflops = (flop, msValue) => flop / (msValue * 1e6);

function timing(results, net, contender) {
  return results.nets[net]?.timings?.[contender];
}

/** The issue's targets, each { name, measured, goal, pass } (pass null when a side is missing). */
export function evaluateTargets(r) {
  const out = [];
  const add = (name, measured, goal, pass, byMin) => out.push({ name, measured, goal, pass, byMin });
  const get = (net, c, what, stat) => timing(r, net, c)?.[what]?.[stat];
  const ratio = (a, b) => (a !== undefined && b !== undefined ? a / b : undefined);
  // A ratio of medians (what the targets are about) and, beside it, the ratio of minimums, which
  // a busy machine disturbs less.
  const both = (net, what, a, b) => [
    ratio(get(net, a, what, "median"), get(net, b, what, "median")),
    ratio(get(net, a, what, "min"), get(net, b, what, "min")),
  ];

  let [m, n] = both("cs231n", "step", "engine", "tfjs-wasm");
  add("cs231n step: engine / tfjs-wasm", m && `${fmt(m, 3)}×`, "≤ 0.25×", m === undefined ? null : m <= 0.25, n && `${fmt(n, 3)}×`);
  [m, n] = both("cs231n", "step", "convnetjs", "engine");
  add("cs231n step: ConvNetJS / engine", m && `${fmt(m, 1)}× faster`, "≥ 20× faster", m === undefined ? null : m >= 20, n && `${fmt(n, 1)}×`);
  [m, n] = both("cs231n", "forward", "engine", "tfjs-wasm");
  add("cs231n forward: engine / tfjs-wasm", m && `${fmt(m, 3)}×`, "≤ 1×", m === undefined ? null : m <= 1, n && `${fmt(n, 3)}×`);
  [m, n] = both("tiny", "step", "engine", "tfjs-wasm");
  add("tiny step: engine / tfjs-wasm", m && `${fmt(m, 3)}×`, "≤ 0.5×", m === undefined ? null : m <= 0.5, n && `${fmt(n, 3)}×`);
  // Issue 13: the same net as a models::Sequential, and the lecture's net.
  [m, n] = both("cs231n", "step", "engine-seq", "engine");
  add("cs231n step: Sequential / ThreeLayerConvNet (engine-seq / engine)", m && `${fmt(m, 3)}×`, "≤ 1.05×", m === undefined ? null : m <= 1.05, n && `${fmt(n, 3)}×`);
  // The same ratio from side-by-side blocks (run.mjs, `paired`): the median of the pairs' ratios.
  const pair = r.nets.cs231n?.paired;
  if (pair) {
    add(`cs231n step: Sequential / ThreeLayerConvNet, median of ${pair.ratios.length} paired blocks`, `${fmt(pair.ratio, 3)}×`,
      "≤ 1.05×", pair.ratio <= 1.05, `${fmt(Math.min(...pair.blocks[pair.b]) / Math.min(...pair.blocks[pair.a]), 3)}×`);
  }
  [m, n] = both("lecture", "step", "engine", "tfjs-wasm");
  add("lecture step: engine (Sequential) / tfjs-wasm", m && `${fmt(m, 3)}×`, "≤ 0.3×", m === undefined ? null : m <= 0.3, n && `${fmt(n, 3)}×`);
  const cs = r.nets.cs231n;
  const eng = get("cs231n", "engine", "step", "median");
  const mm = r.matMul512 ? gflops(2 * 512 ** 3, r.matMul512.median) : undefined;
  const g = cs && eng ? gflops(cs.flops.step, eng) : undefined;
  const gMin = cs && eng ? gflops(cs.flops.step, get("cs231n", "engine", "step", "min")) : undefined;
  const mmMax = r.matMul512 ? gflops(2 * 512 ** 3, r.matMul512.min) : undefined;
  add(
    "cs231n step GFLOP/s: engine / tfjs-wasm matMul 512³",
    g && mm && `${fmt(g, 2)} / ${fmt(mm, 2)} = ${fmt(g / mm, 2)}`,
    "≥ 0.5",
    g && mm ? g / mm >= 0.5 : null,
    gMin && mmMax && `${fmt(gMin / mmMax, 2)}`,
  );
  // Results written before the Lab module existed have one entry, without a role.
  const w = r.wasm?.find((x) => (x.role ?? "page") === "page");
  add("page wasm, gzip -9", w && `${fmt(w.gzip9Bytes / 1000, 1)} KB`, "≤ 300 KB", w ? w.gzip9Bytes <= 300_000 : null);
  const tti = r.timeToInteractive?.length ? median(r.timeToInteractive) : undefined;
  add("page time to interactive (median)", tti && `${fmt(tti, 0)} ms`, "≤ 1000 ms", tti === undefined ? null : tti <= 1000,
    tti && `${fmt(Math.min(...r.timeToInteractive), 0)} ms`);
  // Not a target: the same comparison against tfjs-wasm with its slow kernels worked around.
  [m, n] = both("cs231n", "step", "engine", "tfjs-wasm-tuned");
  if (m !== undefined) add("(info) cs231n step: engine / tfjs-wasm-tuned", `${fmt(m, 3)}×`, "–", null, n && `${fmt(n, 3)}×`);
  [m, n] = both("cs231n", "forward", "engine", "tfjs-wasm-tuned");
  if (m !== undefined) add("(info) cs231n forward: engine / tfjs-wasm-tuned", `${fmt(m, 3)}×`, "–", null, n && `${fmt(n, 3)}×`);
  return out;
}

export function renderMarkdown(r) {
  const m = r.machine;
  const lines = [];
  lines.push(`### In-browser training benchmark`, "");
  lines.push(
    `Machine: ${m.cpu}, ${m.cores} cores (one thread used), ${m.chromium ? `Chromium ${m.chromium}` : ""} headless, ` +
      `Node ${m.node}; commit ${m.commit}; ${r.started.slice(0, 16).replace("T", " ")} UTC; ` +
      `load average ${m.loadAverageAtStart.map((x) => x.toFixed(1)).join("/")} at start. ` +
      `Engine wasm built with \`${m.wasmRustflags ?? "-C target-feature=+simd128"}\`. ` +
      `Milliseconds, median (min); f32 except ConvNetJS (f64).`,
    "",
  );
  for (const [net, n] of Object.entries(r.nets)) {
    const f = n.flops;
    const header = n.config.layers
      ? `**${net}** (batch ${n.config.batch}, \`${networkText(n.config)}\`; ${fmt(f.step / 1e9, 3)} GFLOP per step). ` +
        `First losses agree to ${n.maxRelLossDiff.toExponential(1)} (relative).`
      : null;
    if (header) lines.push(header, "");
    else lines.push(
      `**${net}** (batch ${n.config.batch}, ${n.config.channels}×${n.config.size}×${n.config.size}, conv ${n.config.filters} ` +
        `${n.config.filterSize}×${n.config.filterSize} pad ${n.config.pad}, pool 2×2, affine →${n.config.hidden}→${n.config.classes}; ` +
        `${fmt(f.step / 1e9, 3)} GFLOP per step). First losses agree to ${n.maxRelLossDiff.toExponential(1)} (relative).`,
      "",
    );
    lines.push(
      "| contender | training step | forward pass | conv forward | step GFLOP/s | step / engine |",
      "| --- | ---: | ---: | ---: | ---: | ---: |",
    );
    const eng = n.timings.engine?.step?.median;
    for (const [c, t] of Object.entries(n.timings)) {
      lines.push(
        `| ${c} | ${ms(t.step)} | ${ms(t.forward)} | ${ms(t.conv)} | ${fmt(gflops(f.step, t.step.median), 2)} | ` +
          `${eng ? `${fmt(t.step.median / eng, 1)}×` : "–"} |`,
      );
    }
    lines.push("");
  }
  if (r.matMul512) {
    lines.push(
      `tfjs-wasm \`tf.matMul\` 512×512×512: ${ms(r.matMul512)} ms = ${fmt(gflops(2 * 512 ** 3, r.matMul512.median), 2)} GFLOP/s (median).`,
      "",
    );
  }
  if (r.engineGemm512) {
    lines.push(
      `Engine \`gemm_nn\` 512×512×512 (for comparison): ${ms(r.engineGemm512)} ms = ${fmt(gflops(2 * 512 ** 3, r.engineGemm512.median), 2)} GFLOP/s (median).`,
      "",
    );
  }
  for (const [net, n] of Object.entries(r.nets)) {
    const layers = n.timings.engine?.layers;
    if (!layers) continue;
    lines.push(`Engine, ${net}, per layer (median ms of a training step's parts):`, "", "| part | ms | GFLOP/s |", "| --- | ---: | ---: |");
    for (const l of layers) lines.push(`| ${l.name} | ${fmt(l.median, 3)} | ${l.flop ? fmt(gflops(l.flop, l.median), 2) : ""} |`);
    const sum = layers.reduce((a, l) => a + l.median, 0);
    const step = n.timings.engine.step.median;
    lines.push(`| sum of the parts | ${fmt(sum, 3)} | |`, `| training step − sum (allocation, copies, checks) | ${fmt(step - sum, 3)} | |`);
    lines.push("");
  }
  const notes = Object.entries(r.nets)
    .flatMap(([net, n]) => (net === "cs231n" || net === "lecture" ? Object.entries(n.timings).map(([c, t]) => [net, c, t]) : []))
    .filter(([, , t]) => t.notes)
    .map(([net, c, t]) => `${c} (${net}): ${t.notes}`);
  if (notes.length) lines.push(`Notes: ${notes.join("; ")}.`, "");
  lines.push("| target (issues 5 and 13) | measured (medians) | goal | met | same with minimums |", "| --- | --- | --- | --- | --- |");
  for (const t of r.targets) {
    const met = t.pass === null ? (t.goal === "–" ? "" : "n/a") : t.pass ? "yes" : "**no**";
    lines.push(`| ${t.name} | ${t.measured ?? "–"} | ${t.goal} | ${met} | ${t.byMin ?? ""} |`);
  }
  lines.push("");
  const size = (w) => `${w.file} ${w.bytes} B, ${w.gzip9Bytes} B gzip -9`;
  const page = r.wasm?.filter((w) => (w.role ?? "page") === "page") ?? [];
  const lab = r.wasm?.filter((w) => w.role === "lab") ?? [];
  const bench = r.wasm?.filter((w) => w.role === "bench") ?? [];
  if (page.length) lines.push(`Page wasm (loaded at start): ${page.map(size).join("; ")}.`);
  if (lab.length) lines.push(`Lab wasm (loaded when the Lab panel is first shown): ${lab.map(size).join("; ")}.`);
  if (bench.length) lines.push(`Benchmark wasm (the engine contender's, not loaded by the page): ${bench.map(size).join("; ")}.`);
  if (r.timeToInteractive) lines.push(`Time to interactive (navigation → body[data-ready]), fresh contexts: ${r.timeToInteractive.map((x) => x.toFixed(0)).join(", ")} ms.`);
  if (r.timeToInteractiveError) lines.push(`Time to interactive not measured: ${r.timeToInteractiveError}`);
  lines.push(`Run took ${fmt(r.seconds, 0)} s.`, "");
  return lines.join("\n");
}
