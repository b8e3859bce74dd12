// The Train panel's run (www/js/train/run.js): its state machine driven through the real Train
// client by a fake worker that the test answers for, on a hand-driven clock. Each test asserts
// the exact states, messages and requests.

import assert from "node:assert/strict";
import { test } from "node:test";
import { TRAP_MESSAGE } from "../../www/js/engine-trap.js";
import { setLanguage } from "../../www/js/i18n/i18n.js";
import { trainerClient } from "../../www/js/train/client.js";
import { CONFIGURE_DELAY_MS, divergedText, finishedText, TrainRun } from "../../www/js/train/run.js";
import { FakeWorker } from "./fake-worker.mjs";

/** Lets the page's promise callbacks run (replies are delivered synchronously). */
const flush = () => new Promise((resolve) => setImmediate(resolve));

const SUMMARY = { iteration: 0, numIterations: 40, nTrain: 100, nVal: 20, net: { numFilters: 8 } };

/** A progress message of request `id`: `n` iterations ending at `iteration`. */
function chunk(id, iteration, n, extra = {}) {
  return {
    id,
    type: "progress",
    progress: { iteration, numIterations: 40, losses: Array(n).fill(2.3), accuracies: [], finished: false, diverged: null, ...extra },
    filters: [],
    example: null,
    confusion: null,
  };
}

/** A run on a fake worker, a clock that moves when the test says, and a log of the `ui` hooks. */
function setup({ dataset = "shapes" } = {}) {
  FakeWorker.all = [];
  const log = [];
  const clock = { now: 0, timers: new Map(), next: 1 };
  const timers = {
    setTimeout(f, ms) {
      clock.timers.set(clock.next, { f, ms });
      return clock.next++;
    },
    clearTimeout(id) {
      clock.timers.delete(id);
    },
  };
  const settings = { data: { dataset }, run: { learningRate: 0.001 }, own: undefined };
  let run;
  const client = trainerClient((message) => run.restarted(message), { createWorker: () => new FakeWorker() });
  run = new TrainRun({
    client,
    settings: () => ({ ...settings, key: JSON.stringify(settings) }),
    ui: {
      progress: (p) => log.push(["progress", p.iteration]),
      cleared: () => log.push(["cleared"]),
      newModel: (origin) => log.push(["newModel", origin]),
      trained: (final) => log.push(["trained", final]),
      finished: () => log.push(["finished"]),
    },
    now: () => clock.now,
    timers,
  });
  const worker = () => FakeWorker.all.at(-1);
  /** Answers the last request of `kind` with `value`. */
  const answer = async (kind, value) => {
    worker().reply({ id: worker().last(kind).id, type: "reply", value });
    await flush();
  };
  /** Configures and answers: the run is idle with a fresh trainer. */
  const configured = async () => {
    const done = run.configure();
    await answer("configure", { summary: SUMMARY, previews: [] });
    await done;
  };
  /** Starts and lets the start request go out: the run is running; `done` is the run's end. */
  const started = async () => {
    const done = run.start();
    await flush();
    return { done };
  };
  return { run, log, clock, settings, worker, answer, configured, started };
}

test("configure → idle; Start → running; progress moves it; Pause → paused; Resume is a new run", async () => {
  const { run, log, clock, settings, worker, answer, configured, started } = setup();
  assert.equal(run.status, "loading");
  const configuring = run.configure();
  assert.equal(run.status, "loading");
  assert.deepEqual(worker().sent, [{ id: 1, kind: "configure", data: settings.data, run: settings.run, own: undefined }]);
  await answer("configure", { summary: SUMMARY, previews: [] });
  await configuring;
  assert.equal(run.status, "idle");
  assert.deepEqual([run.iteration, run.numIterations, run.summary], [0, 40, SUMMARY]);
  assert.deepEqual(log, [["newModel", "configured"]]);

  clock.now = 1000;
  const { done: first } = await started();
  assert.equal(run.status, "running");
  assert.equal(run.run, 1);
  assert.deepEqual(worker().kinds(), ["configure", "start"]);
  const { id } = worker().last("start");
  clock.now = 1100;
  worker().reply(chunk(id, 5, 5));
  assert.deepEqual([run.iteration, run.elapsed, run.rate], [5, 100, 50]);
  assert.equal(run.modelWorthSaving, true);

  const pausing = run.pause();
  assert.deepEqual(worker().kinds(), ["configure", "start", "pause"]);
  await answer("pause", { summary: { ...SUMMARY, iteration: 5 } });
  await pausing;
  assert.equal(run.status, "paused");
  // The run's own end comes after the pause's reply: it changes nothing.
  await answer("start", { ended: "stopped" });
  await first;
  assert.equal(run.status, "paused");
  assert.deepEqual(log.slice(1), [["progress", 5], ["trained", false], ["trained", true]]);

  await started();
  assert.deepEqual(worker().kinds(), ["configure", "start", "pause", "start"], "Resume needs no new trainer");
  assert.equal(run.status, "running");
  assert.equal(run.run, 2);
  assert.equal(FakeWorker.all.length, 1);
});

