// The page's saved work (www/js/persist/), without a browser: the store over a small in-memory
// IndexedDB (writes in order and coalesced, failures reported with their reason, forget), the
// checks of records read back, and the texts of the notices.

process.env.TZ = "UTC"; // clock() prints local time: fix the zone before any Date is made

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { useEngineLimits } from "../../www/js/config.js";
import { setLanguage } from "../../www/js/i18n/i18n.js";
import { openDatabase } from "../../www/js/persist/db.js";
import { imageCount, KEYS, readModel, readOwn, readSettings } from "../../www/js/persist/records.js";
import { DB_NAME, openStore, STORE_NAME } from "../../www/js/persist/store.js";
import { clock, problemText, restoreNotice } from "../../www/js/persist/text.js";
import { loadWasmEngine } from "./wasm-engine.mjs";

// The class counts a saved dataset may have are the engine's rules, read as the page reads them.
before(async () => useEngineLimits((await loadWasmEngine()).limits()));

/**
 * An IndexedDB with the parts db.js uses. `fail` picks a failure: "put-throws" (put throws a
 * QuotaExceededError), "abort" (a transaction with a put aborts with one, as a full disk does),
 * "open-error", "open-throws", "blocked" or "silent" (open never answers).
 */
function fakeIdb() {
  const idb = { data: new Map(), puts: [], fail: null, names: [] };
  let hasStore = false;
  const quota = () => new DOMException("The quota has been exceeded.", "QuotaExceededError");
  const later = (f) => setTimeout(f, 0);

  function transaction(name, mode) {
    assert.equal(name, STORE_NAME);
    const ops = [];
    let writes = false;
    const tx = { error: null };
    const request = (run) => {
      const r = {};
      ops.push(() => {
        r.result = run();
      });
      return r;
    };
    const readonly = () => assert.equal(mode, "readwrite", "writes need a readwrite transaction");
    tx.objectStore = () => ({
      put(value, key) {
        readonly();
        if (idb.fail === "put-throws") throw quota();
        idb.puts.push(key);
        writes = true;
        const copy = structuredClone(value);
        return request(() => idb.data.set(key, copy));
      },
      delete(key) {
        readonly();
        return request(() => idb.data.delete(key));
      },
      clear() {
        readonly();
        return request(() => idb.data.clear());
      },
      getAllKeys: () => request(() => [...idb.data.keys()]),
      getAll: () => request(() => [...idb.data.values()].map((v) => structuredClone(v))),
    });
    let aborted = false;
    tx.abort = () => {
      aborted = true;
    };
    later(() => {
      if (aborted) return tx.onabort?.();
      if (idb.fail === "abort" && writes) {
        tx.error = quota();
        tx.onabort();
        return;
      }
      for (const op of ops) op();
      tx.oncomplete();
    });
    return tx;
  }

  idb.open = (name, version) => {
    idb.names.push([name, version]);
    if (idb.fail === "open-throws") throw new DOMException("denied", "SecurityError");
    const request = {};
    later(() => {
      if (idb.fail === "silent") return;
      if (idb.fail === "blocked") return request.onblocked();
      if (idb.fail === "open-error") {
        request.error = new DOMException("denied", "InvalidStateError");
        return request.onerror();
      }
      request.result = {
        objectStoreNames: { contains: (n) => hasStore && n === STORE_NAME },
        createObjectStore: (n) => {
          assert.equal(n, STORE_NAME);
          hasStore = true;
        },
        transaction,
        close() {},
      };
      if (!hasStore) request.onupgradeneeded();
      request.onsuccess();
    });
    return request;
  };
  return idb;
}

const image = (side, value) => ({ width: side, height: side, pixels: new Uint8ClampedArray(side * side * 4).fill(value) });
const CLASSES = [
  { name: "bar", images: [image(2, 10), image(3, 20)] },
  { name: "dash", images: [image(2, 30)] },
];
const MODEL = {
  bytes: new Uint8Array([1, 2, 3]),
  history: { losses: [2.3, 1.9, NaN], accuracies: [{ iteration: 1, epoch: 0, trainAcc: 0.5, valAcc: 0.25 }], total: 40 },
  iteration: 3,
  trainedWith: '{"data":{}}',
};

function events(store) {
  const seen = [];
  store.subscribe((e) => seen.push(e.type === "problem" ? `problem ${e.reason}` : `${e.type}${e.key ? ` ${e.key}` : ""}`));
  return seen;
}

