// The URL state of the page (www/js/state.js), without a browser: a fake location and history.

import assert from "node:assert/strict";
import { test } from "node:test";
import { engineDefaults } from "../../www/js/config.js";
import { problemsText, PROPS, State } from "../../www/js/state.js";
import { loadWasmEngine } from "./wasm-engine.mjs";

/**
 * The engine's limits the props name (`maxFrom`), as src/web/limits.rs exports them; the browser
 * tests read the real ones (tests/e2e/safety.test.mjs checks the page's bounds come from there).
 */
const engine = await loadWasmEngine();
const LIMITS = { maxFigures: 20000, maxDatasetSide: 256, stepper: engine.limits().stepper };
/** The engine's defaults the props name (`defaultFrom`), from the page's wasm module as main.js reads them. */
const DEFAULTS = engineDefaults(engine);

/** A location whose hash the fake history's replaceState writes, as a browser's would. */
function fakeWindow(hash = "") {
  const location = { hash, pathname: "/", search: "" };
  const history = {
    replaceState(_state, _title, url) {
      location.hash = url.startsWith("#") ? url : "";
    },
  };
  return { location, history };
}

function state(hash) {
  const { location, history } = fakeWindow(hash);
  return { s: new State(PROPS, location, history, LIMITS, DEFAULTS), location };
}

test("every prop has a unique name and a default its own parser accepts", () => {
  const names = PROPS.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  const { s, location } = state("");
  for (const p of PROPS) {
    assert.ok(("default" in p) !== ("defaultFrom" in p), `${p.name}: a default, or the engine's, not both`);
    assert.deepEqual(s.get(p.name), p.default ?? s.props.get(p.name).default, p.name);
  }
  // The stepper's first view is the engine's.
  assert.deepEqual(["op", "sh", "sw", "sc", "sk", "sf", "ss", "sp", "seed"].map((n) => s.get(n)), ["conv", 7, 7, 1, 1, 3, 1, 0, 231]);
  assert.equal(location.hash, "");
});

