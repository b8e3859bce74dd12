// Small pure functions of the Lab panel: medians of timings, the error-to-colour scale, and
// number formats. No DOM here (the widgets import these). The reading's thresholds are the
// engine's (`labThresholds()`), passed in.

import { HEATMAP } from "./config.js";

/** The median of a non-empty list of numbers (the mean of the middle two for an even count). */
export function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The course's reading of a relative error — "correct", "suspicious" or "wrong" — by the engine's
 * thresholds `{ correctBelow, wrongAbove }` (`labThresholds()`), for the heat map's cells; the
 * report's own `verdict`s are the engine's `Verdict::of`, which tests/js/lab.test.mjs checks this
 * agrees with.
 */
export function reading(e, { correctBelow, wrongAbove }) {
  if (e < correctBelow) return "correct";
  if (e <= wrongAbove) return "suspicious";
  return "wrong";
}

/** Where `e` lies on the heat map's log scale, from 0 (≤ 1e-16, or 0) to 1 (≥ 1). */
export function logPosition(e) {
  if (!(e > 0)) return 0;
  if (!Number.isFinite(e)) return 1;
  const t = (Math.log10(e) - HEATMAP.minExp) / (HEATMAP.maxExp - HEATMAP.minExp);
  return Math.min(1, Math.max(0, t));
}

/** Mixes two "#rrggbb" colours: `t` = 0 gives `a`, 1 gives `b`. */
export function mix(a, b, t) {
  const ch = (c, i) => parseInt(c.slice(1 + 2 * i, 3 + 2 * i), 16);
  const v = [0, 1, 2].map((i) => Math.round(ch(a, i) + (ch(b, i) - ch(a, i)) * t));
  return `rgb(${v[0]}, ${v[1]}, ${v[2]})`;
}

/**
 * Where `e` lies within its reading's band (by the engine's `thresholds`), from 0 (the band's low
 * end) to 1 (its high end), on the log scale.
 */
export function bandPosition(e, thresholds) {
  const [correct, wrong] = [Math.log10(thresholds.correctBelow), Math.log10(thresholds.wrongAbove)];
  const band = reading(e, thresholds);
  const lo = { correct: HEATMAP.minExp, suspicious: correct, wrong }[band];
  const hi = { correct, suspicious: wrong, wrong: HEATMAP.maxExp }[band];
  if (!(e > 0)) return 0;
  if (!Number.isFinite(e)) return 1;
  return Math.min(1, Math.max(0, (Math.log10(e) - lo) / (hi - lo)));
}

/** A relative error or difference as the course prints it: "2.07e-10", "0" for zero. */
export function sci(v, digits = 3) {
  if (v === 0) return "0";
  if (v === Infinity) return "∞";
  if (Number.isNaN(v)) return "NaN";
  return v.toExponential(digits - 1).replace("e+", "e");
}

/** A duration in milliseconds: "12.3 ms", "0.045 ms", "1.23 s". */
export function duration(ms) {
  if (ms >= 1000) return `${(ms / 1000).toPrecision(3)} s`;
  return `${Number(ms.toPrecision(3))} ms`;
}

/** A step like h as people write it: "1e-5" for small ones, "0.01" otherwise. */
export function stepText(v) {
  return v > 0 && v < 1e-3 ? v.toExponential().replace("e+", "e") : String(v);
}

/**
 * An array's shape in the course's order, as a tuple: "(4, 3, 5, 5)" for x of (N, C, H, W), "(2,)"
 * for b. Tuples keep the Lab's arrays apart from the page's H×W×C shapes of images and activations.
 */
export function shapeText(shape) {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** The row-major index `i` of an array of `shape` as "[1,0,2,3]". */
export function indexText(shape, i) {
  const idx = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    idx.unshift(i % shape[d]);
    i = Math.floor(i / shape[d]);
  }
  return `[${idx.join(",")}]`;
}
