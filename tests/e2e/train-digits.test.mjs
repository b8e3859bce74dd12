// The digits in the Train panel: the page's wasm does not carry them; the training worker fetches
// data/digits.bin (www/data/digits.bin) the first time Digits is chosen, keeps it for the session,
// and trains on it. A file that does not load gives one clear message in the panel, the other
// datasets still train, and Reset fetches it again (no retry loop, no worker restart).

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { foreignRequests, openPage } from "./harness.mjs";

const STATUS = "[data-testid=train-status]";
const DIGITS = "/data/digits.bin";

const sessions = [];
after(async () => {
  for (const s of sessions) await s.close();
});

async function open() {
  const session = await openPage("#tab=train");
  sessions.push(session);
  await waitForState(session.page, "idle");
  return session;
}

/** Waits until the run state is one of `states` (e.g. "idle", "finished"). */
async function waitForState(page, ...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

/** How many times the page (or its workers) asked for `path`. */
const requestsFor = (session, path) => session.log.requests.filter((u) => new URL(u).pathname === path).length;

test("Digits are fetched once, when first chosen, and train to ≥ 90% training accuracy", async () => {
  const session = await open();
  const { page } = session;
  assert.equal(requestsFor(session, DIGITS), 0, "the page starts without the digits");

  await page.check("input[name=tds][value=digits]");
  await waitForState(page, "idle");
  assert.equal(requestsFor(session, DIGITS), 1);
  assert.match(await page.textContent("[data-testid=train-summary]"),
    /^100 training and 300 validation images of 16×16×1, 10 classes \(0, 1, 2, 3, 4, 5, 6, 7, 8, 9\)/);
  assert.equal(await page.locator("[data-testid=train-previews] figure").count(), 80, "8 previews of each of the 10 digits");

  await page.click("[data-action=train-start]");
  await waitForState(page, "finished");
  const train = Number(await page.getAttribute("[data-testid=train-acc]", "data-train"));
  assert.ok(train >= 0.9, `training accuracy ${train}`);

  // Another dataset and back (at another size): the file is not fetched again.
  await page.check("input[name=tds][value=figures]");
  await waitForState(page, "idle");
  await page.check("input[name=tds][value=digits]");
  await waitForState(page, "idle");
  await page.selectOption("[name=tsize]", "8");
  await waitForState(page, "idle");
  await page.waitForFunction(() => /of 8×8×1, 10 classes/.test(document.querySelector("[data-testid=train-summary]").textContent));
  assert.equal(requestsFor(session, DIGITS), 1, "fetched once for the session");
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});

test("a digits file that does not load gives a clear message; the figures still train; Reset fetches it again", async () => {
  const session = await open();
  const { page } = session;
  const missing = (route) => route.fulfill({ status: 404, contentType: "text/plain", body: "not found" });
  await page.context().route(`**${DIGITS}`, missing);

  await page.check("input[name=tds][value=digits]");
  await waitForState(page, "error");
  const message = page.locator("[data-testid=train-message]");
  assert.match(await message.textContent(),
    /^The digits dataset \(data\/digits\.bin\) did not load: 404 Not Found\. Press Reset to try again .*the geometric figures and your own images still train\.$/);
  assert.match(await message.getAttribute("class"), /error/);
  assert.equal(await page.textContent(STATUS), "Cannot train");
  assert.equal(await page.isDisabled("[data-action=train-start]"), true);
  assert.equal(await page.textContent("[data-testid=train-summary]"), "", "no views of a dataset that is not there");
  await page.waitForTimeout(500);
  assert.equal(requestsFor(session, DIGITS), 1, "no retry loop");

  // The figures still train, on the same worker.
  await page.check("input[name=tds][value=figures]");
  await waitForState(page, "idle");
  assert.equal(await message.isHidden(), true, "the message goes with the digits");
  await page.click("[data-action=train-start]");
  await waitForState(page, "finished");
  assert.equal(await page.getAttribute(STATUS, "data-iteration"), "40");

  // Back to Digits: a failed fetch was not kept, so it is tried again (and fails again)...
  await page.check("input[name=tds][value=digits]");
  await waitForState(page, "error");
  assert.equal(requestsFor(session, DIGITS), 2);
  // ...and once the file is there, Reset loads it.
  await page.context().unroute(`**${DIGITS}`, missing);
  await page.click("[data-action=train-reset]");
  await waitForState(page, "idle");
  assert.equal(requestsFor(session, DIGITS), 3);
  assert.match(await page.textContent("[data-testid=train-summary]"), /^100 training and 300 validation images of 16×16×1, 10 classes/);
  assert.equal(requestsFor(session, "/js/train/worker.js"), 1, "the worker was never restarted");
  assert.deepEqual(session.log.errors, []);
});
