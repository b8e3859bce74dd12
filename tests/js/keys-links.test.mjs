// The pure parts of the page's keys (www/js/keys.js), the play speed (widgets/player.js), what
// "Copy link" says (link-notes.js) and the stepper's step and speed in the link (state.js).

import assert from "node:assert/strict";
import { test } from "node:test";
import { engineDefaults, STEPPER } from "../../www/js/config.js";
import { focusKeeps, keyAction, SHORTCUTS } from "../../www/js/keys.js";
import { copiedText, refusedText, trainNote, uploadNote } from "../../www/js/link-notes.js";
import { PROPS, State } from "../../www/js/state.js";
import { intervalAt, nextSpeed } from "../../www/js/widgets/player.js";
import { loadWasmEngine } from "./wasm-engine.mjs";

/** The page's wasm module, for the engine's defaults of the URL state (state.js `defaultFrom`). */
const engine = await loadWasmEngine();

test("each key names its action, and none with Ctrl, Alt or ⌘ held", () => {
  const keys = ["ArrowLeft", "ArrowRight", " ", "Home", "End", "+", "=", "-", "?", "Enter", "a", "PageUp", "PageDown"];
  // PageUp and PageDown are the Lecture 5 tour's (tour/tour.js answers them only while it is open).
  assert.deepEqual(keys.map((key) => keyAction({ key })),
    ["back", "forward", "play", "first", "last", "faster", "faster", "slower", "help", null, null, "tourBack", "tourNext"]);
  assert.equal(keyAction({ key: "+", ctrlKey: true }), null, "Ctrl + is the browser's zoom");
  assert.equal(keyAction({ key: "ArrowLeft", altKey: true }), null, "Alt ← is the browser's Back");
  assert.equal(keyAction({ key: "-", metaKey: true }), null);
  assert.equal(keyAction({ key: "?", shiftKey: true }), "help", "Shift is how ? is typed");
});

test("a focused field keeps the keys it uses; elsewhere the page takes them", () => {
  const actions = ["back", "forward", "play", "first", "last", "faster", "slower", "help"];
  const kept = (target) => actions.filter((a) => focusKeeps(target, a));
  assert.deepEqual(kept(null), []);
  assert.deepEqual(kept({ tagName: "BODY" }), []);
  assert.deepEqual(kept({ tagName: "INPUT", type: "text" }), actions);
  assert.deepEqual(kept({ tagName: "INPUT", type: "number" }), actions);
  assert.deepEqual(kept({ tagName: "TEXTAREA" }), actions);
  assert.deepEqual(kept({ tagName: "SELECT" }), actions);
  assert.deepEqual(kept({ tagName: "DIV", isContentEditable: true }), actions);
  assert.deepEqual(kept({ tagName: "INPUT", type: "radio" }), ["back", "forward", "play"]);
  assert.deepEqual(kept({ tagName: "INPUT", type: "checkbox" }), ["play"]);
  assert.deepEqual(kept({ tagName: "INPUT", type: "range" }), actions.filter((a) => a !== "help"));
  assert.deepEqual(kept({ tagName: "BUTTON" }), ["play"], "Space presses another button");
  assert.deepEqual(kept({ tagName: "BUTTON", role: "tab" }), ["back", "forward", "play", "first", "last"],
    "the tabs move with the arrows, Home and End");
  assert.deepEqual(kept({ tagName: "SPAN" }), []);
});

test("the sheet lists every key the page answers", () => {
  assert.deepEqual(SHORTCUTS.flatMap((s) => s.keys), ["←", "→", "Space", "Home", "End", "+", "−", "P", "PgUp", "PgDn", "?", "Esc"]);
});

