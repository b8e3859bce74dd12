// The gradient check section: pick a layer and its shapes, the seed, the step h, f64 or f32 and
// whether to break the backward pass on purpose; Run computes the analytic and numerical
// gradients in the worker; the result is a table of relative errors with the course's reading and
// a heat map per gradient. Settings live in the URL (state props g…).

import { el, numberField, radioGroup } from "../widgets/dom.js";
import { createHeatmap, heatmapLegend } from "./heatmap.js";
import { createRunner } from "./runner.js";
import { reading, sci, shapeText, stepText } from "./stats.js";

/** Engine field name → [state prop, label, hint, min]. */
const FIELDS = {
  n: ["gn", "N", "Batch size", 1],
  c: ["gc", "C", "Channels", 1],
  h: ["gh", "H", "Height", 1],
  w: ["gw", "W", "Width", 1],
  f: ["gf", "F", "Number of filters", 1],
  filterSize: ["gk", "Filter", "Filter size (HH = WW)", 1],
  stride: ["gs", "Stride", "Stride", 1],
  pad: ["gp", "Pad", "Zero padding on every side", 0],
};

/** Labels that differ for some layers. */
const LABELS = {
  affine: { f: ["M", "Outputs of the layer; x is reshaped to N × (C·H·W)"] },
  maxpool: { filterSize: ["Window", "Pool window size"] },
  softmax: { c: ["C", "Number of classes (scores are N × C)"] },
  svm: { c: ["C", "Number of classes (scores are N × C)"] },
};

const READING_TEXT = {
  correct: "correct",
  suspicious: "suspicious",
  wrong: "wrong",
};

export function createGradCheck({ engine, state, client }) {
  const layers = engine.labLayers();
  const byName = new Map(layers.map((l) => [l.name, l]));

  const layerSelect = el("select", { name: "lab-layer", "aria-label": "Layer to check", "data-setting": "gl" },
    ...layers.map((l) => el("option", { value: l.name, text: l.title })));
  layerSelect.value = state.get("gl");
  layerSelect.addEventListener("change", () => {
    // A new layer starts from the shapes of the assignment's own check of it.
    const layer = byName.get(layerSelect.value);
    for (const [field, [prop]] of Object.entries(FIELDS)) {
      if (field in layer.defaults) state.set(prop, layer.defaults[field]);
    }
    state.set("gseed", layer.defaults.seed);
    state.set("gl", layer.name);
  });

  const fields = new Map();
  const shapeBox = el("div", { class: "numbers" });
  for (const [field, [prop, label, hint, min]] of Object.entries(FIELDS)) {
    const { field: box, input } = numberField({
      label, name: `lab-${prop}`, value: state.get(prop), min, hint,
      onInput: (v) => Number.isInteger(v) && state.set(prop, v),
    });
    fields.set(field, { box, input, prop });
    shapeBox.append(box);
  }
  const seed = numberField({
    label: "Seed", name: "lab-gseed", value: state.get("gseed"), min: 0, hint: "Seed of the random inputs",
    onInput: (v) => Number.isInteger(v) && state.set("gseed", v),
  });
  const stepInput = el("input", {
    type: "text", name: "lab-gstep", inputmode: "decimal", size: 7, value: stepText(state.get("gstep")),
    "data-setting": "gstep",
  });
  stepInput.addEventListener("input", () => {
    const v = Number(stepInput.value);
    const ok = stepInput.value.trim() !== "" && Number.isFinite(v);
    stepInput.setAttribute("aria-invalid", String(!ok));
    if (ok) state.set("gstep", v);
  });
  const step = el("label", { class: "field", title: "Step of the centred differences (f(x + h) − f(x − h)) / 2h" },
    el("span", { text: "Step h" }), stepInput);
  const precision = radioGroup({
    legend: "Precision", name: "lab-gprec", value: state.get("gprec"),
    options: [["f64", "f64"], ["f32", "f32"]],
    onChange: (v) => state.set("gprec", v),
  });
  const bug = el("input", { type: "checkbox", name: "lab-gbug", checked: state.get("gbug") });
  bug.addEventListener("change", () => state.set("gbug", bug.checked));
  const bugLabel = el("label", { class: "check", title: "Scale the first analytic gradient by 1.01, as a subtle bug would" },
    bug, el("span", { text: "Inject a bug" }));

  function showFields() {
    const layer = byName.get(state.get("gl"));
    const labels = LABELS[layer.name] ?? {};
    for (const [field, { box, input }] of fields) {
      const used = layer.fields.includes(field);
      box.hidden = !used;
      input.disabled = !used;
      const [label, hint] = labels[field] ?? [FIELDS[field][1], FIELDS[field][2]];
      box.querySelector("span").textContent = label;
      box.title = hint;
    }
  }

  function settings() {
    const layer = byName.get(state.get("gl"));
    const s = { ...layer.defaults, layer: layer.name };
    for (const [field, [prop]] of Object.entries(FIELDS)) {
      if (field in s) s[field] = state.get(prop);
    }
    s.seed = state.get("gseed");
    s.step = state.get("gstep");
    s.precision = state.get("gprec");
    s.injectBug = state.get("gbug");
    return s;
  }

  const results = el("div", { class: "lab-results", "data-testid": "gc-results" });
  const runner = createRunner({
    client, section: "gc", kind: "gradcheck", label: "Run check",
    start: settings,
    show: (report) => results.replaceChildren(...render(report)),
  });

  state.subscribe((changed) => {
    if (changed.includes("gl")) layerSelect.value = state.get("gl");
    for (const { input, prop } of fields.values()) {
      if (changed.includes(prop) && input.valueAsNumber !== state.get(prop)) input.value = state.get(prop);
    }
    if (changed.includes("gseed") && seed.input.valueAsNumber !== state.get("gseed")) seed.input.value = state.get("gseed");
    if (changed.includes("gstep") && Number(stepInput.value) !== state.get("gstep")) stepInput.value = stepText(state.get("gstep"));
    if (changed.includes("gprec")) precision.select(state.get("gprec"));
    if (changed.includes("gbug")) bug.checked = state.get("gbug");
    showFields();
  });
  showFields();

  const element = el("section", { class: "card lab-part", "aria-labelledby": "lab-gc-title" },
    el("h3", { id: "lab-gc-title", text: "Gradient check" }),
    el("p", { text: "The engine draws random inputs from the seed, runs the layer's backward pass (the analytic gradient) and centred differences (f(x + h) − f(x − h)) / 2h for every input value (the numerical gradient), and compares them with the course's relative error |a − n| / max(1e-8, |a| + |n|), taken as the maximum over all values." }),
    el("div", { class: "controls" },
      el("label", { class: "field" }, el("span", { text: "Layer" }), layerSelect),
      shapeBox,
      el("div", { class: "numbers" }, seed.field, step),
      precision.set, bugLabel),
    runner.element,
    results);
  return { element, setBusy: runner.setBusy };
}

