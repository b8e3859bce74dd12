// The Shapes panel in a real browser: the stepper's shapes and error text, max-pool routing in backward
// mode, the network table, and the page's hygiene (no console errors, no other hosts).

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

let session;
let page;

before(async () => {
  session = await openPage("#tab=shapes");
  page = session.page;
  await page.waitForSelector("[data-testid=stepper-shape]");
});

after(async () => {
  await session?.close();
});

/** Types `value` into the stepper's number field `name` (sh, sw, sf, ss, sp, seed). */
async function setField(name, value) {
  await page.fill(`input[name=stepper-${name}]`, String(value));
}

const shapeText = () => page.textContent("[data-testid=stepper-shape]");

/** The values and classes of the cells of grid `name`, as rows of { text, classes }. */
async function readGrid(name) {
  return page.$$eval(`[data-grid=${name}] .grid-row`, (rows) =>
    rows.map((row) => [...row.children].map((c) => ({ text: c.textContent, classes: [...c.classList] }))));
}

test("7×7 input, 3×3 filter, stride 1, pad 0 gives 5×5", async () => {
  await page.check("input[name=stepper-op][value=conv]");
  await setField("sh", 7);
  await setField("sw", 7);
  await setField("sf", 3);
  await setField("sp", 0);
  await setField("ss", 1);
  assert.equal(await shapeText(), "Output: 5×5");
  assert.equal((await readGrid("out")).length, 5);
  await page.locator(".stepper").screenshot({ path: join(SCREENSHOTS, "shapes-stepper.png") });
});

test("stride 2 gives 3×3", async () => {
  await setField("ss", 2);
  assert.equal(await shapeText(), "Output: 3×3");
  const out = await readGrid("out");
  assert.deepEqual([out.length, out[0].length], [3, 3]);
});

test("stride 3 is refused with the arithmetic and the nearest valid settings", async () => {
  await setField("ss", 3);
  const error = page.locator("[data-testid=stepper-error]");
  await error.waitFor({ state: "visible" });
  const text = await error.textContent();
  assert.match(text, /\(7 − 3 \+ 2·0\)\/3 \+ 1 = 2\.33 is not a whole number/);
  assert.match(text, /try stride 1 or 2, or pad 1/);
  assert.match(await shapeText(), /not defined/);
  assert.equal(await page.isVisible("[data-grid=out]"), false, "no output grid for an invalid setting");
  await page.locator(".stepper").screenshot({ path: join(SCREENSHOTS, "shapes-error.png") });
});

test("max pool backward routes each upstream gradient to the argmax of its window", async () => {
  await page.check("input[name=stepper-op][value=pool]");
  await setField("sh", 6);
  await setField("sw", 6);
  await setField("sf", 2);
  await setField("ss", 2);
  await page.check("input[name=stepper-dir][value=backward]");
  assert.equal(await shapeText(), "Output: 3×3");
  await page.click("[data-action=reset]");
  let previous = (await readGrid("dx")).map((row) => row.map(() => 0));
  for (let step = 0; step < 9; step++) {
    const x = await readGrid("x");
    const dout = await readGrid("dout");
    const dx = await readGrid("dx");
    // The window is the highlighted block of x; its first maximum (row-major) must be marked.
    const window = x.flatMap((row, r) => row.map((c, k) => ({ r, k, v: Number(c.text), classes: c.classes })))
      .filter((c) => c.classes.includes("window"));
    assert.equal(window.length, 4, `step ${step}: a 2×2 window is highlighted`);
    const best = window.reduce((a, b) => (b.v > a.v ? b : a));
    const winners = window.filter((c) => c.classes.includes("winner"));
    assert.deepEqual(winners.map((c) => [c.r, c.k]), [[best.r, best.k]], `step ${step}: the argmax is marked`);
    // The current dout cell's value lands on that cell of dx, added to what was there.
    const g = Number(dout.flat().find((c) => c.classes.includes("current")).text);
    const targets = dx.flatMap((row, r) => row.map((c, k) => ({ r, k, c }))).filter((t) => t.c.classes.includes("current"));
    assert.deepEqual(targets.map((t) => [t.r, t.k]), [[best.r, best.k]], `step ${step}: dx marks the argmax`);
    const now = dx.map((row) => row.map((c) => Number(c.text)));
    for (let r = 0; r < now.length; r++) {
      for (let k = 0; k < now[r].length; k++) {
        const expected = previous[r][k] + (r === best.r && k === best.k ? g : 0);
        assert.equal(now[r][k], expected, `step ${step}: dx[${r},${k}]`);
      }
    }
    previous = now;
    if (step < 8) await page.click("[data-action=step]");
  }
  await page.locator(".stepper").screenshot({ path: join(SCREENSHOTS, "shapes-pool-backward.png") });
});

test("conv backward lists the dout cells and weights behind a dx cell", async () => {
  await page.check("input[name=stepper-op][value=conv]");
  await setField("sh", 5);
  await setField("sw", 5);
  await setField("sf", 3);
  await setField("ss", 1);
  await setField("sp", 0);
  await page.check("input[name=stepper-grad][value=dx]");
  // The centre input cell is covered by all 9 windows of a 3×3 output.
  await page.click("[data-grid=dx] [data-r='2'][data-c='2']");
  const dout = await readGrid("dout");
  assert.equal(dout.flat().filter((c) => c.classes.includes("contrib")).length, 9);
  assert.match(await page.textContent("[data-testid=stepper-explain]"), /^dx\[2,2\] = dout\[0,0\]·w\[2,2\] \+ /);
  // A corner cell is covered by one window only, through the weight w[0,0].
  await page.click("[data-grid=dx] [data-r='0'][data-c='0']");
  assert.match(await page.textContent("[data-testid=stepper-explain]"), /^dx\[0,0\] = dout\[0,0\]·w\[0,0\] = /);
  await page.check("input[name=stepper-grad][value=dw]");
  await page.click("[data-grid=dw] [data-r='1'][data-c='1']");
  const x = await readGrid("x");
  assert.equal(x.flat().filter((c) => c.classes.includes("contrib")).length, 9, "dw[1,1] sees a 3×3 block of x");
});

test("the network table walks the lecture's network and marks a layer that does not fit", async () => {
  const table = page.locator("[data-testid=network-table]");
  await table.scrollIntoViewIfNeeded();
  const outputs = await page.$$eval("[data-testid=network-table] tbody td.out", (tds) => tds.map((t) => t.textContent));
  assert.equal(outputs.length, 16);
  assert.equal(outputs[0], "32×32×16");
  assert.equal(outputs[15], "1×1×5");
  assert.match(await page.textContent("[data-testid=fc-comparison]"), /3,072/);
  await page.locator(".network-card").screenshot({ path: join(SCREENSHOTS, "shapes-network.png") });
  // A 3×3 pool with stride 3 on 32×32 does not divide evenly: the error sits on that layer.
  await page.fill("input[aria-label='Layer 5 F (size)']", "3");
  await page.fill("input[aria-label='Layer 5 S (stride)']", "3");
  const failed = page.locator("[data-testid=network-table] tr.failed");
  await failed.waitFor();
  assert.equal(await failed.getAttribute("data-layer"), "4");
  assert.match(await failed.textContent(), /is not a whole number/);
  await page.click("text=Lecture network");
  assert.equal(await page.locator("[data-testid=network-table] tr.failed").count(), 0);
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.ok(session.log.requests.length > 0, "requests are recorded");
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
