// The network table: an editable stack of conv / relu / pool / dropout / batch norm / fc layers on an input, with each
// layer's output shape, parameters, multiply-adds and memory from the engine's network walk, the
// failing layer marked with the engine's message, and the fully connected comparison.
// The network lives in the URL in the engine's compact text form (state "net"; empty = lecture).

import { attempt } from "../engine.js";
import { t } from "../i18n/i18n.js";
import { el, marked, say } from "./dom.js";

/** The kinds of layer and their names in the page's language (i18n/shapes.js `kind<Name>`). */
const KINDS = [["conv", "Conv"], ["relu", "Relu"], ["pool", "Pool"], ["avgpool", "Avgpool"], ["dropout", "Dropout"], ["bn", "Bn"], ["fc", "Fc"]];
const kindName = (name) => t(`shapes.kind${name}`);

/** The Shapes catalog's text `key`; counts already written (count()), other numbers as typed. */
function words(key, params = {}) {
  const text = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "number" ? String(v) : v]));
  return t(`shapes.${key}`, text);
}

/** The settings of each kind of layer: [key, label, what (i18n/shapes.js `field<What>`; the label
 * too when it is ""), min, step]. Labels are the page's notation
 * (K filters of F×F, stride S, pad P; the legend in the header says so). Settings are whole
 * numbers, except dropout's p (the probability of keeping a unit, in (0, 1]). */
const FIELDS = {
  conv: [["filters", "K", "Filters", 1], ["size", "F", "Size", 1], ["stride", "S", "Stride", 1], ["pad", "P", "Pad", 0]],
  relu: [],
  pool: [["size", "F", "Size", 1], ["stride", "S", "Stride", 1]],
  avgpool: [["size", "F", "Size", 1], ["stride", "S", "Stride", 1]],
  dropout: [["p", "p", "Keep", 0.05, 0.05]],
  bn: [],
  fc: [["outputs", "", "Outputs", 1]],
};

/** The column headings; on a phone each cell repeats its own as a label (css/style.css). */
const HEADINGS = ["#", "headLayer", "headSettings", "headOutput", "headParams", "headMacs", "headMemory", ""];

/** A new layer of `type` with the course's usual settings. */
const FRESH = {
  conv: () => ({ type: "conv", filters: 16, size: 3, stride: 1, pad: 1 }),
  relu: () => ({ type: "relu" }),
  pool: () => ({ type: "pool", size: 2, stride: 2 }),
  avgpool: () => ({ type: "avgpool", size: 2, stride: 2 }),
  dropout: () => ({ type: "dropout", p: 0.5 }),
  bn: () => ({ type: "bn" }),
  fc: () => ({ type: "fc", outputs: 10 }),
};

const count = (n) => n.toLocaleString("en-US");

function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

const shapeText = (s) => `${s.h}×${s.w}×${s.c}`;

