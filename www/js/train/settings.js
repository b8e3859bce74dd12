// The training settings: which page-state value (and so which URL key) holds which engine
// setting, and the form that edits them. One table, FIELDS, drives reading, writing and the form.

import { el } from "../widgets/dom.js";

/** Image sides offered per dataset. */
export const SIZES = { figures: [16, 32], digits: [8, 16], own: [16, 32] };

/**
 * Every setting: `prop` (its name in state.js PROPS and the URL), `group` ("data" or "run"),
 * `key` (the engine's field), `label`, `input` ("int", "float", "bool", "select", "size") and a hint.
 */
export const FIELDS = [
  { prop: "tsize", group: "data", key: "size", label: "Image side", input: "size", hint: "Images are side × side pixels: smaller trains faster." },
  { prop: "tntrain", group: "data", key: "nTrain", label: "Training examples", input: "int", min: 1, hint: "How many examples the net learns from." },
  { prop: "tnval", group: "data", key: "nVal", label: "Validation examples", input: "int", min: 1, hint: "Held-out examples: the net never trains on them." },
  { prop: "tdseed", group: "data", key: "seed", label: "Data seed", input: "int", min: 0, hint: "Fixes the generated figures (and the order of your own images)." },
  { prop: "tnet", group: "run", key: "network", label: "Designed network", input: "network", hint: "Layers as the Shapes panel's table writes them (its “Train this network” fills this in); the input is the dataset's images and the last layer must be fc with one output per class. Empty: the assignment's three-layer net below." },
  { prop: "tinit", group: "run", key: "init", label: "Initialisation", input: "select", options: ["he", "scale"], optionLabels: { he: "He", scale: "weight scale" }, hint: "He: each layer's weights drawn with std sqrt(2 / fan_in), which keeps the signal's scale through ReLUs. Weight scale: one std for every layer, as the course's three-layer net." },
  { prop: "tloss", group: "run", key: "loss", label: "Loss", input: "select", options: ["softmax", "svm"], optionLabels: { softmax: "softmax", svm: "SVM" }, hint: "Softmax (cross-entropy) or the multiclass SVM on the class scores." },
  { prop: "tf", group: "run", key: "numFilters", label: "Filters K", input: "int", min: 1, hint: "Number of conv filters: one activation map each." },
  { prop: "tk", group: "run", key: "filterSize", label: "Filter size F", input: "select", options: [1, 3, 5, 7, 9], hint: "F×F filters, stride 1, pad (F − 1)/2." },
  { prop: "th", group: "run", key: "hiddenDim", label: "Hidden size", input: "int", min: 1, hint: "Neurons of the hidden fully connected layer." },
  { prop: "tbn", group: "run", key: "batchnorm", label: "Spatial batch norm", input: "bool", hint: "Normalise each conv channel over the batch, before the ReLU." },
  { prop: "tws", group: "run", key: "weightScale", label: "Weight scale", input: "float", hint: "Standard deviation of the initial weights." },
  { prop: "topt", group: "run", key: "updateRule", label: "Optimizer", input: "select", options: ["sgd", "sgd_momentum", "rmsprop", "adam"], hint: "The update rule (course defaults for momentum, decay rate and betas)." },
  { prop: "tlr", group: "run", key: "learningRate", label: "Learning rate", input: "float", hint: "Step size of each update." },
  { prop: "tdecay", group: "run", key: "lrDecay", label: "LR decay per epoch", input: "float", hint: "The learning rate is multiplied by this after every epoch (1 keeps it)." },
  { prop: "treg", group: "run", key: "reg", label: "Regularization", input: "float", hint: "L2 strength: the loss adds 0.5·reg·ΣW²." },
  { prop: "tbatch", group: "run", key: "batchSize", label: "Batch size", input: "int", min: 1, hint: "Examples per iteration." },
  { prop: "tep", group: "run", key: "numEpochs", label: "Epochs", input: "int", min: 1, hint: "Passes over the training set." },
  { prop: "tseed", group: "run", key: "seed", label: "Seed", input: "int", min: 0, hint: "Fixes the initial weights and the minibatch order." },
];

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
  const datasetSet = el("fieldset", { class: "radios" }, el("legend", { text: "Dataset" }),
    ...datasetRadios.map((input, i) => el("label", {}, input, el("span", { text: ["Geometric figures", "Digits", "Your own"][i] }))));

  function field(f) {
    let input;
    if (f.input === "network") {
      input = el("textarea", { name: f.prop, rows: 3, spellcheck: "false", "data-testid": "train-network", placeholder: "conv3x3-16 pad1, relu, pool2, fc5" });
      input.addEventListener("change", () => state.set(f.prop, input.value.trim()));
      return { input, element: el("label", { class: "field wide network-field", title: f.hint }, el("span", { text: f.label }), input,
        el("span", { class: "hint", text: "Empty: the assignment's three-layer net (K, F, hidden, batch norm below)." })) };
    }
    if (f.input === "bool") {
      input = el("input", { type: "checkbox", name: f.prop });
      input.addEventListener("change", () => state.set(f.prop, input.checked));
      return { input, element: el("label", { class: "field check", title: f.hint }, input, el("span", { text: f.label })) };
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
    return { input, element: el("label", { class: "field", title: f.hint }, el("span", { text: f.label }), input) };
  }

  const groups = { data: [], run: [] };
  for (const f of FIELDS) {
    const made = field(f);
    inputs.set(f.prop, { ...made, f });
    groups[f.group].push(made.element);
  }
  const presets = el("div", { class: "presets" },
    el("span", { class: "field-label", text: "Presets:" }),
    el("button", { type: "button", "data-preset": "overfit", text: "Overfit 100 examples", onclick: () => onPreset("overfit") }),
    el("button", { type: "button", "data-preset": "full", text: "Full dataset", onclick: () => onPreset("full") }));
  const networks = el("div", { class: "presets network-presets" },
    el("span", { class: "field-label", text: "Networks:" }),
    ...networkPresets.map((p) => el("button", { type: "button", "data-network-preset": p.name, text: p.label, onclick: () => onNetworkPreset(p) })));
  const ownNote = el("p", { class: "hint", text: "Your own images: 4 of every 5 train, 1 validates." });
  const byProp = (prop) => inputs.get(prop).element;
  const modelTitle = el("p", { class: "field-label group-title" });
  const element = el("div", { class: "train-settings" },
    el("div", { class: "controls" }, datasetSet, presets),
    el("div", { class: "numbers" }, ...groups.data), ownNote,
    modelTitle, networks, byProp("tnet"),
    el("div", { class: "numbers" }, ...["tinit", "tloss", ...THREE_LAYER_PROPS, "tws"].map(byProp)),
    el("p", { class: "field-label group-title", text: "Training" }),
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
            value: String(o), text: f.input === "size" ? `${o}×${o}` : f.optionLabels?.[o] ?? String(o).replace("_", " "),
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
    modelTitle.textContent = designed
      ? "Model: the designed network below (input: the dataset's images)"
      : "Model: conv – relu – 2×2 max pool – affine – relu – affine (the assignment's three-layer net)";
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
