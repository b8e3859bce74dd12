// This engine's contender: the benchmark's wasm build (www/pkg-bench/, built by
// `scripts/build-wasm.sh --bench` with simd128: the page's engine plus the `bench` feature's
// handles) through its TrainBench handle (src/web/bench.rs), which wraps the models module's
// ThreeLayerConvNet<f32>, its training step and the step taken apart (models::StepParts), and its
// SequentialBench handle: a models::Sequential<f32> built from the net's text, the same step.

import init, { GemmBench, SequentialBench, TrainBench } from "/www/pkg-bench/cnn_playground.js";
import { flops, dims, networkText } from "./problem.js";
import { measure, summary } from "./timing.js";

export async function engineInfo() {
  await init();
  return { build: "www/pkg-bench (wasm32, simd128, feature bench)", precision: "f32" };
}

/** FLOPs of each profiled part (only the matrix products count; everything else is 0). */
function partFlops(net, name) {
  const f = flops(net);
  const { d } = dims(net);
  const a1 = 2 * net.batch * d * net.hidden;
  const a2 = 2 * net.batch * net.hidden * net.classes;
  return {
    "conv forward": f.conv,
    "affine forward (hidden)": a1,
    "affine forward (scores)": a2,
    "affine backward (scores)": 2 * a2,
    "affine backward (hidden)": 2 * a1,
    "conv backward (dw, db; no dx)": f.conv,
  }[name] ?? 0;
}

/**
 * The net as a models::Sequential (SequentialBench) from its network text: the lecture net's
 * layers, or the three-layer net written as `conv…, relu, pool2, fc…, relu, fc…`. Same weights,
 * same step (loss, gradients, SGD on every entry of the parameter table).
 */
export function createSequentialNet(net, p) {
  const arrays = net.layers ? p.params.flatMap((l) => [l.w, l.b]) : [p.w, p.b, p.w1, p.b1, p.w2, p.b2];
  const all = new Float32Array(arrays.reduce((a, t) => a + t.length, 0));
  let at = 0;
  for (const t of arrays) {
    all.set(t, at);
    at += t.length;
  }
  const b = new SequentialBench(networkText(net), net.classes, net.lr, p.x, new Uint32Array(p.y), all);
  return {
    step: () => b.step(),
    forward: () => b.forward(),
    dispose: () => b.free(),
    notes: `f32, models::Sequential from "${networkText(net)}": Sequential::loss + SGD on its parameter table in place (Model::apply_update, as the page's solver) per step`,
  };
}

export function createEngineNet(net, p) {
  // A layered net has no three-layer form: the engine runs it as a Sequential.
  if (net.layers) return createSequentialNet(net, p);
  const b = new TrainBench(
    net.channels, net.size, net.filters, net.filterSize, net.hidden, net.classes, net.lr,
    p.x, new Uint32Array(p.y), p.w, p.b, p.w1, p.b1, p.w2, p.b2,
  );
  return {
    step: () => b.step(),
    forward: () => b.forward(),
    convForward: () => b.convForward(),
    dispose: () => b.free(),
    notes: "f32, models::training_step (ThreeLayerConvNet::loss + optim::sgd) per step",
    /** Median milliseconds of each part of a training step, run one at a time. */
    profile(plan) {
      return TrainBench.partNames().map((name, i) => {
        const s = summary(measure(() => b.runPart(i), { warmMin: 2, minIters: 5, ...plan }));
        return { name, median: s.median, min: s.min, flop: partFlops(net, name) };
      });
    },
  };
}

/** Milliseconds per crate::gemm product of two 512×512 matrices, after a 1 s warm-up. */
export function gemm512() {
  const g = new GemmBench(512);
  const s = summary(measure(() => g.run(), { warmMs: 1000, iters: 20, minIters: 5, budgetMs: 3000 }));
  g.free();
  return s;
}
