// A stand-in for a Web Worker in the node tests of the worker clients (worker-protocol, the Train
// run, the Lab client): it records what the page sends, and the test answers for the worker.

export class FakeWorker {
  /** Every FakeWorker made since the test last emptied this list, oldest first. */
  static all = [];
  constructor() {
    this.sent = [];
    this.listeners = { message: [], error: [] };
    this.terminated = false;
    FakeWorker.all.push(this);
  }
  addEventListener(type, f) {
    this.listeners[type].push(f);
  }
  postMessage(m) {
    this.sent.push(m);
  }
  terminate() {
    this.terminated = true;
  }
  /** The worker answers with `data`. */
  reply(data) {
    for (const f of this.listeners.message) f({ data });
  }
  /** The worker fails as a whole (a load error, a trap outside a request). */
  fail(event) {
    for (const f of this.listeners.error) f(event);
  }
  /** The last request of `kind`. */
  last(kind) {
    return this.sent.findLast((m) => m.kind === kind);
  }
  /** The kinds of the requests sent, in order. */
  kinds() {
    return this.sent.map((m) => m.kind);
  }
}
