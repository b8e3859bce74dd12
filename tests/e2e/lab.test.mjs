// The Lab panel in a real browser: the conv gradient check in f64 and f32, a deliberately broken
// backward pass, naive against fast, batch norm in train mode, Cancel on a long check (with the
// page still answering), settings in the URL, the layout at phone width, and the page's hygiene.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

let session;
let page;

before(async () => {
  session = await openPage("#tab=lab");
  page = session.page;
  await page.waitForSelector("[data-testid=gc-run]");
});

after(async () => {
  await session?.close();
});

/** A number as the page prints it ("2.07e-10", "−3.1e-17", "1.0000"). */
const number = (text) => Number(text.trim().replace("−", "-"));

async function readNumber(testid) {
  return number(await page.textContent(`[data-testid=${testid}]`));
}

/** Clicks `${section}-run` and waits until the run has finished (its button is enabled again). */
async function run(section, timeout = 60_000) {
  await page.click(`[data-testid=${section}-run]`);
  await page.mouse.move(0, 0); // no hover highlight in the screenshots
  await page.waitForFunction(
    (s) => /^Done in /.test(document.querySelector(`[data-testid=${s}-status]`).textContent),
    section,
    { timeout },
  );
}

/** The relative errors of the last gradient check, by gradient name. */
async function gradErrors() {
  return page.$$eval("[data-testid^=gc-error-]", (cells) =>
    Object.fromEntries(cells.map((c) => [c.dataset.testid.slice("gc-error-".length), Number(c.textContent)])));
}

test("the panel's defaults are the engine's", async () => {
  const mismatches = await page.evaluate(async () => {
    const { PROPS } = await import("./js/state.js");
    const { ENGINE_DEFAULTS } = await import("./js/config.js");
    const engine = await import("./pkg/cnn_playground.js");
    // Each setting's default as the page uses it: the engine's value its prop names (`defaultFrom`).
    const prop = (name) => {
      const p = PROPS.find((q) => q.name === name);
      return "default" in p ? p.default : p.defaultFrom.split(".").reduce((o, key) => o[key], ENGINE_DEFAULTS);
    };
    const conv = engine.labLayers().find((l) => l.name === "conv").defaults;
    const speed = engine.speedDefaults();
    const bn = engine.batchnormDefaults();
    const pairs = [
      ["gl", conv.layer], ["gn", conv.n], ["gc", conv.c], ["gh", conv.h], ["gw", conv.w], ["gf", conv.f],
      ["gk", conv.filterSize], ["gs", conv.stride], ["gp", conv.pad], ["gseed", conv.seed], ["gstep", conv.step],
      ["gprec", conv.precision], ["gbug", conv.injectBug], ["ghid", conv.hidden], ["gws", conv.weightScale],
      ["vn", speed.conv.n], ["vc", speed.conv.c], ["vh", speed.conv.h], ["vw", speed.conv.w], ["vf", speed.conv.f],
      ["vk", speed.conv.filterSize], ["vs", speed.conv.stride], ["vp", speed.conv.pad],
      ["qn", speed.maxpool.n], ["qc", speed.maxpool.c], ["qh", speed.maxpool.h], ["qw", speed.maxpool.w],
      ["qk", speed.maxpool.filterSize], ["qs", speed.maxpool.stride],
      ["bnn", bn.n], ["bnc", bn.c], ["bnh", bn.h], ["bnw", bn.w], ["bnf", bn.f], ["bnseed", bn.seed],
      ["bnwarm", bn.warmupBatches],
    ];
    return pairs.filter(([name, v]) => prop(name) !== v).map(([name, v]) => `${name}: page ${prop(name)}, engine ${v}`);
  });
  assert.deepEqual(mismatches, []);
});

test("the conv gradient check with the defaults reads below 1e-7", async () => {
  await run("gc");
  const errors = await gradErrors();
  assert.deepEqual(Object.keys(errors).sort(), ["db", "dw", "dx"]);
  for (const [name, e] of Object.entries(errors)) {
    assert.ok(e < 1e-7, `${name}: relative error ${e} should be below 1e-7 in f64`);
    assert.equal(await page.textContent(`[data-testid=gc-verdict-${name}]`), "correct");
  }
  assert.match(await page.textContent("[data-testid=gc-summary]"), /x \(4, 3, 5, 5\), w \(2, 3, 3, 3\), b \(2,\); seed 231, h = 1e-5, f64/);
  assert.equal(await page.locator("[data-testid^=heatmap-]").count(), 3);
  await page.locator(".lab-part").first().screenshot({ path: join(SCREENSHOTS, "lab-gradcheck.png") });
});

