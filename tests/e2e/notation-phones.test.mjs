// One notation on every panel (F the filter size, K the number of filters, shapes H×W×C, stated
// once in the header) and the page on a phone: sticky tabs, the network table as cards that fit
// 375 px, and touch targets of at least 44 px for every control of Shapes and the tabs.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

let session;
let page;

before(async () => {
  session = await openPage("#tab=shapes", { width: 375, height: 800 });
  page = session.page;
});

after(async () => {
  await session?.close();
});

const LEGEND = "Notation, as in the lecture: an input of height H, width W and depth C; a conv layer has K filters of size F×F×C, stride S and pad P, so W′ = (W − F + 2P)/S + 1. Shapes are written H×W×C (32×32×3); arrays keep the course's order, (N, C, H, W) and (K, C, F, F).";

/** Visible text of every panel, each shown in turn (panels load on first view). */
async function panelTexts() {
  const texts = {};
  for (const id of ["filters", "shapes", "lab", "train"]) {
    await page.click(`#tab-${id}`);
    await page.waitForSelector(`#panel-${id}:not([hidden]) h2`);
    if (id === "filters") await page.waitForSelector("[data-testid=result][data-status=ok]");
    if (id === "train") await page.waitForSelector("[data-testid=train-summary]:not(:empty)");
    texts[id] = await page.innerText(`#panel-${id}`);
  }
  return texts;
}

test("the notation is stated once, in the header, before any panel", async () => {
  assert.equal(await page.locator("[data-testid=notation]").count(), 1);
  assert.equal((await page.textContent("[data-testid=notation]")).replace(/\s+/g, " "), LEGEND);
  const texts = await panelTexts();
  const whole = await page.innerText("body");
  assert.equal(whole.split("Notation, as in the lecture").length - 1, 1, "the legend appears exactly once");
  assert.ok(!whole.includes("W×H"), "no width-first size anywhere");
  for (const [id, text] of Object.entries(texts)) {
    assert.ok(!text.includes("Notation, as in the lecture"), `${id}: no second legend`);
    // The lecture's formula with F; never the old "k" for the filter size.
    assert.ok(!/− k \+ 2P|\(k − 1\)\/2|k×k|1\/k²|Filter size k/.test(text), `${id}: no "k" for the filter size`);
    assert.ok(!/Filters F\b/.test(text), `${id}: the number of filters is K, not F`);
  }
});

test("Filters writes F for the filter size and K for the number of filters", async () => {
  await page.click("#tab-filters");
  await page.check("input[name=filter][value=sobelX]");
  await page.waitForSelector("[data-testid=result][data-status=ok][data-filter=sobelX]");
  const formula = await page.innerText("[data-testid=filter-formula]");
  assert.match(formula, /^H′ = \(H − F \+ 2P\)\/S \+ 1 = /);
  assert.match(formula, /\nW′ = \(W − F \+ 2P\)\/S \+ 1 = /);
  assert.match(await page.textContent("[data-testid=weights-shape]"), /^w: \(K, C, F, F\) = \(1, 3, 3, 3\) · b: \(K,\) = \(0\)/);
  assert.equal(await page.locator("select[name=fpad] option[value=same]").textContent(), "same: (F − 1)/2");
  // Input caption and output in one order, H×W: a 300 wide, 200 high image.
  const [h, w] = await page.$eval("[data-testid=input-canvas]", (c) => [c.height, c.width]);
  assert.equal(await page.textContent("[data-testid=input-caption]"), `Input: ${await page.$eval("[data-testid=result]", (r) => r.dataset.image)}, ${h}×${w} pixels (H×W)`);
  assert.equal(await page.textContent("[data-testid=filter-shape]"), `Output: ${h}×${w}×1  (from ${h}×${w}×3)`);
});

test("Shapes: the network table's labels are K, F, S, P, its shapes H×W×C", async () => {
  await page.click("#tab-shapes");
  const first = page.locator("[data-testid=network-table] tbody tr").first();
  assert.deepEqual(await first.locator("label.mini > span").allTextContents(), ["K", "F", "S", "P"]);
  assert.equal(await first.locator("input[aria-label='Layer 1 K (filters)']").inputValue(), "16");
  assert.equal(await first.locator("td.out").textContent(), "32×32×16");
});

