// What the page does when the engine traps: ../../www/js/engine-trap.js (the workers' side) and
// the Train client, which replaces its worker, with a fake worker.

import assert from "node:assert/strict";
import { test } from "node:test";
import { describeError, isTrap, TRAP_MESSAGE } from "../../www/js/engine-trap.js";
import { TrainerClient } from "../../www/js/train/client.js";

/** A real trap of a wasm instance: a function whose body is `unreachable`. */
function realTrap() {
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export it as "f"
    0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, // body: unreachable, end
  ]);
  const { f } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("the module did not trap");
}

test("a trap or a binding error after one reads as the plain message; an engine error keeps its own", () => {
  const trap = realTrap();
  assert.ok(trap instanceof WebAssembly.RuntimeError);
  assert.deepEqual(describeError(trap), { message: TRAP_MESSAGE, fatal: true });
  const borrowed = new Error("attempted to take ownership of Rust value while it was borrowed");
  assert.deepEqual(describeError(borrowed), { message: TRAP_MESSAGE, fatal: true });
  assert.equal(isTrap(new Error("recursive use of an object detected which would lead to unsafe aliasing in rust")), true);
  const engine = new Error("the batch size must be at least 1, got 0");
  assert.deepEqual(describeError(engine), { message: engine.message, fatal: false });
  assert.deepEqual(describeError("plain text"), { message: "plain text", fatal: false });
  assert.doesNotMatch(TRAP_MESSAGE, /unreachable|RuntimeError|Rust value|borrowed|wasm/);
});

/** A stand-in for the Train worker: records requests; the test answers for it. */
class FakeWorker {
  static all = [];
  constructor() {
    this.sent = [];
    this.terminated = false;
    FakeWorker.all.push(this);
  }
  postMessage(m) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  reply(data) {
    this.onmessage({ data });
  }
}

function client() {
  FakeWorker.all = [];
  const events = [];
  const c = new TrainerClient((m) => events.push(m), { createWorker: () => new FakeWorker() });
  return { c, events, worker: () => FakeWorker.all.at(-1) };
}

test("replies resolve or reject their own request; an engine error keeps the worker", async () => {
  const { c, events, worker } = client();
  const a = c.call("configure", { data: 1 });
  const b = c.call("start", { run: 1 });
  assert.deepEqual(worker().sent.map((m) => m.type), ["configure", "start"]);
  worker().reply({ id: worker().sent[1].id, error: "no trainer", fatal: false });
  worker().reply({ id: worker().sent[0].id, value: "made" });
  assert.equal(await a, "made");
  await assert.rejects(b, (e) => e.message === "no trainer" && e.kind === undefined);
  worker().reply({ event: "progress", run: 1 });
  assert.deepEqual(events, [{ event: "progress", run: 1 }]);
  assert.equal(FakeWorker.all.length, 1);
});

test("a fatal reply replaces the worker, rejects what waits and tells the listener once", async () => {
  const { c, events, worker } = client();
  const first = worker();
  const configure = c.call("configure");
  const select = c.call("select");
  first.reply({ id: first.sent[0].id, error: TRAP_MESSAGE, fatal: true });
  await assert.rejects(configure, (e) => e.message === TRAP_MESSAGE && e.kind === "engine-restarted");
  await assert.rejects(select, (e) => e.message === TRAP_MESSAGE && e.kind === "engine-restarted");
  assert.equal(first.terminated, true);
  assert.equal(FakeWorker.all.length, 2);
  assert.deepEqual(events, [{ event: "failed", restarted: true, message: TRAP_MESSAGE }]);
  // A late message of the old worker changes nothing; the next request goes to the new one.
  first.reply({ id: first.sent[1].id, value: "late" });
  first.reply({ event: "progress", run: 1 });
  assert.equal(events.length, 1);
  const next = c.call("configure");
  assert.equal(first.sent.length, 2);
  worker().reply({ id: worker().sent[0].id, value: "fresh" });
  assert.equal(await next, "fresh");
});

test("a fatal event of a run replaces the worker too", () => {
  const { events, worker } = client();
  const first = worker();
  first.reply({ event: "failed", run: 3, message: TRAP_MESSAGE, fatal: true });
  assert.equal(first.terminated, true);
  assert.equal(FakeWorker.all.length, 2);
  assert.deepEqual(events, [{ event: "failed", restarted: true, message: TRAP_MESSAGE }]);
});

test("a worker that fails outright is replaced at the next request, not in a loop", async () => {
  const { c, events, worker } = client();
  const first = worker();
  const waiting = c.call("configure");
  let prevented = false;
  first.onerror({ message: "Uncaught RuntimeError: unreachable", preventDefault: () => (prevented = true) });
  assert.equal(prevented, true);
  await assert.rejects(waiting, (e) => e.message === TRAP_MESSAGE);
  assert.equal(first.terminated, true);
  assert.equal(FakeWorker.all.length, 1, "no new worker until a request needs one");
  first.onerror({ message: "", preventDefault() {} });
  assert.equal(events.length, 1, "a second error of the replaced worker is ignored");
  assert.deepEqual(events[0], { event: "failed", restarted: true, message: TRAP_MESSAGE });
  const next = c.call("configure");
  assert.equal(FakeWorker.all.length, 2);
  worker().reply({ id: worker().sent[0].id, value: "ok" });
  assert.equal(await next, "ok");
});

test("a worker that does not load says so", async () => {
  const { c, events, worker } = client();
  const waiting = c.call("configure");
  worker().onerror({ message: "", preventDefault() {} });
  const expected = "the training worker stopped: it could not load. Reload the page to start it again.";
  await assert.rejects(waiting, (e) => e.message === expected);
  assert.deepEqual(events, [{ event: "failed", restarted: true, message: expected }]);
});
