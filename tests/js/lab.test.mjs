// The Lab panel's pure modules without a browser: the statistics and number formats of
// www/js/lab/stats.js (the reading of an error by the engine's thresholds, checked against the
// engine's own verdict from the page's wasm module — needs ./scripts/build-wasm.sh), and the job
// protocol of www/js/lab/client.js against a fake worker — one job at a time, progress, results,
// errors, and a Cancel that always ends the job (by asking, or by terminating a worker that does
// not answer).

import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { TRAP_MESSAGE } from "../../www/js/engine-trap.js";
import { setLanguage } from "../../www/js/i18n/i18n.js";
import { LabClient } from "../../www/js/lab/client.js";
import { CANCEL_GRACE_MS } from "../../www/js/lab/config.js";
import { bandPosition, indexText, logPosition, median, reading, sci, stepText } from "../../www/js/lab/stats.js";
import { loadWasmEngine } from "./wasm-engine.mjs";
import { FakeWorker } from "./fake-worker.mjs";

const engine = await loadWasmEngine();
/** The engine's thresholds of the course's reading, as the page reads them. */
const T = engine.labThresholds();

test("median of odd and even counts, unsorted input left as it was", () => {
  const times = [5, 1, 4];
  assert.equal(median(times), 4);
  assert.deepEqual(times, [5, 1, 4]);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test("the course's reading and the heat map's log scale", () => {
  assert.deepEqual(T, { correctBelow: 1e-7, wrongAbove: 1e-4 });
  assert.equal(reading(9.9e-8, T), "correct");
  assert.equal(reading(1e-7, T), "suspicious");
  assert.equal(reading(1e-4, T), "suspicious");
  assert.equal(reading(1.1e-4, T), "wrong");
  assert.equal(reading(Infinity, T), "wrong");
  assert.equal(logPosition(0), 0);
  assert.equal(logPosition(1e-16), 0);
  assert.equal(logPosition(1e-8), 0.5);
  assert.equal(logPosition(10), 1);
  assert.equal(logPosition(Infinity), 1);
});

test("the page reads every error as the engine does, on each side of each threshold", () => {
  const cases = [0, 1e-16, 9.99e-8, 1e-7, 1.01e-7, 3e-6, 9.99e-5, 1e-4, 1.01e-4, 0.5, Infinity, NaN];
  const page = cases.map((e) => reading(e, T));
  assert.deepEqual(page, cases.map((e) => engine.labVerdict(e)));
  assert.deepEqual(page, [
    "correct", "correct", "correct", "suspicious", "suspicious", "suspicious",
    "suspicious", "suspicious", "wrong", "wrong", "wrong", "wrong",
  ]);
  // Within a band the colour darkens from its low end to its high end, the bands' ends being the
  // engine's thresholds.
  const near = (a, b) => Math.abs(a - b) < 1e-6;
  assert.equal(bandPosition(1e-16, T), 0);
  assert.ok(near(bandPosition(10 ** -11.5, T), 0.5), "the middle of the correct band");
  assert.ok(near(bandPosition(1e-7, T), 0), "the low end of the suspicious band");
  assert.ok(near(bandPosition(10 ** -5.5, T), 0.5), "the middle of the suspicious band");
  assert.ok(near(bandPosition(1.0000001e-4, T), 0), "the low end of the wrong band");
  assert.equal(bandPosition(1, T), 1);
});

test("numbers as the page prints them", () => {
  assert.equal(sci(2.0712e-10), "2.07e-10");
  assert.equal(sci(0), "0");
  assert.equal(sci(1234), "1.23e3");
  assert.equal(stepText(1e-5), "1e-5");
  assert.equal(stepText(0.2), "0.2");
  assert.equal(indexText([4, 3, 5, 5], 3 * 75 + 2 * 25 + 5 + 4), "[3,2,1,4]");
  assert.equal(indexText([7], 6), "[6]");
});

function client() {
  FakeWorker.all = [];
  const busy = [];
  const c = new LabClient((kind) => busy.push(kind), { createWorker: () => new FakeWorker() });
  return { c, busy, worker: () => FakeWorker.all.at(-1) };
}

test("a job runs to its result, with progress, and one job at a time", async () => {
  const { c, busy, worker } = client();
  const progress = [];
  const job = c.run("gradcheck", { layer: "conv" }, (done, total, what) => progress.push([done, total, what]));
  const { id } = worker().sent[0];
  assert.deepEqual(worker().sent[0], { id, kind: "gradcheck", settings: { layer: "conv" } });
  assert.deepEqual(await c.run("speed", {}), { error: "another Lab computation is still running: wait or press Cancel" });
  worker().reply({ id, type: "progress", done: 3, total: 10, label: "elements" });
  worker().reply({ id, type: "reply", value: 42 });
  assert.deepEqual(await job, { value: 42 });
  assert.deepEqual(progress, [[3, 10, "elements"]]);
  assert.deepEqual(busy, ["gradcheck", null]);
  assert.equal(c.busy, false);
});

test("the page's own refusal is written in the page's language", async () => {
  const { c, worker } = client();
  const job = c.run("gradcheck", {});
  setLanguage("ko");
  try {
    assert.deepEqual(await c.run("speed", {}), { error: "실험실의 다른 계산이 아직 실행 중입니다: 기다리거나 취소를 누르세요" });
  } finally {
    setLanguage("en");
  }
  assert.deepEqual(await c.run("speed", {}), { error: "another Lab computation is still running: wait or press Cancel" });
  worker().reply({ id: worker().sent[0].id, type: "reply", value: 1 });
  assert.deepEqual(await job, { value: 1 });
});

test("an engine error ends the job with its message; a fatal one restarts the worker", async () => {
  const { c, worker } = client();
  let job = c.run("gradcheck", {});
  worker().reply({ id: worker().sent[0].id, type: "error", message: "N must be at least 1, got 0", kind: "refused" });
  assert.deepEqual(await job, { error: "N must be at least 1, got 0" });
  assert.equal(FakeWorker.all.length, 1);
  job = c.run("gradcheck", {});
  worker().reply({ id: worker().sent[1].id, type: "error", message: TRAP_MESSAGE, kind: "trap" });
  assert.deepEqual(await job, { error: TRAP_MESSAGE });
  assert.equal(FakeWorker.all.length, 2);
  assert.equal(FakeWorker.all[0].terminated, true);
});

test("Cancel asks the worker first", async () => {
  const { c, worker } = client();
  const job = c.run("gradcheck", {});
  const { id } = worker().sent[0];
  c.cancel();
  assert.deepEqual(worker().sent[1], { id, kind: "cancel" });
  worker().reply({ id, type: "cancelled" });
  assert.deepEqual(await job, { cancelled: true });
  assert.equal(worker().terminated, false, "a worker that stops by itself is kept");
});

test("a worker that does not answer Cancel is terminated and replaced", async () => {
  const { c, busy, worker } = client();
  const first = worker();
  const job = c.run("speed", {});
  const { id } = first.sent[0];
  // The page's clock, stepped by hand: the worker is replaced exactly when the grace runs out.
  mock.timers.enable({ apis: ["setTimeout"] });
  let outcome = null;
  job.then((o) => (outcome = o));
  try {
    c.cancel();
    mock.timers.tick(CANCEL_GRACE_MS - 1);
    await Promise.resolve();
    assert.equal(outcome, null, "the worker gets its grace period to answer");
    assert.equal(first.terminated, false);
    mock.timers.tick(1);
  } finally {
    mock.timers.reset();
  }
  assert.deepEqual(await job, { cancelled: true });
  assert.equal(first.terminated, true);
  assert.notEqual(worker(), first);
  assert.deepEqual(busy, ["speed", null]);
  // A late answer of the old job changes nothing; the new worker takes the next job.
  first.reply({ id, type: "reply", value: "late" });
  const next = c.run("batchnorm", {});
  assert.equal(worker().sent[0].kind, "batchnorm");
  worker().reply({ id: worker().sent[0].id, type: "reply", value: "fresh" });
  assert.deepEqual(await next, { value: "fresh" });
});