test("Train: K filters of F×F×C, and every shape H×W×C", async () => {
  await page.click("#tab-train");
  await page.waitForSelector("[data-testid=train-summary]:not(:empty)");
  assert.equal(await page.textContent("label:has([name=tf]) > span"), "Filters K");
  assert.equal(await page.textContent("label:has([name=tk]) > span"), "Filter size F");
  // The overfit preset of the figures: 16×16 colour images; K and F as the form says.
  const k = Number(await page.inputValue("[name=tf]"));
  const f = Number(await page.inputValue("[name=tk]"));
  const summary = await page.textContent("[data-testid=train-summary]");
  assert.match(summary, /images of 16×16×3, /);
  // Pad (F − 1)/2 keeps 16×16; the 2×2 pool halves it; the depth is K (the running model's layer table).
  assert.ok(summary.includes(`Network: 16x16x3: conv${f}x${f}-${k} pad${(f - 1) / 2}, relu, pool2, fc`), summary);
  const outputs = () => page.$$eval("[data-testid=train-layers] tbody tr", (trs) => trs.map((tr) => tr.children[2].textContent));
  assert.deepEqual((await outputs()).slice(0, 3), [`16×16×${k}`, `16×16×${k}`, `8×8×${k}`]);
  // With K = 8 the conv's maps read 16×16×8.
  await page.fill("[name=tf]", "8");
  await page.press("[name=tf]", "Enter");
  await page.waitForFunction(() => document.querySelector("[data-testid=train-layers] tbody tr td:nth-child(3)")?.textContent === "16×16×8");
  assert.deepEqual((await outputs()).slice(0, 3), ["16×16×8", "16×16×8", "8×8×8"]);
});

test("Lab labels the number of filters K and the filter size F", async () => {
  await page.click("#tab-lab");
  await page.waitForSelector("#panel-lab:not([hidden]) input[name=lab-vf]");
  for (const name of ["lab-vf", "lab-bnf", "lab-gf"]) {
    assert.equal(await page.textContent(`label:has(input[name=${name}]) > span`), "K", name);
  }
  assert.equal(await page.textContent("label:has(input[name=lab-vk]) > span"), "F");
});

test("the tabs stay at the top while the Shapes panel scrolls to its end, at 375×800", async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.click("#tab-shapes");
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  await page.waitForFunction(() => window.scrollY > 1000);
  const box = await page.locator("#tabs").boundingBox();
  assert.ok(Math.abs(box.y) <= 1, `the tab row is at y = ${box.y}`);
  for (const id of ["filters", "shapes", "lab", "train"]) {
    const tab = await page.locator(`#tab-${id}`).boundingBox();
    assert.ok(tab.y >= 0 && tab.y + tab.height <= 800 && tab.x >= 0 && tab.x + tab.width <= 375, `#tab-${id} in view: ${JSON.stringify(tab)}`);
  }
  // The four tabs share one row, so the sticky bar stays small.
  assert.ok(box.height < 60, `the tab row is ${box.height} px tall`);
  await page.screenshot({ path: join(SCREENSHOTS, "phone-shapes-bottom.png") });
  await page.evaluate(() => window.scrollTo(0, 0));
});

test("every control of Shapes and every tab is at least 44 px tall at 375 px", async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.click("#tab-shapes");
  for (const dir of ["forward", "backward"]) {
    await page.check(`input[name=stepper-dir][value=${dir}]`);
    const small = await page.$$eval("#panel-shapes button, #panel-shapes input, #panel-shapes select, #tabs [role=tab]", (els) =>
      els.filter((e) => e.getClientRects().length > 0).map((e) => {
        const r = e.getBoundingClientRect();
        return { what: e.getAttribute("aria-label") ?? e.name ?? e.textContent, tag: e.tagName, type: e.type, height: r.height, width: r.width };
      }).filter((c) => c.height < 44 || (c.tag === "BUTTON" && c.width < 44)));
    assert.deepEqual(small, [], `${dir}: controls smaller than 44 px`);
  }
  await page.check("input[name=stepper-dir][value=forward]");
});

test("the network table shows every cell within 375 px, nothing cut off", async () => {
  await page.setViewportSize({ width: 375, height: 800 });
  await page.click("#tab-shapes");
  const table = page.locator("[data-testid=network-table]");
  await table.scrollIntoViewIfNeeded();
  const fit = await page.$eval("[data-testid=network-table]", (t) => {
    const scroller = t.closest(".table-scroll");
    const cells = [...t.querySelectorAll("td, th")].filter((c) => c.getClientRects().length > 0 && c.textContent.trim() !== "");
    return {
      scroll: [scroller.scrollWidth, scroller.clientWidth],
      cells: cells.length,
      outside: cells.filter((c) => {
        const r = c.getBoundingClientRect();
        return r.left < 0 || r.right > 375 || c.scrollWidth > c.clientWidth + 1;
      }).map((c) => c.textContent),
    };
  });
  assert.ok(fit.scroll[0] <= fit.scroll[1], `the table's scroller does not scroll: ${fit.scroll}`);
  assert.ok(fit.cells >= 16 * 5, `${fit.cells} cells with text`);
  assert.deepEqual(fit.outside, []);
  // Each value says what it is.
  const first = page.locator("[data-testid=network-table] tbody tr").first();
  assert.equal(await first.locator("td.out").evaluate((td) => getComputedStyle(td, "::before").content), '"Output "');
  await page.locator(".network-card").screenshot({ path: join(SCREENSHOTS, "shapes-network-phone.png") });
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
