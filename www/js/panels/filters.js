// The Filters panel — Filters on your image. An image comes in (file, drop, paste or a sample), the engine
// runs the chosen filter as a conv layer, and the page shows input and output side by side with
// the layer's weights and the output-size formula. All numbers come from the engine.

import { KERNEL_TYPING_DELAY } from "../config.js";
import { attempt } from "../engine.js";
import { t } from "../i18n/i18n.js";
import { uploadNote } from "../link-notes.js";
import { el, fmt, radioGroup, say } from "../widgets/dom.js";
import { createImageInput } from "../widgets/image-input.js";
import { createKernelGrid } from "../widgets/kernel-grid.js";
import { SAMPLES, sampleWord } from "../widgets/samples.js";

/** A filter on offer: what the engine is asked for; its name and one line on what it does are
 * the catalog's (i18n/filters.js `label-<id>`, `about-<id>`), in the page's language. */
function filter(id, spec) {
  return { id, spec, get label() { return t(`filters.label-${id}`); }, get about() { return t(`filters.about-${id}`); } };
}

/** The filters on offer. */
const FILTERS = [
  filter("grayscale", () => ({ type: "grayscale" })),
  filter("sobelX", () => ({ type: "sobelX" })),
  filter("sobelY", () => ({ type: "sobelY" })),
  filter("gradientMagnitude", () => ({ type: "gradientMagnitude" })),
  filter("laplacian", () => ({ type: "laplacian" })),
  filter("boxBlur", (s) => ({ type: "boxBlur", size: s.get("blur") })),
  filter("sharpen", () => ({ type: "sharpen" })),
  filter("custom3", (s) => ({ type: "custom", size: 3, values: s.get("k3") })),
  filter("custom5", (s) => ({ type: "custom", size: 5, values: s.get("k5") })),
  filter("demo", null),
];

const CHANNEL_NAMES = ["R", "G", "B"];

