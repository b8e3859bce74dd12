// The gradient check section: pick a layer and its shapes, the seed, the step h, f64 or f32 and
// whether to break the backward pass on purpose; Run computes the analytic and numerical
// gradients in the worker; the result is a table of relative errors with the course's reading and
// a heat map per gradient. Settings live in the URL (state props g…). The choice "designed"
// checks the Shapes panel's network table (state prop `net`, "" the lecture's network).

import { el, numberField, radioGroup } from "../widgets/dom.js";
import { createHeatmap, heatmapLegend } from "./heatmap.js";
import { createRunner } from "./runner.js";
import { indexText, sci, shapeText, stepText } from "./stats.js";

/** Engine field name → [state prop, label, hint, min]. */
const FIELDS = {
  n: ["gn", "N", "Batch size", 1],
  c: ["gc", "C", "Channels", 1],
  h: ["gh", "H", "Height", 1],
  w: ["gw", "W", "Width", 1],
  f: ["gf", "K", "Number of filters", 1],
  filterSize: ["gk", "F", "Filter size F (HH = WW = F)", 1],
  stride: ["gs", "Stride", "Stride", 1],
  pad: ["gp", "Pad", "Zero padding on every side", 0],
  hidden: ["ghid", "Hidden", "Hidden units of the affine layer", 1],
};

/** Labels that differ for some layers. */
const LABELS = {
  affine: { f: ["M", "Outputs of the layer; x is reshaped to N × (C·H·W)"] },
  maxpool: { filterSize: ["Window", "Pool window size"] },
  softmax: { c: ["C", "Number of classes (scores are N × C)"] },
  svm: { c: ["C", "Number of classes (scores are N × C)"] },
  net: {
    f: ["K", "Conv filters (F×F, stride 1, pad (F − 1)/2, then ReLU and 2×2 max pool)"],
    filterSize: ["F", "Filter size F (odd, so the conv keeps H and W)"],
  },
  designed: { n: ["N", "Images in the batch (their size is the network's input)"] },
};


const READING_TEXT = {
  correct: "correct",
  suspicious: "suspicious",
  wrong: "wrong",
};

export function createGradCheck({ engine, state, client }) {
  const layers = engine.labLayers();
  // The course's reading is the engine's: each gradient's verdict comes in the report, and its
  // thresholds (for the texts and the heat maps' colours) from here.
  const thresholds = engine.labThresholds();
  // The course's ThreeLayerConvNet weight scale, which the net section offers to try.
  const courseScale = engine.courseWeightScale();
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
    state.set("gws", layer.defaults.weightScale);
    state.set("gl", layer.name);
  });

  // The designed network: the Shapes panel's table, shown as its text.
  const lectureText = engine.networkToText(engine.lectureNetwork());
  const exampleText = byName.get("designed").defaults.network;
  const netText = el("code", { class: "net-text", "data-testid": "gc-network" });
  const useExample = el("button", { type: "button", "data-action": "example-network", text: "Use the example network" });
  useExample.addEventListener("click", () => state.set("net", exampleText));
  const editTable = el("button", { type: "button", "data-action": "edit-network", text: "Edit it in the Shapes panel" });
  editTable.addEventListener("click", () => state.set("tab", "shapes"));
  const netBox = el("div", { class: "designed-network", "data-testid": "gc-designed" },
    el("p", {}, el("span", { class: "label", text: "Network (the Shapes panel's table): " }), netText),
    el("p", { class: "hint", text: "The last fc layer's outputs are the classes; the images are random N(0, 1) of the network's input size, the labels random too. He initialisation (std √(2 / fan in)), biases 0; dropout keeps one mask for the whole check; batch norm uses the batch's statistics, as in training. Each checked parameter costs two passes of the batch: a large network is checked on a sample of each parameter array, drawn from the seed, and one too large even for that is refused." }),
    el("div", { class: "run-row" }, useExample, editTable));
  const showNetwork = () => {
    const text = state.get("net");
    netText.textContent = text || `${lectureText} (the lecture's network)`;
    useExample.hidden = text === exampleText;
  };
  showNetwork();

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
  const step = decimalField({ state, prop: "gstep", label: "Step h", hint: "Step of the centred differences (f(x + h) − f(x − h)) / 2h" });
  const scale = decimalField({ state, prop: "gws", label: "Weight scale", hint: "Standard deviation of the net's initial weights (the course uses 1e-3)" });
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
    scale.field.hidden = !layer.fields.includes("weightScale");
    netBox.hidden = !layer.fields.includes("network");
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
    s.weightScale = state.get("gws");
    s.seed = state.get("gseed");
    s.step = state.get("gstep");
    s.precision = state.get("gprec");
    s.injectBug = state.get("gbug");
    if (layer.fields.includes("network")) s.network = state.get("net");
    return s;
  }

  const results = el("div", { class: "lab-results", "data-testid": "gc-results" });
  const runner = createRunner({
    client, section: "gc", kind: "gradcheck", label: "Run check",
    start: settings,
    show: (report) => results.replaceChildren(...render(report, { tryCourseScale, courseScale, thresholds })),
  });
  function tryCourseScale() {
    state.set("gws", courseScale);
    runner.run();
  }

  state.subscribe((changed) => {
    if (changed.includes("gl")) layerSelect.value = state.get("gl");
    for (const { input, prop } of fields.values()) {
      if (changed.includes(prop) && input.valueAsNumber !== state.get(prop)) input.value = state.get(prop);
    }
    if (changed.includes("gseed") && seed.input.valueAsNumber !== state.get("gseed")) seed.input.value = state.get("gseed");
    step.update(changed);
    scale.update(changed);
    if (changed.includes("gprec")) precision.select(state.get("gprec"));
    if (changed.includes("gbug")) bug.checked = state.get("gbug");
    if (changed.includes("net")) showNetwork();
    showFields();
  });
  showFields();

  const element = el("section", { class: "card lab-part", "aria-labelledby": "lab-gc-title" },
    el("h3", { id: "lab-gc-title", text: "Gradient check" }),
    el("p", { text: "The engine draws random inputs from the seed, runs the layer's backward pass (the analytic gradient) and centred differences (f(x + h) − f(x − h)) / 2h for every input value (the numerical gradient), and compares them with the course's relative error |a − n| / max(1e-8, |a| + |n|), taken as the maximum over all values." }),
    el("div", { class: "controls" },
      el("label", { class: "field" }, el("span", { text: "Layer" }), layerSelect),
      shapeBox,
      el("div", { class: "numbers" }, scale.field, seed.field, step.field),
      netBox,
      precision.set, bugLabel),
    runner.element,
    results);
  return { element, setBusy: runner.setBusy };
}

