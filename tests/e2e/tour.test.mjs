// The Lecture 5 tour (www/js/tour/, css/tour.css): the header's "Lecture 5 tour" opens a card that
// walks the lecture in eleven steps, each setting the panels (checked here through the link, which
// holds every setting, and through what the panels show), with Next and Back, PageDown and
// PageUp, and a close button; Esc closes it once presenter mode is left. The step is the link's
// `tour`, so a reload or a link opens the same step. On a projector (1024×768, and 1280×720 at
// 200 % zoom: 640×360 at device scale 2) the card stays in view without covering the step's
// picture; on a 375 px phone it is in view and nothing scrolls sideways.
//

import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { engineDefaults } from "../../www/js/config.js";
import { PROPS } from "../../www/js/state.js";
import { loadWasmEngine } from "../js/wasm-engine.mjs";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

/** The engine's defaults the props name (`defaultFrom`), read as main.js reads them. */
const DEFAULTS = engineDefaults(await loadWasmEngine());
/** A setting's default: typed in state.js or the engine's. */
const defaultOf = (p) => p.default ?? p.defaultFrom.split(".").reduce((o, key) => o?.[key], DEFAULTS);

/** The lecture's 32×32 input. */
const SIDE = "32";

/** Each step: its title, its words, its panel, the settings it makes (as the link writes them)
 * and what its panel shows (`dom`, checked by `expectDom`). */