test("progress and the end of an older run are ignored", async () => {
  const { run, worker, answer, configured, started } = setup();
  await configured();
  const { done: first } = await started();
  const old = worker().last("start").id;
  const pausing = run.pause();
  await answer("pause", { summary: { ...SUMMARY, iteration: 3 } });
  await pausing;
  await started();
  assert.equal(run.run, 2);
  // Run 1's messages arrive late: a chunk, then its failure.
  worker().reply(chunk(old, 9, 6));
  assert.equal(run.iteration, 3);
  worker().reply({ id: old, type: "error", message: "the batch went wrong", kind: "refused" });
  await first;
  assert.equal(run.status, "running");
  assert.equal(run.message.text, "");
  worker().reply(chunk(worker().last("start").id, 4, 1));
  assert.equal(run.iteration, 4);
});

test("a run that finishes says how long it took; the next Start makes a new trainer", async () => {
  const { run, log, clock, worker, answer, configured, started } = setup();
  await configured();
  const { done: going } = await started();
  const { id } = worker().last("start");
  clock.now = 2500;
  worker().reply(chunk(id, 40, 40, { finished: true, accuracies: [{ epoch: 2, trainAcc: 1, valAcc: 0.4 }] }));
  assert.equal(run.status, "finished");
  assert.deepEqual(run.message, { text: finishedText(2500), kind: "notice" });
  assert.equal(run.message.text.startsWith("Finished in 2.5 s. "), true);
  assert.deepEqual(run.lastAcc, { epoch: 2, trainAcc: 1, valAcc: 0.4 });
  assert.deepEqual(log.slice(1), [["progress", 40], ["trained", true], ["finished"]]);
  await answer("start", { ended: "finished" });
  await going;
  assert.equal(run.status, "finished");
  run.start();
  await flush();
  assert.deepEqual(worker().kinds(), ["configure", "start", "configure"]);
  assert.equal(run.status, "loading");
});

test("a run that diverges stops with the engine's message", async () => {
  const { run, worker, configured, started } = setup();
  await configured();
  await started();
  worker().reply(chunk(worker().last("start").id, 7, 7, { diverged: "The loss became NaN at iteration 7." }));
  assert.equal(run.status, "diverged");
  assert.deepEqual(run.message, { text: divergedText("The loss became NaN at iteration 7."), kind: "error" });
});

test("a run that fails (not a trap) ends in the error state; the worker is kept", async () => {
  const { run, worker, configured, started } = setup();
  await configured();
  const { done: going } = await started();
  worker().reply({ id: worker().last("start").id, type: "error", message: "the trainer is not set up yet", kind: "refused" });
  await going;
  assert.equal(run.status, "error");
  assert.deepEqual(run.message, { text: "Training stopped: the trainer is not set up yet", kind: "error" });
  assert.equal(FakeWorker.all.length, 1);
});

test("a trap during a run: the run ends with the plain message, and the next Start trains on a fresh worker", async () => {
  const { run, log, settings, worker, answer, configured, started } = setup();
  await configured();
  const { done: going } = await started();
  const first = worker();
  first.reply(chunk(first.last("start").id, 3, 3));
  first.reply({ id: first.last("start").id, type: "error", message: TRAP_MESSAGE, kind: "trap" });
  await going;
  assert.equal(first.terminated, true);
  assert.equal(FakeWorker.all.length, 2);
  assert.equal(run.status, "restarted");
  assert.deepEqual(run.message, { text: TRAP_MESSAGE, kind: "error" });
  assert.deepEqual([run.summary, run.iteration, run.configuredKey], [null, 0, ""]);
  assert.deepEqual(log.at(-1), ["cleared"]);

  // The next Start makes a trainer from the same settings on the fresh worker, then trains.
  const next = run.start();
  await flush();
  assert.equal(run.status, "loading");
  assert.deepEqual(worker().sent, [{ id: 3, kind: "configure", data: settings.data, run: settings.run, own: undefined }]);
  await answer("configure", { summary: SUMMARY });
  assert.equal(run.status, "running");
  assert.deepEqual(run.message, { text: "", kind: "notice" });
  assert.deepEqual(worker().kinds(), ["configure", "start"]);
  worker().reply(chunk(worker().last("start").id, 2, 2));
  assert.equal(run.iteration, 2);
  await answer("start", { ended: "stopped" });
  await next;
  assert.equal(first.sent.length, 2, "nothing more went to the trapped worker");
});

