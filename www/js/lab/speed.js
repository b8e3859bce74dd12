// The naive-against-fast section: the conv and max-pool layers' naive loops and fast versions on
// the assignment's sizes (or the user's), each pass timed in the worker (median of several runs),
// the speedup, and how far their outputs and gradients differ. Settings live in the URL (state
// props v… for conv, q… for max pool, vruns).

import { t } from "../i18n/i18n.js";
import { el, numberField } from "../widgets/dom.js";
import { createRunner } from "./runner.js";
import { duration, median, sci, shapeText } from "./stats.js";

/**
 * [engine field, state prop, label, hint, min] for each layer; a label is a symbol ("N") or a key
 * of the lab catalog.
 */
const CONV = [
  ["n", "vn", "N", "lab.hintBatch", 1], ["c", "vc", "C", "lab.hintChannels", 1], ["h", "vh", "H", "lab.hintHeight", 1],
  ["w", "vw", "W", "lab.hintWidth", 1], ["f", "vf", "K", "lab.hintFilters", 1],
  ["filterSize", "vk", "F", "lab.hintFilterSize", 1], ["stride", "vs", "lab.stride", "lab.hintStride", 1],
  ["pad", "vp", "lab.pad", "lab.hintZeroPad", 0],
];
const POOL = [
  ["n", "qn", "N", "lab.hintBatch", 1], ["c", "qc", "C", "lab.hintChannels", 1], ["h", "qh", "H", "lab.hintHeight", 1],
  ["w", "qw", "W", "lab.hintWidth", 1], ["filterSize", "qk", "lab.window", "lab.hintWindow", 1],
  ["stride", "qs", "lab.stride", "lab.hintStride", 1],
];

/** The layer's name in the table ("Conv", "Max pool"). */
const layerTitle = (layer) => t(`lab.speedLayer.${layer}`);

export function createSpeed({ engine, state, client }) {
  const defaults = engine.speedDefaults();
  const inputs = new Map();
  const group = (title, list, name) => {
    const box = el("div", { class: "numbers" });
    for (const [, prop, label, hint, min] of list) {
      const { field, input } = numberField({
        label: label.startsWith("lab.") ? t(label) : label, name: `lab-${prop}`, value: state.get(prop), min, hint: t(hint),
        onInput: (v) => Number.isInteger(v) && state.set(prop, v),
      });
      inputs.set(prop, input);
      box.append(field);
    }
    return el("fieldset", { class: "sizes", "data-layer": name }, el("legend", { text: title }), box);
  };
  const runs = numberField({
    label: t("lab.runs"), name: "lab-vruns", value: state.get("vruns"), min: 1, max: 50,
    hint: t("lab.hintRuns"),
    onInput: (v) => Number.isInteger(v) && state.set("vruns", v),
  });
  inputs.set("vruns", runs.input);
  const reset = el("button", { type: "button", text: t("lab.assignmentSizes") });
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
    client, section: "speed", kind: "speed", label: t("lab.runSpeed"),
    start: settings,
    show: (value) => results.replaceChildren(...render(value, state.get("vruns"))),
  });
  state.subscribe((changed) => {
    for (const [prop, input] of inputs) {
      if (changed.includes(prop) && input.valueAsNumber !== state.get(prop)) input.value = state.get(prop);
    }
  });

  const element = el("section", { class: "card lab-part", "aria-labelledby": "lab-speed-title" },
    el("h3", { id: "lab-speed-title", text: t("lab.speedTitle") }),
    el("p", { text: t("lab.speedIntro") }),
    el("div", { class: "controls" }, group(layerTitle("conv"), CONV, "conv"), group(layerTitle("maxpool"), POOL, "maxpool"),
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
    shapes.push(`${layerTitle(layer)}: ${sh.map(([n, s]) => `${n} ${shapeText(s)}`).join(", ")}`);
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
        el("th", { scope: "row", text: t(`lab.speedRow.${pass}`, { layer: layerTitle(layer) }) }),
        el("td", { class: "num", "data-testid": `speed-naive-${id}`, text: duration(naive) }),
        el("td", { class: "num", "data-testid": `speed-fast-${id}`, text: duration(fast) }),
        el("td", { class: "num strong", "data-testid": `speed-speedup-${id}`, text: `${Number((naive / fast).toPrecision(3))}×` }),
        el("td", { class: "num mono", "data-testid": `speed-diff-${id}`, "data-rel": worstRel, "data-abs": worstAbs }, ...lines("rel")),
        el("td", { class: "num mono" }, ...lines("abs"))));
    }
  }
  const table = el("table", { class: "lab-table", "data-testid": "speed-table" },
    el("caption", { text: t("lab.speedCaption", { runs }) }),
    el("thead", {}, el("tr", {}, ...["", "headNaive", "headFast", "headSpeedup", "headDifference", "headMaxAbs"]
      .map((h) => el("th", { scope: "col", text: h && t(`lab.${h}`) })))),
    el("tbody", {}, ...rows));
  return [
    el("p", { class: "checked", text: shapes.join(" · ") }),
    el("div", { class: "table-scroll" }, table),
  ];
}