const STEPS = [
  {
    title: "A fully connected layer against a conv filter", panel: "shapes",
    text: "A fully connected neuron on a 32×32×3 image sees every value: 3,072 weights, and more for a larger image, which invites overfitting. A conv filter of 5×5×3 sees one small window and is shared across the image: 75 weights. For the same 4,704 outputs (28×28×6), a fully connected layer needs 14,455,392 parameters; the conv layer of K = 6 filters has 456.",
    settings: { net: "32x32x3: conv5x5-6" },
    dom: { net: "32x32x3: conv5x5-6", firstRow: "28×28×6",
      fc: "A fully connected neuron on the 32×32×3 input needs 3,072 weights, one per input value; a filter of the first conv layer needs 75, because it looks at one small window and is shared across the whole image." },
  },
  {
    title: "A filter slides over the image", panel: "shapes",
    text: "The filter w (F = 3) lies on one 3×3 window of the input x; the output cell is the dot product of its 9 weights with the 9 values under them, plus the bias. Press → or Play to slide it: on a 7×7 input it fits in 5 places along each side, so the output is 5×5.",
    settings: { op: "conv", dir: "forward", sw: "7", sh: "7", sf: "3", ss: "1", sp: "0", sc: "1", sk: "1", step: "1" },
    dom: { shape: "Output: 5×5", position: "Step 1 of 25", op: "conv" },
  },
  {
    title: "Depth: one activation map per filter", panel: "shapes",
    text: "An image has depth: on a 32×32×3 image a filter is 5×5×3, so each output value is a dot product of 75 numbers plus a bias. One filter sliding over the whole image gives one activation map of 28×28; K = 6 filters give 6 maps, an output of 28×28×6.",
    settings: { op: "conv", dir: "forward", sw: SIDE, sh: SIDE, sf: "5", ss: "1", sp: "0", sc: "3", sk: "6", step: "1" },
    dom: {},
  },
  {
    title: "Stride", panel: "shapes",
    text: "The stride S is how far the filter moves from one window to the next. On the 7×7 input with F = 3, S = 1 gave 5×5; S = 2 skips every other position and gives 3×3 — step through it and watch the window jump two cells.",
    settings: { op: "conv", dir: "forward", sw: "7", sh: "7", sf: "3", ss: "2", sp: "0", sc: "1", sk: "1", step: "1" },
    dom: { shape: "Output: 3×3", position: "Step 1 of 9", op: "conv" },
  },
  {
    title: "Zero padding", panel: "shapes",
    text: "Every conv makes the maps smaller: a 4×4 input with F = 3 gives 2×2, and a stack of them would soon shrink to nothing. Pad P = 1 puts a border of zeros around the input, 4×4 becomes 6×6, and the output is 4×4: the size of the input.",
    settings: { op: "conv", dir: "forward", sw: "4", sh: "4", sf: "3", ss: "1", sp: "1", sc: "1", sk: "1", step: "1" },
    dom: { shape: "Output: 4×4", position: "Step 1 of 16", op: "conv" },
  },
  {
    title: "The formula, and a stride that is not allowed", panel: "shapes",
    text: "Every output size here comes from W′ = (W − F + 2P)/S + 1. On the 7×7 input with F = 3, S = 2 gives (7 − 3 + 2·0)/2 + 1 = 3: allowed. S = 3 gives (7 − 3 + 2·0)/3 + 1 = 2.33, not a whole number: the windows do not fit the input evenly, so this layer is not allowed, and the page says why.",
    settings: { op: "conv", dir: "forward", sw: "7", sh: "7", sf: "3", ss: "3", sp: "0", sc: "1", sk: "1", step: "1" },
    dom: { error: "Not allowed — height and width: (7 − 3 + 2·0)/3 + 1 = 2.33 is not a whole number: try stride 1 or 2, or pad 1.", op: "conv" },
  },
  {
    title: "Max pooling", panel: "shapes",
    text: "Pooling makes each activation map smaller, on its own, with nothing to learn. Max pooling with F = 2 and S = 2, the usual choice, keeps the largest value of each 2×2 window: 4×4 becomes 2×2, and what is kept is where the map responded most.",
    settings: { op: "pool", dir: "forward", sw: "4", sh: "4", sf: "2", ss: "2", sp: "0", sc: "1", sk: "1", step: "1" },
    dom: { shape: "Output: 2×2", position: "Step 1 of 4", op: "pool" },
  },
  {
    title: "Average pooling, for comparison", panel: "shapes",
    text: "Average pooling takes the mean of each window instead: the same 2×2 output, but every value of the window counts, and each output costs a sum and a division. Max pooling is simpler and keeps the strongest response, which is why it is the common choice.",
    settings: { op: "avgpool", dir: "forward", sw: "4", sh: "4", sf: "2", ss: "2", sp: "0", sc: "1", sk: "1", step: "1" },
    dom: {},
  },
  {
    title: "CONV-RELU-CONV-RELU-POOL", panel: "shapes",
    text: "CONV-RELU-CONV-RELU-POOL is one block: two 3×3 convs with P = 1 keep the size, and the pool halves it. Three blocks take the 32×32×3 image to 16×16×16, then 8×8×32, then 4×4×64; a fully connected layer turns those 1,024 values into 5 class scores.",
    // The network table's default (no `net` in the link) is the lecture's network.
    settings: { net: "" },
    dom: { net: "32x32x3: conv3x3-16 pad1, relu, conv3x3-16 pad1, relu, pool2, conv3x3-32 pad1, relu, conv3x3-32 pad1, relu, pool2, conv3x3-64 pad1, relu, conv3x3-64 pad1, relu, pool2, fc5",
      firstRow: "32×32×16" },
  },
  {
    title: "The assignment's filters", panel: "filters",
    text: "The assignment's first experiment: two hand-made 3×3×3 filters as one conv layer, K = 2, stride 1, pad 1. Filter 0 turns the image grey, filter 1 finds horizontal edges in the blue channel: each filter gives one activation map. Load your own photo to try it.",
    settings: { filter: "demo" },
    dom: { filter: "demo" },
  },
  {
    title: "Overfitting, on purpose", panel: "train",
    text: "The assignment trains the three-layer convnet on only 100 examples: the student saw about 99 % training accuracy but 22 % validation accuracy, and thought the code was wrong. It was on purpose: with far more parameters than examples, the net learns those 100 images by heart, and that does not carry over to new ones. Press Start to see the gap here.",
    // The engine's "Overfit 100 examples" preset for the geometric figures (state.js's defaults).
    settings: { tds: "figures", tsize: "16", tntrain: "100", tnval: "500", tf: "16", tk: "5", th: "100", topt: "adam", tlr: "0.005", tbatch: "50", tep: "20" },
    dom: { train: { tntrain: "100", tnval: "500", tep: "20", tlr: "0.005" } },
  },
];

