// The Train panel in a real browser: the overfit preset trains to ≥ 90% training accuracy (with validation
// far lower) in a Web Worker while the page stays responsive; pause stops the iteration count;
// export then import restores the same predictions; damaged model files are refused and the model
// kept; a diverging learning rate stops with its message; the layout holds at 1280×720 and phone
// width; no console errors and no other hosts.

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

let session;
let page;
/** The page link with the diverging settings, to reopen later. */
let divergingLink;

before(async () => {
  session = await openPage("#tab=train");
  page = session.page;
  await waitForState("idle");
});

after(async () => {
  await session?.close();
});

const STATUS = "[data-testid=train-status]";

/** Waits until the run state is one of `states` (e.g. "idle", "finished"). */
async function waitForState(...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

const iteration = async () => Number(await page.getAttribute(STATUS, "data-iteration"));
const exampleProbabilities = () => page.textContent("[data-testid=example-probabilities]");
const confusion = () => page.textContent("[data-testid=confusion]");

/** Types into a settings field and commits it (the form applies values on change). */
async function setSetting(name, value) {
  const input = page.locator(`[name=${name}]`);
  if ((await input.evaluate((e) => e.tagName)) === "SELECT") await input.selectOption(String(value));
  else {
    await input.fill(String(value));
    await input.press("Enter");
    await input.blur();
  }
}

test("the page opens on the engine's overfit preset for the geometric figures", async () => {
  const preset = await page.evaluate(async () => {
    const engine = await import("./pkg/cnn_playground.js");
    return engine.trainPreset("figures", "overfit");
  });
  const values = await page.$$eval(".train-settings [name]", (inputs) =>
    Object.fromEntries(inputs.map((i) => [i.name, i.type === "checkbox" ? i.checked : i.type === "radio" ? (i.checked ? i.value : undefined) : i.value]).filter(([, v]) => v !== undefined)));
  assert.equal(values.tds, "figures");
  assert.deepEqual(
    [values.tsize, values.tntrain, values.tnval, values.tf, values.tk, values.th, values.topt, values.tlr, values.treg, values.tbatch, values.tep].map(String),
    [preset.data.size, preset.data.nTrain, preset.data.nVal, preset.run.numFilters, preset.run.filterSize, preset.run.hiddenDim,
      preset.run.updateRule, preset.run.learningRate, preset.run.reg, preset.run.batchSize, preset.run.numEpochs].map(String),
  );
  assert.equal(values.tbn, preset.run.batchnorm);
  assert.match(await page.textContent("[data-testid=train-summary]"), /^100 training and 500 validation images of 16×16×3, 5 classes/);
  assert.equal(await page.locator("[data-testid=train-previews] figure").count(), 40, "8 previews of each of the 5 classes");
});

test("the overfit preset trains to ≥ 90% training accuracy, far above validation, while the page stays responsive", async () => {
  await page.click("[data-preset=overfit]");
  await waitForState("idle");
  await page.click("[data-action=train-start]");
  await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.iteration) >= 2, STATUS);
  assert.equal(await page.getAttribute(STATUS, "data-state"), "running");

  // A click on another tab while the worker trains is handled in the middle of the run: when the
  // page has handled it, the run is still going and has iterations left, and progress messages
  // keep arriving after it (training on the main thread would handle the click only at the end).
  await page.evaluate((sel) => {
    const status = document.querySelector(sel);
    window.__order = [];
    new MutationObserver(() => window.__order.push(["progress", Number(status.dataset.iteration)]))
      .observe(status, { attributes: true, attributeFilter: ["data-iteration"] });
    // On the document, so it runs after the tab's own handler has switched the panel.
    document.addEventListener("click", (e) => {
      if (e.target.closest("#tab-shapes")) {
        window.__order.push(["click", status.dataset.state, Number(status.dataset.iteration),
          !document.querySelector("#panel-shapes").hidden]);
      }
    });
  }, STATUS);
  await page.click("#tab-shapes");
  // (An iteration count above the one at the click, recorded after the click.)
  const later = () => {
    const at = window.__order.findIndex((e) => e[0] === "click");
    return at >= 0 && window.__order.slice(at + 1).some(([kind, it]) => kind === "progress" && it > window.__order[at][2]);
  };
  await page.waitForFunction(later);
  const order = await page.evaluate(() => window.__order);
  const [, stateAtClick, iterationAtClick, shownAtClick] = order.find((e) => e[0] === "click");
  assert.equal(stateAtClick, "running", "the click was handled while training ran");
  assert.ok(iterationAtClick < 40, `the run had iterations left at the click (it was at ${iterationAtClick} of 40)`);
  assert.equal(shownAtClick, true, "the Shapes panel showed at once");
  assert.equal(await page.isVisible("#panel-shapes"), true);
  await page.click("#tab-train");

  await waitForState("finished");
  const acc = page.locator("[data-testid=train-acc]");
  const train = Number(await acc.getAttribute("data-train"));
  const val = Number(await acc.getAttribute("data-val"));
  assert.ok(train >= 0.9, `training accuracy ${train}`);
  assert.ok(val <= train - 0.3, `validation accuracy ${val} should lag far behind training accuracy ${train}`);
  assert.equal(await iteration(), 40);
  const chart = page.locator("[data-testid=train-chart]");
  assert.equal(await chart.getAttribute("data-points"), "40", "one loss point per iteration");
  assert.equal(await chart.getAttribute("data-accuracies"), "21", "after iteration 1, then after each of 20 epochs");
  const counts = (await page.$$eval("[data-testid=confusion] tbody td", (tds) => tds.map((t) => Number(t.textContent))));
  assert.equal(counts.length, 25);
  assert.equal(counts.reduce((a, b) => a + b, 0), 500, "every validation example is counted once");
  await page.locator("#panel-train .train-layout").first().screenshot({ path: join(SCREENSHOTS, "train.png") });
  await page.locator("#panel-train .card", { hasText: "Activations of each layer" }).screenshot({ path: join(SCREENSHOTS, "train-activations.png") });
});