/**
 * A text field for a decimal setting like h = 1e-5 (shown as typed, "1e-5", not "0.00001").
 * Returns { field, update(changedNames) }.
 */
function decimalField({ state, prop, label, hint }) {
  const input = el("input", {
    type: "text", name: `lab-${prop}`, inputmode: "decimal", size: 7, value: stepText(state.get(prop)),
    "data-setting": prop,
  });
  input.addEventListener("input", () => {
    const v = Number(input.value);
    const ok = input.value.trim() !== "" && Number.isFinite(v);
    input.setAttribute("aria-invalid", String(!ok));
    if (ok) state.set(prop, v);
  });
  const field = el("label", { class: "field", title: hint }, el("span", { text: label }), input);
  return {
    field,
    update(changed) {
      if (changed.includes(prop) && Number(input.value) !== state.get(prop)) input.value = stepText(state.get(prop));
    },
  };
}

/**
 * The result of a check: what was checked, the table of errors with the engine's verdicts, the
 * heat maps (coloured by the engine's `thresholds`).
 */
function render(report, { tryCourseScale, courseScale, thresholds }) {
  const s = report.settings;
  const inputs = report.inputShapes.map(([name, shape]) => `${name} ${shapeText(shape)}`).join(", ");
  const bug = s.injectBug ? ` Bug injected: the analytic ${report.gradients[0].name} was scaled by 1.01.` : "";
  const what = s.layer === "designed" ? `the designed network ${s.network || "(the lecture's)"}` : s.layer;
  const init = { net: `weight scale ${stepText(s.weightScale)}, `, designed: s.init === "he" ? "He initialisation, " : `weight scale ${stepText(s.weightScale)}, ` };
  const summary = el("p", { class: "checked", "data-testid": "gc-summary" },
    `Checked ${what} on ${inputs}; ${init[s.layer] ?? ""}` +
    `seed ${s.seed}, h = ${stepText(s.step)}, ${s.precision}.${bug}`);
  const sampled = report.sampled && el("p", { class: "message notice", "data-testid": "gc-sampled", text:
    `Sampled: ${report.sampled.checked.toLocaleString("en-US")} of the network's ${report.sampled.parameters.toLocaleString("en-US")} parameters were checked. ` +
    "Each checked value costs two passes of the batch, too many for all of them, so, like the course's grad_check_sparse, " +
    `the check took up to ${report.sampled.perArray} values of each parameter array, drawn from the seed. The errors below are over those values; the heat maps leave the others blank.` });

  const kinks = report.kinks;
  const verdict = (v, id) => el("span", { class: `verdict ${v}`, "data-testid": id, text: READING_TEXT[v] });
  const rows = report.gradients.map((g) => el("tr", {},
    el("th", { scope: "row", class: "mono", text: g.name }),
    el("td", { text: g.checked ? `${shapeText(g.shape)}, ${g.checked.length} checked` : shapeText(g.shape) }),
    el("td", { class: "num mono", "data-testid": `gc-error-${g.name}`, text: sci(g.relError) }),
    el("td", {}, verdict(g.verdict, `gc-verdict-${g.name}`)),
    kinks && el("td", { class: "num mono" },
      el("span", { "data-testid": `gc-kinkfree-${g.name}`, text: sci(g.kinkFreeError) }),
      el("span", { class: "kink-count", text: g.kinked.length ? ` (${g.kinked.length} left out)` : "" })),
    kinks && el("td", {}, verdict(g.kinkFreeVerdict, `gc-kinkfree-verdict-${g.name}`))));
  const heads = ["Gradient", "Shape", "Relative error", "Reading", ...(kinks ? ["Without kinked steps", "Reading"] : [])];
  const table = el("table", { class: "lab-table", "data-testid": "gc-table" },
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows));

  const notes = [];
  if (s.precision === "f32") {
    notes.push(el("p", { class: "message notice", text: "In f32 a value carries about 7 significant digits, so f(x + h) − f(x − h) keeps only a few of them when h is small: the numerical gradient itself is inaccurate. This is why the course checks in f64." }));
  }
  const [correctBelow, wrongAbove] = [stepText(thresholds.correctBelow), stepText(thresholds.wrongAbove)];
  if (s.precision === "f64" && report.gradients.some((g) => g.verdict === "wrong") && s.injectBug) {
    notes.push(el("p", { class: "message notice", text: `A 1% error in a backward pass gives a relative error of about 5e-3: far above ${wrongAbove}, so the check catches it.` }));
  }
  // What the engine knows beyond the numbers (a bias cancelled by the batch norm after it).
  const gradientNotes = report.gradients.filter((g) => g.note).map((g) =>
    el("p", { class: "message notice", "data-testid": `gc-note-${g.name}`, text: `${g.name}: ${g.note}` }));
  return [
    summary,
    ...(sampled ? [sampled] : []),
    el("div", { class: "table-scroll" }, table),
    ...gradientNotes,
    ...(kinks ? renderKinks(report, { tryCourseScale, courseScale, correctBelow }) : []),
    el("p", { class: "hint", text: `The course's reading: below ${correctBelow} the gradient is correct; from ${correctBelow} to ${wrongAbove} it is suspicious (acceptable only where the function has kinks, like ReLU or max, near the inputs); above ${wrongAbove} it is probably wrong.` }),
    ...notes,
    heatmapLegend(thresholds),
    el("div", { class: "heatmaps" }, ...report.gradients.map((g) => createHeatmap(g, thresholds).element)),
  ];
}

