// The naive-against-fast section: the conv and max-pool layers' naive loops and fast versions on
// the assignment's sizes (or the user's), each pass timed in the worker (median of several runs),
// the speedup, and how far their outputs and gradients differ. Settings live in the URL (state
// props v… for conv, q… for max pool, vruns).

import { el, numberField } from "../widgets/dom.js";
import { createRunner } from "./runner.js";
import { duration, median, sci, shapeText } from "./stats.js";

/** [engine field, state prop, label, hint, min] for each layer. */
const CONV = [
  ["n", "vn", "N", "Batch size", 1], ["c", "vc", "C", "Channels", 1], ["h", "vh", "H", "Height", 1],
  ["w", "vw", "W", "Width", 1], ["f", "vf", "K", "Number of filters", 1],
  ["filterSize", "vk", "F", "Filter size F (HH = WW = F)", 1], ["stride", "vs", "Stride", "Stride", 1],
  ["pad", "vp", "Pad", "Zero padding", 0],
];
const POOL = [
  ["n", "qn", "N", "Batch size", 1], ["c", "qc", "C", "Channels", 1], ["h", "qh", "H", "Height", 1],
  ["w", "qw", "W", "Width", 1], ["filterSize", "qk", "Window", "Pool window size", 1],
  ["stride", "qs", "Stride", "Stride", 1],
];

const TITLES = { conv: "Conv", maxpool: "Max pool" };

export function createSpeed({ engine, state, client }) {
  const defaults = engine.speedDefaults();
  const inputs = new Map();
  const group = (title, list, name) => {
    const box = el("div", { class: "numbers" });
    for (const [, prop, label, hint, min] of list) {
      const { field, input } = numberField({
        label, name: `lab-${prop}`, value: state.get(prop), min, hint,
        onInput: (v) => Number.isInteger(v) && state.set(prop, v),
      });
      inputs.set(prop, input);
      box.append(field);
    }
    return el("fieldset", { class: "sizes", "data-layer": name }, el("legend", { text: title }), box);
  };
  const runs = numberField({
    label: "Runs", name: "lab-vruns", value: state.get("vruns"), min: 1, max: 50,
    hint: "Timed runs of each variant and pass; the table shows the median",
    onInput: (v) => Number.isInteger(v) && state.set("vruns", v),
  });
  inputs.set("vruns", runs.input);
  const reset = el("button", { type: "button", text: "Assignment's sizes" });
  reset.addEventListener("click", () => {
    for (const [list, layer] of [[CONV, "conv"], [POOL, "maxpool"]]) {
      for (const [field, prop] of list) state.set(prop, defaults[layer][field]);
    }
  });

  function settings() {
    const layer = (list, name) => {
      const s = { ...defaults[name] };
      for (const [field, prop] of list) s[field] = state.get(prop);
      return s;
    };
    return { layers: [layer(CONV, "conv"), layer(POOL, "maxpool")], runs: state.get("vruns") };
  }

  const results = el("div", { class: "lab-results", "data-testid": "speed-results" });
  const runner = createRunner({
    client, section: "speed", kind: "speed", label: "Time them",
    start: settings,
    show: (value) => results.replaceChildren(...render(value, state.get("vruns"))),
  });
  state.subscribe((changed) => {
    for (const [prop, input] of inputs) {
      if (changed.includes(prop) && input.valueAsNumber !== state.get(prop)) input.value = state.get(prop);
    }
  });

  const element = el("section", { class: "card lab-part", "aria-labelledby": "lab-speed-title" },
    el("h3", { id: "lab-speed-title", text: "Naive vs fast" }),
    el("p", { text: "The naive layers are the assignment's loops; the fast ones compute the same thing as matrix products (conv: im2col + GEMM) or with one pass that remembers each window's winner (max pool). Both run here on the same random data, in f64; the defaults are the assignment's sizes." }),
    el("div", { class: "controls" }, group("Conv", CONV, "conv"), group("Max pool", POOL, "maxpool"),
      el("div", { class: "numbers" }, runs.field), reset),
    runner.element,
    results);
  return { element, setBusy: runner.setBusy };
}

/** The table: one row per layer and pass. */
function render(layers, runs) {
  const rows = [];
  const shapes = [];
  for (const { layer, shapes: sh, times, comparison } of layers) {
    shapes.push(`${TITLES[layer]}: ${sh.map(([n, s]) => `${n} ${shapeText(s)}`).join(", ")}`);
    for (const pass of ["forward", "backward"]) {
      const naive = median(times.naive[pass]);
      const fast = median(times.fast[pass]);
      const diffs = pass === "forward"
        ? [["out", comparison.out]]
        : [["dx", comparison.dx], ["dw", comparison.dw], ["db", comparison.db]].filter(([, d]) => d);
      const id = `${layer}-${pass}`;
      const lines = (key) => diffs.map(([name, d], i) => el("span", { class: "diff-line" },
        `${name} `, el("span", { "data-testid": i === 0 ? `speed-${key}-${id}` : `speed-${key}-${id}-${name}`, text: sci(key === "rel" ? d.relError : d.maxAbs) })));
      const worstRel = Math.max(...diffs.map(([, d]) => d.relError));
      const worstAbs = Math.max(...diffs.map(([, d]) => d.maxAbs));
      rows.push(el("tr", { "data-row": id },
        el("th", { scope: "row", text: `${TITLES[layer]} ${pass}` }),
        el("td", { class: "num", "data-testid": `speed-naive-${id}`, text: duration(naive) }),
        el("td", { class: "num", "data-testid": `speed-fast-${id}`, text: duration(fast) }),
        el("td", { class: "num strong", "data-testid": `speed-speedup-${id}`, text: `${Number((naive / fast).toPrecision(3))}×` }),
        el("td", { class: "num mono", "data-testid": `speed-diff-${id}`, "data-rel": worstRel, "data-abs": worstAbs }, ...lines("rel")),
        el("td", { class: "num mono" }, ...lines("abs"))));
    }
  }
  const table = el("table", { class: "lab-table", "data-testid": "speed-table" },
    el("caption", { text: `Median of ${runs} timed run${runs === 1 ? "" : "s"} of each, measured in the Lab's worker with performance.now(). Difference: the course's relative error between the naive and fast results; max |Δ|: the largest absolute difference.` }),
    el("thead", {}, el("tr", {}, ...["", "Naive", "Fast", "Speedup", "Difference", "max |Δ|"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows));
  return [
    el("p", { class: "checked", text: shapes.join(" · ") }),
    el("div", { class: "table-scroll" }, table),
  ];
}