export function createNetworkTable({ engine, state }) {
  const textInput = el("input", { type: "text", class: "net-text", "aria-label": words("netText"), spellcheck: "false" });
  const apply = el("button", { type: "button", text: words("applyText") });
  const lecture = el("button", { type: "button", text: words("lectureNetwork") });
  const message = el("p", { class: "message error", role: "alert", hidden: true, "data-testid": "net-message" });
  const inputFields = el("div", { class: "numbers" });
  const body = el("tbody");
  const foot = el("tfoot");
  const table = el("table", { class: "network", "data-testid": "network-table" },
    el("caption", { text: words("netCaption") }),
    el("thead", {}, el("tr", {}, ...HEADINGS.map((h) =>
      el("th", { scope: "col", text: h.startsWith("head") ? words(h) : h })))),
    body, foot);
  const addKind = el("select", { "aria-label": words("addKind") },
    ...KINDS.map(([v, name]) => el("option", { value: v, text: kindName(name) })));
  const add = el("button", { type: "button", text: words("addLayer") });
  const comparison = el("div", { class: "comparison", "data-testid": "fc-comparison" });
  // The engine's ready-made networks (the assignment's, the lecture's, LeNet-like), and the way
  // to the Train panel: it trains exactly this text, on the dataset's images.
  const presets = attempt(() => engine.networkPresets()).value ?? [];
  const presetButtons = presets.map((p) => el("button", { type: "button", "data-network-preset": p.name, text: p.label,
    onclick: () => {
      const parsed = attempt(() => engine.parseNetwork(p.text));
      if (parsed.error) return say(message, parsed.error, "error");
      network = parsed.value;
      commit({ rebuild: true });
    } }));
  const train = el("button", { type: "button", class: "primary", "data-action": "train-network", text: words("trainThis"),
    onclick: () => trainThis() });

  const element = el("section", { class: "card network-card", "aria-labelledby": "net-title" },
    el("h3", { id: "net-title", text: words("netTitle") }),
    el("p", { text: words("netLead") }),
    el("div", { class: "controls" }, el("span", { class: "field-label", text: words("netInput") }), inputFields),
    el("div", { class: "table-scroll" }, table),
    el("div", { class: "controls" }, addKind, add, lecture),
    el("div", { class: "controls network-presets" }, el("span", { class: "field-label", text: words("readyMade") }), ...presetButtons),
    el("div", { class: "controls" }, train, el("span", { class: "hint", text: words("trainThisHint") })),
    el("label", { class: "field wide" }, el("span", { text: words("asText") }), textInput), apply,
    message, comparison);

  let network = null;

  function load() {
    const text = state.get("net");
    if (!text) return engine.lectureNetwork();
    const parsed = attempt(() => engine.parseNetwork(text));
    if (parsed.error) {
      say(message, words("netUnreadable", { error: parsed.error }), "error");
      return engine.lectureNetwork();
    }
    return parsed.value;
  }

  /** Saves the network to the state (and so the URL), then redraws the numbers. */
  function commit({ rebuild = false } = {}) {
    const text = engine.networkToText(network);
    const lectureText = engine.networkToText(engine.lectureNetwork());
    state.set("net", text === lectureText ? "" : text);
    say(message, "");
    if (rebuild) build();
    else refresh();
  }

  function numberInput(value, min, label, onValue, step = 1) {
    const whole = step === 1;
    const input = el("input", { type: "number", min, step, value, "aria-label": label, inputmode: whole ? "numeric" : "decimal" });
    input.addEventListener("input", () => {
      const v = input.valueAsNumber;
      // As for the whole numbers, a value the layer cannot take (p outside (0, 1]) is not applied.
      if (whole ? Number.isInteger(v) && v >= 0 : Number.isFinite(v) && v > 0 && v <= 1) onValue(v);
    });
    return input;
  }

  /** Rebuilds the editors (after a structural change); the numbers are filled by refresh(). */
  function build() {
    inputFields.replaceChildren(...[["h", "H"], ["w", "W"], ["c", "C"]].map(([k, label]) =>
      el("label", { class: "field" }, el("span", { text: label }),
        numberInput(network.input[k], 1, words("inputField", { label }), (v) => { network.input[k] = v; commit(); }))));
    body.replaceChildren(...network.layers.map((layer, i) => {
      const kind = el("select", { "aria-label": words("layerKind", { i: i + 1 }) },
        ...KINDS.map(([v, name]) => el("option", { value: v, text: kindName(name), selected: v === layer.type })));
      kind.addEventListener("change", () => { network.layers[i] = FRESH[kind.value](); commit({ rebuild: true }); });
      const settings = el("div", { class: "settings" }, ...FIELDS[layer.type].map(([key, symbol, field, min, step]) => {
        const what = words(`field${field}`);
        const label = symbol || what;
        return el("label", { class: "mini" }, el("span", { text: label }),
          numberInput(layer[key], min, symbol ? words("layerFieldSymbol", { i: i + 1, label, what }) : words("layerField", { i: i + 1, what }),
            (v) => { layer[key] = v; commit(); }, step));
      }));
      const move = (to) => () => {
        const [l] = network.layers.splice(i, 1);
        network.layers.splice(to, 0, l);
        commit({ rebuild: true });
      };
      const actions = el("div", { class: "row-actions" },
        el("button", { type: "button", text: "↑", "aria-label": words("moveUp", { i: i + 1 }), disabled: i === 0, onclick: move(i - 1) }),
        el("button", { type: "button", text: "↓", "aria-label": words("moveDown", { i: i + 1 }), disabled: i === network.layers.length - 1, onclick: move(i + 1) }),
        el("button", { type: "button", text: "✕", "aria-label": words("remove", { i: i + 1 }),
          onclick: () => { network.layers.splice(i, 1); commit({ rebuild: true }); } }));
      return el("tr", { "data-layer": i },
        el("td", { class: "index", text: String(i + 1) }), el("td", {}, kind), el("td", { class: "settings-cell" }, settings),
        el("td", { class: "out", "data-label": words("headOutput") }), el("td", { class: "num params", "data-label": words("headParams") }),
        el("td", { class: "num macs", "data-label": words("headMacs") }), el("td", { class: "num mem", "data-label": words("headMemory") }),
        el("td", { class: "actions" }, actions));
    }));
    refresh();
  }

  /** Fills the computed columns from the engine's walk of the current network. */
  function refresh() {
    textInput.value = engine.networkToText(network);
    const walked = attempt(() => engine.walkNetwork(network));
    const rows = [...body.children];
    for (const tr of rows) {
      tr.classList.remove("failed", "unreached");
      tr.querySelector(".failure")?.remove();
      for (const td of tr.querySelectorAll(".out, .num")) td.textContent = "";
    }
    if (walked.error) {
      say(message, walked.error, "error");
      foot.replaceChildren();
      comparison.replaceChildren();
      return;
    }
    const report = walked.value;
    for (const row of report.rows) {
      const tr = rows[row.index];
      tr.querySelector(".out").textContent = shapeText(row.output);
      tr.querySelector(".out").title = row.formula ?? "";
      tr.querySelector(".params").textContent = count(row.params);
      tr.querySelector(".macs").textContent = count(row.macs);
      tr.querySelector(".mem").textContent = bytes(row.bytes);
    }
    if (report.error) {
      const e = report.error;
      const tr = rows[e.index];
      tr.classList.add("failed");
      tr.querySelector(".out").append(el("span", { class: "failure", "data-testid": "layer-error", text: `✗ ${e.message}` }));
      for (const later of rows.slice(e.index + 1)) later.classList.add("unreached");
    }
    const s = report.summary;
    foot.replaceChildren(el("tr", {},
      el("th", { scope: "row", colspan: 3, text: report.error ? words("totalUpTo", { i: report.error.index }) : words("total") }),
      el("td", { class: "out", "data-label": words("headOutput"), text: shapeText(s.output) }),
      el("td", { class: "num", "data-label": words("headParams"), text: count(s.params) }),
      el("td", { class: "num", "data-label": words("headMacs"), text: count(s.macs) }),
      el("td", { class: "num", "data-label": words("headMemory"), text: bytes(s.bytes) }), el("td")));
    const fc = s.fc;
    const perFilter = fc.conv_weights_per_filter;
    const neuron = { shape: shapeText(report.input), weights: count(fc.weights_per_neuron), filter: perFilter ? count(perFilter) : "" };
    const parts = [el("p", {}, ...marked(words(perFilter ? "fcNeuronFilter" : "fcNeuron", neuron), "strong"))];
    const same = fc.same_outputs;
    if (same) {
      parts.push(el("p", {}, ...marked(words("fcSame", {
        outputs: count(same.outputs), layer: same.conv_index + 1, fcParams: count(same.fc_params), fcMacs: count(same.fc_macs),
        convParams: count(same.conv_params), convMacs: count(same.conv_macs),
      }), "strong")));
    }
    comparison.replaceChildren(...parts);
  }

  /** Hands the network to the Train panel: its text (input included, so the engine checks it
   * against the dataset's images) and the image side it takes. */
  function trainThis() {
    const { h, w } = network.input;
    if (h === w) state.set("tsize", h);
    state.set("tnet", engine.networkToText(network));
    state.set("tab", "train");
  }

  add.addEventListener("click", () => {
    network.layers.push(FRESH[addKind.value]());
    commit({ rebuild: true });
  });
  lecture.addEventListener("click", () => {
    network = engine.lectureNetwork();
    commit({ rebuild: true });
  });
  const applyText = () => {
    const parsed = attempt(() => engine.parseNetwork(textInput.value));
    if (parsed.error) {
      say(message, parsed.error, "error");
      return;
    }
    network = parsed.value;
    commit({ rebuild: true });
  };
  apply.addEventListener("click", applyText);
  textInput.addEventListener("keydown", (e) => e.key === "Enter" && applyText());

  state.subscribe((changed) => {
    // Only a change from outside (the URL) needs a reload; edits here already match the state.
    if (!changed.includes("net")) return;
    const current = engine.networkToText(network);
    const wanted = state.get("net") || engine.networkToText(engine.lectureNetwork());
    if (current !== wanted) {
      network = load();
      build();
    }
  });

  network = load();
  build();
  return { element };
}
