// A heat map of one gradient check: where the analytic and numerical gradients disagree, on a
// log scale coloured by the course's reading (green correct, amber suspicious, red wrong). The
// worst element is outlined; elements marked as kinked get a blue corner. Pointing at a cell (or
// moving with the arrow keys) shows its two values and its error.
//
// Layout: a 4-d gradient (A, B, H, W) is a grid of A rows × B columns of H×W tiles; a 2-d one
// (A, B) a single tile (drawn transposed, in bands, when A is large); a 1-d one rows of cells.

import { t } from "../i18n/i18n.js";
import { el } from "../widgets/dom.js";
import { COLOURS, HEATMAP } from "./config.js";
import { bandPosition, indexText, mix, reading, sci } from "./stats.js";

/** Tiles of the layout: { rows, cols, tileH, tileW, transposed }. */
function layout(shape) {
  if (shape.length === 4) {
    const [a, b, h, w] = shape;
    return { rows: a, cols: b, tileH: h, tileW: w, transposed: false };
  }
  if (shape.length === 2) {
    const [a, b] = shape;
    if (a > HEATMAP.maxRows && b < a) {
      // Transposed, in bands of `band` gradient rows stacked top to bottom.
      const band = Math.min(a, HEATMAP.band);
      return { rows: Math.ceil(a / band), cols: 1, tileH: b, tileW: band, transposed: true, band };
    }
    return { rows: 1, cols: 1, tileH: a, tileW: b, transposed: false };
  }
  const n = shape.reduce((p, d) => p * d, 1);
  const w = Math.min(n, 32);
  return { rows: 1, cols: 1, tileH: Math.ceil(n / w), tileW: w, transposed: false, wrap: w };
}

/** Row-major index of the element drawn at tile (r, c), cell (i, j); -1 for none. */
function elementAt(shape, L, r, c, i, j) {
  if (shape.length === 4) {
    const [, b, h, w] = shape;
    return ((r * b + c) * h + i) * w + j;
  }
  if (shape.length === 2) {
    if (!L.transposed) return i * shape[1] + j;
    const row = r * L.band + j;
    return row < shape[0] ? row * shape[1] + i : -1;
  }
  const k = i * L.wrap + j;
  return k < shape[0] ? k : -1;
}

/** Where element `k` is drawn: [r, c, i, j]. */
function positionOf(shape, L, k) {
  if (shape.length === 4) {
    const [, b, h, w] = shape;
    const j = k % w;
    const i = Math.floor(k / w) % h;
    const t = Math.floor(k / (w * h));
    return [Math.floor(t / b), t % b, i, j];
  }
  if (shape.length === 2) {
    const row = Math.floor(k / shape[1]);
    const col = k % shape[1];
    return L.transposed ? [Math.floor(row / L.band), 0, col, row % L.band] : [0, 0, row, col];
  }
  return [0, 0, Math.floor(k / L.wrap), k % L.wrap];
}

/** The colour of error `e`: its reading's band (by the engine's `thresholds`), darker as it grows. */
function colour(e, thresholds) {
  const band = COLOURS[reading(e, thresholds)];
  return mix(band[0], band[1], bandPosition(e, thresholds));
}

/**
 * A heat map of `gradient` (a GradientReport: name, shape, errorMap, worstIndex, analytic,
 * numerical, and optionally kinked and checked), coloured by the engine's `thresholds`
 * (`labThresholds()`). When the check sampled the gradient (`checked`, its indices), the other
 * elements are drawn blank: they were not checked. Returns { element }.
 */