/** The settings as the link holds them: each one written there, or its default. */
async function settings(page) {
  const hash = await page.evaluate(() => window.location.hash);
  const text = (p) => (p.type === "bool" ? (defaultOf(p) ? "1" : "0") : String(defaultOf(p)));
  const values = Object.fromEntries(PROPS.map((p) => [p.name, text(p)]));
  for (const part of hash.replace(/^#/, "").split("&").filter(Boolean)) {
    const eq = part.indexOf("=");
    values[part.slice(0, eq)] = decodeURIComponent(part.slice(eq + 1));
  }
  return values;
}

/** What has the focus: a data-action, a name or a tag (never BODY, the tests assert). */
async function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return a?.dataset?.action ?? a?.getAttribute?.("name") ?? a?.tagName ?? "none";
  });
}

/** The card shows step `k` (from 1) with its title and words, the panel and settings are the step's. */
async function expectStep(page, k) {
  const step = STEPS[k - 1];
  await page.waitForFunction((n) => document.querySelector("[data-testid=tour-count]")?.textContent === `${n} of 11`, k);
  assert.equal(await page.isVisible("[data-testid=tour-card]"), true, `step ${k}: the card is shown`);
  assert.equal(await page.textContent("[data-testid=tour-title]"), step.title);
  assert.equal(await page.textContent("[data-testid=tour-text]"), step.text);
  await page.waitForFunction((panel) => document.body.dataset.panel === panel
    && !document.getElementById(`panel-${panel}`).hidden, step.panel);
  const values = await settings(page);
  assert.equal(values.tour, String(k));
  assert.equal(values.tab, step.panel);
  for (const [name, value] of Object.entries(step.settings)) assert.equal(values[name], value, `step ${k}: ${name}`);
  await expectDom(page, k, step.dom);
  assert.notEqual(await focused(page), "BODY", `step ${k}: the focus is on a control`);
  assert.equal(await page.getAttribute("[data-action=tour-back]", "aria-disabled"), String(k === 1));
  assert.equal(await page.getAttribute("[data-action=tour-next]", "aria-disabled"), String(k === STEPS.length));
}

/** What the step's panel shows: the stepper's output and error, the network table, the filter, Train's form. */
async function expectDom(page, k, dom) {
  if (dom.op) {
    assert.equal(await page.isChecked(`input[name=stepper-op][value=${dom.op}]`), true, `step ${k}: the layer`);
    assert.equal(await page.isChecked("input[name=stepper-dir][value=forward]"), true, `step ${k}: the pass`);
  }
  if (dom.shape) assert.equal(await page.textContent("[data-testid=stepper-shape]"), dom.shape, `step ${k}`);
  if (dom.position) assert.equal(await page.textContent("[data-testid=stepper-position]"), dom.position, `step ${k}`);
  if (dom.error) {
    assert.equal(await page.textContent("[data-testid=stepper-error]"), dom.error);
    assert.equal(await page.isVisible("[data-grid=x]"), false, "no grid for a layer that is not allowed");
  } else if (dom.op) {
    assert.equal(await page.isVisible("[data-testid=stepper-error]"), false, `step ${k}: no error`);
  }
  if (dom.net) {
    assert.equal(await page.inputValue(".net-text"), dom.net);
    assert.equal(await page.textContent("[data-testid=network-table] tbody tr:first-child .out"), dom.firstRow);
  }
  if (dom.fc) assert.equal(await page.textContent("[data-testid=fc-comparison] p:first-child"), dom.fc);
  if (dom.filter) {
    await page.waitForSelector(`[data-testid=result][data-filter=${dom.filter}][data-status=ok]`);
    assert.equal(await page.isChecked(`input[name=filter][value=${dom.filter}]`), true);
    assert.equal(await page.locator("[data-testid=outputs] canvas").count(), 2, "one activation map per filter");
  }
  if (dom.train) {
    for (const [name, value] of Object.entries(dom.train)) {
      await page.waitForFunction(([n, v]) => document.querySelector(`#panel-train [name=${n}]`)?.value === v, [name, value]);
    }
  }
}

