// The main thread's side of the training worker: each request becomes a promise of its reply, and
// progress events go to one listener. No maths and no DOM here.
//
// A worker whose engine trapped (a reply or event with `fatal`, see ../engine-trap.js) is
// terminated: every request still waiting is rejected with the worker's plain message (an Error of
// kind "engine-restarted"), the listener gets `{ event: "failed", restarted: true, message }`, and
// the next request goes to a fresh worker, which has no trainer until it is configured again.
// A worker that fails outright (an `error` event: it did not load, or threw outside a request) is
// replaced the same way; the fresh one is made only when the next request comes, so a worker that
// cannot load is not restarted in a loop.

import { isTrap, TRAP_MESSAGE } from "../engine-trap.js";

const WORKER_URL = new URL("./worker.js", import.meta.url);

export class TrainerClient {
  /**
   * `onEvent(message)` receives the worker's `{ event: "progress" | "failed", ... }` messages.
   * `createWorker` makes the worker (tests pass a fake one).
   */
  constructor(onEvent, { createWorker = () => new Worker(WORKER_URL, { type: "module" }) } = {}) {
    this.onEvent = onEvent;
    this.createWorker = createWorker;
    this.pending = new Map();
    this.nextId = 1;
    this.worker = null;
    this.spawn();
  }

  spawn() {
    const worker = this.createWorker();
    this.worker = worker;
    worker.onmessage = (e) => {
      if (worker === this.worker) this.receive(e.data);
    };
    worker.onerror = (e) => {
      e.preventDefault?.();
      if (worker !== this.worker) return;
      // The event's text is the browser's ("Uncaught RuntimeError: unreachable"): say it plainly.
      const text = e.message ?? "";
      const message = /RuntimeError|unreachable/.test(text) || isTrap(new Error(text))
        ? TRAP_MESSAGE
        : `the training worker stopped: ${text || "it could not load"}. Reload the page to start it again.`;
      this.replace(message, false);
    };
  }

  receive(m) {
    if (m.event) {
      if (m.fatal) this.replace(m.message, true);
      else this.onEvent(m);
      return;
    }
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.fatal) {
      p.reject(Object.assign(new Error(m.error), { kind: "engine-restarted" }));
      this.replace(m.error, true);
    } else if (m.error !== undefined) {
      p.reject(Object.assign(new Error(m.error), m.kind ? { kind: m.kind } : {}));
    } else {
      p.resolve(m.value);
    }
  }

  /**
   * Terminates the worker, rejects every waiting request with `message`, tells the listener, and
   * makes a fresh worker now (`respawn`) or at the next request.
   */
  replace(message, respawn) {
    this.worker.terminate();
    this.worker = null;
    const error = Object.assign(new Error(message), { kind: "engine-restarted" });
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
    if (respawn) this.spawn();
    this.onEvent({ event: "failed", restarted: true, message });
  }

  /**
   * Sends request `type` with `args`; resolves to the worker's value or rejects with its message
   * (an Error whose `kind` is "data-unavailable" when a dataset's file could not be fetched, or
   * "engine-restarted" when the worker was replaced before it answered).
   */
  call(type, args = {}, transfer = []) {
    if (!this.worker) this.spawn();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args }, transfer);
    });
  }
}
