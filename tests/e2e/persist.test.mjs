// The student's work survives in a real browser: own classes (drawn and uploaded, renamed), the
// trained model (the same exported bytes, the same prediction) and its chart come back after a
// reload with a notice; Back moves between panels without leaving the page or undoing settings;
// “Forget my saved work” empties IndexedDB and a fresh visit shows the defaults; a full quota and a
// browser without IndexedDB are said in the page while drawing and training go on.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { problemText } from "../../www/js/persist/text.js";
import { foreignRequests, openPage } from "./harness.mjs";
import { encodePng, testImage } from "./png.mjs";

let session;
let page;

before(async () => {
  session = await openPage("#tab=train");
  page = session.page;
  await waitForState("idle");
});

after(async () => {
  await session?.close();
});

const STATUS = "[data-testid=train-status]";
const SAVED = "[data-testid=saved-status]";
const NOTICE = "[data-testid=storage-notice]";
const OWN = "#panel-train .own-data";

async function waitForState(...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

/** Waits until the saved-status line says `attr` is `value` (what IndexedDB now holds). */
async function waitForSaved(attr, value) {
  await page.waitForFunction(([sel, a, v]) => document.querySelector(sel)?.dataset[a] === v, [SAVED, attr, value], { timeout: 30_000 });
}

/** Draws a polyline (points in 0..1 of the canvas) on the canvas matched by `selector`. */
async function draw(selector, points) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

const VERTICAL = [[0.5, 0.15], [0.5, 0.85]];
const HORIZONTAL = [[0.15, 0.5], [0.85, 0.5]];

/** The exported model file's bytes. */
async function exportBytes() {
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-action=train-export]")]);
  return readFile(await download.path());
}

/** The class probabilities of the same vertical stroke on a cleared Predict pad. */
async function predictVertical() {
  const box = "#panel-train .predict";
  await page.click(`${box} button:text-is('Clear')`);
  const probs = page.locator("[data-testid=predict-probabilities]");
  const before = await probs.textContent();
  await draw(`${box} canvas.draw-pad`, VERTICAL);
  await page.waitForFunction(([sel, old]) => {
    const t = document.querySelector(sel)?.textContent;
    return t && t !== old;
  }, ["[data-testid=predict-probabilities]", before]);
  return probs.textContent();
}

/** The record keys in the page's IndexedDB database (cnn-playground, store "work"). */
function storedKeys() {
  return page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open("cnn-playground");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction("work").objectStore("work").getAllKeys();
      get.onsuccess = () => {
        db.close();
        resolve(get.result.sort());
      };
      get.onerror = () => reject(get.error);
    };
  }));
}

const legends = () => page.locator(`${OWN} legend`).allTextContents();
const classNames = () => page.locator(`${OWN} input[type=text]`).evaluateAll((inputs) => inputs.map((i) => i.value));

let before1;

test("own classes, the trained model and its chart come back after a reload, with a notice", async () => {
  assert.equal(await page.textContent(SAVED), "Nothing of yours is saved in this browser yet: your images and trained model will be, as you make them.");
  await page.check("input[name=tds][value=own]");
  await waitForState("error");
  await page.fill(`${OWN} input[aria-label='Name of class 1']`, "bar");
  await page.press(`${OWN} input[aria-label='Name of class 1']`, "Enter");
  await page.fill(`${OWN} input[aria-label='Name of class 2']`, "dash");
  await page.press(`${OWN} input[aria-label='Name of class 2']`, "Enter");
  for (const [k, stroke] of [[0, VERTICAL], [1, HORIZONTAL]]) {
    for (let i = 0; i < 3; i++) {
      await draw(`${OWN} canvas.draw-pad`, stroke.map(([x, y]) => [x + 0.05 * (i - 1), y]));
      await page.click(`${OWN} button[data-class='${k}']`);
    }
  }
  await page.setInputFiles(`${OWN} input[aria-label='Upload images into bar']`,
    { name: "ramp.png", mimeType: "image/png", buffer: encodePng(testImage(40, 30), 40, 30) });
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === "Class 1: 4 images", `${OWN} legend`);
  await waitForSaved("images", "7");
  await waitForState("idle");
  assert.match(await page.textContent("[data-testid=train-summary]"), /, 2 classes \(bar, dash\)/);

  for (let i = 1; i <= 3; i++) {
    await page.click("[data-action=train-step]");
    await page.waitForFunction(([sel, n]) => document.querySelector(sel).dataset.iteration === n, [STATUS, String(i)]);
  }
  await waitForSaved("iteration", "3");
  before1 = {
    bytes: await exportBytes(),
    probabilities: await predictVertical(),
    points: await page.getAttribute("[data-testid=train-chart]", "data-points"),
    accuracies: await page.getAttribute("[data-testid=train-chart]", "data-accuracies"),
  };
  assert.equal(before1.points, "3");
  assert.deepEqual(await storedKeys(), ["model", "own-data", "settings"]);

  await page.reload();
  await page.waitForSelector("body[data-ready='true']");
  await page.waitForFunction((sel) => /^Restored the model/.test(document.querySelector(sel)?.textContent ?? ""), "[data-testid=train-message]", { timeout: 120_000 });
  assert.match(await page.textContent(NOTICE),
    /^Restored 7 images in 2 classes and the model trained at \d\d:\d\d \(iteration 3\) from this browser\.$/);
  assert.equal(await page.getAttribute(NOTICE, "data-kind"), "notice");
  assert.match(await page.textContent("[data-testid=train-message]"), /^Restored the model trained at \d\d:\d\d \(iteration 3\)\. Start trains it further\.$/);
  assert.deepEqual(await classNames(), ["bar", "dash"]);
  assert.deepEqual(await legends(), ["Class 1: 4 images", "Class 2: 3 images"]);
  assert.match(await page.textContent("[data-testid=train-summary]"), /, 2 classes \(bar, dash\)/);
  assert.equal(await page.getAttribute(STATUS, "data-state"), "idle");
  await page.waitForFunction((n) => document.querySelector("[data-testid=train-chart]").dataset.points === n, before1.points);
  assert.equal(await page.getAttribute("[data-testid=train-chart]", "data-accuracies"), before1.accuracies);
  assert.deepEqual(await exportBytes(), before1.bytes, "the same model file as before the reload");
  assert.equal(await predictVertical(), before1.probabilities, "the same prediction as before the reload");

  // Training goes on from the restored model: its points follow the restored ones on the chart.
  await page.click("[data-action=train-step]");
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.iteration === "1", STATUS);
  assert.equal(await page.getAttribute("[data-testid=train-chart]", "data-points"), "4");
  await waitForSaved("iteration", "4");
});

