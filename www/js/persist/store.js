// The page's saved work in this browser: the own dataset, the last trained model with its chart
// history, and the last settings, in IndexedDB database DB_NAME, object store STORE_NAME (one record
// per key of records.js). Opened once at start; a browser that refuses storage gives a store that
// saves nothing and says why. Writes of one key are coalesced (only the newest value is written)
// and run one after the other, in order.
//
// Listeners get { type: "saved", key, value } | { type: "deleted", key } | { type: "forgotten" } |
// { type: "problem", reason, message }.

import { openDatabase, StorageProblem } from "./db.js";
import { KEYS, readModel, readOwn, readSettings } from "./records.js";
import { problemText } from "./text.js";

export const DB_NAME = "cnn-playground";
export const DB_VERSION = 1;
export const STORE_NAME = "work";

/** Opens the store and reads what was saved; never rejects (a refusal is the store's `problem`). */
export async function openStore(idb = globalThis.indexedDB) {
  let db = null;
  let problem = null;
  let records = new Map();
  try {
    db = await openDatabase(DB_NAME, DB_VERSION, STORE_NAME, { idb });
    records = await db.all();
  } catch (e) {
    if (!(e instanceof StorageProblem)) throw e;
    problem = e.reason;
  }
  return new Store(db, records, problem);
}

class Store {
  constructor(db, records, problem) {
    this.db = db;
    this.listeners = new Set();
    /** The reason of the last failure (null after a write or a forget that worked). */
    this.problem = problem;
    /** What was saved when the page opened: { own, model, settings } (null / "" when absent). */
    this.saved = {
      own: readOwn(records.get(KEYS.own)),
      model: readModel(records.get(KEYS.model)),
      settings: readSettings(records.get(KEYS.settings)),
    };
    this.pending = new Map();
    this.queue = Promise.resolve();
  }

  /** Whether the browser let the page open its database. */
  get available() {
    return this.db !== null;
  }

  /** The message for the current problem, or "". */
  get problemMessage() {
    return this.problem ? problemText(this.problem) : "";
  }

  /** Calls `f(event)` after every write, deletion or failure; returns a function that stops it. */
  subscribe(f) {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** Saves the own dataset's classes ({ name, images }). */
  saveOwn(classes) {
    return this.write(KEYS.own, { classes: classes.map((c) => ({ name: c.name, images: c.images })), savedAt: Date.now() });
  }

  /** Saves a trained model: { bytes, history, iteration, trainedWith }. */
  saveModel(model) {
    return this.write(KEYS.model, { ...model, savedAt: Date.now() });
  }

  /** Deletes the saved model (the page's model is no longer the one saved). */
  forgetModel() {
    return this.write(KEYS.model, undefined);
  }

  /** Saves the page link's settings (the part after #). */
  saveSettings(hash) {
    return this.write(KEYS.settings, { hash, savedAt: Date.now() });
  }

  /** Deletes everything this page saved. Resolves to true when it is gone, false if it failed. */
  forget() {
    this.pending.clear();
    return this.enqueue(async () => {
      await this.db.clear();
      this.problem = null;
      this.emit({ type: "forgotten" });
    });
  }

  /** Writes `value` under `key` (deletes the key when `value` is undefined). */
  write(key, value) {
    const queued = this.pending.has(key);
    this.pending.set(key, value);
    if (queued) return this.queue;
    return this.enqueue(async () => {
      if (!this.pending.has(key)) return;
      const newest = this.pending.get(key);
      this.pending.delete(key);
      if (newest === undefined) {
        // A deletion that works says nothing about whether a write would: a problem stays.
        await this.db.delete(key);
        this.emit({ type: "deleted", key });
      } else {
        await this.db.put(key, newest);
        this.problem = null;
        this.emit({ type: "saved", key, value: newest });
      }
    });
  }

  /** Runs `job` after the writes before it; resolves to whether it succeeded. */
  enqueue(job) {
    if (!this.db) return Promise.resolve(false);
    this.queue = this.queue.then(async () => {
      try {
        await job();
        return true;
      } catch (e) {
        // db.js turns every IndexedDB failure into a StorageProblem; anything else is still a
        // failed write, and the queue must go on for the writes after it.
        this.problem = e instanceof StorageProblem ? e.reason : e?.name || "UnknownError";
        this.emit({ type: "problem", reason: this.problem, message: problemText(this.problem) });
        return false;
      }
    });
    return this.queue;
  }

  emit(event) {
    for (const f of this.listeners) f(event);
  }
}