test("export then import restores the same predictions; damaged files are refused and the model kept", async () => {
  const before = { probs: await exampleProbabilities(), confusion: await confusion() };
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-action=train-export]")]);
  assert.match(download.suggestedFilename(), /^convnet-figures-3x16x16\.cnnmodel$/);
  const bytes = await readFile(await download.path());
  assert.equal(bytes.subarray(0, 8).toString("latin1"), "CNNMODEL");

  // A fresh net predicts differently...
  await page.click("[data-action=train-reset]");
  await waitForState("idle");
  assert.notEqual(await exampleProbabilities(), before.probs);
  // ...and the file brings the trained one back.
  await page.setInputFiles("[data-testid=import-file]", { name: "model.cnnmodel", mimeType: "application/octet-stream", buffer: bytes });
  await page.waitForFunction(() => /^Loaded/.test(document.querySelector("[data-testid=model-message]").textContent));
  assert.equal(await exampleProbabilities(), before.probs);
  assert.equal(await confusion(), before.confusion);

  const version = Buffer.from(bytes);
  version.writeUInt32LE(99, 8);
  const classes = Buffer.from(bytes);
  classes.writeUInt32LE(6, 16); // num_classes: the network's last layer no longer fits
  const flipped = Buffer.from(bytes);
  flipped[Math.floor(bytes.length / 2)] ^= 0x40;
  const bad = [
    ["truncated.cnnmodel", bytes.subarray(0, 200), /truncated/i],
    ["version.cnnmodel", version, /format version 99/],
    ["shapes.cnnmodel", classes, /it must be fc6, one score for each of the 6 classes/],
    ["flipped.cnnmodel", flipped, /corrupted: its checksum/],
    ["notes.txt", Buffer.from("these are my notes, not a model"), /not a cnn-playground model file/],
  ];
  const messages = new Set();
  for (const [name, buffer, pattern] of bad) {
    await page.setInputFiles("[data-testid=import-file]", { name, mimeType: "application/octet-stream", buffer });
    const box = page.locator("[data-testid=model-message]");
    await page.waitForFunction((n) => document.querySelector("[data-testid=model-message]").textContent.includes(n), name);
    const text = await box.textContent();
    assert.match(await box.getAttribute("class"), /error/, `${name}: shown as an error`);
    assert.match(text, pattern, `${name}: ${text}`);
    assert.match(text, /current model is kept/);
    messages.add(text.replace(name, ""));
    assert.equal(await exampleProbabilities(), before.probs, `${name}: the model is unchanged`);
  }
  assert.equal(messages.size, bad.length, "each kind of bad file has its own message");
  await page.locator("[data-testid=model-message]").scrollIntoViewIfNeeded();
});

