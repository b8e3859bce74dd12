// Presenter mode (www/js/presenter.js, css/presenter.css): the header's "Present" button, the key P
// and a link's `present=1` each turn it on, Esc leaves it (but only closes the shortcut sheet when
// that is open). On a projector's screen the picture fits: in Shapes the x, w and out grids, the
// formula and the step's explanation at 1024×768 and at 1280×720 under 200 % zoom (a 640×360
// window at device scale 2), with grid numbers of 28 px and more at 1280×720; in Filters the
// input and output images side by side; in Train the chart, Start and the accuracy line. Forward
// and backward, every step of the stepper is checked at 1024×768, 1280×720 and 200 % zoom.

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

const STEPPER_PARTS = ["[data-grid=x]", "[data-grid=w]", "[data-grid=out]", "[data-testid=stepper-formula]", "[data-testid=stepper-explain]"];

/** Whether presenter mode is on, as the page shows it: the class, the button and the link. */
async function presenting(page) {
  return page.evaluate(() => ({
    cls: document.documentElement.classList.contains("presenter"),
    pressed: document.querySelector("[data-action=present]").getAttribute("aria-pressed"),
    link: /[#&]present=1(&|$)/.test(window.location.hash),
  }));
}
const ON = { cls: true, pressed: "true", link: true };
const OFF = { cls: false, pressed: "false", link: false };

/** Each selector's box against the window: those not wholly inside it, with their boxes. */
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

async function shapesReady(page) {
  await page.waitForSelector("[data-grid=out] .cell.current");
}

test("the Present button, P and a link each turn it on; Esc leaves it", async () => {
  const session = await openPage("#tab=shapes", { width: 1024, height: 768 });
  const { page } = session;
  try {
    await shapesReady(page);
    assert.deepEqual(await presenting(page), OFF);
    assert.equal(await page.isVisible(".tagline"), true);

    await page.click("[data-action=present]");
    assert.deepEqual(await presenting(page), ON);
    assert.equal(await page.isVisible(".tagline"), false, "the tagline is hidden");
    assert.equal(await page.isVisible("footer.site"), false, "the footer is hidden");
    assert.equal(await page.isVisible("[data-action=present]"), true, "the button stays to leave by");
    await page.keyboard.press("Escape");
    assert.deepEqual(await presenting(page), OFF);
    assert.equal(await page.isVisible(".tagline"), true);

    // P from the page; P again turns it off.
    await page.focus("[data-action=step]");
    await page.keyboard.press("p");
    assert.deepEqual(await presenting(page), ON);
    assert.equal(await page.evaluate(() => document.activeElement.dataset.action), "step", "the focus stays where it was");
    await page.keyboard.press("P");
    assert.deepEqual(await presenting(page), OFF);

    // P typed in a number field is typing, not the mode.
    await page.focus("input[name=stepper-sw]");
    await page.keyboard.press("p");
    assert.deepEqual(await presenting(page), OFF);

    // With the shortcut sheet open, Esc closes the sheet only; the next Esc leaves the mode.
    await page.focus("[data-action=step]");
    await page.keyboard.press("p");
    await page.keyboard.press("?");
    const sheet = page.locator("[data-testid=shortcuts]");
    await sheet.waitFor({ state: "visible" });
    const rows = await page.$$eval("[data-testid=shortcuts] dt", (dts) => dts.map((d) => d.textContent));
    assert.deepEqual(rows, ["← →", "Space", "Home End", "+ −", "P", "PgUp PgDn", "?", "Esc"]);
    await page.keyboard.press("Escape");
    await sheet.waitFor({ state: "hidden" });
    assert.deepEqual(await presenting(page), ON);
    await page.keyboard.press("Escape");
    assert.deepEqual(await presenting(page), OFF);
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

test("a link with present=1 opens in presenter mode, and Esc leaves it", async () => {
  const session = await openPage("#tab=shapes&present=1", { width: 1024, height: 768 });
  const { page } = session;
  try {
    await shapesReady(page);
    assert.deepEqual(await presenting(page), ON);
    assert.equal(await page.isVisible("[data-testid=link-notice]"), false, "present=1 is a setting of the page");
    await page.keyboard.press("Escape");
    assert.deepEqual(await presenting(page), OFF);
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

for (const [width, height, scale, label] of [[1024, 768, 1, "1024×768"], [640, 360, 2, "1280×720 at 200 % zoom"]]) {
  test(`Shapes at ${label}: grids, formula and explanation in view together`, async () => {
    const session = await openPage("#tab=shapes&present=1", { width, height, deviceScaleFactor: scale });
    const { page } = session;
    try {
      await shapesReady(page);
      assert.equal(await page.evaluate(() => window.devicePixelRatio), scale);
      // The lecture's first view: 7×7 input, 3×3 filter, a 5×5 output, at the first and a later step.
      assert.equal(await page.textContent("[data-testid=stepper-shape]"), "Output: 5×5");
      assert.deepEqual(await outOfView(page, STEPPER_PARTS), []);
      await page.keyboard.press("End");
      assert.equal(await page.textContent("[data-testid=stepper-position]"), "Step 25 of 25");
      assert.deepEqual(await outOfView(page, STEPPER_PARTS), []);
      // Max pool: x, out, the formula and the explanation.
      await page.check("input[name=stepper-op][value=pool]");
      await shapesReady(page);
      // Checking the radio scrolled it into view; the class sees the top of the panel.
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.deepEqual(await outOfView(page, STEPPER_PARTS.filter((s) => s !== "[data-grid=w]")), []);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0,
        "nothing wider than the window");
      assert.deepEqual(session.log.errors, []);
    } finally {
      await session.close();
    }
  });
}

/** The stepper's visible grids by name, and the font size of their numbers (px). */
async function visibleGrids(page) {
  return page.$$eval(".stepper .grid-figure", (figs) => figs
    .filter((f) => f.getClientRects().length > 0)
    .map((f) => ({ name: f.querySelector("[data-grid]").dataset.grid, font: parseFloat(getComputedStyle(f.querySelector(".cell")).fontSize) })));
}

/**
 * Steps through every step of the current view from the first, checking at each that the parts
 * are in view and nothing is wider than the window. Returns the smallest number size seen.
 */
async function everyStepInView(page, parts, label) {
  await page.keyboard.press("Home");
  const [, total] = (await page.textContent("[data-testid=stepper-position]")).match(/of (\d+)/);
  let smallest = Infinity;
  let previous = Infinity;
  for (let step = 1; step <= Number(total); step++) {
    assert.equal(await page.textContent("[data-testid=stepper-position]"), `Step ${step} of ${total}`);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.deepEqual(await outOfView(page, parts), [], `${label}, step ${step}`);
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0,
      `${label}, step ${step}: nothing wider than the window`);
    const font = Math.min(...(await visibleGrids(page)).map((g) => g.font));
    // Within one view the numbers never grow back from step to step: the picture does not jump.
    assert.ok(font <= previous, `${label}, step ${step}: numbers grew from ${previous} to ${font} px`);
    previous = font;
    smallest = Math.min(smallest, font);
    if (step < Number(total)) await page.keyboard.press("ArrowRight");
  }
  return smallest;
}

const WHY = "[data-testid=stepper-why]";
const BACKWARD = [
  // [view, how to open it, the grids shown in presenter mode]
  ["max pool backward", [["stepper-op", "pool"], ["stepper-dir", "backward"]], ["dout", "x", "dx"]],
  ["conv backward dx", [["stepper-op", "conv"], ["stepper-dir", "backward"], ["stepper-grad", "dx"]], ["dout", "w", "dx", "dout-full", "w-flipped"]],
  ["conv backward dw", [["stepper-op", "conv"], ["stepper-dir", "backward"], ["stepper-grad", "dw"]], ["dout", "x", "dw"]],
];
// The smallest grid numbers (CSS px) each size must give each view, at every step: 28 px at
// 1280×720 forward and in dw's view (three grids, as forward); dx's view puts five grids on a row
// (dout, w, dx, dout padded, w rotated), so its numbers are smaller. Measured: 21.8, 17.7, 13.5,
// 22.4 at 1024×768; 13.5, 10.4, 6.8, 10.4 at 200 % zoom (twice that in device pixels); 29.6, 22.9,
// 17.7, 29.1 at 1280×720.
const SIZES = [
  [1024, 768, 1, "1024×768", { forward: 21, "max pool backward": 17, "conv backward dx": 13, "conv backward dw": 22 }],
  [640, 360, 2, "1280×720 at 200 % zoom", { forward: 13, "max pool backward": 10, "conv backward dx": 6.5, "conv backward dw": 10 }],
  [1280, 720, 1, "1280×720", { forward: 28, "max pool backward": 22, "conv backward dx": 17, "conv backward dw": 28 }],
];

for (const [width, height, scale, label, least] of SIZES) {
  test(`Shapes at ${label}, forward and backward: at every step the grids, the formula, the explanation and the why in view`, async () => {
    const session = await openPage("#tab=shapes&present=1", { width, height, deviceScaleFactor: scale });
    const { page } = session;
    try {
      await shapesReady(page);
      await page.focus("[data-action=step]");
      const forward = await everyStepInView(page, STEPPER_PARTS, "forward");
      assert.ok(forward >= least.forward, `forward numbers at ${forward} px`);
      for (const [view, radios, grids] of BACKWARD) {
        for (const [name, value] of radios) await page.check(`input[name=${name}][value=${value}]`);
        await page.waitForSelector(`${WHY}:not([hidden])`);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.focus("[data-action=step]");
        assert.deepEqual((await visibleGrids(page)).map((g) => g.name), grids, view);
        const parts = [...grids.map((g) => `[data-grid=${g}]`), "[data-testid=stepper-formula]", "[data-testid=stepper-shape]",
          "[data-testid=stepper-explain]", WHY];
        const smallest = await everyStepInView(page, parts, view);
        assert.ok(smallest >= least[view], `${view}: numbers at ${smallest} px`);
        // The why's box is in view; a why longer than its box scrolls inside it, the box keeps four lines.
        const why = await page.$eval(WHY, (e) => ({ overflow: getComputedStyle(e).overflowY, lines: e.clientHeight / parseFloat(getComputedStyle(e).lineHeight) }));
        assert.equal(why.overflow, "auto");
        assert.ok(why.lines >= 4, `${view}: the why's box holds ${why.lines.toFixed(1)} lines`);
      }
      assert.deepEqual(session.log.errors, []);
    } finally {
      await session.close();
    }
  });
}

test("Shapes at 1280×720: grid numbers of 28 px and more, and the screenshot", async () => {
  const session = await openPage("#tab=shapes&present=1&step=7", { width: 1280, height: 720 });
  const { page } = session;
  try {
    await shapesReady(page);
    const sizes = await page.$$eval("[data-grid] .cell", (cells) =>
      cells.filter((c) => c.offsetParent).map((c) => parseFloat(getComputedStyle(c).fontSize)));
    assert.equal(sizes.length, 49 + 9 + 25, "the x, w and out cells");
    assert.ok(Math.min(...sizes) >= 28, `grid numbers at ${Math.min(...sizes)} px`);
    assert.deepEqual(await outOfView(page, STEPPER_PARTS), []);
    // In normal mode the cells are as before: 18 px numbers.
    await page.keyboard.press("Escape");
    const normal = await page.$eval("[data-grid=x] .cell", (c) => getComputedStyle(c).fontSize);
    assert.equal(normal, "18px");
    await page.keyboard.press("p");
    await page.mouse.move(0, 0);
    await page.screenshot({ path: join(SCREENSHOTS, "presenter-shapes.png") });
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

for (const [width, height, scale, label] of [[1024, 768, 1, "1024×768"], [640, 360, 2, "1280×720 at 200 % zoom"]]) {
  test(`Filters at ${label}: input and output side by side, in view`, async () => {
    const session = await openPage("#tab=filters&present=1", { width, height, deviceScaleFactor: scale });
    const { page } = session;
    try {
      await page.waitForSelector("[data-testid=result][data-status=ok]");
      const input = await page.locator("[data-testid=input-canvas]").boundingBox();
      const output = await page.locator("[data-testid=output-canvas-0]").boundingBox();
      assert.ok(Math.abs(input.y - output.y) <= 4, `tops at ${input.y} and ${output.y}`);
      assert.ok(input.x + input.width <= output.x, "the input left of the output");
      assert.deepEqual(await outOfView(page, ["[data-testid=input-canvas]", "[data-testid=output-canvas-0]"]), []);
      // The pictures take more than half of the window's height.
      assert.ok(input.height > height / 2 && output.height > height / 2, `heights ${input.height}, ${output.height}`);
      assert.deepEqual(session.log.errors, []);
      assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
    } finally {
      await session.close();
    }
  });
}

for (const [width, height, scale, label] of [[1024, 768, 1, "1024×768"], [640, 360, 2, "1280×720 at 200 % zoom"]]) {
  test(`Train at ${label}: the chart, its legend, the controls and the accuracy line in view, the chart sized to the screen`, async () => {
    const session = await openPage("#tab=train&present=1", { width, height, deviceScaleFactor: scale });
    const { page } = session;
    try {
      await page.waitForSelector("[data-testid=train-status][data-state=idle]");
      await page.waitForFunction(() => document.querySelector("[data-testid=train-chart]").dataset.size);
      assert.deepEqual(await outOfView(page, ["[data-testid=train-chart]", ".chart-legend", "[data-action=train-start]",
        "[data-action=train-pause]", "[data-action=train-step]", "[data-testid=train-acc]"]), []);
      const chart = await page.$eval("[data-testid=train-chart]", (c) => ({
        box: [c.clientWidth, c.clientHeight], pixels: [c.width, c.height], drawn: c.dataset.size,
        bottom: c.getBoundingClientRect().bottom,
      }));
      // The chart takes the room left on the screen: more than a third of its height.
      assert.ok(chart.box[1] > height / 3, `chart ${chart.box[1]} px tall in a ${height} px window`);
      // Drawn at the size it is shown, with devicePixelRatio pixels per CSS pixel (crisp at 200 %).
      assert.equal(chart.drawn, `${chart.box[0]}×${chart.box[1]}`);
      assert.deepEqual(chart.pixels, [Math.round(chart.box[0] * scale), Math.round(chart.box[1] * scale)]);
      // Outside presenter mode the chart is the config's 260 px again, and drawn at that size.
      await page.keyboard.press("Escape");
      await page.waitForFunction(() => document.querySelector("[data-testid=train-chart]").clientHeight === 260);
      await page.waitForFunction(() => document.querySelector("[data-testid=train-chart]").height === 260 * window.devicePixelRatio);
      assert.deepEqual(session.log.errors, []);
    } finally {
      await session.close();
    }
  });
}
