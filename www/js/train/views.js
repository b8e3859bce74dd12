// The training panel's read-only views: dataset previews, the example through every layer, the
// confusion matrix and class probabilities. Each draws exactly what the engine returned.

import { t } from "../i18n/i18n.js";
import { el, fmt } from "../widgets/dom.js";
import { hwc } from "./format.js";
import { createTileGrid, tileCanvas } from "./tiles.js";

/** The geometric figures' class names as the engine writes them (English), in its order. */
const FIGURES = ["circle", "square", "triangle", "cross", "stripes"];

/**
 * `view` (anything with `classNames`) with the geometric figures' class names in the page's
 * language; any other names (the digits', your own) as they are. Only for showing: the engine,
 * the model file and the saved work keep the engine's names.
 */
export function localNames(view) {
  const names = view?.classNames;
  if (!Array.isArray(names) || names.length !== FIGURES.length || names.some((n, k) => n !== FIGURES[k])) return view;
  return { ...view, classNames: names.map((n) => t(`train.figure.${n}`)) };
}

/** A probability or accuracy as a percentage; tiny ones as "<0.01%" rather than in e-notation. */
const percent = (p) => (p > 0 && p < 1e-4 ? "<0.01%" : `${fmt(100 * p, 3)}%`);

/** A grid of training examples with their class names. */
export function createPreviews() {
  const element = el("div", { class: "previews", "data-testid": "train-previews" });
  return {
    element,
    clear: () => element.replaceChildren(),
    update({ tiles, labels, classNames }) {
      element.replaceChildren(...labels.map((label, i) => el("figure", { class: "preview" },
        tileCanvas(tiles, i, 48, t("train.preview.label", { name: classNames[label] })),
        el("figcaption", { text: classNames[label] }))));
    },
  };
}

/** Class probabilities as labelled bars, the most likely class marked. */
export function createProbabilities({ testid }) {
  const element = el("ol", { class: "probabilities", "data-testid": testid });
  return {
    element,
    clear: () => element.replaceChildren(),
    update({ classNames, probabilities, predicted }) {
      element.replaceChildren(...probabilities.map((p, k) => {
        const bar = el("span", { class: "bar" });
        bar.style.width = `${100 * p}%`;
        return el("li", { class: k === predicted ? "best" : "" },
          el("span", { class: "name", text: classNames[k] }),
          el("span", { class: "track" }, bar),
          el("span", { class: "value", text: percent(p) }));
      }));
    },
  };
}

/** A vector layer (hidden units, scores) as a strip of bars around zero. */
function vectorStrip(layer, classNames) {
  const canvas = el("canvas", { class: "vector", role: "img", "aria-label": t("train.vector.label", { name: layer.name, n: String(layer.shape[0]), min: fmt(layer.min, 3), max: fmt(layer.max, 3) }) });
  const n = layer.values.length;
  const width = Math.max(n * 4, 120);
  const height = 56;
  canvas.width = width;
  canvas.height = height;
  const g = canvas.getContext("2d");
  const span = Math.max(Math.abs(layer.min), Math.abs(layer.max), 1e-12);
  const zero = layer.min >= 0 ? height - 1 : height / 2;
  const scale = layer.min >= 0 ? height - 2 : height / 2 - 1;
  g.fillStyle = "#e3e6ea";
  g.fillRect(0, zero, width, 1);
  const w = width / n;
  layer.values.forEach((v, i) => {
    const h = (scale * v) / span;
    g.fillStyle = v >= 0 ? "#1f5fbf" : "#d1495b";
    g.fillRect(i * w + 0.5, Math.min(zero, zero - h), Math.max(1, w - 1), Math.abs(h));
  });
  const box = el("div", { class: "vector-box" }, canvas);
  if (classNames && n === classNames.length) {
    box.append(el("div", { class: "vector-labels" }, ...classNames.map((c) => el("span", { text: c }))));
    canvas.style.width = "100%";
  }
  return box;
}

