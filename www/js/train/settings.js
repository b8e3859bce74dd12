// The training settings: which page-state value (and so which URL key) holds which engine
// setting, and the form that edits them. One table, FIELDS, drives reading, writing and the form.

import { t } from "../i18n/i18n.js";
import { el } from "../widgets/dom.js";

/** Image sides offered per dataset. */
export const SIZES = { figures: [16, 32], digits: [8, 16], own: [16, 32] };

/**
 * Every setting: `prop` (its name in state.js PROPS and the URL), `group` ("data" or "run"),
 * `key` (the engine's field) and `input` ("int", "float", "bool", "select", "size"). Its label and
 * hint are the catalog's `train.field.<prop>` and `train.hint.<prop>` (see `labelOf`, `hintOf`).
 */
export const FIELDS = [
  { prop: "tsize", group: "data", key: "size", input: "size" },
  { prop: "tntrain", group: "data", key: "nTrain", input: "int", min: 1 },
  { prop: "tnval", group: "data", key: "nVal", input: "int", min: 1 },
  { prop: "tdseed", group: "data", key: "seed", input: "int", min: 0 },
  { prop: "tnet", group: "run", key: "network", input: "network" },
  { prop: "tinit", group: "run", key: "init", input: "select", options: ["he", "scale"], optionLabels: { he: () => "He", scale: () => t("train.option.scale") } },
  { prop: "tloss", group: "run", key: "loss", input: "select", options: ["softmax", "svm"], optionLabels: { softmax: () => "softmax", svm: () => "SVM" } },
  { prop: "tf", group: "run", key: "numFilters", input: "int", min: 1 },
  { prop: "tk", group: "run", key: "filterSize", input: "select", options: [1, 3, 5, 7, 9] },
  { prop: "th", group: "run", key: "hiddenDim", input: "int", min: 1 },
  { prop: "tbn", group: "run", key: "batchnorm", input: "bool" },
  { prop: "tws", group: "run", key: "weightScale", input: "float" },
  { prop: "topt", group: "run", key: "updateRule", input: "select", options: ["sgd", "sgd_momentum", "rmsprop", "adam"], optionLabels: { sgd_momentum: () => t("train.option.momentum") } },
  { prop: "tlr", group: "run", key: "learningRate", input: "float" },
  { prop: "tdecay", group: "run", key: "lrDecay", input: "float" },
  { prop: "treg", group: "run", key: "reg", input: "float" },
  { prop: "tbatch", group: "run", key: "batchSize", input: "int", min: 1 },
  { prop: "tep", group: "run", key: "numEpochs", input: "int", min: 1 },
  { prop: "tseed", group: "run", key: "seed", input: "int", min: 0 },
];

/** A field's label and hint in the page's language. */
export const labelOf = (f) => t(`train.field.${f.prop}`);
export const hintOf = (f) => t(`train.hint.${f.prop}`);

/** `{ data, run }` as the engine takes them, from the page state. */
export function readSettings(state) {
  const data = { dataset: state.get("tds") };
  const run = {};
  for (const f of FIELDS) (f.group === "data" ? data : run)[f.key] = state.get(f.prop);
  return { data, run };
}

/** Writes `{ data, run }` (e.g. a preset from the engine) into the page state. */
export function writeSettings(state, { data, run }) {
  if (data?.dataset) state.set("tds", data.dataset);
  for (const f of FIELDS) {
    const source = f.group === "data" ? data : run;
    if (source && source[f.key] !== undefined) state.set(f.prop, source[f.key]);
  }
}

/** Props of the three-layer net's own fields, hidden while a designed network is trained. */
const THREE_LAYER_PROPS = ["tf", "tk", "th", "tbn"];

/**
 * The settings form. `onPreset(name)` for the preset buttons, `networkPresets` (the engine's
 * ready-made networks) with `onNetworkPreset(preset)`. Reflects the state on `sync()`.
 */
