// The page's safety nets in a real browser: a trap of the engine inside the Train worker replaces
// the worker and says so in plain words (the next run trains normally); a link's values the page
// cannot use are replaced and said; the Content-Security-Policy is in the page and nothing the
// panels do violates it; the URL's bounds are the engine's own limits.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TRAP_MESSAGE } from "../../www/js/engine-trap.js";
import { foreignRequests, openPage } from "./harness.mjs";
import { encodePng } from "./png.mjs";

const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; img-src 'self' data: blob:; " +
  "style-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";
const STATUS = "[data-testid=train-status]";
/** Words of the engine's internals that must never reach the page's text. */
const INTERNAL = /unreachable|RuntimeError|Rust value|borrowed|wasm-function|panicked/;

let session;
let page;
/** How often the Train worker's script was asked for, and how often the trapping one was served. */
const workerLoads = { all: 0, trapping: 0 };

before(async () => {
  session = await openPage("");
  page = session.page;
  // Every CSP violation of the page is recorded from the first script on.
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener("securitypolicyviolation", (e) =>
      window.__violations.push(`${e.violatedDirective}: ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`));
    // Image decoding or scaling on the main thread: a file handed to createImageBitmap, or an
    // image larger than the page processes (512 px) drawn on a canvas.
    window.__mainThreadImageWork = [];
    const decode = window.createImageBitmap;
    window.createImageBitmap = function (source, ...rest) {
      if (source instanceof Blob) window.__mainThreadImageWork.push(`createImageBitmap(${source.size}-byte file)`);
      return decode.call(this, source, ...rest);
    };
    const draw = CanvasRenderingContext2D.prototype.drawImage;
    CanvasRenderingContext2D.prototype.drawImage = function (image, ...rest) {
      if (image.width > 512 || image.height > 512) window.__mainThreadImageWork.push(`drawImage(${image.width}×${image.height})`);
      return draw.call(this, image, ...rest);
    };
  });
  // The first Train worker is served with one line more: its first training step makes the
  // engine's instance trap for real (a malloc the allocator cannot meet aborts: `unreachable`),
  // as a panic would. Every later worker gets the file as it is.
  // (The worker's URL carries the page's language: `worker.js?lang=en`.)
  await page.route(/\/js\/train\/worker\.js(\?.*)?$/, async (route) => {
    workerLoads.all++;
    const response = await route.fetch();
    if (workerLoads.trapping > 0) {
      await route.fulfill({ response });
      return;
    }
    workerLoads.trapping++;
    const body = `${await response.text()}
ready.then((exports) => {
  const step = Trainer.prototype.step;
  let armed = true;
  Trainer.prototype.step = function (n) {
    if (armed) {
      armed = false;
      exports.__wbindgen_malloc(0xfffffff0, 8);
    }
    return step.call(this, n);
  };
});
`;
    await route.fulfill({ response, body });
  });
  await page.reload();
  await page.waitForSelector("body[data-ready='true']");
});

after(async () => {
  await session?.close();
});

async function waitForState(...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

test("the page carries its Content-Security-Policy", async () => {
  const content = await page.getAttribute("meta[http-equiv=Content-Security-Policy]", "content");
  assert.equal(content, CSP);
  const html = await (await page.request.get(session.url)).text();
  assert.equal(await page.locator("script:not([src])").count(), 0, "no inline script");
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=/i, "no inline script, style or handler in the markup");
});

test("a trap in the Train worker restarts it with a plain message; settings are kept and the next run trains", async () => {
  await page.click("#tab-train");
  await waitForState("idle");
  const hash = await page.evaluate(() => location.hash);
  await page.click("[data-action=train-start]");
  await waitForState("restarted");
  assert.equal(workerLoads.trapping, 1);
  assert.equal(await page.textContent("[data-testid=train-message]"), TRAP_MESSAGE);
  assert.equal(await page.textContent(STATUS), "Stopped: the engine was restarted");
  assert.doesNotMatch(await page.textContent("#panel-train"), INTERNAL);
  assert.equal(await page.evaluate(() => location.hash), hash, "the settings are kept");
  assert.equal(await page.textContent("[data-action=train-start]"), "Start again");
  assert.equal(await page.isDisabled("[data-action=train-start]"), false);

  // The fresh worker (the file as it is) trains the same settings to the end.
  await page.click("[data-action=train-start]");
  await waitForState("finished");
  assert.equal(workerLoads.all, 2, "one fresh worker");
  assert.equal(Number(await page.getAttribute(STATUS, "data-iteration")), 40);
  assert.match(await page.textContent("[data-testid=train-message]"), /^Finished in (under 0\.1|\d+(\.\d)?) s\./);
  assert.equal(await page.getAttribute("[data-testid=train-chart]", "data-points"), "40");
});

test("the chart's empty axes read as round numbers", async () => {
  await page.click("[data-action=train-reset]");
  await waitForState("idle");
  const chart = page.locator("[data-testid=train-chart]");
  assert.equal(await chart.getAttribute("data-points"), "0");
  // Before the first loss the loss axis spans 0 to 2.5 (about ln 10).
  assert.equal(await chart.getAttribute("data-loss-ticks"), "0 1 2");
  assert.equal(await chart.getAttribute("data-iteration-ticks"), "0 10 20 30 40");
});

test("no panel violates the Content-Security-Policy", async () => {
  await page.click("#tab-filters");
  await page.check("input[name=filter][value=boxBlur]");
  await page.click("button[data-sample=figures]");
  await page.click("#tab-shapes");
  await page.waitForSelector("#panel-shapes:not([hidden])");
  await page.click("#tab-lab");
  await page.waitForSelector("[data-testid=gc-run]");
  await page.click("[data-testid=gc-run]");
  await page.waitForFunction(() => /^Done in /.test(document.querySelector("[data-testid=gc-status]").textContent), null, { timeout: 120_000 });
  await page.click("#tab-train");
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
});

