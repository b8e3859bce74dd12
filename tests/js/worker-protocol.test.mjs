// The page's worker protocol (../../www/js/worker-protocol.js): the page's side with a fake
// Worker, the worker's side with a fake worker scope, and the two wired together.

import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { TRAP_MESSAGE } from "../../www/js/engine-trap.js";
import { trainerClient } from "../../www/js/train/client.js";
import { ERROR_KIND, serve, WorkerClient, WorkerError } from "../../www/js/worker-protocol.js";
import { FakeWorker } from "./fake-worker.mjs";

function client() {
  FakeWorker.all = [];
  const restarts = [];
  const c = new WorkerClient({ createWorker: () => new FakeWorker(), name: "test worker", onRestart: (m) => restarts.push(m) });
  return { c, restarts, worker: () => FakeWorker.all.at(-1) };
}

test("a request is { id, kind, ...args }; each reply, progress or error reaches its own request", async () => {
  const { c, worker } = client();
  const seen = [];
  const a = c.request("configure", { data: 1 }, { onProgress: (m) => seen.push(["a", m]) });
  const b = c.request("start", {}, { onProgress: (m) => seen.push(["b", m]) });
  assert.deepEqual(worker().sent, [{ id: 1, kind: "configure", data: 1 }, { id: 2, kind: "start" }]);
  assert.equal(a.id, 1);
  assert.equal(b.id, 2);
  worker().reply({ id: 2, type: "progress", done: 1 });
  worker().reply({ id: 2, type: "error", message: "no trainer", kind: "refused" });
  worker().reply({ id: 1, type: "reply", value: "made" });
  assert.equal(await a, "made");
  await assert.rejects(b, (e) => e instanceof WorkerError && e.message === "no trainer" && e.kind === "refused");
  assert.deepEqual(seen, [["b", { id: 2, type: "progress", done: 1 }]]);
  // Messages of requests already answered change nothing; an engine error keeps the worker.
  worker().reply({ id: 2, type: "progress", done: 2 });
  worker().reply({ id: 1, type: "reply", value: "again" });
  assert.equal(seen.length, 1);
  assert.equal(FakeWorker.all.length, 1);
  assert.equal(worker().terminated, false);
});

test("an error's kind reaches the page (a dataset that did not load)", async () => {
  const { c, worker } = client();
  const a = c.request("configure");
  worker().reply({ id: a.id, type: "error", message: "The digits dataset did not load", kind: "data-unavailable" });
  await assert.rejects(a, (e) => e.message === "The digits dataset did not load" && e.kind === ERROR_KIND.dataUnavailable);
});

test("a trap replaces the worker, rejects what waits and tells the listener once", async () => {
  const { c, restarts, worker } = client();
  const first = worker();
  const configure = c.request("configure");
  const select = c.request("select");
  first.reply({ id: configure.id, type: "error", message: TRAP_MESSAGE, kind: "trap" });
  await assert.rejects(configure, (e) => e.message === TRAP_MESSAGE && e.kind === "engine-restarted");
  await assert.rejects(select, (e) => e.message === TRAP_MESSAGE && e.kind === "engine-restarted");
  assert.equal(first.terminated, true);
  assert.equal(FakeWorker.all.length, 2, "a fresh worker at once");
  assert.deepEqual(restarts, [TRAP_MESSAGE]);
  // A late message of the old worker changes nothing; the next request goes to the new one.
  first.reply({ id: select.id, type: "reply", value: "late" });
  assert.equal(restarts.length, 1);
  const next = c.request("configure");
  assert.equal(first.sent.length, 2);
  assert.deepEqual(worker().sent, [{ id: next.id, kind: "configure" }]);
  worker().reply({ id: next.id, type: "reply", value: "fresh" });
  assert.equal(await next, "fresh");
});

test("a worker that fails outright is replaced at the next request, not in a loop", async () => {
  const { c, restarts, worker } = client();
  const first = worker();
  const waiting = c.request("configure");
  let prevented = false;
  first.fail({ message: "Uncaught RuntimeError: unreachable", preventDefault: () => (prevented = true) });
  assert.equal(prevented, true);
  await assert.rejects(waiting, (e) => e.message === TRAP_MESSAGE && e.kind === "engine-restarted");
  assert.equal(first.terminated, true);
  assert.equal(FakeWorker.all.length, 1, "no new worker until a request needs one");
  first.fail({ message: "", preventDefault() {} });
  assert.deepEqual(restarts, [TRAP_MESSAGE], "a second error of the replaced worker is ignored");
  const next = c.request("configure");
  assert.equal(FakeWorker.all.length, 2);
  worker().reply({ id: next.id, type: "reply", value: "ok" });
  assert.equal(await next, "ok");
});

