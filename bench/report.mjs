// Turns a results object of run.mjs into the issue's target checks and a markdown report.

import { median } from "./harness/timing.js";

const fmt = (x, d = 1) => (x === undefined || x === null || Number.isNaN(x) ? "–" : x.toFixed(d));
const ms = (s) => (s ? `${fmt(s.median, s.median < 10 ? 2 : 1)} (${fmt(s.min, s.min < 10 ? 2 : 1)})` : "–");
const gflops = (flop, msValue) => flop / (msValue * 1e6);

function timing(results, net, contender) {
  return results.nets[net]?.timings?.[contender];
}

/** The issue's targets, each { name, measured, goal, pass } (pass null when a side is missing). */
export function evaluateTargets(r) {
  const out = [];
  const add = (name, measured, goal, pass) => out.push({ name, measured, goal, pass });
  const step = (net, c) => timing(r, net, c)?.step?.median;
  const fwd = (net, c) => timing(r, net, c)?.forward?.median;
  const ratio = (a, b) => (a !== undefined && b !== undefined ? a / b : undefined);

  const s1 = ratio(step("cs231n", "engine"), step("cs231n", "tfjs-wasm"));
  add("cs231n step: engine / tfjs-wasm", s1 && `${fmt(s1, 3)}×`, "≤ 0.25×", s1 === undefined ? null : s1 <= 0.25);
  const s2 = ratio(step("cs231n", "convnetjs"), step("cs231n", "engine"));
  add("cs231n step: ConvNetJS / engine", s2 && `${fmt(s2, 1)}× faster`, "≥ 20× faster", s2 === undefined ? null : s2 >= 20);
  const f1 = ratio(fwd("cs231n", "engine"), fwd("cs231n", "tfjs-wasm"));
  add("cs231n forward: engine / tfjs-wasm", f1 && `${fmt(f1, 3)}×`, "≤ 1×", f1 === undefined ? null : f1 <= 1);
  const t1 = ratio(step("tiny", "engine"), step("tiny", "tfjs-wasm"));
  add("tiny step: engine / tfjs-wasm", t1 && `${fmt(t1, 3)}×`, "≤ 0.5×", t1 === undefined ? null : t1 <= 0.5);
  const cs = r.nets.cs231n;
  const eng = step("cs231n", "engine");
  const mm = r.matMul512 ? gflops(2 * 512 ** 3, r.matMul512.median) : undefined;
  const g = cs && eng ? gflops(cs.flops.step, eng) : undefined;
  add(
    "cs231n step GFLOP/s: engine / tfjs-wasm matMul 512³",
    g && mm && `${fmt(g, 2)} / ${fmt(mm, 2)} = ${fmt(g / mm, 2)}`,
    "≥ 0.5",
    g && mm ? g / mm >= 0.5 : null,
  );
  const w = r.wasm?.[0];
  add("page wasm, gzip -9", w && `${fmt(w.gzip9Bytes / 1000, 1)} KB`, "≤ 300 KB", w ? w.gzip9Bytes <= 300_000 : null);
  const tti = r.timeToInteractive?.length ? median(r.timeToInteractive) : undefined;
  add("page time to interactive (median)", tti && `${fmt(tti, 0)} ms`, "≤ 1000 ms", tti === undefined ? null : tti <= 1000);
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
      `Milliseconds, median (min); f32 except ConvNetJS (f64).`,
    "",
  );
  for (const [net, n] of Object.entries(r.nets)) {
    const f = n.flops;
    lines.push(
      `**${net}** (batch ${n.config.batch}, ${n.config.channels}×${n.config.size}×${n.config.size}, conv ${n.config.filters} ` +
        `${n.config.filterSize}×${n.config.filterSize} pad ${n.config.pad}, pool 2×2, affine →${n.config.hidden}→${n.config.classes}; ` +
        `${fmt(f.step / 1e9, 3)} GFLOP per step). First losses agree to ${n.maxRelLossDiff.toExponential(1)} (relative).`,
      "",
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
  for (const [net, n] of Object.entries(r.nets)) {
    const layers = n.timings.engine?.layers;
    if (!layers) continue;
    lines.push(`Engine, ${net}, per layer (median ms of a training step's parts):`, "", "| part | ms | GFLOP/s |", "| --- | ---: | ---: |");
    for (const l of layers) lines.push(`| ${l.name} | ${fmt(l.median, 3)} | ${l.flop ? fmt(gflops(l.flop, l.median), 2) : ""} |`);
    lines.push("");
  }
  const notes = Object.entries(r.nets.cs231n?.timings ?? {})
    .filter(([, t]) => t.notes)
    .map(([c, t]) => `${c}: ${t.notes}`);
  if (notes.length) lines.push(`Notes: ${notes.join("; ")}.`, "");
  lines.push("| target | measured | goal | met |", "| --- | --- | --- | --- |");
  for (const t of r.targets) lines.push(`| ${t.name} | ${t.measured ?? "–"} | ${t.goal} | ${t.pass === null ? "n/a" : t.pass ? "yes" : "**no**"} |`);
  lines.push("");
  if (r.wasm?.length) lines.push(`Page wasm: ${r.wasm.map((w) => `${w.file} ${w.bytes} B, ${w.gzip9Bytes} B gzip -9`).join("; ")}.`);
  if (r.timeToInteractive) lines.push(`Time to interactive (navigation → body[data-ready]), fresh contexts: ${r.timeToInteractive.map((x) => x.toFixed(0)).join(", ")} ms.`);
  if (r.timeToInteractiveError) lines.push(`Time to interactive not measured: ${r.timeToInteractiveError}`);
  lines.push(`Run took ${fmt(r.seconds, 0)} s.`, "");
  return lines.join("\n");
}