/** Waits until panel `id` is shown. */
async function waitForPanel(id) {
  await page.waitForFunction((p) => document.body.dataset.panel === p && !document.getElementById(`panel-${p}`).hidden, id);
  assert.equal(await page.getAttribute(`#tab-${id}`, "aria-selected"), "true");
}

test("Back and Forward move between panels, stay on the page and keep the settings", async () => {
  const start = new URL(page.url());
  for (const id of ["filters", "shapes", "train"]) {
    await page.click(`#tab-${id}`);
    await waitForPanel(id);
  }
  await page.goBack();
  await waitForPanel("shapes");
  await page.goBack();
  await waitForPanel("filters");
  await page.goForward();
  await waitForPanel("shapes");
  const url = new URL(page.url());
  assert.equal(url.origin + url.pathname, start.origin + start.pathname, "still the page");
  assert.match(url.hash, /(^#|&)tab=shapes(&|$)/);
  assert.match(url.hash, /(^|&)tds=own(&|$)/, "Back did not undo the dataset choice");
  await page.click("#tab-train");
  await waitForPanel("train");
  // The skip link's #panels is an anchor, not settings: nothing is reset.
  await page.focus("a.skip");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => /(^#|&)tds=own(&|$)/.test(location.hash));
  assert.match(new URL(page.url()).hash, /^#tab=train&/);
  await waitForPanel("train");
  assert.deepEqual(await legends(), ["Class 1: 4 images", "Class 2: 3 images"]);
  assert.equal(await page.getAttribute("[data-testid=train-chart]", "data-points"), "4");
});

/** Opens the page afresh (a new document, not a jump within it) at `hash`. */
async function reopen(hash = "") {
  await page.goto("about:blank");
  await page.goto(session.url + hash);
  await page.waitForSelector("body[data-ready='true']");
}

/** The stored record `key` (structured-cloned out of the page), or undefined. */
function storedRecord(key) {
  return page.evaluate((k) => new Promise((resolve, reject) => {
    const open = indexedDB.open("cnn-playground");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction("work").objectStore("work").get(k);
      get.onsuccess = () => {
        db.close();
        resolve(get.result);
      };
      get.onerror = () => reject(get.error);
    };
  }), key);
}

/** Polls until the saved settings are `hash` (they are saved a moment after each change). */
async function waitForSavedSettings(hash) {
  for (let i = 0; i < 100; i++) {
    if ((await storedRecord("settings"))?.hash === hash) return;
    await page.waitForTimeout(100);
  }
  assert.equal((await storedRecord("settings"))?.hash, hash);
}

test("a page opened without a link gets the last visit's settings; a link wins", async () => {
  const last = new URL(page.url()).hash.slice(1);
  await waitForSavedSettings(last);
  await reopen();
  await waitForPanel("train");
  assert.equal(new URL(page.url()).hash, `#${last}`);
  assert.match(await page.textContent(NOTICE), /^Restored 7 images in 2 classes and the model trained at \d\d:\d\d \(iteration 4\) from this browser\. The settings of your last visit are back too \(a link with settings opens its own\)\.$/);
  await page.waitForFunction((sel) => /^Restored the model/.test(document.querySelector(sel)?.textContent ?? ""), "[data-testid=train-message]", { timeout: 120_000 });
  assert.deepEqual(await legends(), ["Class 1: 4 images", "Class 2: 3 images"]);

  // A link: its settings, not the saved ones; the model trained on other data is not loaded, and kept.
  await reopen("#tab=shapes");
  await waitForPanel("shapes");
  assert.match(await page.textContent(NOTICE), /^Restored 7 images in 2 classes and the model trained at \d\d:\d\d \(iteration 4\) from this browser\.$/);
  await page.click("#tab-train");
  await waitForPanel("train");
  await waitForState("idle");
  await page.waitForFunction((sel) => /^The model saved/.test(document.querySelector(sel)?.textContent ?? ""), "[data-testid=train-message]");
  assert.match(await page.textContent("[data-testid=train-message]"),
    /^The model saved in this browser \(the model trained at \d\d:\d\d \(iteration 4\)\) was trained with other data or net settings than these, so it was not loaded\. A new model made here replaces it\.$/);
  assert.match(await page.textContent("[data-testid=train-summary]"), /^100 training and 500 validation images of 16×16×3/);
  assert.deepEqual(await storedKeys(), ["model", "own-data", "settings"]);
  await waitForSavedSettings("tab=train");
});

test("Forget my saved work empties IndexedDB, and the next visit starts from the defaults", async () => {
  await page.click("[data-action=forget-saved]");
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.startsWith("Your saved work was deleted"), NOTICE);
  assert.equal(await page.textContent(NOTICE), "Your saved work was deleted from this browser: a reload starts from the defaults. The page keeps what it shows until then, and a new change is saved again.");
  assert.equal(await page.textContent(SAVED), "Nothing of yours is saved in this browser yet: your images and trained model will be, as you make them.");
  assert.deepEqual(await storedKeys(), []);

  await reopen();
  await waitForPanel("filters");
  assert.equal(new URL(page.url()).hash, "");
  assert.equal(await page.isHidden(NOTICE), true, "no notice: nothing was restored");
  await reopen("#tab=train&tds=own");
  await waitForState("error");
  assert.deepEqual(await classNames(), ["class A", "class B"]);
  assert.deepEqual(await legends(), ["Class 1: 0 images", "Class 2: 0 images"]);
  assert.equal(await page.getAttribute("[data-testid=train-chart]", "data-points"), "0");
  assert.equal(await page.isHidden(NOTICE), true);
  assert.deepEqual(await storedKeys(), ["settings"]);
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});

/** A fresh page at #tab=train whose scripts first run `init` (to break IndexedDB). */
async function brokenStorage(init) {
  const s = await openPage("#tab=train");
  await s.page.addInitScript(init);
  await s.page.reload();
  await s.page.waitForSelector("body[data-ready='true']");
  return s;
}

/** Drawing into your own classes and training still work; returns the page's messages. */
async function stillWorks(s) {
  page = s.page;
  await waitForState("idle");
  await page.click("[data-action=train-step]");
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.iteration === "1", STATUS);
  await page.check("input[name=tds][value=own]");
  await waitForState("error");
  for (const [k, stroke] of [[0, VERTICAL], [1, HORIZONTAL]]) {
    await draw(`${OWN} canvas.draw-pad`, stroke);
    await page.click(`${OWN} button[data-class='${k}']`);
  }
  await waitForState("idle");
  assert.deepEqual(await legends(), ["Class 1: 1 image", "Class 2: 1 image"]);
  await page.click("[data-action=train-step]");
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.iteration === "1", STATUS);
  assert.deepEqual(s.log.errors, []);
}

