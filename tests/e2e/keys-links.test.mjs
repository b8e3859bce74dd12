// Keys for the whole page and links that carry the view, in a real browser: each key on the Shapes
// stepper (exact step text before and after), keys typed in a field left alone, the shortcut sheet
// and where the focus goes, a link's step and speed, "Copy link" (clipboard and its fallback
// field) and what it says when something cannot travel in a link.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { foreignRequests, openPage } from "./harness.mjs";
import { encodePng, testImage } from "./png.mjs";

// A 6×6 input and a 3×3 filter: a 4×4 output, 16 forward steps.
const VIEW = "#tab=shapes&sw=6&sh=6";

let session;
let page;

before(async () => {
  session = await openPage(VIEW);
  page = session.page;
  await page.waitForSelector("[data-testid=stepper-position]");
});

after(async () => {
  await session?.close();
});

const position = () => page.textContent("[data-testid=stepper-position]");
/** The focused element, as `tag[data-action]` ("BODY" for the body). */
const focused = () => page.evaluate(() => {
  const a = document.activeElement;
  if (!a) return "none";
  return a.id ? `#${a.id}` : `${a.tagName}${a.dataset.action ? `[${a.dataset.action}]` : ""}${a.name ? `[${a.name}]` : ""}`;
});
const pressed = () => page.getAttribute("[data-action=play]", "aria-pressed");
const hash = () => page.evaluate(() => window.location.hash);