test("Next walks the eleven steps in the lecture's order, Back walks them back, ✕ closes", async () => {
  // Train settings other than the overfit preset, which the last step must replace.
  const session = await openPage("#tntrain=300&tep=5&tlr=0.01", { width: 1280, height: 720 });
  const { page } = session;
  try {
    assert.equal(await page.isVisible("[data-testid=tour-card]"), false);
    assert.equal(await page.getAttribute("[data-action=tour]", "aria-pressed"), "false");
    assert.equal(await page.textContent("[data-action=tour]"), "Lecture 5 tour");
    await page.click("[data-action=tour]");
    assert.equal(await page.getAttribute("[data-action=tour]", "aria-pressed"), "true");
    assert.equal(await focused(page), "tour-next", "the focus goes to Next");
    for (let k = 1; k <= STEPS.length; k++) {
      if (k > 1) await page.click("[data-action=tour-next]");
      await expectStep(page, k);
    }
    // Next at the last step stays there, and keeps the focus (aria-disabled: still clickable,
    // which Playwright's click would wait on).
    await page.click("[data-action=tour-next]", { force: true });
    await expectStep(page, STEPS.length);
    for (let k = STEPS.length - 1; k >= 1; k--) {
      await page.click("[data-action=tour-back]");
      await expectStep(page, k);
    }
    await page.click("[data-action=tour-back]", { force: true });
    await expectStep(page, 1);

    await page.click("[data-action=tour-close]");
    assert.equal(await page.isVisible("[data-testid=tour-card]"), false);
    assert.equal((await settings(page)).tour, "0");
    assert.equal(await focused(page), "tour", "the focus goes back to the header's button");
    assert.equal(await page.getAttribute("[data-action=tour]", "aria-pressed"), "false");
    // Closing leaves the panels as the tour left them.
    assert.equal((await settings(page)).net, "32x32x3: conv5x5-6");
    assert.deepEqual(session.log.errors, []);
    assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
  } finally {
    await session.close();
  }
});

