// The one message protocol between the page and its workers (the Train and the Lab worker): the
// worker side (`serve`) and the page side (`WorkerClient`). ARCHITECTURE.md ("Workers") has the
// message table. In short:
//
//   page → worker  { id, kind, ...args }          a request: `kind` names it, `args` are plain data
//                  { id, kind: "cancel" }          stop request `id` at its next checkpoint
//   worker → page  { id, type: "progress", ... }   zero or more, while request `id` runs
//                  { id, type: "reply", value }    then exactly one of these three:
//                  { id, type: "error", message, kind }
//                  { id, type: "cancelled" }
//
// An error's `kind` is "refused" (the engine's or the worker's own message, shown as it is),
// "data-unavailable" (a dataset's file could not be fetched) or "trap": the engine's wasm instance
// trapped (../engine-trap.js), its state can no longer be trusted, and the message is a plain
// sentence. After a trap the page terminates the worker, rejects every request still waiting and
// sends the next one to a fresh worker: fatal-and-replace. No maths and no DOM here.

import { describeError, isTrap, trapMessage } from "./engine-trap.js";
import { t } from "./i18n/i18n.js";

/** The kinds of an error, on the wire ("refused", "data-unavailable", "trap") and on the page. */
export const ERROR_KIND = {
  refused: "refused",
  dataUnavailable: "data-unavailable",
  trap: "trap",
  /** Page side only: the worker was replaced (after a trap or a failure) before it answered. */
  restarted: "engine-restarted",
  /** Page side only: the request was cancelled. */
  cancelled: "cancelled",
};

/** The request kind that cancels another request. */
export const CANCEL = "cancel";

/** An error of a request, as the page sees it: the worker's message and its `kind` (ERROR_KIND). */
export class WorkerError extends Error {
  constructor(message, kind) {
    super(message);
    this.kind = kind;
  }
}

const CANCELLED = Symbol("cancelled");

// --- The worker's side ------------------------------------------------------------------------

/**
 * Answers the requests that reach `scope` (the worker's global) with `handlers[kind](args,
 * request)`. A handler returns the reply's value (or a promise of it) or throws: an Error with a
 * `kind` keeps it, a trap becomes kind "trap" with the plain message, any other is "refused".
 * `request` is `{ id, progress(fields), checkpoint(), detach() }`: `progress` posts a progress
 * message; `await checkpoint()` yields to the event loop, so that a cancel can arrive, and ends
 * the request as cancelled if one did; `detach()` lets the next request in while this one goes on.
 *
 * `inOrder`: requests are answered one after the other (a request waiting for a file holds back
 * the ones sent after it) unless a handler detaches. `before(kind)` is awaited before each
 * handler and may throw (e.g. the engine did not load). `name` is the worker's name in messages.
 */
export function serve(handlers, { scope = globalThis, inOrder = false, before = async () => {}, name = "worker" } = {}) {
  /** The ids of requests still running, and those of them asked to cancel. */
  const running = new Set();
  const cancelled = new Set();
  let queue = Promise.resolve();

  /** Posts `message`; one that cannot be cloned (a bug of a handler) becomes its error. */
  function post(message) {
    try {
      scope.postMessage(message);
    } catch (e) {
      scope.postMessage(errorMessage(message.id, e));
    }
  }

  /** Answers one request; resolves when it is answered or detaches (never rejects). */
  function answer({ id, kind, ...args }) {
    running.add(id);
    let detach;
    const detached = new Promise((resolve) => (detach = resolve));
    const request = {
      id,
      progress: (fields) => scope.postMessage({ ...fields, id, type: "progress" }),
      async checkpoint() {
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (cancelled.has(id)) throw CANCELLED;
      },
      detach,
    };
    const answered = (async () => {
      await before(kind);
      const handler = Object.hasOwn(handlers, kind) ? handlers[kind] : null;
      if (!handler) throw new WorkerError(`the ${name} has no request called "${kind}"`, ERROR_KIND.refused);
      return handler(args, request);
    })().then(
      (value) => post({ id, type: "reply", value }),
      (e) => post(e === CANCELLED ? { id, type: "cancelled" } : errorMessage(id, e)),
    ).finally(() => {
      running.delete(id);
      cancelled.delete(id);
    });
    return Promise.race([answered, detached]);
  }

  scope.addEventListener("message", (event) => {
    const message = event.data;
    if (message.kind === CANCEL) {
      if (running.has(message.id)) cancelled.add(message.id);
      return;
    }
    if (inOrder) queue = queue.then(() => answer(message));
    else answer(message);
  });
}

