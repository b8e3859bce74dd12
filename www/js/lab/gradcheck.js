// The gradient check section: pick a layer and its shapes, the seed, the step h, f64 or f32 and
// whether to break the backward pass on purpose; Run computes the analytic and numerical
// gradients in the worker; the result is a table of relative errors with the course's reading and
// a heat map per gradient. Settings live in the URL (state props g…). The choice "designed"
// checks the Shapes panel's network table (state prop `net`, "" the lecture's network).

import { t } from "../i18n/i18n.js";
import { el, numberField, radioGroup } from "../widgets/dom.js";
import { createHeatmap, heatmapLegend } from "./heatmap.js";
import { createRunner } from "./runner.js";
import { indexText, sci, shapeText, stepText } from "./stats.js";

/**
 * Engine field name → [state prop, label, hint, min]. A label or hint is a symbol ("N") or the
 * key of its text in the lab catalog ("lab.stride"), written when the panel is built.
 */
const FIELDS = {
  n: ["gn", "N", "lab.hintBatch", 1],
  c: ["gc", "C", "lab.hintChannels", 1],
  h: ["gh", "H", "lab.hintHeight", 1],
  w: ["gw", "W", "lab.hintWidth", 1],
  f: ["gf", "K", "lab.hintFilters", 1],
  filterSize: ["gk", "F", "lab.hintFilterSize", 1],
  stride: ["gs", "lab.stride", "lab.hintStride", 1],
  pad: ["gp", "lab.pad", "lab.hintPad", 0],
  hidden: ["ghid", "lab.hidden", "lab.hintHidden", 1],
};

/** Labels that differ for some layers (symbols or keys, as in FIELDS). */
const LABELS = {
  affine: { f: ["M", "lab.hintAffineOutputs"] },
  maxpool: { filterSize: ["lab.window", "lab.hintWindow"] },
  softmax: { c: ["C", "lab.hintClasses"] },
  svm: { c: ["C", "lab.hintClasses"] },
  net: {
    f: ["K", "lab.hintNetFilters"],
    filterSize: ["F", "lab.hintNetFilterSize"],
  },
  designed: { n: ["N", "lab.hintDesignedN"] },
};

/** A label of FIELDS or LABELS as text: a key's text, a symbol as it is. */
const words = (label) => (label.startsWith("lab.") ? t(label) : label);

/** The layers the lab catalog names; another layer the engine adds keeps the engine's title. */
const TITLED = ["affine", "relu", "conv", "maxpool", "softmax", "svm", "batchnorm", "net", "designed"];
const layerTitle = (l) => (TITLED.includes(l.name) ? t(`lab.layer.${l.name}`) : l.title);

