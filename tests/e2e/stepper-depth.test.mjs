// The stepper's depth and average pooling in a real browser: the lecture's example one click
// away (32×32×3 input, six 5×5×3 filters → 28×28×6, each output a dot product of 75 numbers plus
// a bias), C and K kept by the link, the backward pass saying what it shows for depth, average
// pooling forward and backward with the engine's numbers, and the lecture's picture on one screen
// at 1024×768 and 1280×720 under 200 % zoom in presenter mode, and within a 375 px phone's width.

import assert from "node:assert/strict";
import { test } from "node:test";
import { openPage } from "./harness.mjs";

/** The page's way of writing a number: U+2212 for minus. */
const fmt = (v) => (v < 0 ? `−${-v}` : String(v));
const paren = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));

/** The engine's plan for `config`, from the page's own wasm module. */
function enginePlan(page, config) {
  return page.evaluate(async (c) => (await import("./pkg/cnn_playground.js")).stepperPlan(c), config);
}

const text = (page, id) => page.textContent(`[data-testid=${id}]`);

/** Each selector's box against the window: those not wholly inside it (as presenter.test.mjs). */
async function outOfView(page, selectors) {
  return page.evaluate((sels) => sels.flatMap((s) => {
    const el = document.querySelector(s);
    if (!el) return [`${s}: missing`];
    const r = el.getBoundingClientRect();
    const inside = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
      && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
    return inside ? [] : [`${s}: ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} in ${window.innerWidth}×${window.innerHeight}`];
  }), selectors);
}

const LECTURE = { op: "conv", height: 32, width: 32, channels: 3, filters: 6, filter: 5, stride: 1, pad: 0, seed: 231, backward: false };