/** The result of a check: what was checked, the table of errors, the heat maps. */
function render(report) {
  const s = report.settings;
  const inputs = report.inputShapes.map(([name, shape]) => `${name} ${shapeText(shape)}`).join(", ");
  const bug = s.injectBug ? ` Bug injected: the analytic ${report.gradients[0].name} was scaled by 1.01.` : "";
  const summary = el("p", { class: "checked", "data-testid": "gc-summary" },
    `Checked ${s.layer} on ${inputs}; seed ${s.seed}, h = ${stepText(s.step)}, ${s.precision}.${bug}`);

  const rows = report.gradients.map((g) => {
    const r = reading(g.relError);
    return el("tr", {},
      el("th", { scope: "row", class: "mono", text: g.name }),
      el("td", { text: shapeText(g.shape) }),
      el("td", { class: "num mono", "data-testid": `gc-error-${g.name}`, text: sci(g.relError) }),
      el("td", {}, el("span", { class: `verdict ${r}`, "data-testid": `gc-verdict-${g.name}`, text: READING_TEXT[r] })));
  });
  const table = el("table", { class: "lab-table", "data-testid": "gc-table" },
    el("thead", {}, el("tr", {}, ...["Gradient", "Shape", "Relative error", "Reading"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows));

  const notes = [];
  if (s.precision === "f32") {
    notes.push(el("p", { class: "message notice", text: "In f32 a value carries about 7 significant digits, so f(x + h) − f(x − h) keeps only a few of them when h is small: the numerical gradient itself is inaccurate. This is why the course checks in f64." }));
  }
  const worst = Math.max(...report.gradients.map((g) => g.relError));
  if (s.precision === "f64" && reading(worst) === "wrong" && s.injectBug) {
    notes.push(el("p", { class: "message notice", text: "A 1% error in a backward pass gives a relative error of about 5e-3: far above 1e-4, so the check catches it." }));
  }
  return [
    summary,
    el("div", { class: "table-scroll" }, table),
    el("p", { class: "hint", text: "The course's reading: below 1e-7 the gradient is correct; from 1e-7 to 1e-4 it is suspicious (acceptable only where the function has kinks, like ReLU or max, near the inputs); above 1e-4 it is probably wrong." }),
    ...notes,
    heatmapLegend(),
    el("div", { class: "heatmaps" }, ...report.gradients.map((g) => createHeatmap(g).element)),
  ];
}