const SITES = {
  convRelu: ["ReLU after the conv", "input"],
  pool: ["2×2 max pool", "window"],
  hiddenRelu: ["ReLU after the hidden layer", "input"],
  // A designed network's: each site names its layer as the table does, "layer 3 (relu)".
  relu: ["ReLU", "input"],
  maxPool: ["Max pool", "window"],
};

/** Where a group of sites is: its layer ("layer 3 (relu)") or the net's name for it. */
const siteName = (site) => site.layer ?? SITES[site.site][0];

/**
 * The whole net's kinks: how many ReLU inputs and pool windows were near or crossed, which.
 * `correctBelow`: the engine's threshold of a correct error, as text.
 */
function renderKinks(report, { tryCourseScale, courseScale, correctBelow }) {
  const { kinks, settings: s } = report;
  const crossed = kinks.sites.reduce((n, site) => n + site.crossed, 0);
  const summary = el("table", { class: "lab-table", "data-testid": "gc-kink-sites" },
    el("caption", { text: "Within reach: the distance to the kink is less than the most that one ±h step of any single parameter moved it. Crossed: some parameter's ±h step pushed it across (a ReLU input changed sign, or a pool window changed winner)." }),
    el("thead", {}, el("tr", {}, ...["Where", "Watched", "Within reach", "Crossed"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...kinks.sites.map((site) => el("tr", {},
      el("th", { scope: "row", text: siteName(site) }),
      el("td", { class: "num", text: `${site.total} ${SITES[site.site][1]}s` }),
      el("td", { class: "num", text: String(site.near) }),
      el("td", { class: "num", "data-testid": `gc-kinks-crossed-${site.layer ?? site.site}`, text: String(site.crossed) })))));
  const parts = [
    el("h4", { text: "Kinks" }),
    el("p", { text: "ReLU has a kink at 0 and max pool one wherever the two largest inputs of a window tie. If a ±h step moves an input across its kink, the centred difference averages two different slopes, and the relative error is large although the backward pass is right. The engine watched every ReLU input and pool window during all the steps of this check." }),
    el("div", { class: "table-scroll" }, summary),
  ];
  const designed = s.layer === "designed";
  if (crossed === 0) {
    const drawn = designed ? `with these weights (seed ${s.seed}) and h = ${stepText(s.step)}` : `with weight scale ${stepText(s.weightScale)} and seed ${s.seed}`;
    parts.push(el("p", { class: "message notice", "data-testid": "gc-kink-verdict" },
      `No ±h step crossed a kink: ${drawn} every input stays clear of its kink, so nothing had to be left out. `,
      ...(!designed && s.weightScale !== courseScale ? [
        "With the course's weight scale the activations are tiny and kinks are crossed: ",
        el("button", { type: "button", "data-action": "course-scale", onclick: tryCourseScale, text: `Try weight scale ${stepText(courseScale)}` }),
      ] : [])));
  } else {
    parts.push(el("p", { class: "message notice", "data-testid": "gc-kink-verdict", text:
      `${kinks.kinkedParameters} of ${kinks.parameters} parameters had a ±h step that crossed a kink. ` +
      "The last two columns of the table above leave exactly those parameters out: what remains is the error of the backward pass itself. " +
      "Kinked parameters are marked with a blue corner in the heat maps. " +
      (designed ? "To avoid kinks altogether, draw other weights and images (seed), or use a smaller h." : "To avoid kinks altogether, draw another net (seed), use a larger weight scale, or a smaller h.") }));
  }
  if (report.gradients.some((g) => g.kinkFreeVerdict !== "correct")) {
    parts.push(el("p", { class: "message notice", text:
      `Where no kink explains an error above ${correctBelow}, look at the heat maps: the worst elements have the smallest gradients. Their centred difference f(x + h) − f(x − h) is only a few rounding errors of the loss (about 1e-16 × ln 10) large, so their relative error is large too. Small weights make small gradients — this is why the course accepts errors up to 1e-2 in its full-net check.` }));
  }
  if (kinks.nearest.length) {
    const name = (k) => `${siteName(k)} ${SITES[k.site][1]} [${k.index.join(",")}]`;
    parts.push(el("div", { class: "table-scroll" }, el("table", { class: "lab-table", "data-testid": "gc-kinks" },
      el("caption", { text: `The ${kinks.nearest.length} closest to their kinks (crossed first). Distance: |v| for a ReLU input, the winner's lead over the runner-up for a pool window; reach: the most one ±h step moved it.` }),
      el("thead", {}, el("tr", {}, ...["Where", "Distance", "Reach", "Crossed by", "e.g."].map((h) => el("th", { scope: "col", text: h })))),
      el("tbody", {}, ...kinks.nearest.map((k) => el("tr", { class: k.crossings ? "crossed" : "" },
        el("th", { scope: "row", text: name(k) }),
        el("td", { class: "num mono", text: sci(k.margin) }),
        el("td", { class: "num mono", text: sci(k.reach) }),
        el("td", { class: "num", text: k.crossings ? `${k.crossings} parameter${k.crossings === 1 ? "" : "s"}` : "—" }),
        el("td", { class: "mono", text: k.example ? `${k.example[0]}${indexOf(report, k.example)}` : "" })))))));
  }
  return parts;
}

/** The index of a gradient element (`[name, flat index]`) as "[1,0,2,2]". */
function indexOf(report, [name, i]) {
  const g = report.gradients.find((x) => x.name === name);
  return g ? indexText(g.shape, i) : `[${i}]`;
}