/** Presses `key` `times` times. */
async function press(key, times = 1) {
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

test("← and → step, Home and End go to the first and last step, from anywhere on the page", async () => {
  assert.equal(await focused(), "BODY", "nothing has the focus yet");
  assert.equal(await position(), "Step 1 of 16");
  await press("ArrowRight", 2);
  assert.equal(await position(), "Step 3 of 16");
  assert.equal(await focused(), "BUTTON[play]", "the first key puts the focus on Play, not on <body>");
  assert.match(await hash(), /&step=3$/);
  await press("ArrowLeft");
  assert.equal(await position(), "Step 2 of 16");
  await press("End");
  assert.equal(await position(), "Step 16 of 16");
  assert.equal(await page.getAttribute("[data-action=step]", "aria-disabled"), "true");
  assert.notEqual(await focused(), "BODY");
  await press("ArrowRight");
  assert.equal(await position(), "Step 16 of 16", "→ at the last step stays there");
  await press("Home");
  assert.equal(await position(), "Step 1 of 16");
  assert.equal(await page.getAttribute("[data-action=back]", "aria-disabled"), "true");
  await press("ArrowLeft");
  assert.equal(await position(), "Step 1 of 16");
  assert.doesNotMatch(await hash(), /step=/, "step 1 is the default, left out of the link");
});

test("the focus stays on Step when the keyboard or a click reaches the last step", async () => {
  await page.focus("[data-action=step]");
  await press("ArrowRight", 15);
  assert.equal(await position(), "Step 16 of 16");
  assert.equal(await focused(), "BUTTON[step]");
  await page.click("[data-action=back]");
  await page.click("[data-action=step]");
  assert.equal(await position(), "Step 16 of 16");
  assert.equal(await focused(), "BUTTON[step]", "Step stays focusable at the last step (aria-disabled)");
  // Playwright waits for an aria-disabled button to be enabled; a person's click does not.
  await page.click("[data-action=step]", { force: true });
  assert.equal(await position(), "Step 16 of 16", "a click at the last step does nothing");
  assert.equal(await focused(), "BUTTON[step]");
  // Enter on the focused Back button still presses it.
  await page.focus("[data-action=back]");
  await press("Enter");
  assert.equal(await position(), "Step 15 of 16");
  await press("Home");
});

test("Space plays and Space again pauses, also with the focus on a stepper button", async () => {
  assert.equal(await position(), "Step 1 of 16");
  assert.equal(await pressed(), "false");
  await press(" ");
  assert.equal(await pressed(), "true");
  assert.equal(await page.textContent("[data-action=play]"), "❚❚ Pause");
  await press(" ");
  assert.equal(await pressed(), "false");
  assert.equal(await page.textContent("[data-action=play]"), "▶ Play");
  await press("Home");
  await page.focus("[data-action=step]");
  await press(" ");
  assert.equal(await pressed(), "true", "Space on Step plays instead of stepping");
  await press(" ");
  assert.equal(await pressed(), "false");
  assert.equal(await focused(), "BUTTON[step]");
  // A step key pauses a running player.
  await press(" ");
  await press("ArrowLeft");
  assert.equal(await pressed(), "false");
  await press("Home");
});

test("+ and − change the play speed, which the link keeps", async () => {
  const speed = () => page.inputValue("select[name=stepper-speed]");
  assert.equal(await speed(), "1");
  await press("+");
  assert.equal(await speed(), "2");
  await press("+");
  await press("+");
  assert.equal(await speed(), "4", "4× is the fastest");
  await press("-");
  assert.equal(await speed(), "2");
  assert.match(await hash(), /speed=2/);
  await press("-", 4);
  assert.equal(await speed(), "0.25", "0.25× is the slowest");
  await page.selectOption("select[name=stepper-speed]", "1");
  assert.doesNotMatch(await hash(), /speed=/);
});

test("keys typed in a field do not step, play or open the sheet", async () => {
  await press("ArrowRight", 2);
  assert.equal(await position(), "Step 3 of 16");
  await page.focus("input[name=stepper-seed]");
  for (const key of ["ArrowRight", "ArrowLeft", "Home", "End", " ", "?"]) await press(key);
  assert.equal(await position(), "Step 3 of 16");
  assert.equal(await pressed(), "false");
  assert.equal(await page.isVisible("[data-testid=shortcuts]"), false);
  assert.equal(await focused(), "INPUT[stepper-seed]");
  await page.focus("select[name=stepper-speed]");
  await press("End");
  assert.equal(await position(), "Step 3 of 16", "End in the speed list is the list's");
  await page.selectOption("select[name=stepper-speed]", "1");
});

test("? opens the sheet of shortcuts; Esc closes it and the focus goes back", async () => {
  await page.focus("[data-action=step]");
  await press("?");
  const sheet = page.locator("[data-testid=shortcuts]");
  await sheet.waitFor({ state: "visible" });
  assert.equal(await sheet.getAttribute("open"), "");
  assert.equal(await focused(), "BUTTON[close-shortcuts]");
  const rows = await page.$$eval("[data-testid=shortcuts] dt", (dts) => dts.map((d) => d.textContent));
  assert.deepEqual(rows, ["← →", "Space", "Home End", "+ −", "P", "PgUp PgDn", "?", "Esc"]);
  const at = await position();
  await press("ArrowRight");
  assert.equal(await position(), at, "the keys do not reach the stepper behind the sheet");
  await press("Escape");
  await sheet.waitFor({ state: "hidden" });
  assert.equal(await focused(), "BUTTON[step]");
  // The header's button opens the same sheet; Close also gives the focus back.
  await page.click("[data-action=shortcuts]");
  await sheet.waitFor({ state: "visible" });
  await page.click("[data-action=close-shortcuts]");
  await sheet.waitFor({ state: "hidden" });
  assert.equal(await focused(), "BUTTON[shortcuts]");
});

test("a link with a step reopens at that step; a step past the last is said", async () => {
  const other = await openPage(`${VIEW}&step=6&speed=0.5`);
  try {
    const p = other.page;
    assert.equal(await p.textContent("[data-testid=stepper-position]"), "Step 6 of 16");
    const current = await p.$$eval("[data-grid=out] .cell.current", (cs) => cs.map((c) => [c.dataset.r, c.dataset.c]));
    assert.deepEqual(current, [["1", "1"]], "step 6 is out[1,1] of a 4×4 output");
    assert.equal(await p.inputValue("select[name=stepper-speed]"), "0.5");
    assert.equal(await p.isVisible("[data-testid=stepper-step-notice]"), false);
    assert.equal(await p.isVisible("[data-testid=link-notice]"), false);
    // The address edited by hand to another step moves the stepper there.
    await p.evaluate(() => { window.location.hash = window.location.hash.replace("step=6", "step=9"); });
    await p.waitForFunction(() => document.querySelector("[data-testid=stepper-position]").textContent === "Step 9 of 16");
    assert.deepEqual(other.log.errors, []);
  } finally {
    await other.close();
  }
  const far = await openPage(`${VIEW}&step=30`);
  try {
    assert.equal(await far.page.textContent("[data-testid=stepper-position]"), "Step 16 of 16");
    assert.equal(await far.page.textContent("[data-testid=stepper-step-notice]"),
      "This link asked for step 30, but this layer has 16 steps: showing step 16.");
    assert.match(await far.page.evaluate(() => window.location.hash), /step=16/);
  } finally {
    await far.close();
  }
});

test("Copy link copies a link that opens the same view and step in a fresh page", async () => {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(session.url).origin });
  await press("Home");
  await press("ArrowRight", 5);
  await press("+");
  assert.equal(await position(), "Step 6 of 16");
  await page.click("[data-action=copy-link]");
  const message = page.locator("[data-testid=copy-link-message]");
  await message.waitFor({ state: "visible" });
  assert.equal(await message.textContent(), "Link copied.");
  assert.equal(await page.isVisible("[data-testid=copy-link-field]"), false);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, await page.evaluate(() => window.location.href));
  const link = new URL(copied);
  assert.equal(link.hash, "#tab=shapes&sw=6&sh=6&step=6&speed=2");
  // A fresh profile (nothing saved) on another server: only the link carries the view.
  const fresh = await openPage(link.hash);
  try {
    const p = fresh.page;
    assert.equal(await p.textContent("[data-testid=stepper-position]"), "Step 6 of 16");
    assert.equal(await p.inputValue("input[name=stepper-sw]"), "6");
    assert.equal(await p.inputValue("input[name=stepper-sh]"), "6");
    assert.equal(await p.inputValue("select[name=stepper-speed]"), "2");
    assert.equal(await p.getAttribute("#tab-shapes", "aria-selected"), "true");
  } finally {
    await fresh.close();
  }
  // The message goes when the view changes: it spoke of the link before.
  await press("ArrowRight");
  assert.equal(await message.isVisible(), false);
  await press("-");
});

