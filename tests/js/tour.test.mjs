// The Lecture 5 tour's table (www/js/tour/steps.js) without a browser: the steps in the lecture's
// order, each step's settings names of the page's State that take its values as they are, the
// `tour` setting's bound equal to the number of steps, and the engine's numbers in the words
// (the page's wasm module in Node). Needs the build (./scripts/build-wasm.sh).

import assert from "node:assert/strict";
import { test } from "node:test";
import { PANELS } from "../../www/js/panels/index.js";
import { engineDefaults } from "../../www/js/config.js";
import { PROPS, State } from "../../www/js/state.js";
import { FC_NETWORK, STEPS } from "../../www/js/tour/steps.js";
import { loadWasmEngine } from "./wasm-engine.mjs";

const prop = (name) => PROPS.find((p) => p.name === name);
/** The engine's defaults the props name, as main.js reads them from the page's wasm module. */
const ENGINE = await loadWasmEngine();
const DEFAULTS = engineDefaults(ENGINE);

/** A State on a fake address, as tests/js/state.test.mjs makes them. */
function freshState() {
  const location = { hash: "", pathname: "/", search: "" };
  const history = { replaceState: (_s, _t, url) => { location.hash = url.startsWith("#") ? url : ""; } };
  return new State(PROPS, location, history, { maxFigures: 20000, maxDatasetSide: 256, stepper: ENGINE.limits().stepper }, DEFAULTS);
}

test("eleven steps in the lecture's order, the tour setting bounded by them", () => {
  assert.deepEqual(STEPS.map((s) => s.id), ["fc-vs-conv", "slide", "activation-maps", "stride", "padding", "formula",
    "max-pool", "average-pool", "network", "filter-demo", "overfit"]);
  assert.deepEqual(STEPS.map((s) => s.tab), ["shapes", "shapes", "shapes", "shapes", "shapes", "shapes", "shapes",
    "shapes", "shapes", "filters", "train"]);
  const tour = prop("tour");
  assert.deepEqual([tour.type, tour.min, tour.max, tour.default], ["int", 0, STEPS.length, 0]);
  for (const s of STEPS) {
    assert.ok(PANELS.some((p) => p.id === s.tab), `${s.id}: no panel ${s.tab}`);
    assert.ok(s.picture.length > 0, `${s.id}: nothing to keep in view`);
  }
});

test("each step sets settings of the State, which keeps its values as they are", async () => {
  const engine = await loadWasmEngine();
  for (const step of STEPS) {
    const settings = step.settings(engine);
    const state = freshState();
    for (const [name, value] of Object.entries(settings)) {
      assert.ok(prop(name), `${step.id}: ${name} is not a setting of the page`);
      state.set(name, value);
      assert.deepEqual(state.get(name), value, `${step.id}: ${name} = ${value}`);
    }
  }
  assert.deepEqual(STEPS[0].settings(engine), { net: FC_NETWORK });
  assert.deepEqual(STEPS[2].settings(engine), { op: "conv", dir: "forward", sgrad: "dx", sw: 32, sh: 32, sf: 5, ss: 1, sp: 0, sc: 3, sk: 6, step: 1 });
  assert.deepEqual(STEPS[7].settings(engine).op, "avgpool");
  // The overfit step is the engine's preset, the dataset first (the Train panel answers it).
  const overfit = STEPS[10].settings(engine);
  assert.equal(Object.keys(overfit)[0], "tds");
  // The three-layer net (no designed network), whatever was trained before.
  assert.deepEqual(overfit, { tds: "figures", tsize: 16, tntrain: 100, tnval: 500, tdseed: 0, tnet: "", tinit: "he", tloss: "softmax",
    tf: 16, tk: 5, th: 100, tbn: false, tws: 0.03, topt: "adam", tlr: 0.005, tdecay: 1, treg: 0, tbatch: 50, tep: 20, tseed: 0 });
});