test("a trap during a step or a configure ends in the restarted state too", async () => {
  const { run, worker, configured } = setup();
  await configured();
  const stepping = run.step();
  await flush();
  worker().reply({ id: worker().last("step").id, type: "error", message: TRAP_MESSAGE, kind: "trap" });
  await stepping;
  assert.equal(run.status, "restarted");
  assert.deepEqual(run.message, { text: TRAP_MESSAGE, kind: "error" });
  const configuring = run.configure();
  worker().reply({ id: worker().last("configure").id, type: "error", message: TRAP_MESSAGE, kind: "trap" });
  await configuring;
  assert.equal(run.status, "restarted");
  assert.equal(FakeWorker.all.length, 3);
});

test("Step trains one iteration and pauses; the last one finishes", async () => {
  const { run, log, worker, answer, configured } = setup();
  await configured();
  let stepping = run.step();
  await flush();
  assert.deepEqual(worker().kinds(), ["configure", "step"]);
  await answer("step", { progress: chunk(0, 1, 1).progress });
  await stepping;
  assert.equal(run.status, "paused");
  assert.equal(run.iteration, 1);
  stepping = run.step();
  await flush();
  await answer("step", { progress: chunk(0, 40, 1, { finished: true }).progress });
  await stepping;
  assert.equal(run.status, "finished");
  assert.deepEqual(log.slice(1), [["trained", true], ["progress", 1], ["trained", true], ["progress", 40]]);
});

test("refused settings: an error, or a notice for your own dataset", async () => {
  let { run, worker } = setup();
  let configuring = run.configure();
  worker().reply({ id: 1, type: "error", message: "the learning rate must be positive", kind: "refused" });
  await configuring;
  assert.equal(run.status, "error");
  assert.deepEqual(run.message, { text: "These settings cannot be used: the learning rate must be positive", kind: "error" });
  ({ run, worker } = setup({ dataset: "own" }));
  configuring = run.configure();
  worker().reply({ id: 1, type: "error", message: "add at least two classes", kind: "refused" });
  await configuring;
  assert.deepEqual(run.message, { text: "Your dataset is not ready: add at least two classes", kind: "notice" });
  ({ run, worker } = setup({ dataset: "digits" }));
  configuring = run.configure();
  worker().reply({ id: 1, type: "error", message: "The digits dataset (data/digits.bin) did not load: 404 Not Found.", kind: "data-unavailable" });
  await configuring;
  assert.equal(run.status, "error");
  assert.deepEqual(run.message, { text: "The digits dataset (data/digits.bin) did not load: 404 Not Found.", kind: "error" });
});

test("edits: before training they make one new trainer after a pause; during a run they wait for the next Start", async () => {
  const { run, clock, settings, worker, answer, configured, started } = setup();
  await configured();
  settings.run.learningRate = 0.01;
  run.settingsChanged(false);
  settings.run.learningRate = 0.02;
  run.settingsChanged(false);
  assert.equal(run.status, "loading");
  assert.deepEqual([...clock.timers.values()].map((t) => t.ms), [CONFIGURE_DELAY_MS], "one pending configure");
  const [[, timer]] = clock.timers;
  clock.timers.clear();
  timer.f();
  assert.equal(worker().last("configure").run.learningRate, 0.02);
  await answer("configure", { summary: SUMMARY });
  assert.equal(run.status, "idle");

  await started();
  settings.run.learningRate = 0.05;
  run.settingsChanged(false);
  assert.equal(run.dirty, true);
  assert.equal(run.status, "running");
  const pausing = run.pause();
  await answer("pause", { summary: { ...SUMMARY, iteration: 4 } });
  await pausing;
  assert.equal(run.dirty, true);
  run.start();
  await flush();
  assert.deepEqual(worker().kinds(), ["configure", "configure", "start", "pause", "configure"], "the next Start makes a new trainer");
  // Setting it back before that: nothing to apply.
  await answer("configure", { summary: SUMMARY });
  settings.run.learningRate = 0.05;
  run.settingsChanged(false);
  assert.equal(run.dirty, false);
});

test("the run's own messages in Korean, the engine's reason kept as it came", () => {
  setLanguage("ko");
  try {
    assert.equal(divergedText("손실이 NaN이 되었습니다."),
      "손실이 NaN이 되었습니다. 학습이 저절로 멈췄습니다. 네트워크는 손실이 유한했던 마지막 가중치를 유지합니다. 학습률을 낮추고 다시 시작을 누르세요.");
    assert.equal(finishedText(125_000),
      "2분 05초 만에 끝났습니다. 네트워크는 마지막 가중치를 유지합니다. 아래의 예측은 차트의 마지막 지점의 예측입니다.");
  } finally {
    setLanguage("en");
  }
});
