// The Lab's gradient check of a designed network in a real browser: a network typed into the
// Shapes panel's table is checked in the Lab (every parameter "correct", its kink sites named by
// layer), with He or weight-scale initial weights, the lecture's network on a sample of its
// parameters, a link with a large h shows the kinks it crosses, and unreadable text gets the
// parser's message.

import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

/** The Lab's example network (the engine's `lab::DESIGNED_EXAMPLE`), typed as a student would. */
const EXAMPLE = "8x8x3: conv3x3-4 pad1, relu, pool2, bn, conv3x3-6 pad1, relu, avgpool2, dropout0.8, fc10";
const NAMES = ["dW1", "db1", "dgamma1", "dbeta1", "dW2", "db2", "dW3", "db3"];

let session;
let page;

before(async () => {
  session = await openPage("#tab=shapes");
  page = session.page;
  await page.waitForSelector("[data-testid=network-table]");
});

after(async () => {
  await session?.close();
});

/** Clicks Run and waits until the check has finished or failed. */
async function run(p = page, timeout = 120_000) {
  await p.click("[data-testid=gc-run]");
  await p.mouse.move(0, 0);
  await p.waitForFunction(() => {
    const status = document.querySelector("[data-testid=gc-status]").textContent;
    return /^Done in /.test(status) || !document.querySelector("[data-testid=gc-error]").hidden;
  }, null, { timeout });
}

/** The readings of the last check's table, by gradient name, in table order. */
async function readings(p = page) {
  return p.$$eval("[data-testid^=gc-verdict-]", (cells) =>
    cells.map((c) => [c.dataset.testid.slice("gc-verdict-".length), c.textContent]));
}

test("a network typed in the Shapes panel's table is checked in the Lab: every parameter correct", async () => {
  await page.fill("input[aria-label='Network as text']", EXAMPLE);
  await page.click("button:text('Apply text')");
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /net=8x8x3: conv3x3-4 pad1, relu, pool2, bn/);
  await page.click("#tab-lab");
  await page.waitForSelector("[data-testid=gc-run]");
  await page.selectOption("select[name=lab-layer]", "designed");
  assert.equal(await page.textContent("[data-testid=gc-network]"), EXAMPLE);
  assert.equal(await page.isVisible("[data-action=example-network]"), false, "the table already holds the example");
  assert.equal(await page.isVisible("input[name=lab-gws]"), false, "He initialisation: no weight scale");
  assert.equal(await page.inputValue("input[name=lab-gn]"), "4");

  await run();
  assert.equal(await page.isVisible("[data-testid=gc-error]"), false);
  assert.deepEqual(await readings(), NAMES.map((name) => [name, "correct"]));
  assert.match(await page.textContent("[data-testid=gc-summary]"),
    /^Checked the designed network 8x8x3: conv3x3-4 pad1, .* on x \(4, 3, 8, 8\), W1 \(4, 3, 3, 3\), W2 \(6, 4, 3, 3\), W3 \(24, 10\); He initialisation, seed 231, h = 1e-5, f64\.$/);
  // The kink report names each ReLU and max-pool layer as the table does.
  const sites = await page.$$eval("[data-testid=gc-kink-sites] tbody tr", (rows) =>
    rows.map((r) => [...r.children].map((c) => c.textContent)));
  assert.deepEqual(sites, [
    ["layer 2 (relu)", "256 inputs", "0", "0"],
    ["layer 3 (pool2)", "243 windows", "0", "0"],
    ["layer 6 (relu)", "384 inputs", "0", "0"],
  ]);
  assert.match(await page.textContent("[data-testid=gc-kink-verdict]"),
    /^No ±h step crossed a kink: with these weights \(seed 231\) and h = 1e-5 every input stays clear of its kink/);
  assert.equal(await page.locator("[data-action=course-scale]").count(), 0);
  assert.equal(await page.locator("[data-testid^=heatmap-]").count(), NAMES.length);
  await page.locator(".lab-part").first().screenshot({ path: join(SCREENSHOTS, "lab-designed.png") });
});