test("the step is in the link: a reload and a link opened afresh show it, with what the link names kept", async () => {
  const session = await openPage("#tab=lab", { width: 1280, height: 720 });
  const { page, url } = session;
  try {
    await page.click("[data-action=tour]");
    for (let k = 2; k <= 7; k++) await page.keyboard.press("PageDown");
    await expectStep(page, 7);
    await page.reload();
    await page.waitForSelector("body[data-ready='true']");
    await expectStep(page, 7);
    assert.equal(await page.isVisible("[data-testid=link-notice]"), false, "the link's values are all the page's");

    // An address edited to another step: the step's settings, except what the address names.
    await page.evaluate(() => { window.location.hash = "#tab=shapes&tour=5&sp=2"; });
    await page.waitForFunction(() => document.querySelector("[data-testid=tour-count]")?.textContent === "5 of 11");
    const edited = await settings(page);
    assert.deepEqual(["op", "sw", "sh", "sf", "ss", "sp"].map((n) => edited[n]), ["conv", "4", "4", "3", "1", "2"]);
    assert.equal(await page.textContent("[data-testid=stepper-shape]"), "Output: 6×6", "(4 − 3 + 2·2)/1 + 1");
    // An address without the step closes the card; the focus it had goes to the header's button.
    await page.focus("[data-action=tour-next]");
    await page.evaluate(() => { window.location.hash = "#tab=shapes&sp=2"; });
    await page.waitForSelector("[data-testid=tour-card]", { state: "hidden" });
    assert.equal(await focused(page), "tour");

    // A link that names only the step opens its panel and settings, in a new window.
    const fresh = await page.context().newPage();
    await fresh.goto(`${url}#tour=9`);
    await fresh.waitForSelector("body[data-ready='true']");
    await expectStep(fresh, 9);
    await fresh.close();
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

test("keys: PgDn and PgUp move the tour, ← and → still step the stepper, ? lists them, Esc closes after presenter mode", async () => {
  const session = await openPage("#tab=shapes", { width: 1280, height: 720 });
  const { page } = session;
  try {
    await page.waitForSelector("[data-grid=out] .cell.current");
    // Closed, the tour leaves PageDown to the browser.
    await page.focus("[data-action=step]");
    await page.keyboard.press("PageDown");
    assert.equal((await settings(page)).tour, "0");
    assert.equal(await page.isVisible("[data-testid=tour-card]"), false);

    await page.click("[data-action=tour]");
    await page.keyboard.press("PageDown");
    await expectStep(page, 2);
    assert.equal(await focused(page), "tour-next");
    // The page's keys work with the tour open: → steps the stepper, End goes to its last step.
    await page.keyboard.press("ArrowRight");
    assert.equal(await page.textContent("[data-testid=stepper-position]"), "Step 2 of 25");
    await page.keyboard.press("End");
    assert.equal(await page.textContent("[data-testid=stepper-position]"), "Step 25 of 25");
    assert.equal((await settings(page)).tour, "2");
    await page.keyboard.press("PageDown");
    await page.keyboard.press("PageDown");
    await expectStep(page, 4);
    await page.keyboard.press("PageUp");
    await expectStep(page, 3);
    await page.keyboard.press("PageUp");
    await expectStep(page, 2);
    // A number field keeps its keys.
    await page.focus("input[name=stepper-sw]");
    await page.keyboard.press("PageDown");
    assert.equal((await settings(page)).tour, "2");

    // The sheet lists the tour's keys; Esc there closes the sheet only.
    await page.focus("[data-action=tour-next]");
    await page.keyboard.press("?");
    await page.locator("[data-testid=shortcuts]").waitFor({ state: "visible" });
    const rows = await page.$$eval("[data-testid=shortcuts] dt", (dts) => dts.map((d) => d.textContent));
    assert.deepEqual(rows, ["← →", "Space", "Home End", "+ −", "P", "PgUp PgDn", "?", "Esc"]);
    await page.keyboard.press("PageDown");
    assert.equal((await settings(page)).tour, "2", "while the sheet is open the keys are the sheet's");
    await page.keyboard.press("Escape");
    await page.locator("[data-testid=shortcuts]").waitFor({ state: "hidden" });
    assert.equal(await page.isVisible("[data-testid=tour-card]"), true);

    // In presenter mode Esc leaves the mode first; the tour stays, and the next Esc closes it.
    await page.keyboard.press("p");
    assert.equal((await settings(page)).present, "1");
    await page.keyboard.press("Escape");
    assert.equal((await settings(page)).present, "0");
    assert.equal(await page.isVisible("[data-testid=tour-card]"), true);
    assert.equal((await settings(page)).tour, "2");
    await page.keyboard.press("Escape");
    assert.equal(await page.isVisible("[data-testid=tour-card]"), false);
    assert.equal((await settings(page)).tour, "0");
    assert.equal(await focused(page), "tour", "the focus goes back to the header's button");
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});

/** What must stay in view above the card on a projector, per step. Steps 3 and 8 are drawn by
 * the stepper's depth and average pooling (checked after that change). */
const GRIDS = ["[data-grid=x]", "[data-grid=w]", "[data-grid=out]", "[data-testid=stepper-formula]", "[data-testid=stepper-position]"];
const IN_VIEW = {
  1: ["[data-testid=fc-comparison]"],
  2: GRIDS,
  4: GRIDS,
  5: GRIDS,
  6: ["[data-testid=stepper-formula]", "[data-testid=stepper-error]"],
  7: GRIDS.filter((s) => s !== "[data-grid=w]"),
  9: ["[data-testid=network-table] tbody tr:first-child"],
  10: ["[data-testid=output-canvas-0]", "[data-testid=output-canvas-1]"],
  11: ["[data-action=train-start]", "[data-testid=train-acc]"],
};

/** Each selector's box against the window above the card: those not wholly there. */
async function covered(page, selectors) {
  return page.evaluate((sels) => {
    const card = document.querySelector("[data-testid=tour-card]").getBoundingClientRect();
    return sels.flatMap((s) => {
      const r = document.querySelector(s)?.getBoundingClientRect();
      if (!r) return [`${s}: missing`];
      const ok = r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0 && r.right <= window.innerWidth && r.bottom <= card.top;
      return ok ? [] : [`${s}: ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}, the card from ${Math.round(card.top)}`];
    });
  }, selectors);
}

/** Waits until `selectors` stop moving (the step scrolls them into view as the panel settles). */
async function stillness(page, selectors) {
  const boxes = () => page.evaluate((sels) => JSON.stringify(sels.map((s) => {
    const r = document.querySelector(s)?.getBoundingClientRect();
    return r ? [r.top, r.bottom] : null;
  })), selectors);
  let before = await boxes();
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(250);
    const now = await boxes();
    if (now === before && !now.includes("null")) return;
    before = now;
  }
}

/** The card wholly in the window, and nothing wider than the window. */
async function cardInView(page) {
  return page.evaluate(() => {
    const r = document.querySelector("[data-testid=tour-card]").getBoundingClientRect();
    return {
      inView: r.height > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight + 0.5 && r.right <= window.innerWidth + 0.5,
      sideways: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    };
  });
}

for (const [width, height, scale, label, shot] of [[1024, 768, 1, "1024×768", null], [640, 360, 2, "1280×720 at 200 % zoom", "tour-presenter.png"]]) {
  test(`presenter mode at ${label}: the card in view, and each step's picture above it`, async () => {
    const session = await openPage("#present=1", { width, height, deviceScaleFactor: scale });
    const { page } = session;
    try {
      await page.click("[data-action=tour]");
      for (let k = 1; k <= STEPS.length; k++) {
        if (k > 1) await page.click("[data-action=tour-next]");
        await expectStep(page, k);
        assert.deepEqual(await cardInView(page), { inView: true, sideways: 0 }, `step ${k}`);
        const view = IN_VIEW[k];
        if (!view) continue;
        await stillness(page, view);
        assert.deepEqual(await covered(page, view), [], `step ${k} at ${label}`);
        if (k === 2 && shot) {
          await page.mouse.move(0, 0);
          await page.screenshot({ path: join(SCREENSHOTS, shot) });
        }
      }
      assert.equal((await settings(page)).present, "1", "still in presenter mode");
      assert.deepEqual(session.log.errors, []);
    } finally {
      await session.close();
    }
  });
}

test("a 375 px phone: the card in view at every step, its buttons 44 px tall, nothing scrolls sideways", async () => {
  const session = await openPage("", { width: 375, height: 667 });
  const { page } = session;
  try {
    await page.click("[data-action=tour]");
    for (let k = 1; k <= STEPS.length; k++) {
      if (k > 1) await page.click("[data-action=tour-next]");
      await expectStep(page, k);
      assert.deepEqual(await cardInView(page), { inView: true, sideways: 0 }, `step ${k}`);
    }
    const heights = await page.$$eval(".tour-nav button", (bs) => bs.map((b) => b.getBoundingClientRect().height));
    assert.equal(heights.length, 3);
    assert.ok(Math.min(...heights) >= 44, `buttons ${heights.join(", ")} px tall`);
    // The card leaves room: at most half of the phone's height.
    const cardHeight = await page.$eval("[data-testid=tour-card]", (c) => c.getBoundingClientRect().height);
    assert.ok(cardHeight <= 667 / 2, `the card is ${cardHeight} px tall`);
    assert.deepEqual(session.log.errors, []);
  } finally {
    await session.close();
  }
});