/** The chosen example: input, every layer's activations and the prediction. */
export function createActivations({ onSelect }) {
  const split = el("select", { "aria-label": t("train.example.which"), name: "train-split" },
    el("option", { value: "val", text: t("train.example.val") }), el("option", { value: "train", text: t("train.example.train") }));
  const index = el("input", { type: "number", min: 0, value: 0, name: "train-example", inputmode: "numeric" });
  const prev = el("button", { type: "button", text: "◀", "aria-label": t("train.example.previous") });
  const next = el("button", { type: "button", text: "▶", "aria-label": t("train.example.next") });
  const choose = () => Number.isInteger(index.valueAsNumber) && index.valueAsNumber >= 0 && onSelect(split.value, index.valueAsNumber);
  split.addEventListener("change", choose);
  index.addEventListener("change", choose);
  prev.addEventListener("click", () => {
    index.value = Math.max(0, index.valueAsNumber - 1);
    choose();
  });
  next.addEventListener("click", () => {
    index.value = index.valueAsNumber + 1;
    choose();
  });
  const head = el("p", { class: "example-head", "data-testid": "example-head" });
  const probs = createProbabilities({ testid: "example-probabilities" });
  const layers = el("div", { class: "layers", "data-testid": "train-activations" });
  const grids = new Map();
  const element = el("div", { class: "activations" },
    el("div", { class: "controls" },
      el("label", { class: "field" }, el("span", { text: t("train.example.examples") }), split),
      el("label", { class: "field" }, el("span", { text: t("train.example.number") }), index), prev, next),
    head, layers, probs.element);

  return {
    element,
    clear() {
      head.replaceChildren();
      layers.replaceChildren();
      grids.clear();
      probs.clear();
    },
    select(s, i) {
      split.value = s;
      index.value = i;
    },
    /** Draws an example view (see the engine's `Trainer.example`). */
    update(view, nExamples) {
      split.value = view.split;
      index.value = view.index;
      index.max = Math.max(0, nExamples - 1);
      const name = view.classNames;
      head.replaceChildren(
        tileCanvas(view.input, 0, 72, t("train.example.input", { i: String(view.index), name: name[view.label] })),
        el("span", {},
          t(view.split === "val" ? "train.example.headVal" : "train.example.headTrain", { i: String(view.index) }),
          el("strong", { text: name[view.label] }),
          t("train.example.says"),
          el("strong", { class: view.predicted === view.label ? "right" : "wrong", text: `${name[view.predicted]} (${percent(view.probabilities[view.predicted])})` })));
      const seen = new Set();
      const blocks = view.layers.map((layer, k) => {
        const key = `${k}:${layer.name}`;
        seen.add(key);
        let block = grids.get(key);
        if (!block) {
          const grid = createTileGrid({ className: "tile-grid maps", label: (i) => t("train.layer.mapTile", { name: layer.name, i: String(i) }) });
          const caption = el("figcaption");
          block = { grid, caption, element: el("figure", { class: "layer" }, caption, grid.element), vector: null };
          grids.set(key, block);
        }
        block.caption.textContent = t("train.layer.maps", { name: layer.name, shape: hwc(layer.shape), min: fmt(layer.min, 3), max: fmt(layer.max, 3) });
        if (layer.maps) {
          block.grid.update(layer.maps, Math.max(28, Math.min(64, 256 / layer.maps.width)));
        } else {
          block.caption.textContent = t("train.layer.vector", { name: layer.name, n: String(layer.shape[0]), min: fmt(layer.min, 3), max: fmt(layer.max, 3) });
          block.vector?.remove();
          // The last layer's values are the class scores: labelled with the class names.
          block.vector = vectorStrip(layer, k === view.layers.length - 1 ? name : null);
          block.element.append(block.vector);
        }
        return block.element;
      });
      for (const key of [...grids.keys()]) if (!seen.has(key)) grids.delete(key);
      // Re-attached only when the layers change: moving every block lays the panel out again.
      const same = blocks.length === layers.children.length && blocks.every((b, k) => layers.children[k] === b);
      if (!same) layers.replaceChildren(...blocks);
      probs.update(view);
    },
  };
}

/** The validation confusion matrix as a table: rows are true classes, columns predictions. */
export function createConfusion() {
  const table = el("table", { class: "confusion", "data-testid": "confusion" });
  const caption = el("p", { class: "hint" });
  const element = el("div", { class: "table-scroll" }, table, caption);
  return {
    element,
    clear() {
      table.replaceChildren();
      caption.textContent = "";
    },
    update({ classNames, counts, accuracy }) {
      const total = counts.flat().reduce((a, b) => a + b, 0);
      table.replaceChildren(
        el("thead", {}, el("tr", {}, el("th", { text: t("train.confusion.corner") }), ...classNames.map((c) => el("th", { scope: "col", text: c })))),
        el("tbody", {}, ...counts.map((row, truth) => {
          const n = row.reduce((a, b) => a + b, 0);
          return el("tr", {}, el("th", { scope: "row", text: classNames[truth] }), ...row.map((v, p) => {
            const td = el("td", { class: truth === p ? "diag" : "", text: String(v) });
            const share = n ? v / n : 0;
            td.style.setProperty("--share", share.toFixed(3));
            td.title = t("train.confusion.cell", { v: String(v), n: String(n), truth: classNames[truth], predicted: classNames[p] });
            return td;
          }));
        })));
      caption.textContent = t("train.confusion.caption", { total: String(total), p: percent(accuracy) });
    },
  };
}
