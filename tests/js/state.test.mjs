// The URL state of the page (www/js/state.js), without a browser: a fake location and history.

import assert from "node:assert/strict";
import { test } from "node:test";
import { PROPS, State } from "../../www/js/state.js";

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
  return { s: new State(PROPS, location, history), location };
}

test("every prop has a unique name and a default its own parser accepts", () => {
  const names = PROPS.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  const { s, location } = state("");
  for (const p of PROPS) assert.deepEqual(s.get(p.name), p.default, p.name);
  assert.equal(location.hash, "");
});

test("values are read from the hash, clamped, and bad ones fall back to the default", () => {
  const { s } = state("#sw=12&sh=99&ss=0&op=pool&dir=sideways&k3=1,2,3,4,5,6,7,8,9&k5=1,2&sf=abc&unknown=3");
  assert.equal(s.get("sw"), 12);
  assert.equal(s.get("sh"), 12, "above max is clamped");
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
  const again = new State(PROPS, location, fakeWindow().history);
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