/** A 6000×4000 PNG in horizontal bands of 500 rows: a large image whose file stays small. */
function largePng() {
  const width = 6000;
  const height = 4000;
  const rgba = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    const band = Math.floor(y / 500);
    rgba.fill(Buffer.from([40 * band, 255 - 30 * band, 128, 255]), y * width * 4, (y + 1) * width * 4);
  }
  return encodePng(rgba, width, height);
}

test("a large image is decoded and scaled in a worker, with the notice", async () => {
  await page.click("#tab-filters");
  await page.setInputFiles("[data-testid=file-input]", { name: "large.png", mimeType: "image/png", buffer: largePng() });
  await page.waitForSelector('[data-testid=result][data-image="large.png"][data-status=ok]');
  assert.equal(await page.textContent("[data-testid=image-message]"),
    "Scaled down from 4000×6000 to 341×512 pixels (H×W): images are processed at most 512 pixels on their longer side.");
  assert.deepEqual(await page.$eval("[data-testid=input-canvas]", (c) => [c.width, c.height]), [512, 341]);
  // The top band's colour, as the worker scaled it.
  assert.deepEqual(await page.$eval("[data-testid=input-canvas]", (c) => Array.from(c.getContext("2d").getImageData(256, 10, 1, 1).data)),
    [0, 255, 128, 255]);
  assert.deepEqual(await page.evaluate(() => window.__mainThreadImageWork), [], "nothing decoded or scaled on the main thread");
});

test("a large image to classify is decoded and scaled in a worker too", async () => {
  await page.click("#tab-train");
  await waitForState("idle", "finished");
  await page.setInputFiles("[data-testid=predict-file]", { name: "large.png", mimeType: "image/png", buffer: largePng() });
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=predict-probabilities] li").length === 5);
  assert.deepEqual(await page.evaluate(() => window.__mainThreadImageWork), [], "nothing decoded or scaled on the main thread");
});

test("a link's values the page cannot use are replaced, and the page says which and why", async () => {
  const limits = await page.evaluate(async () => (await import("./pkg/cnn_playground.js")).limits());
  await page.evaluate(() => {
    location.hash = "#tab=shapes&ss=-5&sp=100000&tbatch=1e9&tlr=NaN&topt=fast";
  });
  const notice = page.locator("[data-testid=link-notice]");
  await notice.waitFor({ state: "visible" });
  assert.equal(await notice.textContent(),
    "This link asked for values the page cannot use: ss = -5 is out of range (1–6), using 1; " +
    "sp = 100000 is out of range (0–3), using 3; " +
    `tbatch = 1e9 is out of range (1–${limits.maxFigures}), using ${limits.maxFigures}; ` +
    "tlr = NaN is not a number, using the default 0.005; " +
    "topt = fast is not one of sgd, sgd_momentum, rmsprop, adam, using the default adam.");
  // The bound on the training set is the engine's.
  assert.equal(limits.maxFigures, 20000);
  assert.equal(await page.inputValue("[name=tbatch]"), String(limits.maxFigures));
  // A link the page can use as it is clears the notice.
  await page.evaluate(() => {
    location.hash = "#tab=shapes&ss=2";
  });
  await notice.waitFor({ state: "hidden" });
  // The tab must be one of the panels.
  await page.evaluate(() => {
    location.hash = "#tab=nowhere";
  });
  await notice.waitFor({ state: "visible" });
  assert.equal(await notice.textContent(),
    "This link asked for values the page cannot use: tab = nowhere is not one of filters, shapes, lab, train, using the default filters.");
  await page.waitForSelector("#panel-filters:not([hidden])");
});

test("the engine's limits are the page's", async () => {
  const limits = await page.evaluate(async () => (await import("./pkg/cnn_playground.js")).limits());
  assert.deepEqual(limits, {
    maxFigures: 20000, minFiguresSide: 8, maxFiguresSide: 128, maxDatasetSide: 256, minClasses: 2,
    maxClasses: 10, maxImageSide: 4096, maxParameters: 50000000, budgetBytes: 2 ** 30,
    maxFilterPixels: 4096 * 4096, maxKernel: 9,
    stepper: {
      defaults: { op: "conv", height: 7, width: 7, channels: 1, filters: 1, filter: 3, stride: 1, pad: 0, seed: 231, backward: false },
      lecture: { op: "conv", height: 32, width: 32, channels: 3, filters: 6, filter: 5, stride: 1, pad: 0, seed: 231, backward: false },
      limits: { maxSide: 32, maxFilter: 7, maxStride: 6, maxPad: 3, maxChannels: 3, maxFilters: 6, maxSteps: 38 * 38 * 6 },
    },
  });
});

test("a trap of the page's own engine reads as a plain message too (last: it breaks this page's instance)", async () => {
  const outcome = await page.evaluate(async () => {
    const { attempt } = await import("./js/engine.js");
    const exports = await (await import("./pkg/cnn_playground.js")).default();
    return [attempt(() => typeof exports.__wbindgen_malloc), attempt(() => exports.__wbindgen_malloc(0xfffffff0, 8))];
  });
  const { PAGE_TRAP_MESSAGE } = await import("../../www/js/engine-trap.js");
  assert.deepEqual(outcome, [{ value: "function" }, { error: PAGE_TRAP_MESSAGE }]);
});

test("no console errors, no CSP violation and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