test("pause stops the iteration count; step advances it by one", async () => {
  await setSetting("tep", 200);
  await waitForState("idle");
  assert.match(page.url(), /[#&]tep=200(&|$)/, "the setting is in the page link");
  await page.click("[data-action=train-start]");
  await page.waitForFunction((sel) => Number(document.querySelector(sel).dataset.iteration) >= 3, STATUS);
  await page.click("[data-action=train-pause]");
  await waitForState("paused");
  const paused = await iteration();
  await page.waitForTimeout(1000);
  assert.equal(await iteration(), paused, "no iteration while paused");
  await page.click("[data-action=train-step]");
  await page.waitForFunction(([sel, n]) => Number(document.querySelector(sel).dataset.iteration) === n + 1, [STATUS, paused]);
  assert.equal(await page.getAttribute(STATUS, "data-state"), "paused");
  assert.equal(await page.textContent("[data-action=train-start]"), "Resume");
});

test("a diverging learning rate stops the run with a message suggesting a lower one", async () => {
  await setSetting("topt", "sgd");
  await setSetting("tlr", "1000");
  divergingLink = page.url();
  await page.waitForSelector("[data-testid=train-pending]:not([hidden])");
  await page.click("[data-action=train-start]");
  await waitForState("diverged");
  const message = await page.textContent("[data-testid=train-message]");
  assert.match(message, /diverged at iteration \d+: the loss is (NaN|inf)/);
  assert.match(message, /lower learning rate/i);
  assert.equal(await page.isDisabled("[data-action=train-step]"), true);
  // Nothing else breaks: the panel still inspects and a sane rate trains again.
  await page.click("[data-preset=overfit]");
  await waitForState("idle");
  await page.click("[data-action=train-step]");
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.iteration === "1", STATUS);
});

/** Draws a polyline (points in 0..1 of the canvas) on the canvas matched by `selector`. */
async function draw(selector, points) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

const VERTICAL = [[0.5, 0.15], [0.5, 0.85]];
const HORIZONTAL = [[0.15, 0.5], [0.85, 0.5]];

test("your own drawn classes train, and a drawing gets class probabilities", async () => {
  await page.check("input[name=tds][value=own]");
  await waitForState("error");
  assert.match(await page.textContent("[data-testid=train-message]"), /has no images: draw or upload at least one/);
  const own = "#panel-train .own-data";
  const pad = `${own} canvas.draw-pad`;
  await page.fill(`${own} input[aria-label='Name of class 1']`, "bar");
  await page.press(`${own} input[aria-label='Name of class 1']`, "Enter");
  await page.fill(`${own} input[aria-label='Name of class 2']`, "dash");
  await page.press(`${own} input[aria-label='Name of class 2']`, "Enter");
  for (const [k, stroke] of [[0, VERTICAL], [1, HORIZONTAL]]) {
    for (let i = 0; i < 3; i++) {
      await draw(pad, stroke.map(([x, y]) => [x + 0.05 * (i - 1), y]));
      await page.click(`${own} button[data-class='${k}']`);
    }
  }
  await waitForState("idle");
  assert.match(await page.textContent("[data-testid=train-summary]"), /^5 training and 1 validation images of 32×32×3, 2 classes \(bar, dash\)/);
  await page.click("[data-action=train-start]");
  await waitForState("finished");
  assert.equal(Number(await page.getAttribute("[data-testid=train-acc]", "data-train")), 1);
  await draw("#panel-train .predict canvas.draw-pad", VERTICAL);
  const probs = page.locator("[data-testid=predict-probabilities]");
  await probs.locator("li").first().waitFor();
  assert.match(await probs.textContent(), /^bar<?[\d.]+%dash<?[\d.]+%$/);
  assert.equal(await probs.locator("li.best .name").textContent(), "bar");
  // Back to the figures.
  await page.check("input[name=tds][value=figures]");
  await waitForState("idle");
});

test("the panel fits 1280×720 and a phone-width screen", async () => {
  for (const [width, height, shot] of [[1280, 720, null], [375, 667, "train-phone.png"]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${width}×${height}: nothing wider than the screen`);
    if (shot) await page.locator("#panel-train .card", { hasText: "Training" }).first().screenshot({ path: join(SCREENSHOTS, shot) });
    if (process.env.TRAIN_FULL_SHOTS) await page.screenshot({ path: join(process.env.TRAIN_FULL_SHOTS, `train-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 720 });
});

test("a link reopens the same set-up", async () => {
  assert.match(divergingLink, /#.*tab=train/);
  assert.match(divergingLink, /topt=sgd/);
  await page.goto("about:blank");
  await page.goto(divergingLink);
  await page.waitForSelector("body[data-ready='true']");
  await waitForState("idle");
  assert.equal(await page.inputValue("[name=topt]"), "sgd");
  assert.equal(await page.inputValue("[name=tlr]"), "1000");
  assert.equal(await page.inputValue("[name=tep]"), "200");
  assert.match(await page.textContent("[data-testid=train-summary]"), /^100 training and 500 validation images of 16×16×3/);
});

test("an old link's dataset \"shapes\" opens the geometric figures, said nowhere as a problem, and the link is rewritten", async () => {
  const old = await openPage("#tab=train&tds=shapes&tsize=32&sample=shapes");
  try {
    await old.page.waitForSelector("[data-testid=train-summary]:not(:empty)");
    assert.equal(await old.page.isChecked("input[name=tds][value=figures]"), true);
    assert.equal(await old.page.textContent("input[name=tds][value=figures] + span"), "Geometric figures");
    assert.match(await old.page.textContent("[data-testid=train-summary]"), /images of 32×32×3, 5 classes/);
    assert.equal(await old.page.isVisible("[data-testid=link-notice]"), false);
    assert.equal(await old.page.evaluate(() => location.hash), "#tab=train&sample=figures&tsize=32");
    assert.deepEqual(old.log.errors, []);
  } finally {
    await old.close();
  }
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