test("the lecture example is one click: 28×28×6, each output 75 products plus the bias, and C and K survive a reload", async () => {
  const session = await openPage("#tab=shapes");
  const { page } = session;
  try {
    await page.waitForSelector("[data-grid=out] .cell.current");
    // The first view is unchanged: 7×7, one 3×3 filter, one channel.
    assert.equal(await text(page, "stepper-shape"), "Output: 5×5");
    const button = page.locator("[data-action=lecture]");
    assert.equal(await button.textContent(), "Lecture example: 32×32×3, six 5×5×3 filters");
    await button.click();
    assert.equal(await text(page, "stepper-shape"), "Output: 28×28×6");
    assert.equal(await text(page, "stepper-position"), "Step 1 of 4704");
    const counts = await page.evaluate(() => ["x", "w", "out"].map((g) => [
      document.querySelectorAll(`[data-grid=${g}] .grid`).length, document.querySelectorAll(`[data-grid=${g}] .cell`).length]));
    assert.deepEqual(counts, [[3, 3 * 32 * 32], [3, 75], [6, 6 * 28 * 28]], "3 channels of x and w, 6 maps of out");

    const plan = await enginePlan(page, LECTURE);
    /** The explanation of out[k, i, j], from the plan's input and weights (the test's own sums). */
    const expected = (k, i, j) => {
      const sums = [0, 1, 2].map((c) => {
        let sum = 0;
        for (let u = 0; u < 5; u++) {
          for (let v = 0; v < 5; v++) sum += plan.weights[((k * 3 + c) * 5 + u) * 5 + v] * plan.input[(c * 32 + i + u) * 32 + j + v];
        }
        return sum;
      });
      const out = plan.output[(k * 28 + i) * 28 + j];
      assert.equal(sums[0] + sums[1] + sums[2], out, `the engine's out[${k},${i},${j}] is the dot product (bias 0)`);
      return `out[${k},${i},${j}] = filter ${k} · the 5×5×3 window at rows ${i}–${i + 4}, columns ${j}–${j + 4} of the input, 75 products + bias = ${sums.map((s, c) => `${paren(s)} (channel ${c})`).join(" + ")} + 0 (bias) = ${fmt(out)}`;
    };
    assert.equal(await text(page, "stepper-explain"), expected(0, 0, 0));
    await page.click("[data-grid=out] [data-s='2'][data-r='3'][data-c='4']");
    assert.equal(await text(page, "stepper-explain"), expected(2, 3, 4));
    assert.equal(await text(page, "stepper-position"), `Step ${2 * 784 + 3 * 28 + 4 + 1} of 4704`);
    // The window is the 5×5×3 block: 25 cells in each of the 3 channels.
    const window = await page.$$eval("[data-grid=x] .cell.window", (cells) => cells.map((c) => `${c.dataset.s}:${c.dataset.r},${c.dataset.c}`));
    assert.equal(window.length, 75);
    assert.deepEqual(window.slice(0, 2), ["0:3,4", "0:3,5"]);
    assert.deepEqual(window.slice(-1), ["2:7,8"]);

    // The link keeps C and K (and the rest of the lecture's setting); a reload shows the same.
    const hash = await page.evaluate(() => location.hash);
    for (const part of ["sh=32", "sw=32", "sc=3", "sk=6", "sf=5"]) assert.ok(hash.includes(part), `${part} in ${hash}`);
    await page.reload();
    await page.waitForSelector("body[data-ready='true']");
    await page.waitForSelector("[data-grid=out] .cell.current");
    assert.equal(await text(page, "stepper-shape"), "Output: 28×28×6");
    assert.deepEqual([await page.inputValue("input[name=stepper-sc]"), await page.inputValue("input[name=stepper-sk]")], ["3", "6"]);
    assert.equal(await text(page, "stepper-explain"), expected(2, 3, 4), "the step too");

    // Backward with depth says what it shows.
    await page.check("input[name=stepper-dir][value=backward]");
    assert.equal(await text(page, "stepper-depth-notice"),
      "The backward pass is shown for one channel and one filter (C = 1, K = 1), so that each sum stays readable: x is channel 0 of your input, the filter and dout are those of this one-channel layer. Your C = 3 and K = 6 are kept for the forward pass.");
    const one = await enginePlan(page, { ...LECTURE, channels: 1, filters: 1, backward: true });
    assert.deepEqual(one.input, plan.input.slice(0, 32 * 32), "x is channel 0 of the forward input");
    const dx = await page.$$eval("[data-grid=dx] .cell", (cells) => cells.map((c) => Number(c.textContent.replace("−", "-"))));
    assert.deepEqual(dx, one.dx);
    assert.equal(await page.isVisible("[data-testid=stepper-depth-notice]"), true);
    await page.check("input[name=stepper-dir][value=forward]");
    assert.equal(await page.isVisible("[data-testid=stepper-depth-notice]"), false);
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

test("average pooling: forward is the mean of each window, backward shares dout evenly, with the engine's numbers", async () => {
  const session = await openPage("#tab=shapes&op=avgpool&sh=6&sw=6&sf=2&ss=2");
  const { page } = session;
  try {
    await page.waitForSelector("[data-grid=out] .cell.current");
    assert.equal(await page.isVisible("input[name=stepper-op][value=avgpool]"), true, "the Max/Average choice is in the controls");
    assert.equal(await page.isVisible("input[name=stepper-op][value=pool]"), true);
    assert.equal(await text(page, "stepper-shape"), "Output: 3×3");
    const cfg = { op: "avgpool", height: 6, width: 6, filter: 2, stride: 2, pad: 0, seed: 231, backward: true };
    const plan = await enginePlan(page, cfg);
    const x = (r, c) => plan.input[r * 6 + c];
    await page.click("[data-grid=out] [data-r='1'][data-c='2']");
    const cells = [x(2, 4), x(2, 5), x(3, 4), x(3, 5)];
    assert.equal((cells[0] + cells[1] + cells[2] + cells[3]) / 4, plan.output[5]);
    assert.equal(await text(page, "stepper-explain"),
      `out[1,2] = (${cells.map(fmt).join(" + ")})/4 = ${String(Number(plan.output[5].toPrecision(4)))}, the mean of the window at rows 2–3, columns 4–5.`);

    await page.check("input[name=stepper-dir][value=backward]");
    await page.click("[data-grid=dout] [data-r='0'][data-c='1']");
    const g = plan.dout[1];
    const share = String(Number((g / 4).toPrecision(3)));
    assert.equal(plan.shares[1], g / 4);
    const held = [[0, 2], [0, 3], [1, 2], [1, 3]].map(([r, c]) => String(Number(plan.dxAfter[1][r * 6 + c].toPrecision(4))));
    assert.equal(await text(page, "stepper-explain"),
      `dout[0,1] = ${g} is shared evenly by the 4 cells of its window (rows 0–1, columns 2–3 of x): each gets ${g}/4 = ${share}, whatever its value. Those cells of dx now hold ${held.join(", ")}.`);
    const dx = await page.$$eval("[data-grid=dx] .cell", (cs) => cs.map((c) => c.textContent));
    assert.deepEqual(dx, plan.dxAfter[1].map((v) => String(Number(v.toPrecision(3)))));
    assert.match(await text(page, "stepper-why-text"), /local gradient of that mean with respect to each cell of the window is 1\/\(F·F\) = 1\/4/);
    // At the last step dx is the engine's whole backward pass.
    await page.click("[data-action=step]", { clickCount: 1 });
    await page.keyboard.press("End");
    assert.equal(await text(page, "stepper-position"), "Step 9 of 9");
    const last = await page.$$eval("[data-grid=dx] .cell", (cs) => cs.map((c) => c.textContent));
    assert.deepEqual(last, plan.dx.map((v) => String(Number(v.toPrecision(3)))));
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

test("pooling keeps the channels: 3 maps forward, and the backward pass says it shows one channel", async () => {
  const session = await openPage("#tab=shapes&op=avgpool&sc=3&sh=4&sw=4&sf=2&ss=2");
  const { page } = session;
  try {
    await page.waitForSelector("[data-grid=out] .cell.current");
    assert.equal(await text(page, "stepper-shape"), "Output: 2×2×3");
    assert.equal(await page.isDisabled("input[name=stepper-sk]"), true, "K is for conv only");
    const cfg = { op: "avgpool", height: 4, width: 4, channels: 3, filter: 2, stride: 2, pad: 0, seed: 231, backward: false };
    const plan = await enginePlan(page, cfg);
    const out = await page.$$eval("[data-grid=out] .cell", (cs) => cs.map((c) => c.textContent));
    // Step 1: the first cell of map 0 is out, the other 11 are still to come.
    assert.deepEqual(out, [String(Number(plan.output[0].toPrecision(3))), ...new Array(11).fill("")]);
    await page.click("[data-grid=out] [data-s='2'][data-r='1'][data-c='1']");
    const x = (c, r, k) => plan.input[(c * 4 + r) * 4 + k];
    const cells = [x(2, 2, 2), x(2, 2, 3), x(2, 3, 2), x(2, 3, 3)];
    assert.equal(await text(page, "stepper-explain"),
      `out[2,1,1] = (${cells.map(fmt).join(" + ")})/4 = ${String(Number(plan.output[11].toPrecision(4)))}, the mean of the window at rows 2–3, columns 2–3 of channel 2.`);
    await page.check("input[name=stepper-dir][value=backward]");
    assert.equal(await text(page, "stepper-depth-notice"),
      "The backward pass is shown for one channel (C = 1), so that each sum stays readable: x is channel 0 of your input, dout is that of this one-channel layer. Your C = 3 is kept for the forward pass.");
    const one = await enginePlan(page, { ...cfg, channels: 1, backward: true });
    const dout = await page.$$eval("[data-grid=dout] .cell", (cs) => cs.map((c) => Number(c.textContent)));
    assert.deepEqual(dout, one.dout);
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

const PICTURE = ["[data-grid=x]", "[data-grid=w]", "[data-grid=out]", "[data-testid=stepper-formula]", "[data-testid=stepper-explain]"];

for (const [width, height, scale, label] of [[1024, 768, 1, "1024×768"], [640, 360, 2, "1280×720 at 200 % zoom"]]) {
  test(`presenter mode at ${label}: the lecture example's x, w and out grids and the explanation fit on one screen`, async () => {
    const session = await openPage("#tab=shapes&present=1", { width, height, deviceScaleFactor: scale });
    const { page } = session;
    try {
      await page.waitForSelector("[data-grid=out] .cell.current");
      await page.click("[data-action=lecture]");
      assert.equal(await text(page, "stepper-shape"), "Output: 28×28×6");
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.deepEqual(await outOfView(page, PICTURE), []);
      // Every cell of the three grids is drawn, none of size zero.
      const sizes = await page.$$eval("[data-grid=x] .cell, [data-grid=w] .cell, [data-grid=out] .cell",
        (cs) => cs.filter((c) => c.getBoundingClientRect().width >= 2).length);
      assert.equal(sizes, 3072 + 75 + 4704);
      assert.deepEqual(session.log.errors, []);
    } finally {
      await session.close();
    }
  });
}

test("a link to the lecture example in presenter mode opens fitted, also when it opens on another panel first", async () => {
  const session = await openPage("#tab=filters&present=1&sh=32&sw=32&sc=3&sk=6&sf=5", { width: 1024, height: 768 });
  const { page } = session;
  try {
    await page.click("#tab-shapes");
    await page.waitForSelector("[data-grid=out] .cell.current");
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.equal(await text(page, "stepper-shape"), "Output: 28×28×6");
    assert.deepEqual(await outOfView(page, PICTURE), []);
    // Back to Filters, a resize there, and Shapes again: still fitted.
    await page.click("#tab-filters");
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.click("#tab-shapes");
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.deepEqual(await outOfView(page, PICTURE), []);
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

test("at 375 px the lecture example's grids are within the screen's width", async () => {
  const session = await openPage("#tab=shapes", { width: 375, height: 740 });
  const { page } = session;
  try {
    await page.waitForSelector("[data-grid=out] .cell.current");
    await page.click("[data-action=lecture]");
    assert.equal(await text(page, "stepper-shape"), "Output: 28×28×6");
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const boxes = await page.evaluate(() => ["x", "w", "out"].map((g) => {
      const r = document.querySelector(`[data-grid=${g}]`).getBoundingClientRect();
      return r.width > 0 && r.height > 0 && r.left >= 0 && r.right <= window.innerWidth;
    }));
    assert.deepEqual(boxes, [true, true, true]);
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});