export function mount(section, { engine, state }) {
  let image = null;
  let scheduled = null;
  let renders = 0;

  // --- Controls ---------------------------------------------------------------------------
  const filterChoice = radioGroup({
    legend: t("filters.filterLegend"), name: "filter", value: state.get("filter"),
    options: FILTERS.map((f) => [f.id, f.label]),
    onChange: (v) => state.set("filter", v),
  });
  const about = el("p", { class: "hint", "data-testid": "filter-about" });
  const channels = radioGroup({
    legend: t("filters.channelsLegend"), name: "fchan", value: state.get("fchan"),
    options: [["luma", t("filters.onLuma")], ["color", t("filters.onColor")]],
    onChange: (v) => state.set("fchan", v),
  });
  const stride = el("input", { type: "number", min: 1, max: 8, step: 1, value: state.get("fstride"), name: "fstride", inputmode: "numeric" });
  stride.addEventListener("input", () => Number.isInteger(stride.valueAsNumber) && state.set("fstride", stride.valueAsNumber));
  const pad = el("select", { name: "fpad" },
    el("option", { value: "same", text: t("filters.padSame") }),
    ...[0, 1, 2, 3, 4, 5, 6, 7, 8].map((p) => el("option", { value: String(p), text: String(p) })));
  pad.value = state.get("fpad");
  pad.addEventListener("change", () => state.set("fpad", pad.value));
  const blur = el("select", { name: "blur" }, ...[2, 3, 4, 5, 7, 9].map((k) => el("option", { value: String(k), text: `${k}×${k}` })));
  blur.value = String(state.get("blur"));
  blur.addEventListener("change", () => state.set("blur", Number(blur.value)));
  const blurField = el("label", { class: "field" }, el("span", { text: t("filters.blurSize") }), blur);
  const strideField = el("label", { class: "field" }, el("span", { text: t("filters.stride") }), stride);
  const padField = el("label", { class: "field" }, el("span", { text: t("filters.pad") }), pad);

  const k3 = createKernelGrid({ size: 3, values: state.get("k3"), label: t("filters.custom3Kernel"), onChange: (v) => state.set("k3", v) });
  const k5 = createKernelGrid({ size: 5, values: state.get("k5"), label: t("filters.custom5Kernel"), onChange: (v) => state.set("k5", v) });
  const resetKernel = el("button", { type: "button", text: t("filters.resetKernel") });
  resetKernel.addEventListener("click", () => {
    const name = state.get("filter") === "custom5" ? "k5" : "k3";
    state.set(name, state.props.get(name).default);
  });
  const kernelBox = el("div", { class: "kernel-box" },
    el("p", { class: "field-label", text: t("filters.kernelLabel") }),
    k3.element, k5.element, resetKernel);

  const controls = el("section", { class: "card", "aria-label": t("filters.settingsLabel") },
    filterChoice.set, about,
    el("div", { class: "controls" }, blurField, strideField, padField, channels.set),
    kernelBox);

  // --- Images -----------------------------------------------------------------------------
  const input = createImageInput({
    onImage: (img) => { image = img; schedule(); },
    onSample: (id) => state.set("sample", id),
  });
  const outputs = el("div", { class: "outputs", "data-testid": "outputs" });
  const shape = el("p", { class: "shape", "data-testid": "filter-shape", "aria-live": "polite" });
  const formula = el("div", { class: "formula", "data-testid": "filter-formula" });
  const error = el("p", { class: "message error", role: "alert", "data-testid": "filter-error", hidden: true });
  const result = el("section", { class: "card result", "aria-label": t("filters.outputLabel"), "data-testid": "result" },
    shape, formula, error, outputs);

  // --- Weights ----------------------------------------------------------------------------
  const weightsTitle = el("h3", { text: t("filters.weightsTitle") });
  const weightsShape = el("p", { class: "mono", "data-testid": "weights-shape" });
  const weights = el("div", { class: "weights", "data-testid": "weights" });
  const computedBy = el("p", { class: "hint", "data-testid": "computed-by" });
  const weightsCard = el("section", { class: "card", "aria-label": t("filters.weightsLabel") }, weightsTitle, weightsShape, weights, computedBy);

  section.append(
    el("h2", { text: t("filters.title") }),
    el("p", { class: "lead", text: t("filters.lead") }),
    controls,
    el("div", { class: "filter-layout" }, el("div", { class: "card" }, input.element), result),
    weightsCard,
  );

  // --- Drawing ----------------------------------------------------------------------------
  /** Renders once on the next frame, however many changes arrive before it; `delay` (ms) lets
   * typing in a kernel grid finish a number before a large image is filtered again. */
  function schedule(delay = 0) {
    clearTimeout(scheduled);
    scheduled = setTimeout(() => requestAnimationFrame(render), delay);
  }

  function currentFilter() {
    return FILTERS.find((f) => f.id === state.get("filter")) ?? FILTERS[1];
  }

  function syncControls() {
    const f = currentFilter();
    filterChoice.select(f.id);
    channels.select(state.get("fchan"));
    about.textContent = f.about;
    const demo = f.id === "demo";
    stride.disabled = pad.disabled = demo;
    channels.set.hidden = demo || f.id === "grayscale";
    if (stride.valueAsNumber !== state.get("fstride")) stride.value = state.get("fstride");
    pad.value = state.get("fpad");
    blurField.hidden = f.id !== "boxBlur";
    k3.element.hidden = f.id !== "custom3";
    k5.element.hidden = f.id !== "custom5";
    kernelBox.hidden = !f.id.startsWith("custom");
    k3.set(state.get("k3"));
    k5.set(state.get("k5"));
  }

  /** The settings the engine is asked for, and the kernel side F (`k` here; for the formula). */
  function request() {
    const f = currentFilter();
    if (!f.spec) return { demo: true, k: 3, stride: 1, pad: 1 };
    const spec = f.spec(state);
    const kernel = attempt(() => engine.filterKernel(spec));
    const k = kernel.value?.size ?? 1;
    const same = attempt(() => engine.samePad(spec)).value ?? 0;
    const p = state.get("fpad") === "same" ? same : Number(state.get("fpad"));
    return { spec, k, stride: state.get("fstride"), pad: p, channels: state.get("fchan") };
  }

  function showFormula(req) {
    formula.replaceChildren(...[["H", image.height], ["W", image.width]].map(([sym, n]) =>
      el("p", {}, el("span", { class: "symbolic", text: `${sym}′ = (${sym} − F + 2P)/S + 1 = ` }),
        el("span", { text: engine.formula(n, req.k, req.pad, req.stride) }))));
  }

  function render() {
    syncControls();
    if (!image) return;
    const req = request();
    showFormula(req);
    const run = attempt(() => (req.demo
      ? engine.assignmentDemo(image.data, image.width, image.height)
      : engine.applyFilter(image.data, image.width, image.height, req.spec,
        { stride: req.stride, pad: req.pad, channels: req.channels })));
    renders += 1;
    result.dataset.renders = String(renders);
    result.dataset.image = image.name;
    result.dataset.filter = currentFilter().id;
    if (run.error) {
      result.dataset.status = "error";
      say(error, t("filters.cannotRun", { error: run.error }), "error");
      shape.textContent = t("filters.outputUndefined");
      outputs.replaceChildren();
      weights.replaceChildren();
      weightsShape.textContent = t("filters.weightsLater");
      computedBy.textContent = "";
      return;
    }
    say(error, "");
    const out = run.value;
    try {
      draw(out, out.summary(), req);
    } finally {
      out.free();
    }
    result.dataset.status = "ok";
  }

  /** Puts the engine's pictures on canvases (read straight from wasm memory) and lists weights. */
  function draw(out, summary, req) {
    const { height: h, width: w, maps } = summary;
    shape.textContent = t("filters.outputShape", { h: String(h), w: String(w), maps: String(maps), ih: String(image.height), iw: String(image.width) });
    const figures = [];
    for (let i = 0; i < out.pictureCount; i++) {
      const view = new Uint8ClampedArray(engine.memory.buffer, out.picturePtr(i), out.pictureLen(i));
      const canvas = el("canvas", { class: "image", width: w, height: h, "data-testid": `output-canvas-${i}` });
      canvas.getContext("2d").putImageData(new ImageData(view, w, h), 0, 0);
      figures.push(el("figure", {}, el("figcaption", { text: caption(summary, i, out.pictureCount) }), canvas));
    }
    outputs.replaceChildren(...figures);
    drawWeights(summary, req);
  }

  function caption(summary, i, count) {
    if (currentFilter().id === "demo") {
      return [t("filters.demoCaption0"), t("filters.demoCaption1")][i];
    }
    const scale = t(summary.scale === "minMax" ? "filters.minMax" : "filters.clamped");
    if (summary.color) return t("filters.colorCaption", { scale });
    const key = `filters.${count > 1 ? "mapOfCaption" : "mapCaption"}${summary.magnitude ? "Magnitude" : ""}`;
    return t(key, { i: String(i + 1), count: String(count), scale });
  }

  function drawWeights(summary, req) {
    const { shape: [f, c, kh, kw], w, b } = summary.weights;
    weightsShape.textContent = [
      // The course's array shape (F, C, HH, WW), in the page's notation: K filters of F×F.
      `w: (K, C, F, F) = (${f}, ${c}, ${kh}, ${kw})`,
      `b: (K,) = (${b.map((v) => fmt(v)).join(", ")})`,
      t(req.demo ? "filters.strideAndPadFixed" : "filters.strideAndPad", { stride: String(summary.stride), pad: String(summary.pad) }),
    ].join(" · ");
    computedBy.textContent = t(summary.computedBy.endsWith("fast") ? "filters.computedFast" : "filters.computedNaive", { by: summary.computedBy });
    const tables = [];
    for (let fi = 0; fi < f; fi++) {
      for (let ci = 0; ci < c; ci++) {
        const rows = [];
        for (let r = 0; r < kh; r++) {
          const cells = [];
          for (let col = 0; col < kw; col++) cells.push(el("td", { text: fmt(w[((fi * c + ci) * kh + r) * kw + col], 3) }));
          rows.push(el("tr", {}, ...cells));
        }
        tables.push(el("figure", {}, el("figcaption", { text: `w[${fi}, ${ci}] (${c === 3 ? CHANNEL_NAMES[ci] : t("filters.gray")})` }),
          el("table", {}, el("tbody", {}, ...rows))));
      }
    }
    weights.replaceChildren(...tables);
  }

  state.subscribe((changed) => {
    if (changed.some((n) => ["k3", "k5"].includes(n))) schedule(KERNEL_TYPING_DELAY);
    else if (changed.some((n) => ["filter", "blur", "fchan", "fstride", "fpad"].includes(n))) schedule();
    if (changed.includes("sample") && image?.sample !== state.get("sample")) input.loadSample(state.get("sample"));
  });

  input.loadSample(state.get("sample"));
  syncControls();
  return {
    // An image the user loaded cannot travel in a link: the link opens the sample it names.
    linkNote: () => (image && image.sample === undefined
      ? uploadNote(sampleWord(SAMPLES[state.get("sample")] ?? SAMPLES.circle)) : ""),
    show: () => document.addEventListener("paste", input.pasteHandler),
    hide: () => document.removeEventListener("paste", input.pasteHandler),
  };
}
