// The step-by-step grid's plan (src/web/stepper.rs), called in Node through the page's wasm module
// without a browser: sizes a link or a typed number controls go through the engine's budget and
// the layers' checks, and come back as the engine's message, never a trap. Needs the build
// (./scripts/build-wasm.sh).

import assert from "node:assert/strict";
import { test } from "node:test";
import { loadWasmEngine as engine } from "./wasm-engine.mjs";

/** The plan for `config`, or the message it throws. */
function plan(e, config) {
  try {
    return { value: e.stepperPlan({ op: "conv", height: 5, width: 5, filter: 3, stride: 1, pad: 0, seed: 1, ...config }) };
  } catch (error) {
    return { error: String(error.message ?? error) };
  }
}

test("a small grid has its plan", async () => {
  const e = await engine();
  const { value } = plan(e, { height: 7, width: 7, filter: 3, stride: 2, pad: 0 });
  assert.equal(value.outHeight, 3);
  assert.equal(value.outWidth, 3);
  assert.equal(value.output.length, 9);
  assert.equal(value.dxTerms.length, 49);
});

test("a pool grid whose running dx would not fit in the budget is refused before it is made", async () => {
  const e = await engine();
  // 200×200 with a 1×1 window: 40 000 outputs, each with a 200×200 running dx (12.8 GB).
  const { error } = plan(e, { op: "pool", height: 200, width: 200, filter: 1, stride: 1 });
  assert.equal(
    error,
    "the step-by-step plan of a 200×200 input with a 1×1 pool window would need 11.92 GiB; the engine's limit is 1 GiB",
  );
});

test("a conv grid with a huge pad gets the engine's message, not a trap", async () => {
  const e = await engine();
  // A 20 002 × 20 002 output, and nine terms per output cell each way (12-byte terms in wasm32).
  const { error } = plan(e, { height: 4, width: 4, filter: 3, stride: 1, pad: 10000 });
  assert.equal(
    error,
    "the step-by-step plan of a 4×4 input with a 3×3 filter would need 89.42 GiB; the engine's limit is 1 GiB",
  );
  // The engine still answers afterwards: nothing trapped.
  assert.equal(plan(e, {}).value.outHeight, 3);
});