test("a browser that refuses the clipboard gets the link selected in a field", async () => {
  await page.evaluate(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException("Write permission denied.", "NotAllowedError"));
  });
  await page.click("[data-action=copy-link]");
  const field = page.locator("[data-testid=copy-link-field]");
  await field.waitFor({ state: "visible" });
  assert.equal(await field.inputValue(), await page.evaluate(() => window.location.href));
  assert.equal(await focused(), "INPUT");
  const selection = await field.evaluate((f) => [f.selectionStart, f.selectionEnd, f.value.length]);
  assert.deepEqual(selection.slice(0, 2), [0, selection[2]], "the whole link is selected");
  assert.equal(await page.textContent("[data-testid=copy-link-message]"),
    "The browser did not let the page copy the link: it is selected in the Link field, copy it with Ctrl+C (⌘C on a Mac).");
  // Keys typed in the link's field are the field's.
  const at = await position();
  await press("ArrowLeft");
  assert.equal(await position(), at);
});

test("Copy link says that an uploaded image stays on this computer, and a sample needs no note", async () => {
  await page.click("#tab-filters");
  await page.waitForSelector("[data-testid=result][data-image]");
  const W = 24;
  const H = 16;
  await page.setInputFiles("[data-testid=file-input]", { name: "mine.png", mimeType: "image/png", buffer: encodePng(testImage(W, H), W, H) });
  await page.waitForSelector("[data-testid=result][data-image='mine.png'][data-status=ok]");
  await page.click("[data-action=copy-link]");
  const message = page.locator("[data-testid=copy-link-message]");
  await message.waitFor({ state: "visible" });
  // The clipboard was refused in the test before, so the link is in the field.
  assert.equal(await message.textContent(),
    "The browser did not let the page copy the link: it is selected in the Link field, copy it with Ctrl+C (⌘C on a Mac). " +
    "This link opens the circle sample: the image you uploaded stays on this computer.");
  assert.equal(await page.inputValue("[data-testid=copy-link-field]"), await page.evaluate(() => window.location.href));
  await page.evaluate(() => { delete navigator.clipboard.writeText; });
  await page.click("[data-sample=checkerboard]");
  await page.waitForSelector("[data-testid=result][data-image='the checkerboard sample'][data-status=ok]");
  await page.click("[data-action=copy-link]");
  await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent === "Link copied.");
  await page.setInputFiles("[data-testid=file-input]", { name: "mine.png", mimeType: "image/png", buffer: encodePng(testImage(W, H), W, H) });
  await page.waitForSelector("[data-testid=result][data-image='mine.png'][data-status=ok]");
  await page.click("[data-action=copy-link]");
  await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent ===
    "Link copied. This link opens the checkerboard sample: the image you uploaded stays on this computer.");
});

test("Copy link says that a trained model stays in this browser", async () => {
  await page.click("#tab-train");
  const STATUS = "[data-testid=train-status]";
  await page.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === "idle", STATUS, { timeout: 120_000 });
  await page.click("[data-action=copy-link]");
  await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent === "Link copied.");
  await page.click("[data-action=train-step]");
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.iteration === "1", STATUS, { timeout: 120_000 });
  await page.click("[data-action=copy-link]");
  await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent ===
    "Link copied. The trained model stays in this browser: the link opens these settings with a new, untrained model (Export model saves it to a file).");
  // On a panel without a stepper ? still opens the sheet, and the focus comes back to the tab.
  await page.focus("#tab-train");
  await press("?");
  await page.locator("[data-testid=shortcuts]").waitFor({ state: "visible" });
  await press("Escape");
  await page.locator("[data-testid=shortcuts]").waitFor({ state: "hidden" });
  assert.equal(await focused(), "#tab-train");
});

test("Copy link says that your own images stay on this computer", async () => {
  const STATUS = "[data-testid=train-status]";
  const settled = () => page.waitForFunction((sel) => ["idle", "error"].includes(document.querySelector(sel)?.dataset.state),
    STATUS, { timeout: 120_000 });
  await page.check("input[name=tds][value=own]");
  await settled();
  await page.click("[data-action=copy-link]");
  await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent === "Link copied.");
  const own = "#panel-train .own-data";
  const W = 20;
  await page.setInputFiles(`${own} input[type=file] >> nth=0`, [1, 2].map((seed) => (
    { name: `mine-${seed}.png`, mimeType: "image/png", buffer: encodePng(testImage(W, W, seed), W, W) })));
  await page.waitForFunction((sel) => document.querySelector(`${sel} legend`)?.textContent === "Class 1: 2 images", own);
  await settled();
  await page.click("[data-action=copy-link]");
  await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent ===
    "Link copied. This link opens “Your own” dataset without the 2 images you added: they stay on this computer.");
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