test("the Train and Lab panels' defaults are the engine's, typed nowhere in JS", () => {
  const { s } = state("");
  const { data, run } = DEFAULTS.train;
  assert.deepEqual(
    ["tds", "tsize", "tntrain", "tnval", "tdseed"].map((n) => s.get(n)),
    [data.dataset, data.size, data.nTrain, data.nVal, data.seed]);
  assert.deepEqual(
    ["tf", "tk", "th", "tbn", "tws", "topt", "tlr", "tdecay", "treg", "tbatch", "tep", "tseed"].map((n) => s.get(n)),
    [run.numFilters, run.filterSize, run.hiddenDim, run.batchnorm, run.weightScale, run.updateRule,
      run.learningRate, run.lrDecay, run.reg, run.batchSize, run.numEpochs, run.seed]);
  assert.deepEqual([data.dataset, data.nTrain, run.batchSize, run.learningRate], ["figures", 100, 50, 0.005]);
  // Only the page's own choices type a default: which panel and tour step, which example is shown, the timed runs.
  const typed = PROPS.filter((p) => /^(t|g|v|q|bn)/.test(p.name) && "default" in p).map((p) => p.name);
  assert.deepEqual(typed, ["tab", "tour", "vruns", "tsplit", "tex"]);
  const { gradcheck, speed, batchnorm } = DEFAULTS;
  assert.deepEqual(["gl", "gk", "gws", "gprec", "gbug"].map((n) => s.get(n)),
    [gradcheck.layer, gradcheck.filterSize, gradcheck.weightScale, gradcheck.precision, gradcheck.injectBug]);
  assert.deepEqual(["vn", "vk", "qh", "qs", "bnn", "bnwarm"].map((n) => s.get(n)),
    [speed.conv.n, speed.conv.filterSize, speed.maxpool.h, speed.maxpool.stride, batchnorm.n, batchnorm.warmupBatches]);
  assert.deepEqual([gradcheck.layer, gradcheck.n, speed.conv.f, batchnorm.f], ["conv", 4, 25, 4]);
  const { location, history } = fakeWindow("");
  assert.throws(() => new State(PROPS, location, history, LIMITS, { ...DEFAULTS, train: undefined }),
    /setting "tds" needs the engine's default train.data.dataset, which is not loaded/);
  assert.throws(() => new State(PROPS, location, history, LIMITS, {}),
    /setting "op" needs the engine's default stepper.op, which is not loaded/);
  assert.throws(() => new State(PROPS, location, history, LIMITS, { ...DEFAULTS, gradcheck: undefined }),
    /setting "gl" needs the engine's default gradcheck.layer, which is not loaded/);
  const wrong = { ...DEFAULTS, train: { data: { ...data, dataset: "cifar" }, run } };
  assert.throws(() => new State(PROPS, location, history, LIMITS, wrong),
    /the engine's default train.data.dataset = cifar is not a value of setting "tds"/);
});

test("values are read from the hash, clamped, and bad ones fall back to the default", () => {
  const { s } = state("#sw=12&sh=99&ss=0&op=pool&dir=sideways&k3=1,2,3,4,5,6,7,8,9&k5=1,2&sf=abc&unknown=3");
  assert.equal(s.get("sw"), 12);
  assert.equal(s.get("sh"), 32, "above max is clamped");
  assert.equal(s.get("ss"), 1, "below min is clamped");
  assert.equal(s.get("op"), "pool");
  assert.equal(s.get("dir"), "forward", "an unknown enum value is ignored");
  assert.deepEqual(s.get("k3"), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(s.get("k5"), PROPS.find((p) => p.name === "k5").default, "a list of the wrong length is ignored");
  assert.equal(s.get("sf"), 3, "not a number");
});

test("set writes only non-default values to the URL and tells the listeners", () => {
  const { s, location } = state("");
  const seen = [];
  s.subscribe((changed) => seen.push(changed));
  s.set("ss", 3);
  s.set("net", "8x8x1: conv3x3-2, fc4");
  assert.equal(location.hash, "#ss=3&net=8x8x1%3A%20conv3x3-2%2C%20fc4");
  s.set("ss", 3); // no change, no notification
  s.set("ss", 1); // back to the default: gone from the URL
  assert.equal(location.hash, "#net=8x8x1%3A%20conv3x3-2%2C%20fc4");
  assert.deepEqual(seen, [["ss"], ["net"], ["ss"]]);
  const again = new State(PROPS, location, fakeWindow().history, LIMITS, DEFAULTS);
  assert.equal(again.get("net"), "8x8x1: conv3x3-2, fc4", "the URL round-trips");
});

test("readUrl reports exactly the names that changed", () => {
  const { s, location } = state("#sw=5");
  const seen = [];
  s.subscribe((changed) => seen.push(changed));
  location.hash = "#sw=5&seed=7";
  s.readUrl();
  location.hash = "";
  s.readUrl();
  assert.deepEqual(seen, [["seed"], ["sw", "seed"]]);
});

test("an unknown name is a programming error, not a silent no-op", () => {
  const { s } = state("");
  assert.throws(() => s.get("nope"), /no setting called "nope"/);
  assert.throws(() => s.set("nope", 1), /no setting called "nope"/);
});

test("every value a link cannot use is replaced and said, with what is used instead", () => {
  const { s } = state("#ss=-5&sp=100000&tbatch=1e9&tlr=NaN&topt=fast&tbn=yes&k3=1,2&gws=&sw=7&bogus=1&sh=%E0%A4%A");
  assert.equal(s.get("ss"), 1);
  assert.equal(s.get("sp"), 3);
  assert.equal(s.get("tbatch"), 20000);
  assert.equal(s.get("tlr"), 0.005);
  assert.equal(s.get("topt"), "adam");
  assert.equal(s.get("tbn"), false);
  assert.equal(s.get("gws"), 0.2, "an empty value is not read as 0");
  assert.equal(s.get("sw"), 7);
  assert.deepEqual(s.problems.map((p) => p.message), [
    "ss = -5 is out of range (1–6), using 1",
    "sp = 100000 is out of range (0–3), using 3",
    "tbatch = 1e9 is out of range (1–20000), using 20000",
    "tlr = NaN is not a number, using the default 0.005",
    "topt = fast is not one of sgd, sgd_momentum, rmsprop, adam, using the default adam",
    "tbn = yes is not 0 or 1, using the default 0",
    "k3 = 1,2 is not a list of 9 numbers, using the default",
    "gws =  is not a number, using the default 0.2",
    "bogus is not a setting of this page, ignored",
    "sh = %E0%A4%A is not valid percent-encoding, using the default 7",
  ]);
  assert.deepEqual(s.problems[1], { name: "sp", text: "100000", value: 3, message: "sp = 100000 is out of range (0–3), using 3" });
  assert.equal(problemsText(s.problems.slice(0, 2)),
    "This link asked for values the page cannot use: ss = -5 is out of range (1–6), using 1; sp = 100000 is out of range (0–3), using 3.");
});

test("a link the page can use as it is reports nothing; a long bad value is quoted shortened", () => {
  assert.deepEqual(state("#ss=2&tlr=0.01&tbn=1&topt=sgd&k3=1,2,3,4,5,6,7,8,9").s.problems, []);
  assert.equal(problemsText([]), "");
  const { s } = state(`#tlr=${"9".repeat(400)}x`);
  assert.deepEqual(s.problems.map((p) => p.message), [`tlr = ${"9".repeat(37)}… is not a number, using the default 0.005`]);
});

test("readUrl lists the problems of the current link only", () => {
  const { s, location } = state("#sp=9");
  assert.equal(s.problems.length, 1);
  location.hash = "#sp=2";
  s.readUrl();
  assert.deepEqual(s.problems, []);
});

test("the engine's limits bound the settings that name them, and are required", () => {
  const { location, history } = fakeWindow("#tntrain=30000");
  const s = new State(PROPS, location, history, { ...LIMITS, maxFigures: 25000 }, DEFAULTS);
  assert.equal(s.get("tntrain"), 25000);
  assert.throws(() => new State(PROPS, location, history, { ...LIMITS, maxFigures: undefined }, DEFAULTS),
    /setting "tntrain" needs the engine's limit maxFigures, which is not loaded/);
  assert.throws(() => new State(PROPS, location, history, { ...LIMITS, maxDatasetSide: undefined }, DEFAULTS),
    /setting "tsize" needs the engine's limit maxDatasetSide, which is not loaded/);
  assert.throws(() => new State(PROPS, location, history, { ...LIMITS, stepper: undefined }, DEFAULTS),
    /setting "sw" needs the engine's limit stepper.limits.maxSide, which is not loaded/);
  assert.throws(() => new State(PROPS, location, history, LIMITS, { ...DEFAULTS, stepper: undefined }),
    /setting "op" needs the engine's default stepper.op, which is not loaded/);
});

test("old names of values still read: the figures were \"shapes\", in the Train dataset and the Filters sample", () => {
  const { s, location } = state("#tds=shapes&sample=shapes&tsize=32");
  assert.equal(s.get("tds"), "figures");
  assert.equal(s.get("sample"), "figures");
  assert.deepEqual(s.problems, [], "an old name is the same value, not a problem");
  assert.equal(location.hash, "#sample=figures&tsize=32", "the link is rewritten with the new names (figures is tds's default)");
  const digits = state("#tds=digits&sample=gradient").s;
  assert.deepEqual([digits.get("tds"), digits.get("sample")], ["digits", "gradient"]);
  const bad = state("#tds=shape").s;
  assert.equal(bad.get("tds"), "figures");
  assert.deepEqual(bad.problems.map((p) => p.message), ["tds = shape is not one of figures, digits, own, using the default figures"]);
});

test("the image side is bounded by the engine's largest dataset side", () => {
  const { s } = state("#tsize=300");
  assert.equal(s.get("tsize"), 256);
  assert.deepEqual(s.problems.map((p) => p.message), ["tsize = 300 is out of range (1–256), using 256"]);
});