test("f32 gives a larger error, and the choice is kept in the URL", async () => {
  const f64 = Math.max(...Object.values(await gradErrors()));
  await page.check("input[name=lab-gprec][value=f32]");
  assert.match(await page.evaluate(() => location.hash), /gprec=f32/);
  await run("gc");
  const f32 = Math.max(...Object.values(await gradErrors()));
  assert.ok(f32 > f64 * 100, `f32 error ${f32} should be far above the f64 error ${f64}`);
  assert.ok(f32 > 1e-7, `f32 error ${f32}`);
  await page.check("input[name=lab-gprec][value=f64]");
});

test("an injected bug in the backward pass is read as wrong", async () => {
  await page.check("input[name=lab-gbug]");
  await run("gc");
  const errors = await gradErrors();
  assert.ok(errors.dx > 1e-3, `dx error ${errors.dx} with a 1% bug`);
  assert.equal(await page.textContent("[data-testid=gc-verdict-dx]"), "wrong");
  assert.ok(errors.dw < 1e-7, "only dx is broken");
  await page.uncheck("input[name=lab-gbug]");
});

test("naive vs fast: the fast layers are faster and agree with the naive ones", async () => {
  await run("speed", 180_000);
  for (const id of ["conv-forward", "conv-backward", "maxpool-forward", "maxpool-backward"]) {
    const speedup = number((await page.textContent(`[data-testid=speed-speedup-${id}]`)).replace("×", ""));
    const diff = await readNumber(`speed-rel-${id}`);
    assert.ok(speedup > 1, `${id}: speedup ${speedup} should be above 1`);
    assert.ok(diff < 1e-6, `${id}: difference ${diff} should be below 1e-6`);
  }
  for (const name of ["dw", "db"]) {
    assert.ok(await readNumber(`speed-rel-conv-backward-${name}`) < 1e-6, `conv ${name}`);
  }
  assert.match(await page.textContent("[data-testid=speed-results]"), /x \(100, 3, 31, 31\), w \(25, 3, 3, 3\), out \(100, 25, 16, 16\)/);
  await page.locator(".lab-part").nth(1).screenshot({ path: join(SCREENSHOTS, "lab-speed.png") });
});