test("what is saved comes back from the same database, checked", async () => {
  const idb = fakeIdb();
  const store = await openStore(idb);
  assert.deepEqual(idb.names, [[DB_NAME, 1]]);
  assert.equal(store.available, true);
  assert.equal(store.problem, null);
  assert.deepEqual(store.saved, { own: null, model: null, settings: "" });
  const seen = events(store);
  assert.equal(await store.saveOwn(CLASSES), true);
  assert.equal(await store.saveModel(MODEL), true);
  assert.equal(await store.saveSettings("tab=train&tds=own"), true);
  assert.deepEqual(seen, ["saved own-data", "saved model", "saved settings"]);
  assert.deepEqual([...idb.data.keys()], [KEYS.own, KEYS.model, KEYS.settings]);

  const again = await openStore(idb);
  assert.deepEqual(again.saved.own.classes, CLASSES);
  assert.equal(again.saved.own.classes[0].images[0].pixels.constructor, Uint8ClampedArray);
  assert.deepEqual(again.saved.model.bytes, MODEL.bytes);
  assert.deepEqual(again.saved.model.history, MODEL.history);
  assert.equal(again.saved.model.iteration, 3);
  assert.equal(again.saved.settings, "tab=train&tds=own");
});

test("writes of one key are coalesced to the newest, and writes run in order", async () => {
  const idb = fakeIdb();
  const store = await openStore(idb);
  store.saveSettings("a");
  store.saveSettings("b");
  store.saveModel(MODEL);
  await store.saveSettings("c");
  assert.deepEqual(idb.puts, [KEYS.settings, KEYS.model]);
  assert.equal(idb.data.get(KEYS.settings).hash, "c");
  store.saveModel(MODEL);
  await store.forgetModel();
  assert.deepEqual(idb.puts, [KEYS.settings, KEYS.model], "the newest write of the model was its deletion");
  assert.equal(idb.data.has(KEYS.model), false);
});

test("forget deletes everything and says so", async () => {
  const idb = fakeIdb();
  const store = await openStore(idb);
  await store.saveOwn(CLASSES);
  await store.saveSettings("tab=lab");
  const seen = events(store);
  store.saveSettings("tab=train"); // pending when forget comes: dropped
  assert.equal(await store.forget(), true);
  assert.deepEqual(seen, ["forgotten"]);
  assert.equal(idb.data.size, 0);
});

for (const fail of ["put-throws", "abort"]) {
  test(`a full quota (${fail}) is reported with its reason, and a later success clears it`, async () => {
    const idb = fakeIdb();
    const store = await openStore(idb);
    const seen = events(store);
    idb.fail = fail;
    assert.equal(await store.saveOwn(CLASSES), false);
    assert.equal(store.problem, "QuotaExceededError");
    assert.equal(store.problemMessage, problemText("QuotaExceededError"));
    assert.equal(idb.data.size, 0);
    assert.equal(await store.forgetModel(), true);
    assert.equal(store.problem, "QuotaExceededError", "a deletion that works does not prove a write would");
    idb.fail = null;
    assert.equal(await store.saveSettings("tab=train"), true);
    assert.equal(store.problem, null);
    assert.deepEqual(seen, ["problem QuotaExceededError", "deleted model", "saved settings"]);
  });
}

test("a browser that refuses storage gives a store that saves nothing and says why", async () => {
  for (const [fail, reason] of [["open-throws", "SecurityError"], ["open-error", "InvalidStateError"], ["blocked", "blocked"]]) {
    const idb = fakeIdb();
    idb.fail = fail;
    const store = await openStore(idb);
    assert.equal(store.available, false, fail);
    assert.equal(store.problem, reason, fail);
    assert.deepEqual(store.saved, { own: null, model: null, settings: "" });
    assert.equal(await store.saveOwn(CLASSES), false);
    assert.equal(await store.forget(), false);
  }
  const none = await openStore(null);
  assert.equal(none.problem, "unavailable");
  const idb = fakeIdb();
  idb.fail = "silent";
  await assert.rejects(openDatabase(DB_NAME, 1, STORE_NAME, { idb, timeoutMs: 20 }), { reason: "timeout" });
});

