// The page at a projector's 1280×720 and at phone width: nothing wider than the screen, and the
// tabs work from the keyboard.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { foreignRequests, openPage } from "./harness.mjs";

let session;
let page;

before(async () => {
  session = await openPage("");
  page = session.page;
});

after(async () => {
  await session?.close();
});

/** How far the page is wider than the window (0 when it fits). */
async function overflow() {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

for (const [width, height] of [[1280, 720], [375, 667]]) {
  test(`both panels fit a ${width}×${height} screen`, async () => {
    await page.setViewportSize({ width, height });
    await page.click("#tab-filters");
    await page.waitForSelector("[data-testid=result][data-status=ok]");
    assert.equal(await overflow(), 0, "Filters panel");
    await page.click("#tab-shapes");
    await page.waitForSelector("[data-testid=network-table]");
    assert.equal(await overflow(), 0, "Shapes panel");
    // The backward view shows five grids; they wrap or scroll inside their box.
    await page.check("input[name=stepper-dir][value=backward]");
    assert.equal(await overflow(), 0, "Shapes panel, backward");
    await page.check("input[name=stepper-dir][value=forward]");
  });
}

test("the tabs are keyboard operable and the choice is kept in the URL", async () => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.focus("#tab-shapes");
  await page.keyboard.press("ArrowLeft");
  assert.equal(await page.getAttribute("#tab-filters", "aria-selected"), "true");
  assert.equal(await page.evaluate(() => document.activeElement.id), "tab-filters");
  assert.equal(await page.isVisible("#panel-shapes"), false);
  await page.keyboard.press("ArrowRight");
  assert.equal(await page.getAttribute("#tab-shapes", "aria-selected"), "true");
  assert.match(page.url(), /#.*tab=shapes/);
  // Stepping with the keyboard: Tab to the Step button and press Enter.
  await page.focus("[data-action=reset]");
  await page.keyboard.press("Enter");
  await page.focus("[data-action=step]");
  await page.keyboard.press("Enter");
  assert.match(await page.textContent("[data-testid=stepper-position]"), /^Step 2 of /);
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
