// The Train panel's durations and chart ticks (www/js/train/format.js).

import assert from "node:assert/strict";
import { test } from "node:test";
import { setLanguage } from "../../www/js/i18n/i18n.js";
import { duration, hwc, ticks } from "../../www/js/train/format.js";

test("durations read in tenths below 10 s and never as 0 s", () => {
  assert.equal(duration(0), "under 0.1 s");
  assert.equal(duration(99), "under 0.1 s");
  assert.equal(duration(100), "0.1 s");
  assert.equal(duration(420), "0.4 s");
  assert.equal(duration(9940), "9.9 s");
  assert.equal(duration(9960), "10 s");
  assert.equal(duration(59_400), "59 s");
  assert.equal(duration(125_000), "2 min 05 s");
  assert.equal(duration(NaN), "…");
  assert.equal(duration(-1), "…");
});

const labels = (...args) => ticks(...args).map((t) => t.label);

test("the empty chart's iteration axis has whole ticks, not 0.6000000000000001", () => {
  assert.deepEqual(labels(1, 6, { integer: true }), ["0", "1"]);
  assert.deepEqual(labels(5, 6, { integer: true }), ["0", "1", "2", "3", "4", "5"]);
  assert.deepEqual(labels(100, 6, { integer: true }), ["0", "20", "40", "60", "80", "100"]);
  assert.deepEqual(labels(2000, 6, { integer: true }), ["0", "500", "1000", "1500", "2000"]);
});

test("loss ticks are multiples of a round step, printed with the step's decimals", () => {
  assert.deepEqual(labels(2.5, 4), ["0", "1", "2"]);
  assert.deepEqual(labels(2.5, 6), ["0.0", "0.5", "1.0", "1.5", "2.0", "2.5"]);
  assert.deepEqual(labels(1, 6), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]);
  assert.deepEqual(labels(0.07, 4), ["0.00", "0.02", "0.04", "0.06"]);
  assert.deepEqual(labels(2.31, 4), ["0", "1", "2"]);
  assert.deepEqual(labels(12, 4), ["0", "5", "10"]);
  // 3 × 0.1 is 0.30000000000000004 in floating point: the tick still reaches the top and reads 0.3.
  assert.deepEqual(labels(0.3, 3), ["0.0", "0.1", "0.2", "0.3"]);
});

test("an empty or absurd range gives the single tick 0", () => {
  assert.deepEqual(labels(0, 4), ["0"]);
  assert.deepEqual(labels(NaN, 4), ["0"]);
  assert.deepEqual(labels(Infinity, 4), ["0"]);
});

test("shapes from the engine's (C, H, W) read H×W×C, as everywhere on the page", () => {
  assert.equal(hwc([8, 16, 12]), "16×12×8");
  assert.equal(hwc([1, 8, 8]), "8×8×1");
  // A vector (the scores, the hidden layer) has one dimension and is written as it is.
  assert.equal(hwc([10]), "10");
});

test("durations in Korean read 초 and 분, the same numbers", () => {
  setLanguage("ko");
  try {
    assert.deepEqual([0, 420, 59_400, 125_000, NaN].map(duration), ["0.1초 미만", "0.4초", "59초", "2분 05초", "…"]);
  } finally {
    setLanguage("en");
  }
});