test("a worker that does not load says so, with its name", async () => {
  const { c, restarts, worker } = client();
  const waiting = c.request("configure");
  worker().fail({ message: "", preventDefault() {} });
  const expected = "the test worker stopped: it could not load. Reload the page to start it again.";
  await assert.rejects(waiting, (e) => e.message === expected);
  assert.deepEqual(restarts, [expected]);
});

test("the Train client names its worker in that message", async () => {
  FakeWorker.all = [];
  const restarts = [];
  const c = trainerClient((m) => restarts.push(m), { createWorker: () => new FakeWorker() });
  const waiting = c.request("configure");
  FakeWorker.all[0].fail({ message: "", preventDefault() {} });
  const expected = "the training worker stopped: it could not load. Reload the page to start it again.";
  await assert.rejects(waiting, (e) => e.message === expected);
  assert.deepEqual(restarts, [expected]);
});

test("cancel asks the worker; a worker that stops by itself is kept", async () => {
  const { c, worker } = client();
  const job = c.request("gradcheck", { settings: {} });
  c.cancel(job.id, 400);
  c.cancel(job.id, 400); // a second click sends nothing more
  assert.deepEqual(worker().sent.slice(1), [{ id: job.id, kind: "cancel" }]);
  worker().reply({ id: job.id, type: "cancelled" });
  await assert.rejects(job, (e) => e.kind === ERROR_KIND.cancelled);
  assert.equal(worker().terminated, false);
  c.cancel(job.id, 400); // an answered request: nothing to cancel
  assert.equal(worker().sent.length, 2);
});

test("a worker that does not answer a cancel within the grace is replaced, quietly", async () => {
  const { c, restarts, worker } = client();
  const first = worker();
  const job = c.request("speed");
  let outcome = null;
  job.catch((e) => (outcome = e.kind));
  mock.timers.enable({ apis: ["setTimeout"] });
  try {
    c.cancel(job.id, 400);
    mock.timers.tick(399);
    await Promise.resolve();
    assert.equal(outcome, null, "the worker gets its grace period to answer");
    assert.equal(first.terminated, false);
    mock.timers.tick(1);
  } finally {
    mock.timers.reset();
  }
  await assert.rejects(job, (e) => e.kind === ERROR_KIND.cancelled);
  assert.equal(first.terminated, true);
  assert.equal(FakeWorker.all.length, 2);
  assert.deepEqual(restarts, [], "a cancel is not a failure to report");
  first.reply({ id: job.id, type: "reply", value: "late" });
  const next = c.request("batchnorm");
  worker().reply({ id: next.id, type: "reply", value: "fresh" });
  assert.equal(await next, "fresh");
});

// --- The worker's side --------------------------------------------------------------------------

/** A stand-in for a worker's global scope: the test sends, the scope records what is posted. */
class FakeScope {
  constructor() {
    this.posted = [];
    this.listener = null;
  }
  addEventListener(type, f) {
    assert.equal(type, "message");
    this.listener = f;
  }
  postMessage(m) {
    this.posted.push(m);
  }
  send(data) {
    this.listener({ data });
  }
}

