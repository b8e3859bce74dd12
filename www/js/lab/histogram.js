// A small histogram of one channel's activations (counts in equal bins from lo to hi, as the
// engine's `ChannelStats`), with its range, a red tick at 0 and the mean and standard deviation
// written under it.

import { t } from "../i18n/i18n.js";
import { el, fmt } from "../widgets/dom.js";
import { COLOURS } from "./config.js";

const WIDTH = 180;
const HEIGHT = 64;

/** Mean and std as text: tiny means in e-notation, so a 1e-17 is not shown as "0". */
export function meanText(v) {
  return Math.abs(v) < 1e-3 && v !== 0 ? v.toExponential(1).replace("-", "−") : fmt(v, 4);
}

/**
 * A histogram of `stats` ({ mean, std, histogram, lo, hi }); `colour` of the bars; `testid`
 * names its mean and std elements for the tests (`${testid}-mean`, `${testid}-std`).
 */
export function createHistogram(stats, { colour = COLOURS.bars, label = "", testid } = {}) {
  const { histogram, lo, hi, mean, std } = stats;
  const ratio = window.devicePixelRatio || 1;
  const canvas = el("canvas", {
    class: "histogram", role: "img",
    "aria-label": t("lab.histogramLabel", { label, lo: fmt(lo, 3), hi: fmt(hi, 3), mean: meanText(mean), std: fmt(std, 4) }),
  });
  canvas.width = WIDTH * ratio;
  canvas.height = HEIGHT * ratio;
  // Drawn at WIDTH × HEIGHT and stretched to the width of its column by css/lab.css.
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  const most = Math.max(1, ...histogram);
  const bar = WIDTH / histogram.length;
  ctx.fillStyle = colour;
  histogram.forEach((count, i) => {
    const h = ((HEIGHT - 4) * count) / most;
    ctx.fillRect(i * bar + 0.5, HEIGHT - h, Math.max(1, bar - 1), h);
  });
  const xOf = (v) => ((v - lo) / (hi - lo || 1)) * WIDTH;
  if (lo <= 0 && hi >= 0) {
    ctx.fillStyle = COLOURS.zero;
    ctx.fillRect(xOf(0) - 1, 0, 2, HEIGHT);
  }
  ctx.strokeStyle = COLOURS.axis;
  ctx.beginPath();
  ctx.moveTo(0, HEIGHT - 0.5);
  ctx.lineTo(WIDTH, HEIGHT - 0.5);
  ctx.stroke();

  const stat = (name, text) => el("span", { "data-testid": testid && `${testid}-${name}`, text });
  const element = el("figure", { class: "histogram-figure" },
    canvas,
    el("div", { class: "histogram-range" }, el("span", { text: fmt(lo, 3) }), el("span", { text: fmt(hi, 3) })),
    el("figcaption", {}, "μ = ", stat("mean", meanText(mean)), ", σ = ", stat("std", fmt(std, 5))));
  return { element };
}