export function createGradCheck({ engine, state, client }) {
  const layers = engine.labLayers();
  // The course's reading is the engine's: each gradient's verdict comes in the report, and its
  // thresholds (for the texts and the heat maps' colours) from here.
  const thresholds = engine.labThresholds();
  // The course's ThreeLayerConvNet weight scale, which the net section offers to try.
  const courseScale = engine.courseWeightScale();
  const byName = new Map(layers.map((l) => [l.name, l]));

  const layerSelect = el("select", { name: "lab-layer", "aria-label": t("lab.layerSelect"), "data-setting": "gl" },
    ...layers.map((l) => el("option", { value: l.name, text: layerTitle(l) })));
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
  const useExample = el("button", { type: "button", "data-action": "example-network", text: t("lab.useExample") });
  useExample.addEventListener("click", () => state.set("net", exampleText));
  const editTable = el("button", { type: "button", "data-action": "edit-network", text: t("lab.editTable") });
  editTable.addEventListener("click", () => state.set("tab", "shapes"));
  const netBox = el("div", { class: "designed-network", "data-testid": "gc-designed" },
    el("p", {}, el("span", { class: "label", text: t("lab.networkLabel") }), netText),
    el("p", { class: "hint", text: t("lab.networkHint") }),
    el("div", { class: "run-row" }, useExample, editTable));
  const showNetwork = () => {
    const text = state.get("net");
    netText.textContent = text || t("lab.lectureNetwork", { text: lectureText });
    useExample.hidden = text === exampleText;
  };
  showNetwork();

  const fields = new Map();
  const shapeBox = el("div", { class: "numbers" });
  for (const [field, [prop, label, hint, min]] of Object.entries(FIELDS)) {
    const { field: box, input } = numberField({
      label: words(label), name: `lab-${prop}`, value: state.get(prop), min, hint: words(hint),
      onInput: (v) => Number.isInteger(v) && state.set(prop, v),
    });
    fields.set(field, { box, input, prop });
    shapeBox.append(box);
  }
  const seed = numberField({
    label: t("lab.seed"), name: "lab-gseed", value: state.get("gseed"), min: 0, hint: t("lab.hintSeed"),
    onInput: (v) => Number.isInteger(v) && state.set("gseed", v),
  });
  const step = decimalField({ state, prop: "gstep", label: t("lab.step"), hint: t("lab.hintStep") });
  const scale = decimalField({ state, prop: "gws", label: t("lab.weightScale"), hint: t("lab.hintWeightScale") });
  // A designed network's weights: He (the default), or every weight from the weight scale.
  const init = radioGroup({
    legend: t("lab.init"), name: "lab-ginit", value: state.get("ginit"),
    options: [["he", t("lab.initHeOption")], ["scale", t("lab.initScaleOption")]],
    onChange: (v) => state.set("ginit", v),
  });
  const precision = radioGroup({
    legend: t("lab.precision"), name: "lab-gprec", value: state.get("gprec"),
    options: [["f64", "f64"], ["f32", "f32"]],
    onChange: (v) => state.set("gprec", v),
  });
  const bug = el("input", { type: "checkbox", name: "lab-gbug", checked: state.get("gbug") });
  bug.addEventListener("change", () => state.set("gbug", bug.checked));
  const bugLabel = el("label", { class: "check", title: t("lab.hintBug") },
    bug, el("span", { text: t("lab.bug") }));

  function showFields() {
    const layer = byName.get(state.get("gl"));
    const drawnFromScale = layer.fields.includes("init") && state.get("ginit") === "scale";
    scale.field.hidden = !layer.fields.includes("weightScale") && !drawnFromScale;
    init.set.hidden = !layer.fields.includes("init");
    netBox.hidden = !layer.fields.includes("network");
    const labels = LABELS[layer.name] ?? {};
    for (const [field, { box, input }] of fields) {
      const used = layer.fields.includes(field);
      box.hidden = !used;
      input.disabled = !used;
      const [label, hint] = labels[field] ?? [FIELDS[field][1], FIELDS[field][2]];
      box.querySelector("span").textContent = words(label);
      box.title = words(hint);
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
    if (layer.fields.includes("init")) s.init = state.get("ginit");
    return s;
  }

  const results = el("div", { class: "lab-results", "data-testid": "gc-results" });
  const runner = createRunner({
    client, section: "gc", kind: "gradcheck", label: t("lab.runCheck"),
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
    if (changed.includes("ginit")) init.select(state.get("ginit"));
    if (changed.includes("gbug")) bug.checked = state.get("gbug");
    if (changed.includes("net")) showNetwork();
    showFields();
  });
  showFields();

  const element = el("section", { class: "card lab-part", "aria-labelledby": "lab-gc-title" },
    el("h3", { id: "lab-gc-title", text: t("lab.gcTitle") }),
    el("p", { text: t("lab.gcIntro") }),
    el("div", { class: "controls" },
      el("label", { class: "field" }, el("span", { text: t("lab.layer") }), layerSelect),
      shapeBox,
      el("div", { class: "numbers" }, scale.field, seed.field, step.field),
      netBox,
      init.set, precision.set, bugLabel),
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
  const bug = s.injectBug ? t("lab.bugInjected", { name: report.gradients[0].name }) : "";
  const what = s.layer !== "designed" ? s.layer
    : s.network ? t("lab.whatDesigned", { network: s.network }) : t("lab.whatLecture");
  const scaled = t("lab.initScale", { scale: stepText(s.weightScale) });
  const init = { net: scaled, designed: s.init === "he" ? t("lab.initHe") : scaled };
  // Seeds and counts as typed (String): the catalog would group a number's digits.
  const summary = el("p", { class: "checked", "data-testid": "gc-summary", text: t("lab.summary", {
    what, inputs, init: init[s.layer] ?? "", seed: String(s.seed), h: stepText(s.step), precision: s.precision, bug,
  }) });
  const sampled = report.sampled && el("p", { class: "message notice", "data-testid": "gc-sampled", text: t("lab.sampled", {
    checked: report.sampled.checked, parameters: report.sampled.parameters, perArray: String(report.sampled.perArray),
  }) });

  const kinks = report.kinks;
  const verdict = (v, id) => el("span", { class: `verdict ${v}`, "data-testid": id, text: t(`lab.verdict.${v}`) });
  const rows = report.gradients.map((g) => el("tr", {},
    el("th", { scope: "row", class: "mono", text: g.name }),
    el("td", { text: g.checked ? t("lab.shapeChecked", { shape: shapeText(g.shape), n: String(g.checked.length) }) : shapeText(g.shape) }),
    el("td", { class: "num mono", "data-testid": `gc-error-${g.name}`, text: sci(g.relError) }),
    el("td", {}, verdict(g.verdict, `gc-verdict-${g.name}`)),
    kinks && el("td", { class: "num mono" },
      el("span", { "data-testid": `gc-kinkfree-${g.name}`, text: sci(g.kinkFreeError) }),
      el("span", { class: "kink-count", text: g.kinked.length ? t("lab.leftOut", { n: String(g.kinked.length) }) : "" })),
    kinks && el("td", {}, verdict(g.kinkFreeVerdict, `gc-kinkfree-verdict-${g.name}`))));
  const heads = [t("lab.headGradient"), t("lab.headShape"), t("lab.headError"), t("lab.headReading"),
    ...(kinks ? [t("lab.headKinkFree"), t("lab.headReading")] : [])];
  const table = el("table", { class: "lab-table", "data-testid": "gc-table" },
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...rows));

  const notes = [];
  if (s.precision === "f32") {
    notes.push(el("p", { class: "message notice", text: t("lab.noteF32") }));
  }
  const [correctBelow, wrongAbove] = [stepText(thresholds.correctBelow), stepText(thresholds.wrongAbove)];
  if (s.precision === "f64" && report.gradients.some((g) => g.verdict === "wrong") && s.injectBug) {
    notes.push(el("p", { class: "message notice", text: t("lab.noteBug", { wrong: wrongAbove }) }));
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
    el("p", { class: "hint", text: t("lab.readingHint", { correct: correctBelow, wrong: wrongAbove }) }),
    ...notes,
    heatmapLegend(thresholds),
    el("div", { class: "heatmaps" }, ...report.gradients.map((g) => createHeatmap(g, thresholds).element)),
  ];
}

/** What a site watches: a ReLU's inputs, a max pool's windows (the words' keys' suffix). */
const SITES = {
  convRelu: "input",
  pool: "window",
  hiddenRelu: "input",
  // A designed network's: each site names its layer as the table does, "layer 3 (relu)".
  relu: "input",
  maxPool: "window",
};

/** Where a group of sites is: its layer ("layer 3 (relu)", the engine's) or the net's name for it. */
const siteName = (site) => site.layer ?? t(`lab.site.${site.site}`);

/**
 * The whole net's kinks: how many ReLU inputs and pool windows were near or crossed, which.
 * `correctBelow`: the engine's threshold of a correct error, as text.
 */
function renderKinks(report, { tryCourseScale, courseScale, correctBelow }) {
  const { kinks, settings: s } = report;
  const crossed = kinks.sites.reduce((n, site) => n + site.crossed, 0);
  const summary = el("table", { class: "lab-table", "data-testid": "gc-kink-sites" },
    el("caption", { text: t("lab.sitesCaption") }),
    el("thead", {}, el("tr", {}, ...["headWhere", "headWatched", "headNear", "headCrossed"].map((h) => el("th", { scope: "col", text: t(`lab.${h}`) })))),
    el("tbody", {}, ...kinks.sites.map((site) => el("tr", {},
      el("th", { scope: "row", text: siteName(site) }),
      el("td", { class: "num", text: t(`lab.watched.${SITES[site.site]}`, { n: String(site.total) }) }),
      el("td", { class: "num", text: String(site.near) }),
      el("td", { class: "num", "data-testid": `gc-kinks-crossed-${site.layer ?? site.site}`, text: String(site.crossed) })))));
  const parts = [
    el("h4", { text: t("lab.kinks") }),
    el("p", { text: t("lab.kinksIntro") }),
    el("div", { class: "table-scroll" }, summary),
  ];
  const designed = s.layer === "designed";
  if (crossed === 0) {
    const drawn = designed
      ? t("lab.drawnDesigned", { seed: String(s.seed), h: stepText(s.step) })
      : t("lab.drawnNet", { scale: stepText(s.weightScale), seed: String(s.seed) });
    parts.push(el("p", { class: "message notice", "data-testid": "gc-kink-verdict" },
      t("lab.noKinks", { drawn }),
      ...(!designed && s.weightScale !== courseScale ? [
        t("lab.courseScale"),
        el("button", { type: "button", "data-action": "course-scale", onclick: tryCourseScale, text: t("lab.tryScale", { scale: stepText(courseScale) }) }),
      ] : [])));
  } else {
    parts.push(el("p", { class: "message notice", "data-testid": "gc-kink-verdict", text: t("lab.kinked", {
      kinked: String(kinks.kinkedParameters), parameters: String(kinks.parameters),
      advice: t(designed ? "lab.adviceDesigned" : "lab.adviceNet"),
    }) }));
  }
  if (report.gradients.some((g) => g.kinkFreeVerdict !== "correct")) {
    parts.push(el("p", { class: "message notice", text: t("lab.smallGradients", { correct: correctBelow }) }));
  }
  if (kinks.nearest.length) {
    const name = (k) => t(`lab.kinkAt.${SITES[k.site]}`, { where: siteName(k), index: `[${k.index.join(",")}]` });
    parts.push(el("div", { class: "table-scroll" }, el("table", { class: "lab-table", "data-testid": "gc-kinks" },
      el("caption", { text: t("lab.nearestCaption", { n: String(kinks.nearest.length) }) }),
      el("thead", {}, el("tr", {}, ...["headWhere", "headDistance", "headReach", "headCrossedBy", "headExample"]
        .map((h) => el("th", { scope: "col", text: t(`lab.${h}`) })))),
      el("tbody", {}, ...kinks.nearest.map((k) => el("tr", { class: k.crossings ? "crossed" : "" },
        el("th", { scope: "row", text: name(k) }),
        el("td", { class: "num mono", text: sci(k.margin) }),
        el("td", { class: "num mono", text: sci(k.reach) }),
        el("td", { class: "num", text: k.crossings ? t("lab.crossings", { n: k.crossings }) : "—" }),
        el("td", { class: "mono", text: k.example ? `${k.example[0]}${indexOf(report, k.example)}` : "" })))))));
  }
  return parts;
}

/** The index of a gradient element (`[name, flat index]`) as "[1,0,2,2]". */
function indexOf(report, [name, i]) {
  const g = report.gradients.find((x) => x.name === name);
  return g ? indexText(g.shape, i) : `[${i}]`;
}