test("batch norm in train mode gives each channel mean 0 and std 1", async () => {
  await run("bn");
  const channels = await page.locator(".bn-channel").count();
  assert.equal(channels, 4);
  for (let ch = 0; ch < channels; ch++) {
    const mean = await readNumber(`bn-train-${ch}-mean`);
    const std = await readNumber(`bn-train-${ch}-std`);
    assert.ok(Math.abs(mean) < 1e-6, `channel ${ch}: train-mode mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 1e-3, `channel ${ch}: train-mode std ${std}`);
    const before = await readNumber(`bn-before-${ch}-mean`);
    const beforeStd = await readNumber(`bn-before-${ch}-std`);
    assert.ok(Math.abs(before) > 0.1 || Math.abs(beforeStd - 1) > 0.1, `channel ${ch} starts away from (0, 1)`);
  }
  await page.locator(".lab-part").nth(2).screenshot({ path: join(SCREENSHOTS, "lab-batchnorm.png") });
});

test("Cancel stops a long check, and the page answers while it runs", async () => {
  // x 8×8×16×16 and w 16×8×5×5: about 19,600 values, each two naive conv passes of 26 M
  // multiply-adds — many minutes of work.
  await page.selectOption("select[name=lab-layer]", "conv");
  for (const [name, value] of [["gn", 8], ["gc", 8], ["gh", 16], ["gw", 16], ["gf", 16], ["gk", 5], ["gp", 2]]) {
    await page.fill(`input[name=lab-${name}]`, String(value));
  }
  await page.click("[data-testid=gc-run]");
  await page.waitForFunction(() => /elements$/.test(document.querySelector("[data-testid=gc-status]").textContent));
  assert.equal(await page.isDisabled("[data-testid=speed-run]"), true, "one job at a time");

  // The main thread is free while the check runs: two frames are drawn and progress keeps
  // arriving between them, before the check has ended (it takes minutes; nothing ends it but Cancel).
  const frames = await page.evaluate(() => new Promise((resolve) => {
    const status = () => document.querySelector("[data-testid=gc-status]").textContent;
    const seen = [status()];
    requestAnimationFrame(() => {
      seen.push(status());
      const observer = new MutationObserver(() => {
        observer.disconnect();
        requestAnimationFrame(() => resolve([...seen, status()]));
      });
      observer.observe(document.querySelector("[data-testid=gc-status]"), { childList: true, characterData: true, subtree: true });
    });
  }));
  assert.equal(frames.length, 3);
  for (const text of frames) assert.match(text, /elements$/, "each frame is drawn while the check still runs");
  assert.notEqual(frames[2], frames[1], "progress arrived between the frames");
  await page.fill("input[name=lab-gseed]", "7");
  assert.match(await page.evaluate(() => location.hash), /gseed=7/);
  assert.match(await page.textContent("[data-testid=gc-status]"), /elements$/, "the edit was taken while the check runs");

  // Cancel ends the job as cancelled (not done, not failed), and the Run button is back.
  await page.click("[data-testid=gc-cancel]");
  await page.waitForFunction(() => document.querySelector("[data-testid=gc-status]").textContent === "Cancelled.");
  assert.equal(await page.isDisabled("[data-testid=gc-run]"), false);
  assert.equal(await page.isVisible("[data-testid=gc-error]"), false);

  // The worker still works: back to the defaults, and a check runs to the end.
  await page.selectOption("select[name=lab-layer]", "maxpool");
  await page.selectOption("select[name=lab-layer]", "conv");
  await run("gc");
  const errors = await gradErrors();
  assert.ok(Object.values(errors).every((e) => e < 1e-7), JSON.stringify(errors));
});

test("the whole ThreeLayerConvNet checks out, and at the course's weight scale kinks explain its errors", async () => {
  await page.selectOption("select[name=lab-layer]", "net");
  assert.equal(await page.inputValue("input[name=lab-gws]"), "0.2");
  await run("gc", 120_000);
  const errors = await gradErrors();
  assert.deepEqual(Object.keys(errors).sort(), ["dW1", "dW2", "dW3", "db1", "db2", "db3"]);
  for (const [name, e] of Object.entries(errors)) assert.ok(e < 1e-7, `${name}: ${e}`);
  for (const site of ["convRelu", "pool", "hiddenRelu"]) {
    assert.equal(await page.textContent(`[data-testid=gc-kinks-crossed-${site}]`), "0", site);
  }
  assert.match(await page.textContent("[data-testid=gc-kink-verdict]"), /No ±h step crossed a kink/);
  await page.locator(".lab-part").first().screenshot({ path: join(SCREENSHOTS, "lab-net.png") });

  // The button sets the course's weight scale and runs again.
  await page.click("[data-action=course-scale]");
  await page.waitForFunction(() => /^Done in /.test(document.querySelector("[data-testid=gc-status]").textContent)
    && /weight scale 0\.001/.test(document.querySelector("[data-testid=gc-summary]").textContent), null, { timeout: 120_000 });
  assert.match(await page.evaluate(() => location.hash), /gws=0\.001/);
  assert.match(await page.textContent("[data-testid=gc-kink-verdict]"), /^\d+ of 1515 parameters had a ±h step that crossed a kink/);
  const worst = Object.entries(await gradErrors()).sort((a, b) => b[1] - a[1])[0];
  const free = await readNumber(`gc-kinkfree-${worst[0]}`);
  assert.ok(worst[1] > 1e-2, `the worst error ${worst[1]} (${worst[0]}) is large at weight scale 1e-3`);
  assert.ok(free < worst[1] / 100, `${worst[0]}: ${free} without kinked steps, ${worst[1]} with`);
  await page.locator(".lab-part").first().screenshot({ path: join(SCREENSHOTS, "lab-net-kinks.png") });
  await page.selectOption("select[name=lab-layer]", "conv");
});

test("bad settings show the engine's message", async () => {
  await page.fill("input[name=lab-gs]", "3");
  await page.fill("input[name=lab-gp]", "0");
  await page.click("[data-testid=gc-run]");
  const error = page.locator("[data-testid=gc-error]");
  await error.waitFor({ state: "visible" });
  assert.match(await error.textContent(), /\(5 − 3 \+ 2·0\)\/3 \+ 1 = 1\.67 is not a whole number/);
  await page.fill("input[name=lab-gs]", "1");
  await page.fill("input[name=lab-gp]", "1");
});

test("the whole panel at 1280×720", async () => {
  // Fresh results of every part, the pointer out of the way.
  await run("gc");
  await page.mouse.move(0, 0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, "lab.png") });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});

test("at phone width the panel fits and runs", async () => {
  const phone = await openPage("#tab=lab&gl=maxpool&gn=3&gc=2&gh=8&gw=8&gk=2&gs=2&gp=0", { width: 390, height: 844 });
  try {
    const p = phone.page;
    await p.waitForSelector("[data-testid=gc-run]");
    assert.equal(await p.inputValue("select[name=lab-layer]"), "maxpool", "the layer comes from the URL");
    await p.click("[data-testid=gc-run]");
    await p.waitForFunction(() => /^Done in /.test(document.querySelector("[data-testid=gc-status]").textContent));
    assert.ok(Number(await p.textContent("[data-testid=gc-error-dx]")) < 1e-7);
    await p.click("[data-testid=bn-run]");
    await p.waitForFunction(() => /^Done in /.test(document.querySelector("[data-testid=bn-status]").textContent));
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await p.screenshot({ path: join(SCREENSHOTS, "lab-phone.png"), fullPage: true });
    assert.deepEqual(phone.log.errors, []);
  } finally {
    await phone.close();
  }
});