test("the check follows the table: a change there is checked next", async () => {
  await page.click("#tab-shapes");
  await page.fill("input[aria-label='Network as text']", "6x6x2: conv3x3-2 pad1, bn, relu, pool2, fc3");
  await page.click("button:text('Apply text')");
  await page.click("#tab-lab");
  assert.equal(await page.textContent("[data-testid=gc-network]"), "6x6x2: conv3x3-2 pad1, bn, relu, pool2, fc3");
  assert.equal(await page.isVisible("[data-action=example-network]"), true);
  await run();
  assert.deepEqual((await readings()).map(([name]) => name), ["dW1", "db1", "dgamma1", "dbeta1", "dW2", "db2"]);
  assert.match(await page.textContent("[data-testid=gc-summary]"), /on x \(4, 2, 6, 6\), W1 \(2, 2, 3, 3\), W2 \(18, 3\)/);
  // The conv's bias right before batch norm has a zero gradient: the engine says why.
  assert.match(await page.textContent("[data-testid=gc-note-db1]"), /^db1: b1 is added just before batch norm \(layer 2\), which subtracts each channel's mean over the batch/);
  assert.equal(await page.locator("[data-testid^=gc-note-]").count(), 1);
});

test("the lecture's network is checked on a sample, and the example is one click away", async () => {
  // The table's "Lecture network" is the empty text.
  await page.click("#tab-shapes");
  await page.click("button:text('Lecture network')");
  await page.click("#tab-lab");
  assert.match(await page.textContent("[data-testid=gc-network]"), /^32x32x3: conv3x3-16 pad1, .* \(the lecture's network\)$/);
  await run();
  assert.equal(await page.isVisible("[data-testid=gc-error]"), false);
  assert.match(await page.textContent("[data-testid=gc-sampled]"),
    /^Sampled: 42 of the network's 77,205 parameters were checked\. .* up to 3 values of each parameter array, drawn from the seed\./);
  const lecture = ["dW1", "db1", "dW2", "db2", "dW3", "db3", "dW4", "db4", "dW5", "db5", "dW6", "db6", "dW7", "db7"];
  assert.deepEqual(await readings(), lecture.map((name) => [name, "correct"]));
  assert.match(await page.textContent("[data-testid=gc-table] tbody tr:first-child"), /\(16, 3, 3, 3\), 3 checked/);
  assert.match(await page.textContent("[data-testid=gc-kink-verdict]"), /^No ±h step crossed a kink/);
  await page.locator(".lab-part").first().screenshot({ path: join(SCREENSHOTS, "lab-designed-lecture.png") });

  await page.click("[data-action=example-network]");
  assert.equal(await page.textContent("[data-testid=gc-network]"), EXAMPLE);
  assert.match(decodeURIComponent(await page.evaluate(() => location.hash)), /net=8x8x3: conv3x3-4 pad1/);
  await run();
  assert.deepEqual(await readings(), NAMES.map((name) => [name, "correct"]));
  assert.equal(await page.locator("[data-testid=gc-sampled]").count(), 0, "the example is checked whole");
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});

test("a link with a large h shows the kinks its steps cross, by layer", async () => {
  const hash = `#tab=lab&gl=designed&gseed=4&gstep=0.001&net=${encodeURIComponent(EXAMPLE)}`;
  const linked = await openPage(hash);
  try {
    const p = linked.page;
    await p.waitForSelector("[data-testid=gc-run]");
    assert.equal(await p.inputValue("select[name=lab-layer]"), "designed");
    await run(p);
    const crossed = async (layer) => p.textContent(`[data-testid="gc-kinks-crossed-${layer}"]`);
    assert.equal(await crossed("layer 2 (relu)"), "1");
    assert.equal(await crossed("layer 3 (pool2)"), "1");
    assert.equal(await crossed("layer 6 (relu)"), "0");
    assert.match(await p.textContent("[data-testid=gc-kink-verdict]"), /^10 of 592 parameters had a ±h step that crossed a kink\./);
    assert.equal(await p.textContent("[data-testid=gc-verdict-dW1]"), "wrong");
    assert.notEqual(await p.textContent("[data-testid=gc-kinkfree-verdict-dW1]"), "wrong");
    // The closest sites list the crossed ones first, named by their layer.
    const first = await p.$$eval("[data-testid=gc-kinks] tbody tr.crossed th", (cells) => cells.map((c) => c.textContent));
    assert.equal(first.length, 2);
    assert.ok(first.some((t) => t.startsWith("layer 2 (relu) input [")), first.join(" | "));
    assert.ok(first.some((t) => t.startsWith("layer 3 (pool2) window [")), first.join(" | "));
    await p.locator(".lab-part").first().screenshot({ path: join(SCREENSHOTS, "lab-designed-kinks.png") });
    assert.deepEqual(linked.log.errors, []);
  } finally {
    await linked.close();
  }
});

test("a designed network's weights can be drawn with the weight scale instead of He, and the choice is in the link", async () => {
  const linked = await openPage(`#tab=lab&gl=designed&ginit=scale&gws=0.05&net=${encodeURIComponent(EXAMPLE)}`);
  try {
    const p = linked.page;
    await p.waitForSelector("[data-testid=gc-run]");
    assert.equal(await p.isChecked("input[name=lab-ginit][value=scale]"), true);
    assert.equal(await p.isVisible("input[name=lab-gws]"), true, "the weight scale is asked for");
    assert.equal(await p.inputValue("input[name=lab-gws]"), "0.05");
    await run(p);
    assert.match(await p.textContent("[data-testid=gc-summary]"), /; weight scale 0\.05, seed 231, h = 1e-5, f64\.$/);
    // Weights of 0.05 leave small activations at the last layer: dW3 reads 1.4e-5 with no ±h step
    // across a kink, the centred differences' rounding against its smallest entries. The same
    // network He-initialised reads correct throughout (below).
    assert.deepEqual(await readings(p), NAMES.map((name) => [name, name === "dW3" ? "suspicious" : "correct"]));

    await p.check("input[name=lab-ginit][value=he]");
    assert.equal(await p.isVisible("input[name=lab-gws]"), false, "He needs no weight scale");
    assert.doesNotMatch(await p.evaluate(() => location.hash), /ginit=/, "He is the default: the link leaves it out");
    await run(p);
    assert.match(await p.textContent("[data-testid=gc-summary]"), /; He initialisation, seed 231, h = 1e-5, f64\.$/);
    assert.deepEqual(await readings(p), NAMES.map((name) => [name, "correct"]));
    assert.deepEqual(linked.log.errors, []);
  } finally {
    await linked.close();
  }
});

test("unreadable network text gets the parser's message", async () => {
  const linked = await openPage(`#tab=lab&gl=designed&net=${encodeURIComponent("8x8x3: conv3x3-4 pad1, rleu, fc10")}`);
  try {
    const p = linked.page;
    await p.waitForSelector("[data-testid=gc-run]");
    await run(p);
    assert.equal(await p.textContent("[data-testid=gc-error]"),
      "layer 2: cannot read the layer \"rleu\": a layer is conv<k>x<k>-<filters> [stride<s>] [pad<p>], relu, pool<k> [stride<s>], avgpool<k> [stride<s>], dropout<p>, bn or fc<outputs>");
  } finally {
    await linked.close();
  }
});

test("at phone width the designed network's check fits", async () => {
  const phone = await openPage(`#tab=lab&gl=designed&net=${encodeURIComponent(EXAMPLE)}`, { width: 390, height: 844 });
  try {
    const p = phone.page;
    await p.waitForSelector("[data-testid=gc-run]");
    await run(p);
    assert.deepEqual(await readings(p), NAMES.map((name) => [name, "correct"]));
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await p.screenshot({ path: join(SCREENSHOTS, "lab-designed-phone.png"), fullPage: true });
    assert.deepEqual(phone.log.errors, []);
  } finally {
    await phone.close();
  }
});
