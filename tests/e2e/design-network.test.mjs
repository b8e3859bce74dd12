// Design a network, then train it: a network typed in the Shapes panel's table goes to the Train
// panel with "Train this network", trains there (its own layers in the layer table, the filters of
// both its conv layers, every layer's activations), exports and imports with the same
// predictions, and importing sets the network; a network that does not fit the dataset is
// explained at its layer; the ready-made networks fill both panels.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, test } from "node:test";
import { openPage } from "./harness.mjs";

let session;
let page;

before(async () => {
  session = await openPage("#tab=shapes");
  page = session.page;
});

after(async () => {
  await session?.close();
});

const STATUS = "[data-testid=train-status]";
const NETWORK = "16x16x3: conv3x3-6 pad1, relu, pool2, conv3x3-8 pad1, relu, avgpool2, fc5";

async function waitForState(...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

const exampleProbabilities = () => page.textContent("[data-testid=example-probabilities]");

test("a network typed in the table trains in the Train panel, with its own layers, filters and activations", async () => {
  await page.fill(".net-text", NETWORK);
  await page.press(".net-text", "Enter");
  await page.click("[data-action=train-network]");
  await page.waitForSelector("#panel-train:not([hidden])");
  await waitForState("idle");
  assert.equal(await page.inputValue("[data-testid=train-network]"), NETWORK);
  assert.match(page.url(), /tnet=16x16x3/);
  assert.match(await page.textContent("[data-testid=train-summary]"), /Network: 16x16x3: conv3x3-6 pad1, relu, pool2, conv3x3-8 pad1, relu, avgpool2, fc5 — 1,253 parameters/);
  const rows = await page.$$eval("[data-testid=train-layers] tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  assert.deepEqual(rows.map((r) => r.slice(1, 3)), [
    ["conv3x3-6 pad1", "16×16×6"], ["relu", "16×16×6"], ["pool2", "8×8×6"],
    ["conv3x3-8 pad1", "8×8×8"], ["relu", "8×8×8"], ["avgpool2", "4×4×8"], ["fc5", "1×1×5"],
  ]);
  // Weights + biases: 6·3·9 + 6, 8·6·9 + 8, 128·5 + 5.
  assert.deepEqual(rows.map((r) => Number(r[3].replaceAll(",", ""))), [168, 0, 0, 440, 0, 0, 645]);

  await page.click("[data-action=train-start]");
  await waitForState("finished");
  const acc = await page.$eval("[data-testid=train-acc]", (e) => Number(e.dataset.train));
  assert.ok(acc > 0.2, `training accuracy ${acc} is above chance`);
  const filters = await page.$$eval("[data-testid=train-filters] figure", (fs) => fs.map((f) => [f.dataset.layer, f.querySelectorAll("canvas").length, f.querySelector("figcaption").textContent]));
  assert.deepEqual(filters.map((f) => f.slice(0, 2)), [["W1", 6], ["W2", 8]]);
  assert.match(filters[1][2], /^layer 4: conv3x3-8 pad1 — W2 \(8×6×3×3\)$/);
  const layers = await page.$$eval("[data-testid=train-activations] figure.layer figcaption", (cs) => cs.map((c) => c.textContent));
  assert.equal(layers.length, 7, `every layer's activations: ${layers.join(" | ")}`);
  assert.match(layers[0], /layer 1: conv3x3-6 pad1/);
  assert.match(layers[6], /layer 7: fc5 \(scores\)/);
});

test("export then import gives the same predictions, and importing sets the network", async () => {
  const before = await exampleProbabilities();
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-action=train-export]")]);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.readUInt32LE(8), 2, "format version 2: the architecture travels with the weights");

  // Another network replaces it...
  await page.fill("[data-testid=train-network]", "conv3x3-4 pad1, relu, pool2, fc5");
  await page.press("[data-testid=train-network]", "Tab");
  await page.click("[data-action=train-reset]");
  await waitForState("idle");
  assert.match(await page.textContent("[data-testid=train-summary]"), /Network: 16x16x3: conv3x3-4 pad1, relu, pool2, fc5/);
  assert.notEqual(await exampleProbabilities(), before);
  // ...and the file brings the designed one back, its text in the form.
  await page.setInputFiles("[data-testid=import-file]", { name: "designed.cnnmodel", mimeType: "application/octet-stream", buffer: bytes });
  await page.waitForFunction(() => /^Loaded/.test(document.querySelector("[data-testid=model-message]").textContent));
  assert.equal(await exampleProbabilities(), before);
  assert.equal(await page.inputValue("[data-testid=train-network]"), "conv3x3-6 pad1, relu, pool2, conv3x3-8 pad1, relu, avgpool2, fc5");
  assert.match(await page.textContent("[data-testid=model-message]"), /Loaded “designed.cnnmodel”: 16x16x3: conv3x3-6 pad1/);
  // The Shapes panel's network table holds the file's network too.
  await page.click("#tab-shapes");
  assert.equal(await page.inputValue(".net-text"), NETWORK);
  await page.click("#tab-train");
});

test("a network that does not fit the dataset is explained at its layer", async () => {
  await page.fill("[data-testid=train-network]", "conv3x3-4 pad1, relu, pool2, fc10");
  await page.press("[data-testid=train-network]", "Tab");
  await page.click("[data-action=train-reset]");
  await page.waitForFunction(() => /fc10/.test(document.querySelector("[data-testid=train-message]").textContent));
  assert.equal(
    await page.textContent("[data-testid=train-message]"),
    "These settings cannot be used: layer 4 (fc10) is the last layer, whose outputs are the class scores: it must be fc5, one score for each of the 5 classes",
  );
});

test("the ready-made networks fill the table and the Train panel", async () => {
  await page.click("#panel-train [data-network-preset=lecture]");
  await waitForState("idle");
  assert.equal(await page.inputValue("[name=tsize]"), "32");
  assert.equal(await page.inputValue("[name=tinit]"), "he");
  assert.match(await page.inputValue("[data-testid=train-network]"), /^conv3x3-16 pad1, relu, conv3x3-16 pad1, relu, pool2, .* fc5$/);
  assert.equal(await page.locator("[data-testid=train-layers] tbody tr").count(), 16);

  await page.click("#tab-shapes");
  await page.click("#panel-shapes [data-network-preset=leNet]");
  assert.equal(await page.inputValue(".net-text"), "16x16x1: conv5x5-6 pad2, relu, pool2, conv5x5-16, relu, pool2, fc120, relu, fc84, relu, fc10");
});
