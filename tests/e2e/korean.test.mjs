// The page in Korean: with `lang=ko` every panel's visible text — the header, the tabs, each
// panel after it has drawn, the Lecture 5 tour's card, and the engine's error messages the other
// tests trigger — has no English words left beyond symbols, units, the names of layers in the
// notation (conv3x3-16 pad1, relu, fc5 …), the optimizers' names and the few terms Korean
// courses keep in English (each given beside its Korean). `<html lang>` follows the language,
// and the header's switch brings English back with the settings kept.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { openPage, SCREENSHOTS } from "./harness.mjs";

/**
 * Latin-letter words allowed on the Korean page: formula symbols and variable names, units,
 * layer names of the network notation, optimizer and loss names, file formats, and terms the
 * course's Korean materials write in English.
 */
const ALLOWED = new Set([
  // symbols and the course's array names
  "W", "H", "C", "F", "S", "P", "K", "N", "M", "D", "HH", "WW", "x", "w", "b", "y", "dx", "dw", "db", "dout", "dW",
  "dscores", "dgamma", "dbeta", "gamma", "beta", "h", "p", "e", "k", "n", "i", "j", "f", "c", "max", "avg", "exp", "ln", "log",
  "mean", "var", "eps", "std", "sqrt", "fan", "in", "W1", "W2", "W3", "b1", "b2", "b3",
  // units and formats
  "px", "ms", "s", "KiB", "MiB", "GiB", "B", "GFLOP", "PNG", "JPEG", "RGB", "RGBA", "f32", "f64", "it",
  // the network notation (layer names and their settings) and layer kinds as the course names them
  "conv", "relu", "ReLU", "pool", "avgpool", "fc", "bn", "dropout", "pad", "stride", "affine", "maxpool", "softmax", "svm",
  "SVM", "FC", "CONV", "RELU", "POOL", "batchnorm", "net", "naive", "fast", "im2col", "GEMM",
  // optimizers, initialisation, names
  "sgd", "momentum", "rmsprop", "adam", "Adam", "SGD", "RMSProp", "He", "Kaiming", "CNN", "CS231n", "LeNet", "Sobel",
  "Laplacian", "English", "ThreeLayerConvNet", "cnn", "playground", "Lecture", "Assignment", "MACs", "MAC", "ImageNet",
  "scikit", "learn", "MNIST", "CIFAR", "cnnmodel", "CNNMODEL", "WebAssembly", "Rust", "out",
  // the course's function names, split at their underscores (conv_forward_fast), channels and keys
  "forward", "backward", "Ctrl",
  // terms given once in English beside their Korean, as the issue asks: 배치 정규화(batch norm)
  "batch", "norm",
]);

/** Words of `text` made of Latin letters that are not allowed (numbers and symbols are fine). */
function englishWords(text) {
  const words = text.match(/[A-Za-z][A-Za-z0-9]*/g) ?? [];
  // One-letter words are symbols (x, a, R, G, B, V of Ctrl+V).
  return words.filter((w) => w.length > 1 && !ALLOWED.has(w) && !/^[a-z]?\d/.test(w) && !/^(conv|pool|avgpool|fc|dropout|pad|stride)\d/i.test(w) && !/^\d*x\d+/.test(w));
}

/** The visible text of the elements `selector` matches (hidden ones left out). */
async function visibleText(page, selector) {
  return page.$$eval(selector, (roots) => roots.map((root) => {
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !node.textContent.trim()) continue;
      if (el.closest("[hidden], script, style, option")) continue;
      const style = getComputedStyle(el);
      if (style.display === "none" || style.visibility === "hidden") continue;
      out.push(node.textContent.trim());
    }
    return out.join("\n");
  }).join("\n"));
}

let session;
let page;

before(async () => {
  session = await openPage("#lang=ko&tab=filters");
  page = session.page;
});

after(async () => {
  await session?.close();
});

async function checkKorean(where, selector) {
  const text = await visibleText(page, selector);
  const left = [...new Set(englishWords(text))];
  assert.deepEqual(left, [], `${where}: English words left: ${left.join(", ")}`);
  assert.match(text, /[\uAC00-\uD7A3]/, `${where}: Korean text`);
}

test("the header, tabs and the Filters panel are in Korean, and <html lang> says so", async () => {
  await page.waitForSelector("#panel-filters:not([hidden]) canvas");
  assert.equal(await page.getAttribute("html", "lang"), "ko");
  await checkKorean("header", "header.site");
  await checkKorean("tabs", "#tabs");
  await checkKorean("Filters panel", "#panel-filters");
  await page.screenshot({ path: join(SCREENSHOTS, "ko-filters.png") });
});

test("the Shapes panel — stepper, formula, network table, a refused stride — is in Korean", async () => {
  await page.click("#tab-shapes");
  await page.waitForSelector("#panel-shapes:not([hidden]) [data-testid=network-table]");
  await checkKorean("Shapes panel", "#panel-shapes");
  // The engine's own message for stride 3 on 7×7 with a 3×3 filter, in Korean, the numbers kept.
  await page.goto(page.url().replace(/#.*/, "#lang=ko&tab=shapes&ss=3"));
  await page.waitForSelector("#panel-shapes:not([hidden]) [data-testid=network-table]");
  const shapes = await visibleText(page, "#panel-shapes");
  assert.match(shapes, /\(7 − 3 \+ 2·0\)\/3 \+ 1 = 2\.33/);
  await checkKorean("Shapes panel with stride 3", "#panel-shapes");
  await page.screenshot({ path: join(SCREENSHOTS, "ko-shapes.png") });
});

test("the Lab panel is in Korean", async () => {
  await page.click("#tab-lab");
  await page.waitForSelector("#panel-lab:not([hidden]) h3");
  await checkKorean("Lab panel", "#panel-lab");
});

test("the Train panel is in Korean after a step, and so is a refused model file", async () => {
  await page.click("#tab-train");
  await page.waitForFunction(() => document.querySelector("[data-testid=train-status]")?.dataset.state === "idle", null, { timeout: 120_000 });
  await page.click("[data-action=train-step]");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=train-status]")?.dataset.iteration) >= 1, null, { timeout: 120_000 });
  await page.setInputFiles("[data-testid=import-file]", { name: "메모.cnnmodel", mimeType: "application/octet-stream", buffer: Buffer.from("not a model") });
  await page.waitForFunction(() => !document.querySelector("[data-testid=model-message]").hidden);
  await checkKorean("Train panel", "#panel-train");
  await page.screenshot({ path: join(SCREENSHOTS, "ko-train.png") });
});

test("the Lecture 5 tour's card is in Korean", async () => {
  await page.goto(page.url().replace(/#.*/, "#lang=ko&tab=shapes&tour=2"));
  await page.waitForSelector(".tour-card");
  await checkKorean("tour card", ".tour-card");
});

test("the header's switch brings English back, with the settings kept", async () => {
  await page.goto(page.url().replace(/#.*/, "#lang=ko&tab=shapes&ss=2"));
  await page.waitForSelector("[data-testid=language]");
  await Promise.all([page.waitForEvent("load"), page.selectOption("[data-testid=language]", "en")]);
  await page.waitForSelector("#panel-shapes:not([hidden]) [data-testid=network-table]");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.match(page.url(), /lang=en/);
  assert.match(page.url(), /ss=2/);
  assert.match(await page.textContent("#tab-shapes"), /^Shapes, step by step/);
});