test("P turns presenter mode on or off and Esc leaves it, except where a field uses the key", () => {
  assert.deepEqual(["p", "P", "Escape"].map((key) => keyAction({ key })), ["present", "present", "leave"]);
  assert.equal(keyAction({ key: "p", ctrlKey: true }), null, "Ctrl P is the browser's print");
  const kept = (target) => ["present", "leave"].filter((a) => focusKeeps(target, a));
  assert.deepEqual(kept({ tagName: "INPUT", type: "text" }), ["present"], "P is typed; Esc still leaves");
  assert.deepEqual(kept({ tagName: "INPUT", type: "number" }), ["present"]);
  assert.deepEqual(kept({ tagName: "TEXTAREA" }), ["present"]);
  assert.deepEqual(kept({ tagName: "SELECT" }), ["present", "leave"], "Esc closes the select's list");
  assert.deepEqual(kept({ tagName: "INPUT", type: "range" }), []);
  assert.deepEqual(kept({ tagName: "INPUT", type: "radio" }), []);
  assert.deepEqual(kept({ tagName: "BUTTON" }), []);
  assert.deepEqual(kept({ tagName: "BUTTON", role: "tab" }), []);
  assert.deepEqual(kept({ tagName: "DIV", isContentEditable: true }), ["present"]);
});

test("+ and − move along the speeds and hold at the ends", () => {
  const speeds = STEPPER.speeds;
  assert.deepEqual(speeds, ["0.25", "0.5", "1", "2", "4"]);
  assert.equal(nextSpeed(speeds, "1", 1), "2");
  assert.equal(nextSpeed(speeds, "1", -1), "0.5");
  assert.equal(nextSpeed(speeds, "4", 1), "4");
  assert.equal(nextSpeed(speeds, "0.25", -1), "0.25");
  assert.throws(() => nextSpeed(speeds, "3", 1), /speed "3" is not one of 0.25, 0.5, 1, 2, 4/);
  assert.deepEqual(speeds.map((s) => intervalAt(700, s)), [2800, 1400, 700, 350, 175]);
});

test("what Copy link says, with and without something that cannot travel", () => {
  assert.equal(copiedText(""), "Link copied.");
  const upload = uploadNote("circle");
  assert.equal(upload, "This link opens the circle sample: the image you uploaded stays on this computer.");
  assert.equal(copiedText(upload), `Link copied. ${upload}`);
  assert.equal(refusedText(""),
    "The browser did not let the page copy the link: it is selected in the Link field, copy it with Ctrl+C (⌘C on a Mac).");
  assert.equal(refusedText(upload), `${refusedText("")} ${upload}`);
  assert.equal(trainNote({ ownImages: 0, trained: false }), "");
  assert.equal(trainNote({ ownImages: 1, trained: false }),
    "This link opens “Your own” dataset without the image you added: they stay on this computer.");
  assert.equal(trainNote({ ownImages: 12, trained: true }),
    "This link opens “Your own” dataset without the 12 images you added: they stay on this computer. " +
    "The trained model stays in this browser: the link opens these settings with a new, untrained model (Export model saves it to a file).");
});

function linkState(hash) {
  const location = { hash, pathname: "/", search: "" };
  const history = { replaceState: (_s, _t, url) => { location.hash = url.startsWith("#") ? url : ""; } };
  return { s: new State(PROPS, location, history, { maxFigures: 20000, maxDatasetSide: 256, stepper: engine.limits().stepper },
    engineDefaults(engine)), location };
}

test("the stepper's step and speed travel in the link, checked like every value", () => {
  const { s, location } = linkState("#tab=shapes&step=6&speed=2");
  assert.deepEqual([s.get("step"), s.get("speed"), s.problems], [6, "2", []]);
  s.set("step", 1);
  assert.equal(location.hash, "#tab=shapes&speed=2", "step 1 is the default, left out of the link");
  const bad = linkState("#step=0&speed=3").s;
  assert.deepEqual([bad.get("step"), bad.get("speed")], [1, "1"]);
  assert.deepEqual(bad.problems.map((p) => p.message), [
    "step = 0 is out of range (1–8664), using 1",
    "speed = 3 is not one of 0.25, 0.5, 1, 2, 4, using the default 1",
  ]);
  const far = linkState("#step=10000").s;
  assert.equal(far.get("step"), 8664, "the most steps any stepper setting has: a 38×38×6 output");
  assert.deepEqual(far.problems.map((p) => p.message), ["step = 10000 is out of range (1–8664), using 8664"]);
});