test("records read back are checked; damaged images are dropped", () => {
  assert.equal(readOwn(undefined), null);
  assert.equal(readOwn({ classes: [CLASSES[0]] }), null, "one class is too few");
  assert.equal(readOwn({ classes: [CLASSES[0], { name: 7, images: [] }] }), null);
  const damaged = { width: 2, height: 2, pixels: new Uint8ClampedArray(15) };
  const own = readOwn({ classes: [{ name: "bar", images: [image(2, 1), damaged, { width: 0, height: 0, pixels: new Uint8ClampedArray(0) }] }, CLASSES[1]], savedAt: 5 });
  assert.deepEqual(own.classes.map((c) => c.images.length), [1, 1]);
  assert.equal(own.savedAt, 5);
  assert.equal(imageCount(own.classes), 2);

  const model = { ...MODEL, savedAt: 7 };
  assert.equal(readModel(model), model);
  assert.equal(readModel({ ...model, bytes: [1, 2] }), null);
  assert.equal(readModel({ ...model, bytes: new Uint8Array(0) }), null);
  assert.equal(readModel({ ...model, history: { ...model.history, losses: ["1"] } }), null);
  assert.equal(readModel({ ...model, history: { ...model.history, accuracies: [{ iteration: -1, trainAcc: 0, valAcc: 0 }] } }), null);
  assert.equal(readModel({ ...model, trainedWith: undefined }), null);
  assert.equal(readModel({ ...model, iteration: 1.5 }), null);
  // Saved when the figures were called "shapes": the same settings under the new name.
  const rest = '"size":16,"nTrain":100,"nVal":500,"seed":0},"net":[16,5,100,false,0.03,0]}';
  const old = { ...model, trainedWith: `{"data":{"dataset":"shapes",${rest}` };
  assert.deepEqual(readModel(old), { ...model, trainedWith: `{"data":{"dataset":"figures",${rest}` });
  const digits = { ...model, trainedWith: `{"data":{"dataset":"digits",${rest}` };
  assert.equal(readModel(digits), digits);

  assert.equal(readSettings({ hash: "#tab=lab" }), "tab=lab");
  assert.equal(readSettings({ hash: 5 }), "");
  assert.equal(readSettings(undefined), "");
});

test("the notices say what came back", () => {
  const at = Date.UTC(2026, 11, 3, 14, 32, 59);
  assert.equal(clock(at), "14:32");
  const ten = [{ name: "a", images: Array(6).fill(image(1, 0)) }, { name: "b", images: Array(4).fill(image(1, 0)) }];
  const model = { iteration: 120, savedAt: at };
  assert.equal(restoreNotice({ own: ten, model, settings: false }),
    "Restored 10 images in 2 classes and the model trained at 14:32 (iteration 120) from this browser.");
  assert.equal(restoreNotice({ own: [{ name: "a", images: [image(1, 0)] }, { name: "b", images: [] }], model: null, settings: true }),
    "Restored 1 image in 2 classes from this browser. The settings of your last visit are back too (a link with settings opens its own).");
  assert.equal(restoreNotice({ own: null, model: { iteration: 0, savedAt: at }, settings: false }),
    "Restored the model saved at 14:32 from this browser.");
  assert.equal(restoreNotice({ own: [{ name: "a", images: [] }, { name: "b", images: [] }], model: null, settings: true }),
    "Restored the settings of your last visit (a link with settings opens its own).");
  assert.equal(restoreNotice({ own: null, model: null, settings: false }), "");

  const texts = ["QuotaExceededError", "unavailable", "timeout", "blocked", "UnknownError"].map(problemText);
  assert.equal(new Set(texts).size, texts.length, "each failure has its own message");
  assert.equal(problemText("SecurityError"), problemText("unavailable"));
  for (const t of texts) assert.match(t, /The page keeps working, but what you do now stays only until you reload or leave\./);
  assert.match(problemText("QuotaExceededError"), /storage for the page is full/);
  assert.match(problemText("UnknownError"), /^Saving in this browser failed \(UnknownError\)\./);
});

test("the notices in Korean: the same facts, the numbers as in English", () => {
  const at = Date.UTC(2026, 11, 3, 14, 32, 59);
  const ten = [{ name: "a", images: Array(6).fill(image(1, 0)) }, { name: "b", images: Array(4).fill(image(1, 0)) }];
  setLanguage("ko");
  try {
    assert.equal(restoreNotice({ own: ten, model: { iteration: 1200, savedAt: at }, settings: true }),
      "이 브라우저에서 클래스 2개의 이미지 10장과 14:32에 학습한 모델(반복 1200)을 되살렸습니다. " +
      "지난번 방문의 설정도 돌아왔습니다(설정이 담긴 링크는 그 설정으로 열립니다).");
    assert.equal(restoreNotice({ own: null, model: { iteration: 0, savedAt: at }, settings: false }),
      "이 브라우저에서 14:32에 저장한 모델을 되살렸습니다.");
    assert.equal(restoreNotice({ own: null, model: null, settings: true }),
      "지난번 방문의 설정을 되살렸습니다(설정이 담긴 링크는 그 설정으로 열립니다).");
    assert.equal(problemText("UnknownError"),
      "이 브라우저에 저장하지 못했습니다(UnknownError). 페이지는 계속 작동하지만, 지금 하는 작업은 새로 고치거나 페이지를 떠날 때까지만 남습니다.");
    const texts = ["QuotaExceededError", "unavailable", "timeout", "blocked"].map(problemText);
    assert.equal(new Set(texts).size, texts.length, "each failure has its own message");
    for (const t of texts) assert.match(t, /페이지는 계속 작동하지만, 지금 하는 작업은 새로 고치거나 페이지를 떠날 때까지만 남습니다\./);
  } finally {
    setLanguage("en");
  }
});