/** Resolves after every timer queued so far (the workers' checkpoints yield with setTimeout). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

test("serve answers each request once: reply, progress, refused, unknown kind, trap", async () => {
  const scope = new FakeScope();
  serve({
    add: ({ a, b }) => a + b,
    count: async ({ n }, request) => {
      for (let i = 1; i <= n; i++) request.progress({ done: i });
      return "counted";
    },
    refuse: () => {
      throw new Error("the batch size must be at least 1, got 0");
    },
    trap: () => {
      throw new WebAssembly.RuntimeError("unreachable");
    },
  }, { scope, name: "test worker" });
  scope.send({ id: 1, kind: "add", a: 2, b: 3 });
  scope.send({ id: 2, kind: "count", n: 2 });
  scope.send({ id: 3, kind: "refuse" });
  scope.send({ id: 4, kind: "trap" });
  scope.send({ id: 5, kind: "toString" });
  await settle();
  const byId = (id) => scope.posted.filter((m) => m.id === id);
  assert.deepEqual(byId(1), [{ id: 1, type: "reply", value: 5 }]);
  assert.deepEqual(byId(2), [
    { id: 2, type: "progress", done: 1 }, { id: 2, type: "progress", done: 2 }, { id: 2, type: "reply", value: "counted" },
  ]);
  assert.deepEqual(byId(3), [{ id: 3, type: "error", message: "the batch size must be at least 1, got 0", kind: "refused" }]);
  assert.deepEqual(byId(4), [{ id: 4, type: "error", message: TRAP_MESSAGE, kind: "trap" }]);
  assert.deepEqual(byId(5), [{ id: 5, type: "error", message: 'the test worker has no request called "toString"', kind: "refused" }]);
  assert.equal(scope.posted.length, 7);
});

test("serve in order holds later requests back until one is answered or detaches", async () => {
  const scope = new FakeScope();
  const order = [];
  let release;
  const file = new Promise((resolve) => (release = resolve));
  serve({
    configure: async () => {
      order.push("configure begins");
      await file;
      order.push("configure ends");
      return "configured";
    },
    start: async (_args, request) => {
      order.push("start");
      request.detach();
      await settle();
      order.push("run ends");
      return { ended: "finished" };
    },
    pause: () => {
      order.push("pause");
      return "paused";
    },
  }, { scope, inOrder: true });
  scope.send({ id: 1, kind: "configure" });
  scope.send({ id: 2, kind: "start" });
  scope.send({ id: 3, kind: "pause" });
  await settle();
  assert.deepEqual(order, ["configure begins"], "the start waits for the configure");
  release();
  await settle();
  await settle();
  assert.deepEqual(order, ["configure begins", "configure ends", "start", "pause", "run ends"]);
  assert.deepEqual(scope.posted.map((m) => [m.id, m.type]), [[1, "reply"], [3, "reply"], [2, "reply"]]);
});

test("serve: a cancel stops a request at its next checkpoint; a cancel of nothing running is ignored", async () => {
  const scope = new FakeScope();
  serve({
    long: async (_args, request) => {
      for (let i = 1; ; i++) {
        request.progress({ done: i });
        await request.checkpoint();
      }
    },
  }, { scope });
  scope.send({ id: 9, kind: "cancel" });
  scope.send({ id: 1, kind: "long" });
  scope.send({ id: 1, kind: "cancel" });
  await settle();
  assert.deepEqual(scope.posted, [{ id: 1, type: "progress", done: 1 }, { id: 1, type: "cancelled" }]);
});

test("serve: `before` may refuse every request (an engine that did not load)", async () => {
  const scope = new FakeScope();
  serve({ run: () => "ran" }, {
    scope,
    before: async () => {
      throw new Error("the Lab module (www/pkg-lab/) did not load");
    },
  });
  scope.send({ id: 1, kind: "run" });
  await settle();
  assert.deepEqual(scope.posted, [{ id: 1, type: "error", message: "the Lab module (www/pkg-lab/) did not load", kind: "refused" }]);
});

test("the two sides together: a trap in the worker reaches the page as a restart", async () => {
  FakeWorker.all = [];
  const scopes = [];
  /** A worker whose "train" traps the first time (in the first worker only). */
  class LinkedWorker extends FakeWorker {
    constructor() {
      super();
      const scope = new FakeScope();
      scope.postMessage = (m) => queueMicrotask(() => this.reply(m));
      const first = scopes.length === 0;
      serve({
        train: () => {
          if (first) throw new WebAssembly.RuntimeError("unreachable");
          return "trained";
        },
      }, { scope });
      scopes.push(scope);
      this.postMessage = (m) => scope.send(m);
    }
  }
  const restarts = [];
  const c = new WorkerClient({ createWorker: () => new LinkedWorker(), onRestart: (m) => restarts.push(m) });
  await assert.rejects(c.request("train"), (e) => e.message === TRAP_MESSAGE && e.kind === "engine-restarted");
  assert.deepEqual(restarts, [TRAP_MESSAGE]);
  assert.equal(FakeWorker.all[0].terminated, true);
  assert.equal(await c.request("train"), "trained");
  assert.equal(FakeWorker.all.length, 2);
});
