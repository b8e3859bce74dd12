// A trap of the engine inside the Train worker, in a real browser, on both paths of the worker
// protocol: in the reply to a Step, and in the middle of a run after its progress was drawn. Each
// time the panel says so in plain words, keeps the settings, and the fresh worker trains the next
// request. (safety.test.mjs traps the first step of a Start.)

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TRAP_MESSAGE } from "../../www/js/engine-trap.js";
import { openPage } from "./harness.mjs";

const STATUS = "[data-testid=train-status]";
const MESSAGE = "[data-testid=train-message]";
/** Words of the engine's internals that must never reach the page's text. */
const INTERNAL = /unreachable|RuntimeError|Rust value|borrowed|wasm-function|panicked/;

/**
 * Appended to the Train worker's script: its engine traps for real (a malloc the allocator cannot
 * meet aborts: `unreachable`, as a panic would) at the first step once `when()` holds.
 */
const trapping = (when) => `
ready.then((exports) => {
  let progressed = false;
  const post = self.postMessage.bind(self);
  self.postMessage = (m, transfer) => {
    if (m?.type === "progress") progressed = true;
    return post(m, transfer);
  };
  const step = Trainer.prototype.step;
  let armed = true;
  Trainer.prototype.step = function (n) {
    if (armed && (${when})) {
      armed = false;
      exports.__wbindgen_malloc(0xfffffff0, 8);
    }
    return step.call(this, n);
  };
});
`;

let session;
let page;
/** The Train worker's script as served: the first traps at its first step, the second after a
 * run's first progress message, every later one is the file as it is. */
const loads = [];

before(async () => {
  // Enough epochs that a run is still going after its first chunk of iterations.
  session = await openPage("#tab=train&tep=100&tlr=0.002");
  page = session.page;
  // (The worker's URL carries the page's language: `worker.js?lang=en`.)
  await page.route(/\/js\/train\/worker\.js(\?.*)?$/, async (route) => {
    const extra = [trapping("true"), trapping("progressed")][loads.length] ?? "";
    loads.push(extra ? "trapping" : "as it is");
    const response = await route.fetch();
    await route.fulfill({ response, body: `${await response.text()}${extra}` });
  });
  await page.reload();
  await page.waitForSelector("body[data-ready='true']");
  await waitForState("idle");
});

after(async () => {
  await session?.close();
});

/** Waits until the Train worker's script was asked for `n` times (a fresh worker asks for it
 * just after the panel says it was restarted). */
async function waitForLoads(n) {
  for (let tries = 0; loads.length < n && tries < 600; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
}

async function waitForState(...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

/** What the panel shows of a restart, and that the settings are those of `hash`. */
async function assertRestarted(hash) {
  assert.equal(await page.textContent(MESSAGE), TRAP_MESSAGE);
  assert.equal(await page.textContent(STATUS), "Stopped: the engine was restarted");
  assert.doesNotMatch(await page.textContent("#panel-train"), INTERNAL);
  assert.equal(await page.evaluate(() => location.hash), hash, "the settings are kept");
  assert.equal(await page.inputValue("[name=tep]"), "100");
  assert.equal(await page.inputValue("[name=tlr]"), "0.002");
  assert.equal(await page.textContent("[data-action=train-start]"), "Start again");
  assert.equal(await page.isDisabled("[data-action=train-start]"), false);
  assert.equal(await page.isDisabled("[data-action=train-step]"), false);
}

test("a trap in the reply to a Step: the plain message, the settings kept, and the next Step trains", async () => {
  const hash = await page.evaluate(() => location.hash);
  await page.click("[data-action=train-step]");
  await waitForState("restarted");
  await waitForLoads(2);
  assert.deepEqual(loads, ["trapping", "trapping"], "the trapped worker was replaced at once");
  await assertRestarted(hash);

  await page.click("[data-action=train-step]");
  await waitForState("paused");
  assert.equal(await page.getAttribute(STATUS, "data-iteration"), "1");
  assert.equal(await page.isHidden(MESSAGE), true);
  assert.equal(await page.getAttribute("[data-testid=train-chart]", "data-points"), "1");
});

test("a trap in the middle of a run: the run ends with the plain message and the next Start trains to the end", async () => {
  const hash = await page.evaluate(() => location.hash);
  // Every iteration count the status line shows, to know the run had drawn progress.
  await page.evaluate((sel) => {
    window.__iterations = [];
    const line = document.querySelector(sel);
    new MutationObserver(() => window.__iterations.push(Number(line.dataset.iteration)))
      .observe(line, { attributes: true, attributeFilter: ["data-iteration"] });
  }, STATUS);
  await page.click("[data-action=train-start]");
  await waitForState("restarted");
  await waitForLoads(3);
  assert.deepEqual(loads, ["trapping", "trapping", "as it is"]);
  const seen = await page.evaluate(() => window.__iterations);
  assert.ok(seen.some((i) => i > 1), `the run drew progress before the trap (iterations seen: ${seen.join(", ")})`);
  assert.equal(seen.at(-1), 0, "after the trap no trainer matches the page");
  await assertRestarted(hash);

  // A short run on the fresh worker, with the same settings but fewer epochs, trains to the end.
  await page.fill("[name=tep]", "2");
  await page.press("[name=tep]", "Enter");
  await page.click("[data-action=train-start]");
  await waitForState("finished");
  const iterations = await page.getAttribute(STATUS, "data-iteration");
  assert.ok(Number(iterations) > 0);
  assert.equal(await page.getAttribute("[data-testid=train-chart]", "data-points"), iterations);
  assert.match(await page.textContent(MESSAGE), /^Finished in (under 0\.1|\d+(\.\d)?) s\./);
  assert.equal(loads.length, 3, "no other worker");
  assert.deepEqual(session.log.errors.filter((e) => e.startsWith("uncaught")), []);
});
