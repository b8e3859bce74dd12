// The Shapes panel's stepper in a real browser: the "why" of the backward pass. Max pool names the local
// gradient, the chain rule and the argmax; conv dw shows the dout-sized window over x and its sum
// with the numbers; conv dx shows dout padded and the filter rotated by 180°; db is the sum of dout.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { openPage, SCREENSHOTS } from "./harness.mjs";

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

async function setField(name, value) {
  await page.fill(`input[name=stepper-${name}]`, String(value));
}

/** The cells of grid `name` as rows of { text, classes }. */
async function readGrid(name) {
  return page.$$eval(`[data-grid=${name}] .grid-row`, (rows) =>
    rows.map((row) => [...row.children].map((c) => ({ text: c.textContent, classes: [...c.classList] }))));
}

/** Numbers of a grid, with the page's minus sign read back. */
const numbers = (grid) => grid.map((row) => row.map((c) => Number(c.text.replace("−", "-"))));
/** The page's way of writing a number: U+2212 for minus. */
const fmt = (v) => (v < 0 ? `−${-v}` : String(v));
const paren = (v) => (v < 0 ? `(${fmt(v)})` : fmt(v));
/** [row, col] of every cell of `grid` that has class `name`, row-major. */
const marked = (grid, name) => grid.flatMap((row, r) => row.flatMap((c, k) => (c.classes.includes(name) ? [[r, k]] : [])));
/** How often `word` occurs in the stepper's visible text. */
async function occurrences(word) {
  const text = await page.innerText(".stepper");
  return text.split(word).length - 1;
}
const explain = () => page.textContent("[data-testid=stepper-explain]");

async function conv(h, w, f, s, p) {
  await page.check("input[name=stepper-op][value=conv]");
  await setField("sh", h);
  await setField("sw", w);
  await setField("sf", f);
  await setField("ss", s);
  await setField("sp", p);
  await page.check("input[name=stepper-dir][value=backward]");
}

test("max pool backward: the local gradient of max, the chain rule, and the argmax by name", async () => {
  await page.check("input[name=stepper-op][value=pool]");
  await setField("sh", 4);
  await setField("sw", 4);
  await setField("sf", 2);
  await setField("ss", 2);
  await page.check("input[name=stepper-dir][value=backward]");
  await page.click("[data-action=reset]");
  for (let step = 0; step < 4; step++) {
    const why = await page.textContent("[data-testid=stepper-why-text]");
    assert.match(why, /^Why: each out is the max of its window\. The local gradient of max is 1 for the winner .* and 0 for every other cell .*By the chain rule, dx = dout × that 1 or 0, so each dout cell goes unchanged to the argmax of its window and 0 goes to the rest\. These windows do not overlap \(S = 2 ≥ F = 2\), so a cell gets at most one gradient\.$/);
    assert.equal(await occurrences("local gradient"), 1);
    assert.equal(await occurrences("chain rule"), 1);
    // The argmax: the first largest of the highlighted window, named with its value.
    const x = await readGrid("x");
    const window = marked(x, "window").map(([r, c]) => ({ r, c, v: Number(x[r][c].text) }));
    const best = window.reduce((a, b) => (b.v > a.v ? b : a));
    const dout = numbers(await readGrid("dout"));
    const [a, b] = [Math.floor(step / 2), step % 2];
    assert.ok((await explain()).startsWith(
      `dout[${a},${b}] = ${dout[a][b]} goes unchanged to x[${best.r},${best.c}] = ${best.v}, the argmax of its window, its largest value (`,
    ), `step ${step}: ${await explain()}`);
    if (step < 3) await page.click("[data-action=step]");
  }
  // Overlapping windows are said to add up.
  await setField("ss", 1);
  assert.match(await page.textContent("[data-testid=stepper-why-text]"), /These windows overlap \(S = 1 < F = 2\): a cell that wins several of them adds up their gradients\.$/);
  await page.locator(".stepper").screenshot({ path: join(SCREENSHOTS, "shapes-why-pool.png") });
});

test("conv dw, 5×5 and 3×3, stride 1: the dout-sized window over x and its sum with the numbers", async () => {
  await conv(5, 5, 3, 1, 0);
  await page.check("input[name=stepper-grad][value=dw]");
  await page.click("[data-grid=dw] [data-r='1'][data-c='2']");
  assert.equal(await page.textContent("[data-testid=stepper-position]"), "Step 6 of 9");
  const x = await readGrid("x");
  // dw[1,2] = Σ x[1+a, 2+b]·dout[a,b]: the 3×3 block at rows 1–3, columns 2–4.
  const block = [];
  for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) block.push([1 + a, 2 + b]);
  assert.deepEqual(marked(x, "window"), block);
  assert.deepEqual(marked(x, "contrib"), block);
  const xv = numbers(x);
  const doutGrid = await readGrid("dout");
  assert.equal(marked(doutGrid, "window").length, 9, "dout is drawn as the window");
  const dout = numbers(doutGrid);
  const dw = numbers(await readGrid("dw"));
  const symbols = [];
  const products = [];
  let sum = 0;
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      symbols.push(`x[${1 + a},${2 + b}]·dout[${a},${b}]`);
      products.push(`${paren(xv[1 + a][2 + b])}·${paren(dout[a][b])}`);
      sum += xv[1 + a][2 + b] * dout[a][b];
    }
  }
  assert.equal(dw[1][2], sum, "the page's dw[1,2] is the correlation of x with dout");
  assert.equal(await explain(),
    `dw[1,2] = Σ x[1+1·a, 2+1·b]·dout[a,b], the 3×3 dout laid over x at rows 1–3, columns 2–4: ${symbols.join(" + ")} = ${products.join(" + ")} = ${fmt(sum)}.`);
  assert.match(await page.textContent("[data-testid=stepper-why-text]"),
    / So dw is the correlation of x with dout: dw\[i,j\] = Σ x\[i\+S·a, j\+S·b\]·dout\[a,b\]\. The 3×3 dout grid slides over x as the filter does in the forward pass: one position per cell of dw\.$/);
  await page.locator(".stepper").screenshot({ path: join(SCREENSHOTS, "shapes-why-dw.png") });
});