test("a full quota is said in the page, and drawing and training go on", async () => {
  const s = await brokenStorage(() => {
    IDBObjectStore.prototype.put = function put() {
      throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
    };
  });
  try {
    page = s.page;
    const quota = problemText("QuotaExceededError");
    await page.waitForFunction(([sel, text]) => document.querySelector(sel)?.textContent === text, [NOTICE, quota]);
    assert.equal(await page.getAttribute(NOTICE, "data-kind"), "error");
    await stillWorks(s);
    assert.equal(await page.textContent(NOTICE), quota);
    assert.equal(await page.textContent(SAVED), quota, "the Train panel says it too");
  } finally {
    await s.close();
  }
});

test("a browser without IndexedDB is said in the page, and drawing and training go on", async () => {
  const s = await brokenStorage(() => {
    Object.defineProperty(window, "indexedDB", { value: undefined });
  });
  try {
    page = s.page;
    const refused = problemText("unavailable");
    assert.equal(await page.textContent(NOTICE), refused);
    assert.equal(await page.isHidden("[data-action=forget-saved-banner]"), true);
    await stillWorks(s);
    assert.equal(await page.textContent(SAVED), refused);
    assert.equal(await page.isDisabled("[data-action=forget-saved]"), true);
  } finally {
    await s.close();
  }
});
