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
  // A 20 002 × 20 002 output, nine terms per output cell each way (12-byte terms in wasm32), its
  // dot product split by channel (one sum per output cell), and dout dilated and padded for dx as
  // a convolution: 20 006 × 20 006 values and sources (16 bytes).
  const { error } = plan(e, { height: 4, width: 4, filter: 3, stride: 1, pad: 10000 });
  assert.equal(
    error,
    "the step-by-step plan of a 4×4 input with a 3×3 filter would need 98.37 GiB; the engine's limit is 1 GiB",
  );
  // The engine still answers afterwards: nothing trapped.
  assert.equal(plan(e, {}).value.outHeight, 3);
});

/** The value of row-major grid `g` of `cols` columns at (r, c). */
const cell = (g, cols, r, c) => g[r * cols + c];

/** The padded input of a plan, as a function of padded coordinates. */
function xpad(p) {
  return (r, c) => {
    const [i, j] = [r - p.pad, c - p.pad];
    return i < 0 || j < 0 || i >= p.height || j >= p.width ? 0 : cell(p.input, p.width, i, j);
  };
}

for (const cfg of [
  { height: 5, width: 5, filter: 3, stride: 1, pad: 0, seed: 1 },
  { height: 7, width: 7, filter: 3, stride: 2, pad: 1, seed: 4 },
  { height: 6, width: 4, filter: 2, stride: 2, pad: 0, seed: 9 },
]) {
  const name = `${cfg.height}×${cfg.width}, F ${cfg.filter}, S ${cfg.stride}, P ${cfg.pad}`;

  test(`conv ${name}: db is the sum of dout and the flipped filter is w rotated by 180°`, async () => {
    const p = plan(await engine(), cfg).value;
    assert.deepEqual(p.db, [p.dout.reduce((a, b) => a + b, 0)], "one filter: one bias gradient");
    const f = p.filter;
    for (let u = 0; u < f; u++) {
      for (let v = 0; v < f; v++) {
        assert.equal(cell(p.flipped, f, u, v), cell(p.weights, f, f - 1 - u, f - 1 - v), `flipped[${u},${v}]`);
      }
    }
  });

  test(`conv ${name}: the engine's dx is dout dilated, padded and convolved with the flipped filter`, async () => {
    const p = plan(await engine(), cfg).value;
    const f = p.filter;
    assert.equal(p.doutFullHeight, p.height + 2 * p.pad + f - 1);
    assert.equal(p.doutFullWidth, p.width + 2 * p.pad + f - 1);
    // dout[a,b] sits at (F−1 + S·a, F−1 + S·b); every other cell is a zero with no source.
    const expected = new Array(p.doutFullHeight * p.doutFullWidth).fill(0);
    const source = new Array(expected.length).fill(undefined);
    for (let a = 0; a < p.outHeight; a++) {
      for (let b = 0; b < p.outWidth; b++) {
        const at = (f - 1 + p.stride * a) * p.doutFullWidth + (f - 1 + p.stride * b);
        expected[at] = cell(p.dout, p.outWidth, a, b);
        source[at] = a * p.outWidth + b;
      }
    }
    assert.deepEqual(p.doutFull, expected);
    assert.deepEqual(p.doutFullSource, source);
    for (let i = 0; i < p.height; i++) {
      for (let j = 0; j < p.width; j++) {
        const [r0, c0] = p.dxWindows[i * p.width + j];
        assert.deepEqual([r0, c0], [i + p.pad, j + p.pad]);
        let sum = 0;
        for (let u = 0; u < f; u++) {
          for (let v = 0; v < f; v++) sum += cell(p.doutFull, p.doutFullWidth, r0 + u, c0 + v) * cell(p.flipped, f, u, v);
        }
        assert.equal(sum, cell(p.dx, p.width, i, j), `dx[${i},${j}]`);
      }
    }
  });

  test(`conv ${name}: the engine's dw is the correlation of x with dout, at the plan's positions`, async () => {
    const p = plan(await engine(), cfg).value;
    const x = xpad(p);
    for (let i = 0; i < p.filter; i++) {
      for (let j = 0; j < p.filter; j++) {
        const positions = [];
        let sum = 0;
        for (let a = 0; a < p.outHeight; a++) {
          for (let b = 0; b < p.outWidth; b++) {
            const [r, c] = [i + p.stride * a, j + p.stride * b];
            positions.push({ out: a * p.outWidth + b, row: r, col: c });
            sum += x(r, c) * cell(p.dout, p.outWidth, a, b);
          }
        }
        assert.deepEqual(p.dwTerms[i * p.filter + j], positions, `dw[${i},${j}] positions`);
        assert.equal(sum, cell(p.dw, p.filter, i, j), `dw[${i},${j}]`);
      }
    }
  });
}

test("a pool plan has no conv-only parts", async () => {
  const p = plan(await engine(), { op: "pool", height: 4, width: 4, filter: 2, stride: 2 }).value;
  assert.deepEqual([p.db, p.flipped, p.doutFull, p.doutFullSource, p.dxWindows], [[], [], [], [], []]);
});

test("depth and average pooling reach the engine: the lecture's 28×28×6, and a mean per window", async () => {
  const e = await engine();
  const lecture = e.limits().stepper.lecture;
  const p = e.stepperPlan(lecture);
  assert.deepEqual([p.outHeight, p.outWidth, p.outDepth, p.channels, p.filters], [28, 28, 6, 3, 6]);
  assert.deepEqual([p.output.length, p.channelSums.length, p.dout.length, p.dxTerms.length], [4704, 4704 * 3, 0, 0],
    "forward only: no backward parts");
  const avg = plan(e, { op: "avgpool", height: 4, width: 4, filter: 2, stride: 2 }).value;
  const x = (r, c) => avg.input[r * 4 + c];
  assert.equal(avg.output[0], (x(0, 0) + x(0, 1) + x(1, 0) + x(1, 1)) / 4);
  assert.deepEqual(avg.shares, avg.dout.map((g) => g / 4));
  assert.deepEqual(avg.argmax, []);
});
