// The network table: an editable stack of conv / relu / pool / dropout / batch norm / fc layers on an input, with each
// layer's output shape, parameters, multiply-adds and memory from the engine's network walk, the
// failing layer marked with the engine's message, and the fully connected comparison.
// The network lives in the URL in the engine's compact text form (state "net"; empty = lecture).

import { attempt } from "../engine.js";
import { el, say } from "./dom.js";

const KINDS = [["conv", "conv"], ["relu", "relu"], ["pool", "max pool"], ["avgpool", "avg pool"],
  ["dropout", "dropout"], ["bn", "batch norm"], ["fc", "fc"]];

/** The settings of each kind of layer: [key, label, what, min, step]. Labels are the page's notation
 * (K filters of F×F, stride S, pad P; the legend in the header says so). Settings are whole
 * numbers, except dropout's p (the probability of keeping a unit, in (0, 1]). */
const FIELDS = {
  conv: [["filters", "K", "filters", 1], ["size", "F", "size", 1], ["stride", "S", "stride", 1], ["pad", "P", "pad", 0]],
  relu: [],
  pool: [["size", "F", "size", 1], ["stride", "S", "stride", 1]],
  avgpool: [["size", "F", "size", 1], ["stride", "S", "stride", 1]],
  dropout: [["p", "p", "keep probability", 0.05, 0.05]],
  bn: [],
  fc: [["outputs", "outputs", "outputs", 1]],
};

/** The column headings; on a phone each cell repeats its own as a label (css/style.css). */
const HEADINGS = ["#", "Layer", "Settings", "Output", "Params", "MACs", "Memory", ""];

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
  const textInput = el("input", { type: "text", class: "net-text", "aria-label": "Network as text", spellcheck: "false" });
  const apply = el("button", { type: "button", text: "Apply text" });
  const lecture = el("button", { type: "button", text: "Lecture network" });
  const message = el("p", { class: "message error", role: "alert", hidden: true, "data-testid": "net-message" });
  const inputFields = el("div", { class: "numbers" });
  const body = el("tbody");
  const foot = el("tfoot");
  const table = el("table", { class: "network", "data-testid": "network-table" },
    el("caption", { text: "Per example, f32 (4 bytes per value). MACs: multiply-adds of the forward pass." }),
    el("thead", {}, el("tr", {}, ...HEADINGS.map((h) =>
      el("th", { scope: "col", text: h })))),
    body, foot);
  const addKind = el("select", { "aria-label": "Kind of layer to add" },
    ...KINDS.map(([v, t]) => el("option", { value: v, text: t })));
  const add = el("button", { type: "button", text: "+ Add layer" });
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
  const train = el("button", { type: "button", class: "primary", "data-action": "train-network", text: "Train this network",
    onclick: () => trainThis() });

  const element = el("section", { class: "card network-card", "aria-labelledby": "net-title" },
    el("h3", { id: "net-title", text: "A whole network, layer by layer" }),
    el("p", { text: "Edit the stack; every shape, parameter count and cost below comes from the engine. A layer that does not fit is marked with the reason." }),
    el("div", { class: "controls" }, el("span", { class: "field-label", text: "Input" }), inputFields),
    el("div", { class: "table-scroll" }, table),
    el("div", { class: "controls" }, addKind, add, lecture),
    el("div", { class: "controls network-presets" }, el("span", { class: "field-label", text: "Ready-made:" }), ...presetButtons),
    el("div", { class: "controls" }, train, el("span", { class: "hint", text: "Opens the Train panel with this network; its input must be the dataset's images there." })),
    el("label", { class: "field wide" }, el("span", { text: "As text" }), textInput), apply,
    message, comparison);

  let network = null;

  function load() {
    const text = state.get("net");
    if (!text) return engine.lectureNetwork();
    const parsed = attempt(() => engine.parseNetwork(text));
    if (parsed.error) {
      say(message, `The network in the address bar cannot be read: ${parsed.error}. Showing the lecture's network.`, "error");
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
        numberInput(network.input[k], 1, `Input ${label}`, (v) => { network.input[k] = v; commit(); }))));
    body.replaceChildren(...network.layers.map((layer, i) => {
      const kind = el("select", { "aria-label": `Layer ${i + 1} kind` },
        ...KINDS.map(([v, t]) => el("option", { value: v, text: t, selected: v === layer.type })));
      kind.addEventListener("change", () => { network.layers[i] = FRESH[kind.value](); commit({ rebuild: true }); });
      const settings = el("div", { class: "settings" }, ...FIELDS[layer.type].map(([key, label, what, min, step]) =>
        el("label", { class: "mini" }, el("span", { text: label }),
          numberInput(layer[key], min, label === what ? `Layer ${i + 1} ${what}` : `Layer ${i + 1} ${label} (${what})`,
            (v) => { layer[key] = v; commit(); }, step))));
      const move = (to) => () => {
        const [l] = network.layers.splice(i, 1);
        network.layers.splice(to, 0, l);
        commit({ rebuild: true });
      };
      const actions = el("div", { class: "row-actions" },
        el("button", { type: "button", text: "↑", "aria-label": `Move layer ${i + 1} up`, disabled: i === 0, onclick: move(i - 1) }),
        el("button", { type: "button", text: "↓", "aria-label": `Move layer ${i + 1} down`, disabled: i === network.layers.length - 1, onclick: move(i + 1) }),
        el("button", { type: "button", text: "✕", "aria-label": `Remove layer ${i + 1}`,
          onclick: () => { network.layers.splice(i, 1); commit({ rebuild: true }); } }));
      return el("tr", { "data-layer": i },
        el("td", { class: "index", text: String(i + 1) }), el("td", {}, kind), el("td", { class: "settings-cell" }, settings),
        el("td", { class: "out", "data-label": "Output" }), el("td", { class: "num params", "data-label": "Params" }),
        el("td", { class: "num macs", "data-label": "MACs" }), el("td", { class: "num mem", "data-label": "Memory" }),
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
      el("th", { scope: "row", colspan: 3, text: report.error ? `Total up to layer ${report.error.index}` : "Total" }),
      el("td", { class: "out", "data-label": "Output", text: shapeText(s.output) }),
      el("td", { class: "num", "data-label": "Params", text: count(s.params) }),
      el("td", { class: "num", "data-label": "MACs", text: count(s.macs) }),
      el("td", { class: "num", "data-label": "Memory", text: bytes(s.bytes) }), el("td")));
    const fc = s.fc;
    const perFilter = fc.conv_weights_per_filter;
    const parts = [el("p", {}, `A fully connected neuron on the ${shapeText(report.input)} input needs `,
      el("strong", { text: count(fc.weights_per_neuron) }), " weights, one per input value",
      ...(perFilter ? ["; a filter of the first conv layer needs ", el("strong", { text: count(perFilter) }),
        ", because it looks at one small window and is shared across the whole image."] : ["."]))];
    const same = fc.same_outputs;
    if (same) {
      parts.push(el("p", {}, `To produce the same ${count(same.outputs)} outputs as layer ${same.conv_index + 1}, a fully connected layer would need `,
        el("strong", { text: count(same.fc_params) }), ` parameters and ${count(same.fc_macs)} multiply-adds; the conv layer has `,
        el("strong", { text: count(same.conv_params) }), ` parameters and ${count(same.conv_macs)} multiply-adds.`));
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
