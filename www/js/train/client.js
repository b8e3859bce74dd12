// The main thread's side of the training worker: each request becomes a promise of its reply, and
// progress events go to one listener. No maths and no DOM here.

export class TrainerClient {
  /** `onEvent(message)` receives the worker's `{ event: "progress" | "failed", ... }` messages. */
  constructor(onEvent) {
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { type: "module" });
    this.pending = new Map();
    this.nextId = 1;
    this.worker.onmessage = (e) => {
      const m = e.data;
      if (m.event) {
        onEvent(m);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(Object.assign(new Error(m.error), m.kind ? { kind: m.kind } : {}));
      else p.resolve(m.value);
    };
    this.worker.onerror = (e) => {
      e.preventDefault();
      const error = new Error(`the training worker stopped: ${e.message ?? "it could not load"}`);
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      onEvent({ event: "failed", message: error.message });
    };
  }

  /**
   * Sends request `type` with `args`; resolves to the worker's value or rejects with its message
   * (an Error whose `kind` is "data-unavailable" when a dataset's file could not be fetched).
   */
  call(type, args = {}, transfer = []) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, type, ...args }, transfer);
    });
  }
}