test("conv dw with stride 2: the window's cells are 2 apart", async () => {
  await conv(5, 5, 3, 2, 0);
  await page.check("input[name=stepper-grad][value=dw]");
  await page.click("[data-grid=dw] [data-r='0'][data-c='1']");
  // A 2×2 dout: dw[0,1] = Σ x[0+2a, 1+2b]·dout[a,b].
  assert.deepEqual(marked(await readGrid("x"), "window"), [[0, 1], [0, 3], [2, 1], [2, 3]]);
  assert.match(await explain(), /^dw\[0,1\] = Σ x\[0\+2·a, 1\+2·b\]·dout\[a,b\], the 2×2 dout laid over x at rows 0–2 in steps of 2, columns 1–3 in steps of 2: x\[0,1\]·dout\[0,0\] \+ x\[0,3\]·dout\[0,1\] \+ x\[2,1\]·dout\[1,0\] \+ x\[2,3\]·dout\[1,1\] = /);
});

test("conv dx: dout padded, the filter rotated by 180°, the window of the current cell, and one derivative", async () => {
  await conv(5, 5, 3, 1, 0);
  await page.check("input[name=stepper-grad][value=dx]");
  await page.click("[data-grid=dx] [data-r='1'][data-c='0']");
  const w = numbers(await readGrid("w"));
  const flipped = await readGrid("w-flipped");
  assert.deepEqual(numbers(flipped), [
    [w[2][2], w[2][1], w[2][0]],
    [w[1][2], w[1][1], w[1][0]],
    [w[0][2], w[0][1], w[0][0]],
  ]);
  // dout (3×3) sits in the middle of a 7×7 grid of zeros: padded by F − 1 = 2.
  const full = await readGrid("dout-full");
  const dout = numbers(await readGrid("dout"));
  assert.deepEqual([full.length, full[0].length], [7, 7]);
  for (let r = 0; r < 7; r++) {
    for (let c = 0; c < 7; c++) {
      const inside = r >= 2 && r < 5 && c >= 2 && c < 5;
      assert.equal(Number(full[r][c].text), inside ? dout[r - 2][c - 2] : 0, `padded dout[${r},${c}]`);
      assert.equal(full[r][c].classes.includes("pad"), !inside, `padded dout[${r},${c}] is padding`);
    }
  }
  // dx[1,0]: the flipped filter over rows 1–3, columns 0–2 of the padded dout.
  const window = [];
  for (let u = 0; u < 3; u++) for (let v = 0; v < 3; v++) window.push([1 + u, v]);
  assert.deepEqual(marked(full, "window"), window);
  const fv = numbers(flipped);
  const products = [];
  let sum = 0;
  for (const [r, c] of window) {
    if (r < 2 || c < 2) continue;
    products.push(`${paren(dout[r - 2][c - 2])}·${paren(fv[r - 1][c])}`);
    sum += dout[r - 2][c - 2] * fv[r - 1][c];
  }
  assert.deepEqual(products.length, 2, "two dout cells reach dx[1,0]");
  assert.equal(numbers(await readGrid("dx"))[1][0], sum);
  assert.ok((await explain()).endsWith(
    ` As a convolution: the flipped filter over rows 1–3, columns 0–2 of the padded dout: ${products.join(" + ")} = ${fmt(sum)} (the zeros drop out).`,
  ), await explain());
  assert.match(await page.textContent("[data-testid=stepper-why-text]"),
    / So dx is dout padded by F − 1 = 2 zeros on every side and convolved with the filter rotated by 180° \(the flipped filter\): /);
  assert.equal(await occurrences("derivative"), 1);
  assert.equal(await occurrences("local gradient"), 0);
  await page.locator(".stepper").screenshot({ path: join(SCREENSHOTS, "shapes-why-dx.png") });
});

test("conv dx with stride 2: dout is dilated, one zero between its cells", async () => {
  await conv(5, 5, 3, 2, 0);
  await page.check("input[name=stepper-grad][value=dx]");
  const full = await readGrid("dout-full");
  assert.deepEqual([full.length, full[0].length], [7, 7]);
  assert.deepEqual(full.flatMap((row, r) => row.flatMap((c, k) => (c.classes.includes("pad") ? [] : [[r, k]]))),
    [[2, 2], [2, 4], [4, 2], [4, 4]]);
  assert.match(await page.textContent("[data-testid=stepper-why-text]"),
    / So dx is dout dilated by the stride \(S − 1 = 1 zero between its cells\), padded by F − 1 = 2 zeros on every side and convolved/);
});

test("db is the sum of dout shown", async () => {
  await conv(5, 5, 3, 1, 0);
  for (const grad of ["dx", "dw"]) {
    await page.check(`input[name=stepper-grad][value=${grad}]`);
    const dout = numbers(await readGrid("dout")).flat();
    const sum = dout.reduce((a, b) => a + b, 0);
    assert.equal(await page.textContent("[data-testid=stepper-why-db]"),
      `db = Σ dout = ${dout.map(fmt).join(" + ")} = ${fmt(sum)}: the bias is added to every output, so each dout reaches it whole.`);
  }
  // The forward pass has no why.
  await page.check("input[name=stepper-dir][value=forward]");
  assert.equal(await page.isVisible("[data-testid=stepper-why]"), false);
  assert.deepEqual(session.log.errors, []);
});
