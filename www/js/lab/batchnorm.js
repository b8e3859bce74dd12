// The batch norm section: a random batch through a conv layer (3×3, pad 1), each channel's
// histogram before and after spatial batch norm in train mode (this batch's mean and variance:
// mean 0, std ≈ 1), and a fresh batch in test mode after the chosen number of warm-up batches
// (the running averages), with the running mean and variance next to the true ones. Settings live
// in the URL (state props bn…).

import { el, fmt, numberField } from "../widgets/dom.js";
import { COLOURS } from "./config.js";
import { createHistogram, meanText } from "./histogram.js";
import { createRunner } from "./runner.js";

/** [engine field, state prop, label, hint, min]. */
const FIELDS = [
  ["n", "bnn", "N", "Images per batch", 1], ["c", "bnc", "C", "Channels of the images", 1],
  ["h", "bnh", "H", "Image height", 1], ["w", "bnw", "W", "Image width", 1],
  ["f", "bnf", "K", "Conv filters: the channels batch norm normalises", 1],
  ["seed", "bnseed", "Seed", "Seed of the images and filters", 0],
  ["warmupBatches", "bnwarm", "Warm-up", "Train-mode batches before the test-mode batch", 0],
];

export function createBatchNorm({ engine, state, client }) {
  const defaults = engine.batchnormDefaults();
  const inputs = new Map();
  const box = el("div", { class: "numbers" });
  for (const [, prop, label, hint, min] of FIELDS) {
    const { field, input } = numberField({
      label, name: `lab-${prop}`, value: state.get(prop), min, hint,
      onInput: (v) => Number.isInteger(v) && state.set(prop, v),
    });
    inputs.set(prop, input);
    box.append(field);
  }
  const settings = () => {
    const s = { ...defaults };
    for (const [field, prop] of FIELDS) s[field] = state.get(prop);
    return s;
  };
  const results = el("div", { class: "lab-results", "data-testid": "bn-results" });
  const runner = createRunner({
    client, section: "bn", kind: "batchnorm", label: "Run batch norm",
    start: settings,
    show: (report) => results.replaceChildren(...render(report, settings())),
  });
  state.subscribe((changed) => {
    for (const [prop, input] of inputs) {
      if (changed.includes(prop) && input.valueAsNumber !== state.get(prop)) input.value = state.get(prop);
    }
  });

  const element = el("section", { class: "card lab-part", "aria-labelledby": "lab-bn-title" },
    el("h3", { id: "lab-bn-title", text: "Batch normalization" }),
    el("p", { text: "Random images go through a conv layer whose filters and biases give each channel its own mean and spread. Spatial batch norm (γ = 1, β = 0) then normalises every channel over N, H and W." }),
    el("div", { class: "controls" }, box),
    runner.element,
    results);
  return { element, setBusy: runner.setBusy };
}

function render(report, s) {
  const stages = [
    ["before", "Conv output", COLOURS.axis],
    ["train", "Batch norm, train mode", COLOURS.bars],
    ["testBefore", "Conv output, new batch", COLOURS.axis],
    ["test", "Batch norm, test mode", COLOURS.barsTest],
  ];
  const channels = report.before.map((_, ch) =>
    el("div", { class: "bn-channel", "data-channel": ch },
      el("h4", { text: `Channel ${ch}` }),
      el("div", { class: "bn-stages" }, ...stages.map(([key, title, colour]) =>
        el("div", { class: "bn-stage" },
          el("p", { class: "stage-title", text: title }),
          createHistogram(report[key][ch], { colour, label: `Channel ${ch}, ${title}:`, testid: `bn-${key}-${ch}` }).element)))));
  const rows = report.runningMean.map((m, ch) => el("tr", {},
    el("th", { scope: "row", text: String(ch) }),
    el("td", { class: "num", "data-testid": `bn-running-mean-${ch}`, text: meanText(m) }),
    el("td", { class: "num", text: meanText(report.trueMean[ch]) }),
    el("td", { class: "num", "data-testid": `bn-running-var-${ch}`, text: fmt(report.runningVar[ch], 4) }),
    el("td", { class: "num", text: fmt(report.trueVar[ch], 4) })));
  const table = el("table", { class: "lab-table", "data-testid": "bn-running" },
    el("caption", { text: `Running averages after ${s.warmupBatches} train-mode batch${s.warmupBatches === 1 ? "" : "es"} (momentum 0.9: running = 0.9·running + 0.1·batch, starting from 0), next to the true mean and variance of the conv output over those batches.` }),
    el("thead", {}, el("tr", {}, ...["Channel", "Running mean", "True mean", "Running var", "True var"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows));
  return [
    el("p", { class: "hint", text: `Per channel, left to right: the conv output of the batch, that batch after batch norm in train mode, the conv output of a new batch, and that batch after batch norm in test mode, after ${s.warmupBatches} warm-up batch${s.warmupBatches === 1 ? "" : "es"}. Red line: 0.` }),
    el("p", { class: "hint", text: "Train mode divides by √(σ² + ε) with this batch's own σ², so every channel gets mean 0 and std √(σ²/(σ² + ε)) ≈ 1. Test mode uses the running averages instead: after enough warm-up batches close to 0 and 1, but not exactly; with no warm-up the running variance is still 0 and test mode divides by √ε." }),
    el("div", { class: "bn-grid" }, ...channels),
    el("div", { class: "table-scroll" }, table),
  ];
}
