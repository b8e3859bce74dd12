// A small promise wrapper over IndexedDB: one database with one object store of keyed records.
// Every failure becomes a StorageProblem that carries the browser's error name ("QuotaExceededError",
// "SecurityError", …, or "blocked" / "unavailable"), so the page can say what went wrong.

/** A storage operation that failed; `name` says why (a DOMException name, "blocked" or "unavailable"). */
export class StorageProblem extends Error {
  constructor(name, detail) {
    super(`${name}${detail ? `: ${detail}` : ""}`);
    this.name = "StorageProblem";
    this.reason = name;
  }
}

const problem = (e, fallback = "UnknownError") =>
  e instanceof StorageProblem ? e : new StorageProblem(e?.name || fallback, e?.message);

/**
 * Opens (creating if needed) database `name` at `version` with object store `store`. Rejects with a
 * StorageProblem: "unavailable" when the browser has no IndexedDB, "blocked" when another tab keeps
 * an older version open, "timeout" when the browser does not answer within `timeoutMs` (some
 * browsers leave an open pending for ever), or the browser's error (e.g. "SecurityError" when
 * storage is refused). A connection that opens after the promise gave up is closed again.
 */
export function openDatabase(name, version, store, { idb = globalThis.indexedDB, timeoutMs = 5000 } = {}) {
  let settled = false;
  let timer = null;
  return new Promise((resolveOpen, rejectOpen) => {
    const reject = (e) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rejectOpen(e);
    };
    const resolve = (db) => {
      settled = true;
      clearTimeout(timer);
      resolveOpen(db);
    };
    timer = setTimeout(() => reject(new StorageProblem("timeout")), timeoutMs);
    if (!idb) {
      reject(new StorageProblem("unavailable"));
      return;
    }
    let request;
    try {
      request = idb.open(name, version);
    } catch (e) {
      reject(problem(e));
      return;
    }
    request.onupgradeneeded = () => {
      if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store);
    };
    request.onblocked = () => reject(new StorageProblem("blocked"));
    request.onerror = () => reject(problem(request.error));
    request.onsuccess = () => {
      const db = request.result;
      if (settled) {
        db.close();
        return;
      }
      // A newer version of the page in another tab wants to upgrade: let it.
      db.onversionchange = () => db.close();
      resolve(new Database(db, store));
    };
  });
}

/** One open database and its one object store. */
class Database {
  constructor(db, store) {
    this.db = db;
    this.store = store;
  }

  /** Runs `f(objectStore)` in one transaction; resolves to the value of the request `f` returns. */
  run(mode, f) {
    return new Promise((resolve, reject) => {
      let request;
      let tx;
      try {
        tx = this.db.transaction(this.store, mode);
        request = f(tx.objectStore(this.store));
      } catch (e) {
        tx?.abort?.();
        reject(problem(e));
        return;
      }
      tx.oncomplete = () => resolve(request?.result);
      // A quota error shows up here: the transaction aborts with it as its error.
      tx.onabort = () => reject(problem(tx.error ?? request?.error, "AbortError"));
      tx.onerror = (e) => e.preventDefault();
    });
  }

  /** Every record as a Map from key to value. */
  async all() {
    // Keys and values read in one transaction, so they belong together.
    const [keys, values] = await this.run("readonly", (s) => {
      const k = s.getAllKeys();
      const v = s.getAll();
      return { get result() { return [k.result, v.result]; } };
    });
    return new Map(keys.map((k, i) => [k, values[i]]));
  }

  put(key, value) {
    return this.run("readwrite", (s) => s.put(value, key));
  }

  delete(key) {
    return this.run("readwrite", (s) => s.delete(key));
  }

  clear() {
    return this.run("readwrite", (s) => s.clear());
  }
}
