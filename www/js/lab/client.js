// The page's side of the Lab worker: runs one job at a time and can always stop it. Cancel first
// asks the worker (which stops between two steps); if it has not answered within
// CANCEL_GRACE_MS, the worker is terminated and a fresh one started, so a Cancel always works.

import { CANCEL_GRACE_MS } from "./config.js";

const WORKER_URL = new URL("./worker.js", import.meta.url);

export class LabClient {
  /**
   * `onBusy(kind | null)` is called when a job starts (with its kind) and when it ends.
   * `createWorker` makes the worker (tests pass a fake one).
   */
  constructor(onBusy = () => {}, { createWorker = () => new Worker(WORKER_URL, { type: "module" }) } = {}) {
    this.onBusy = onBusy;
    this.createWorker = createWorker;
    this.nextId = 1;
    this.job = null;
    this.spawn();
  }

  spawn() {
    this.worker = this.createWorker();
    this.worker.addEventListener("message", (e) => this.receive(e.data));
    this.worker.addEventListener("error", (e) => {
      e.preventDefault();
      this.finish({ error: `the Lab worker failed: ${e.message || "it could not start"}` });
      this.restart();
    });
  }

  restart() {
    this.worker.terminate();
    this.spawn();
  }

  get busy() {
    return this.job !== null;
  }

  /**
   * Runs job `kind` with `settings`; `onProgress(done, total, label)` while it runs. Resolves to
   * `{ value }`, `{ error }` (the engine's message) or `{ cancelled: true }`. Refuses (resolves
   * to an error) while another job runs.
   */
  run(kind, settings, onProgress = () => {}) {
    if (this.job) return Promise.resolve({ error: "another Lab computation is still running: wait or press Cancel" });
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.job = { id, kind, resolve, onProgress, timer: null };
      this.onBusy(kind);
      this.worker.postMessage({ id, kind, settings });
    });
  }

  /** Stops the running job, if any (see the top of this file). */
  cancel() {
    const job = this.job;
    if (!job || job.timer) return;
    this.worker.postMessage({ id: job.id, kind: "cancel" });
    job.timer = setTimeout(() => {
      if (this.job !== job) return;
      this.restart();
      this.finish({ cancelled: true });
    }, CANCEL_GRACE_MS);
  }

  receive(message) {
    const job = this.job;
    if (!job || message.id !== job.id) return; // a late message of a job already ended
    if (message.type === "progress") {
      job.onProgress(message.done, message.total, message.label);
    } else if (message.type === "result") {
      this.finish({ value: message.value });
    } else if (message.type === "cancelled") {
      this.finish({ cancelled: true });
    } else if (message.type === "error") {
      if (message.fatal) this.restart();
      this.finish({ error: message.message });
    }
  }

  finish(outcome) {
    const job = this.job;
    if (!job) return;
    clearTimeout(job.timer);
    this.job = null;
    this.onBusy(null);
    job.resolve(outcome);
  }
}