/** The error message for error `e` of request `id`. */
export function errorMessage(id, e) {
  const { message, fatal } = describeError(e);
  const kind = fatal ? ERROR_KIND.trap : e?.kind === ERROR_KIND.dataUnavailable ? e.kind : ERROR_KIND.refused;
  return { id, type: "error", message, kind };
}

// --- The page's side --------------------------------------------------------------------------

/**
 * The page's side of one worker: each request becomes a promise of its reply's value, rejected
 * with a WorkerError; its progress messages go to its own `onProgress`. A trap (an error of kind
 * "trap") terminates the worker: every request still waiting is rejected with the trap's message
 * (kind "engine-restarted"), `onRestart(message)` is called once, and a fresh worker is made at
 * once. A worker that fails outright (its `error` event: it did not load, or threw outside a
 * request) is replaced the same way, but the fresh one is made only when the next request comes,
 * so a worker that cannot load is not restarted in a loop. Messages of a replaced worker and of
 * requests already answered are ignored.
 */
export class WorkerClient {
  /**
   * `createWorker()` makes the worker (tests pass a fake one); `name` is its name in messages
   * ("the training worker"); `onRestart(message)` hears that the worker was replaced.
   */
  constructor({ createWorker, name = "worker", onRestart = () => {} }) {
    this.createWorker = createWorker;
    this.name = name;
    this.onRestart = onRestart;
    /** id → { resolve, reject, onProgress, timer } of every request not yet answered. */
    this.pending = new Map();
    this.nextId = 1;
    this.worker = null;
    this.spawn();
  }

  spawn() {
    const worker = this.createWorker();
    this.worker = worker;
    worker.addEventListener("message", (e) => {
      if (worker === this.worker) this.receive(e.data);
    });
    worker.addEventListener("error", (e) => {
      e.preventDefault?.();
      if (worker !== this.worker) return;
      // The event's text is the browser's ("Uncaught RuntimeError: unreachable"): say it plainly.
      const text = e.message ?? "";
      const message = /RuntimeError|unreachable/.test(text) || isTrap(new Error(text))
        ? trapMessage()
        : t("worker.stopped", { name: this.name, reason: text || t("worker.could-not-load") });
      this.replace(message, { respawn: false });
    });
  }

  receive(m) {
    const p = this.pending.get(m.id);
    if (!p) return; // a late message of a request already answered (or cancelled)
    if (m.type === "progress") {
      p.onProgress(m);
      return;
    }
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.type === "reply") p.resolve(m.value);
    else if (m.type === "cancelled") p.reject(new WorkerError("cancelled", ERROR_KIND.cancelled));
    else if (m.kind === ERROR_KIND.trap) {
      p.reject(new WorkerError(m.message, ERROR_KIND.restarted));
      this.replace(m.message);
    } else p.reject(new WorkerError(m.message, m.kind ?? ERROR_KIND.refused));
  }

  /**
   * Sends request `kind` with `args` (plain data; `transfer` lists buffers to move). Returns a
   * promise of the reply's value, with the request's `id` on it (for `cancel`). `onProgress(m)`
   * gets each progress message `{ id, type: "progress", ... }` of this request.
   */
  request(kind, args = {}, { onProgress = () => {}, transfer = [] } = {}) {
    if (!this.worker) this.spawn();
    const id = this.nextId++;
    const promise = new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress, timer: null });
      this.worker.postMessage({ ...args, id, kind }, transfer);
    });
    promise.id = id;
    return promise;
  }

  /**
   * Asks the worker to stop request `id` (it stops at its next checkpoint and the request rejects
   * with kind "cancelled"). If it has not answered within `graceMs`, the worker is terminated and
   * a fresh one made, and the request is cancelled all the same: a Cancel always works.
   */
  cancel(id, graceMs) {
    const p = this.pending.get(id);
    if (!p || p.timer) return;
    this.worker.postMessage({ id, kind: CANCEL });
    p.timer = setTimeout(() => {
      if (this.pending.get(id) !== p) return;
      this.pending.delete(id);
      p.reject(new WorkerError("cancelled", ERROR_KIND.cancelled));
      this.replace("the worker was restarted to cancel a computation", { notify: false });
    }, graceMs);
  }

  /**
   * Terminates the worker, rejects every waiting request with `message` (kind
   * "engine-restarted"), makes a fresh worker now (`respawn`) or at the next request, and tells
   * `onRestart` (unless `notify` is false).
   */
  replace(message, { respawn = true, notify = true } = {}) {
    this.worker.terminate();
    this.worker = null;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const p of waiting) {
      clearTimeout(p.timer);
      p.reject(new WorkerError(message, ERROR_KIND.restarted));
    }
    if (respawn) this.spawn();
    if (notify) this.onRestart(message);
  }
}