export function createSettingsForm({ state, onPreset, networkPresets = [], onNetworkPreset }) {
  const inputs = new Map();
  const datasetRadios = ["figures", "digits", "own"].map((v) => {
    const input = el("input", { type: "radio", name: "tds", value: v });
    input.addEventListener("change", () => input.checked && state.set("tds", v));
    return input;
  });
  const datasetSet = el("fieldset", { class: "radios" }, el("legend", { text: t("train.dataset.legend") }),
    ...datasetRadios.map((input) => el("label", {}, input, el("span", { text: t(`train.dataset.${input.value}`) }))));

  function field(f) {
    let input;
    if (f.input === "network") {
      input = el("textarea", { name: f.prop, rows: 3, spellcheck: "false", "data-testid": "train-network", placeholder: "conv3x3-16 pad1, relu, pool2, fc5" });
      input.addEventListener("change", () => state.set(f.prop, input.value.trim()));
      return { input, element: el("label", { class: "field wide network-field", title: hintOf(f) }, el("span", { text: labelOf(f) }), input,
        el("span", { class: "hint", text: t("train.network.empty") })) };
    }
    if (f.input === "bool") {
      input = el("input", { type: "checkbox", name: f.prop });
      input.addEventListener("change", () => state.set(f.prop, input.checked));
      return { input, element: el("label", { class: "field check", title: hintOf(f) }, input, el("span", { text: labelOf(f) })) };
    }
    if (f.input === "select" || f.input === "size") {
      input = el("select", { name: f.prop });
      const numeric = f.input === "size" || typeof f.options[0] === "number";
      input.addEventListener("change", () => state.set(f.prop, numeric ? Number(input.value) : input.value));
    } else if (f.input === "float") {
      input = el("input", { type: "text", name: f.prop, inputmode: "decimal", size: 7, spellcheck: "false" });
      input.addEventListener("change", () => {
        const v = Number(input.value);
        if (input.value.trim() !== "" && Number.isFinite(v)) state.set(f.prop, v);
        else input.value = String(state.get(f.prop));
      });
    } else {
      input = el("input", { type: "number", name: f.prop, min: f.min, step: 1, inputmode: "numeric" });
      input.addEventListener("change", () => {
        if (Number.isInteger(input.valueAsNumber)) state.set(f.prop, input.valueAsNumber);
        else input.value = String(state.get(f.prop));
      });
    }
    return { input, element: el("label", { class: "field", title: hintOf(f) }, el("span", { text: labelOf(f) }), input) };
  }

  const groups = { data: [], run: [] };
  for (const f of FIELDS) {
    const made = field(f);
    inputs.set(f.prop, { ...made, f });
    groups[f.group].push(made.element);
  }
  const presets = el("div", { class: "presets" },
    el("span", { class: "field-label", text: t("train.presets.label") }),
    el("button", { type: "button", "data-preset": "overfit", text: t("train.presets.overfit"), onclick: () => onPreset("overfit") }),
    el("button", { type: "button", "data-preset": "full", text: t("train.presets.full"), onclick: () => onPreset("full") }));
  const networks = el("div", { class: "presets network-presets" },
    el("span", { class: "field-label", text: t("train.networks.label") }),
    ...networkPresets.map((p) => el("button", { type: "button", "data-network-preset": p.name, text: p.label, onclick: () => onNetworkPreset(p) })));
  const ownNote = el("p", { class: "hint", text: t("train.own.split") });
  const byProp = (prop) => inputs.get(prop).element;
  const modelTitle = el("p", { class: "field-label group-title" });
  const element = el("div", { class: "train-settings" },
    el("div", { class: "controls" }, datasetSet, presets),
    el("div", { class: "numbers" }, ...groups.data), ownNote,
    modelTitle, networks, byProp("tnet"),
    el("div", { class: "numbers" }, ...["tinit", "tloss", ...THREE_LAYER_PROPS, "tws"].map(byProp)),
    el("p", { class: "field-label group-title", text: t("train.card.training") }),
    el("div", { class: "numbers" }, ...FIELDS.filter((f) => f.group === "run" && !["tnet", "tinit", "tloss", ...THREE_LAYER_PROPS, "tws"].includes(f.prop)).map((f) => byProp(f.prop))));

  function sync() {
    const ds = state.get("tds");
    datasetRadios.forEach((r) => (r.checked = r.value === ds));
    for (const [prop, { input, f }] of inputs) {
      const v = state.get(prop);
      if (f.input === "size" || f.input === "select") {
        // A value from a link that is not among the usual choices is offered too.
        const options = f.input === "size" ? SIZES[ds] : f.options;
        const all = options.includes(v) ? options : [...options, v];
        const key = all.join(",");
        if (input.dataset.options !== key) {
          input.replaceChildren(...all.map((o) => el("option", {
            value: String(o), text: f.input === "size" ? `${o}×${o}` : f.optionLabels?.[o]?.() ?? String(o).replace("_", " "),
          })));
          input.dataset.options = key;
        }
      }
      if (f.input === "bool") input.checked = v;
      else if (document.activeElement !== input || (f.input !== "float" && f.input !== "network")) input.value = String(v);
    }
    const own = ds === "own";
    for (const p of ["tntrain", "tnval"]) inputs.get(p).element.hidden = own;
    ownNote.hidden = !own;
    // The three-layer net's fields only for it; the initialisation only for a designed network
    // (the three-layer net uses the weight scale, as the course), the scale whenever it is used.
    const designed = state.get("tnet") !== "";
    modelTitle.textContent = t(designed ? "train.model.designed" : "train.model.threeLayer");
    for (const p of THREE_LAYER_PROPS) byProp(p).hidden = designed;
    byProp("tinit").hidden = !designed;
    byProp("tws").hidden = designed && state.get("tinit") === "he";
  }
  sync();

  return {
    element,
    sync,
    /** While a run goes, the settings are locked (they apply to the next run). */
    setDisabled(disabled) {
      for (const { input } of inputs.values()) input.disabled = disabled;
      for (const r of datasetRadios) r.disabled = disabled;
      for (const b of presets.querySelectorAll("button")) b.disabled = disabled;
      for (const b of networks.querySelectorAll("button")) b.disabled = disabled;
    },
  };
}