test("the words take their numbers from the engine", async () => {
  const engine = await loadWasmEngine();
  const text = (id) => STEPS.find((s) => s.id === id).text(engine);
  assert.match(text("fc-vs-conv"), /: 3,072 weights, .*: 75 weights\. For the same 4,704 outputs \(28×28×6\), a fully connected layer needs 14,455,392 parameters; the conv layer of K = 6 filters has 456\.$/);
  assert.match(text("activation-maps"), /a dot product of 75 numbers plus a bias\. .* an output of 28×28×6\.$/);
  assert.match(text("formula"), /S = 2 gives \(7 − 3 \+ 2·0\)\/2 \+ 1 = 3: allowed\. S = 3 gives \(7 − 3 \+ 2·0\)\/3 \+ 1 = 2\.33, not a whole number/);
  assert.match(text("network"), /to 16×16×16, then 8×8×32, then 4×4×64; a fully connected layer turns those 1,024 values into 5 class scores\.$/);
  assert.match(text("filter-demo"), /^The assignment's first experiment: two hand-made 3×3×3 filters as one conv layer, K = 2, stride 1, pad 1\. /);
  assert.match(text("overfit"), /^The assignment trains the three-layer convnet on only 100 examples: /);
});

test("PageUp and PageDown are the tour's, except where the focused control uses them", async () => {
  const { focusKeeps, keyAction, TOUR_ACTIONS } = await import("../../www/js/keys.js");
  assert.deepEqual(["PageUp", "PageDown"].map((key) => keyAction({ key })), ["tourBack", "tourNext"]);
  assert.equal(keyAction({ key: "PageDown", ctrlKey: true }), null, "Ctrl PageDown is the browser's next tab");
  assert.deepEqual([...TOUR_ACTIONS], ["tourBack", "tourNext"]);
  const kept = (target) => ["tourBack", "tourNext"].filter((a) => focusKeeps(target, a));
  assert.deepEqual(kept({ tagName: "INPUT", type: "number" }), ["tourBack", "tourNext"]);
  assert.deepEqual(kept({ tagName: "INPUT", type: "range" }), ["tourBack", "tourNext"], "a slider moves by pages");
  assert.deepEqual(kept({ tagName: "SELECT" }), ["tourBack", "tourNext"]);
  assert.deepEqual(kept({ tagName: "TEXTAREA" }), ["tourBack", "tourNext"]);
  assert.deepEqual(kept({ tagName: "BUTTON" }), []);
  assert.deepEqual(kept({ tagName: "INPUT", type: "radio" }), []);
  assert.deepEqual(kept({ tagName: "BUTTON", role: "tab" }), []);
  assert.deepEqual(kept({ tagName: "BODY" }), []);
});

test("in Korean every step has Korean words and the same engine numbers as in English", async () => {
  const { setLanguage } = await import("../../www/js/i18n/i18n.js");
  /** The numbers a text gives (3,072 and 2.33 as written), sorted: word order differs by language. */
  const numbers = (text) => (text.match(/\d[\d,.]*\d|\d/g) ?? []).sort();
  const english = STEPS.map((s) => [s.title, s.text(ENGINE)]);
  setLanguage("ko");
  try {
    for (const [i, step] of STEPS.entries()) {
      const [title, text] = [step.title, step.text(ENGINE)];
      assert.match(title, /[\uAC00-\uD7A3]/, `${step.id}: a Korean title`);
      assert.notEqual(title, english[i][0]);
      assert.match(text, /[\uAC00-\uD7A3]/, `${step.id}: Korean words`);
      // English words only as the symbols and names the lecture writes (CONV-RELU-POOL, FC) or an
      // English term given once beside its Korean, in parentheses.
      const words = (text.replace(/\([a-z ]+\)/g, "").match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !["CONV", "RELU", "POOL", "FC"].includes(w));
      assert.deepEqual(words, [], `${step.id}: no English words`);
      assert.deepEqual(numbers(text), numbers(english[i][1]), `${step.id}: the engine's numbers`);
    }
  } finally {
    setLanguage("en");
  }
});
