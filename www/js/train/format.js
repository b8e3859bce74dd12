// Numbers as the Train panel prints them: durations of a run, the chart's axis ticks and shapes. Pure
// functions (tests/js/train-format.test.mjs), no DOM; durations in the page's language.

import { t } from "../i18n/i18n.js";

/**
 * A run's duration for people: "under 0.1 s", "0.4 s", "12 s", "2 min 05 s"; "…" while unknown.
 * Tenths below 10 s, so a short run does not read "0 s".
 */
export function duration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "…";
  if (ms < 100) return t("train.time.under");
  if (ms < 9950) return t("train.time.seconds", { s: (ms / 1000).toFixed(1) });
  const s = Math.round(ms / 1000);
  return s < 60
    ? t("train.time.seconds", { s: String(s) })
    : t("train.time.minutes", { m: String(Math.floor(s / 60)), s: String(s % 60).padStart(2, "0") });
}

/**
 * About `n` ticks over [0, max] at a round step (1, 2 or 5 × 10^k; at least 1 when `integer`),
 * each `{ value, label }`. Values are k·step, not a running sum, and labels carry the step's
 * decimals only, so an axis reads 0.6, never 0.6000000000000001.
 */
export function ticks(max, n, { integer = false } = {}) {
  if (!(max > 0) || !Number.isFinite(max) || !(n >= 1)) return [{ value: 0, label: "0" }];
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  if (integer) step = Math.max(1, Math.round(step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const out = [];
  for (let k = 0; k * step <= max * (1 + 1e-9); k++) {
    const value = k * step;
    out.push({ value, label: value.toFixed(decimals) });
  }
  return out;
}

/**
 * A shape from the engine, (C, H, W) in the course's array order, as the page writes every shape:
 * H×W×C ("16×16×8"). A shape of another length (a vector's (D,)) is written as it is.
 */
export function hwc(shape) {
  if (shape.length !== 3) return shape.join("×");
  const [c, h, w] = shape;
  return `${h}×${w}×${c}`;
}
