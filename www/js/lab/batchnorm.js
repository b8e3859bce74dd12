// The batch norm section: a random batch through a conv layer (3×3, pad 1), each channel's
// histogram before and after spatial batch norm in train mode (this batch's mean and variance:
// mean 0, std ≈ 1), and a fresh batch in test mode after the chosen number of warm-up batches
// (the running averages), with the running mean and variance next to the true ones. Settings live
// in the URL (state props bn…).

import { t } from "../i18n/i18n.js";
import { el, fmt, numberField } from "../widgets/dom.js";
import { COLOURS } from "./config.js";
import { createHistogram, meanText } from "./histogram.js";
import { createRunner } from "./runner.js";

/** [engine field, state prop, label, hint, min]; a label is a symbol or a key of the lab catalog. */
const FIELDS = [
  ["n", "bnn", "N", "lab.hintImages", 1], ["c", "bnc", "C", "lab.hintImageChannels", 1],
  ["h", "bnh", "H", "lab.hintImageHeight", 1], ["w", "bnw", "W", "lab.hintImageWidth", 1],
  ["f", "bnf", "K", "lab.hintBnFilters", 1],
  ["seed", "bnseed", "lab.seed", "lab.hintBnSeed", 0],
  ["warmupBatches", "bnwarm", "lab.warmup", "lab.hintWarmup", 0],
];

export function createBatchNorm({ engine, state, client }) {
  const defaults = engine.batchnormDefaults();
  const inputs = new Map();
  const box = el("div", { class: "numbers" });
  for (const [, prop, label, hint, min] of FIELDS) {
    const { field, input } = numberField({
      label: label.startsWith("lab.") ? t(label) : label, name: `lab-${prop}`, value: state.get(prop), min, hint: t(hint),
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
    client, section: "bn", kind: "batchnorm", label: t("lab.runBn"),
    start: settings,
    show: (report) => results.replaceChildren(...render(report, settings())),
  });
  state.subscribe((changed) => {
    for (const [prop, input] of inputs) {
      if (changed.includes(prop) && input.valueAsNumber !== state.get(prop)) input.value = state.get(prop);
    }
  });

  const element = el("section", { class: "card lab-part", "aria-labelledby": "lab-bn-title" },
    el("h3", { id: "lab-bn-title", text: t("lab.bnTitle") }),
    el("p", { text: t("lab.bnIntro") }),
    el("div", { class: "controls" }, box),
    runner.element,
    results);
  return { element, setBusy: runner.setBusy };
}

function render(report, s) {
  const stages = [
    ["before", COLOURS.axis],
    ["train", COLOURS.bars],
    ["testBefore", COLOURS.axis],
    ["test", COLOURS.barsTest],
  ].map(([key, colour]) => [key, t(`lab.stage.${key}`), colour]);
  const channels = report.before.map((_, ch) =>
    el("div", { class: "bn-channel", "data-channel": ch },
      el("h4", { text: t("lab.channel", { ch: String(ch) }) }),
      el("div", { class: "bn-stages" }, ...stages.map(([key, title, colour]) =>
        el("div", { class: "bn-stage" },
          el("p", { class: "stage-title", text: title }),
          createHistogram(report[key][ch], { colour, label: t("lab.channelStage", { ch: String(ch), stage: title }), testid: `bn-${key}-${ch}` }).element)))));
  const rows = report.runningMean.map((m, ch) => el("tr", {},
    el("th", { scope: "row", text: String(ch) }),
    el("td", { class: "num", "data-testid": `bn-running-mean-${ch}`, text: meanText(m) }),
    el("td", { class: "num", text: meanText(report.trueMean[ch]) }),
    el("td", { class: "num", "data-testid": `bn-running-var-${ch}`, text: fmt(report.runningVar[ch], 4) }),
    el("td", { class: "num", text: fmt(report.trueVar[ch], 4) })));
  const table = el("table", { class: "lab-table", "data-testid": "bn-running" },
    el("caption", { text: t("lab.runningCaption", { batches: s.warmupBatches }) }),
    el("thead", {}, el("tr", {}, ...["headChannel", "headRunningMean", "headTrueMean", "headRunningVar", "headTrueVar"]
      .map((h) => el("th", { scope: "col", text: t(`lab.${h}`) })))),
    el("tbody", {}, ...rows));
  return [
    el("p", { class: "hint", text: t("lab.bnStages", { batches: s.warmupBatches }) }),
    el("p", { class: "hint", text: t("lab.bnModes") }),
    el("div", { class: "bn-grid" }, ...channels),
    el("div", { class: "table-scroll" }, table),
  ];
}