export function createHeatmap(gradient, thresholds) {
  const { name, shape, errorMap, worstIndex } = gradient;
  const kinked = new Set(gradient.kinked ?? []);
  const checked = gradient.checked ? new Set(gradient.checked) : null;
  const wasChecked = (k) => !checked || checked.has(k);
  const L = layout(shape);
  const gap = L.rows * L.cols > 1 ? 3 : 0;
  const across = L.cols * L.tileW;
  const cell = Math.max(HEATMAP.minCell, Math.min(HEATMAP.maxCell,
    Math.floor((HEATMAP.maxWidth - gap * (L.cols - 1)) / across)));
  const width = across * cell + gap * (L.cols - 1);
  const height = L.rows * L.tileH * cell + gap * (L.rows - 1);
  const canvas = el("canvas", {
    class: "heatmap", tabindex: "0", width, height,
    role: "img", "data-testid": `heatmap-${name}`,
    "aria-label": t("lab.heatmapLabel", { name, shape: shape.join(", ") }),
  });
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  canvas.style.width = `${width}px`;
  const info = el("p", { class: "heatmap-info", "aria-live": "polite" });

  const origin = (r, c) => [c * (L.tileW * cell + gap), r * (L.tileH * cell + gap)];
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  for (let r = 0; r < L.rows; r++) {
    for (let c = 0; c < L.cols; c++) {
      const [x0, y0] = origin(r, c);
      for (let i = 0; i < L.tileH; i++) {
        for (let j = 0; j < L.tileW; j++) {
          const k = elementAt(shape, L, r, c, i, j);
          if (k < 0) continue;
          ctx.fillStyle = wasChecked(k) ? colour(errorMap[k], thresholds) : COLOURS.unchecked;
          ctx.fillRect(x0 + j * cell, y0 + i * cell, cell, cell);
          if (kinked.has(k)) {
            ctx.fillStyle = COLOURS.kink;
            const s = Math.max(2, Math.ceil(cell / 2.5));
            ctx.beginPath();
            ctx.moveTo(x0 + j * cell, y0 + i * cell);
            ctx.lineTo(x0 + j * cell + s, y0 + i * cell);
            ctx.lineTo(x0 + j * cell, y0 + i * cell + s);
            ctx.fill();
          }
        }
      }
    }
  }
  const outline = (k, style, lineWidth) => {
    const [r, c, i, j] = positionOf(shape, L, k);
    const [x0, y0] = origin(r, c);
    ctx.strokeStyle = style;
    ctx.lineWidth = lineWidth;
    ctx.strokeRect(x0 + j * cell + lineWidth / 2, y0 + i * cell + lineWidth / 2,
      Math.max(1, cell - lineWidth), Math.max(1, cell - lineWidth));
  };
  const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
  outline(worstIndex, COLOURS.worst, Math.min(2, Math.max(1, cell / 5)));

  let selected = worstIndex;
  function describe(k) {
    const index = indexText(shape, k);
    const analytic = gradient.analytic[k].toPrecision(6);
    if (!wasChecked(k)) {
      info.textContent = t("lab.cellUnchecked", {
        name, index, analytic, checked: String(checked.size), n: String(errorMap.length),
      });
      return;
    }
    info.textContent = t("lab.cell", {
      worst: k === worstIndex ? t("lab.cellWorst") : "",
      name, index, analytic, numerical: gradient.numerical[k].toPrecision(6), error: sci(errorMap[k]),
      kink: kinked.has(k) ? t("lab.cellKink") : "",
    });
  }
  function select(k) {
    selected = k;
    ctx.putImageData(image, 0, 0);
    outline(worstIndex, COLOURS.worst, Math.min(2, Math.max(1, cell / 5)));
    if (k !== worstIndex) outline(k, COLOURS.kink, Math.min(2, Math.max(1, cell / 5)));
    describe(k);
  }
  describe(worstIndex);

  canvas.addEventListener("pointermove", (e) => {
    const box = canvas.getBoundingClientRect();
    const x = ((e.clientX - box.left) * width) / box.width;
    const y = ((e.clientY - box.top) * height) / box.height;
    const c = Math.floor(x / (L.tileW * cell + gap));
    const r = Math.floor(y / (L.tileH * cell + gap));
    const [x0, y0] = origin(r, c);
    const i = Math.floor((y - y0) / cell);
    const j = Math.floor((x - x0) / cell);
    if (r < 0 || c < 0 || r >= L.rows || c >= L.cols || i < 0 || j < 0 || i >= L.tileH || j >= L.tileW) return;
    const k = elementAt(shape, L, r, c, i, j);
    if (k >= 0 && k !== selected) select(k);
  });
  canvas.addEventListener("keydown", (e) => {
    const n = errorMap.length;
    const row = shape.length >= 2 ? shape[shape.length - 1] : L.wrap;
    const move = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: row, ArrowUp: -row, Home: -n, End: n }[e.key];
    if (move === undefined) return;
    e.preventDefault();
    select(Math.min(n - 1, Math.max(0, selected + move)));
  });

  const note = L.transposed ? t("lab.transposed", { band: String(L.band) }) : "";
  const caption = shape.length === 4
    ? t("lab.maps", { name, rows: String(shape[0]), cols: String(shape[1]), h: String(shape[2]), w: String(shape[3]), note })
    : `${name}: (${shape.join(", ")})${note}`;
  // As wide as the map, but wide enough for its caption and readout to stay readable.
  const element = el("figure", { class: "heatmap-figure", style: `width: ${Math.max(width, 260)}px` },
    el("figcaption", { text: caption }), el("div", { class: "heatmap-scroll" }, canvas), info);
  return { element };
}

/** The colour key of the heat maps (by the engine's `thresholds`), as a row of labelled swatches. */
export function heatmapLegend(thresholds) {
  const stops = [
    [1e-14, "≤ 1e-14"], [1e-10, "1e-10"], [1e-8, "1e-8"],
    [1e-6, "1e-6"], [1e-5, "1e-5"], [1e-3, "1e-3"], [1e-1, "≥ 0.1"],
  ];
  return el("div", { class: "heat-legend", "aria-label": t("lab.legendLabel") },
    el("span", { text: t("lab.legendError") }),
    ...stops.map(([e, t]) => el("span", { class: "swatch" },
      el("i", { style: `background:${colour(e, thresholds)}` }), el("span", { text: t }))),
    el("span", { class: "swatch" }, el("i", { class: "worst-key" }), el("span", { text: t("lab.legendWorst") })));
}
