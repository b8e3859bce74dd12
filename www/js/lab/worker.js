// The Lab's worker: it owns the engine and runs the long computations — gradient checks a few
// elements at a time, timed naive and fast layers, the batch norm demonstration — so the page never
// freezes. Its engine is the Lab module (www/pkg-lab/, built by scripts/build-wasm.sh with the
// `lab` feature): the page's exports plus the Lab's computations, which the page's own module
// (www/pkg/) leaves out to stay small. The browser fetches it when the Lab panel is first shown.
// It speaks in plain-data messages:
//
//   page → worker  { id, kind: "gradcheck" | "speed" | "batchnorm", settings }
//                  { id, kind: "cancel" }
//   worker → page  { id, type: "progress", done, total, label }
//                  { id, type: "result", value } | { id, type: "error", message, fatal }
//                  { id, type: "cancelled" }
//
// Between two steps it yields to the event loop, so a "cancel" message is seen within one step.
// (If a single step runs too long, the page terminates this worker and starts a new one.)

import { describeError } from "../engine-trap.js";
import { STEP_MS } from "./config.js";

/**
 * The Lab module's exports, once instantiated. It is imported dynamically so that a module that
 * does not load (not built yet) fails each job with a message saying what to do, instead of
 * failing the worker itself, which the page would then restart again and again.
 */
const ready = import("../../pkg-lab/cnn_playground.js").then(async (lab) => {
  await lab.default();
  return lab;
});
ready.catch(() => {}); // reported with each job, not as an unhandled rejection
const cancelled = new Set();
const CANCELLED = Symbol("cancelled");

/** Lets queued messages (a cancel) in, then throws CANCELLED if job `id` was cancelled. */
async function checkpoint(id) {
  await new Promise((resolve) => setTimeout(resolve, 0));
  if (cancelled.has(id)) throw CANCELLED;
}

/** Runs `f(object)` and frees the wasm object afterwards, whatever happens. */
async function using(object, f) {
  try {
    return await f(object);
  } finally {
    object.free();
  }
}

/** Each job is `(message, progress(done, total, label), lab)`, `lab` the Lab module's exports. */
const JOBS = {
  /** A gradient check, in steps of about STEP_MS. */
  gradcheck: ({ id, settings }, progress, { GradCheckRun }) =>
    using(new GradCheckRun(settings), async (run) => {
      let budget = 1;
      for (;;) {
        const t0 = performance.now();
        const finished = run.step(budget);
        const ms = performance.now() - t0;
        progress(run.done, run.total, "elements");
        if (finished) return run.report();
        await checkpoint(id);
        // Aim the next step at STEP_MS, growing at most 4× at a time.
        budget = Math.max(1, Math.min(budget * 4, Math.round((budget * STEP_MS) / Math.max(ms, 0.1))));
      }
    }),

  /**
   * Times each layer of `settings` (a list of SpeedSettings): `runs` rounds of naive forward,
   * fast forward, naive backward, fast backward, each call timed on its own. Returns, per layer,
   * the shapes, every time in ms and the engine's comparison of the results.
   */
  speed: async ({ id, settings }, progress, { SpeedRun }) => {
    const { layers, runs } = settings;
    const total = layers.length * runs * 4;
    let done = 0;
    const results = [];
    for (const layer of layers) {
      results.push(await using(new SpeedRun(layer), async (bench) => {
        const times = { naive: { forward: [], backward: [] }, fast: { forward: [], backward: [] } };
        for (let r = 0; r < runs; r++) {
          for (const pass of ["forward", "backward"]) {
            for (const variant of ["naive", "fast"]) {
              const t0 = performance.now();
              bench.run(variant, pass);
              times[variant][pass].push(performance.now() - t0);
              progress(++done, total, `timed runs (${layer.layer} ${variant} ${pass})`);
              await checkpoint(id);
            }
          }
        }
        return { layer: layer.layer, shapes: bench.shapes(), times, comparison: bench.comparison() };
      }));
    }
    return results;
  },

  batchnorm: async ({ settings }, _progress, { batchnormDemo }) => batchnormDemo(settings),
};

self.addEventListener("message", async (event) => {
  const message = event.data;
  if (message.kind === "cancel") {
    cancelled.add(message.id);
    return;
  }
  const { id } = message;
  const progress = (done, total, label) => self.postMessage({ id, type: "progress", done, total, label });
  try {
    const lab = await ready.catch((e) => {
      throw new Error(`the Lab module (www/pkg-lab/) did not load (${e.message}); build it with ./scripts/build-wasm.sh`);
    });
    const value = await JOBS[message.kind](message, progress, lab);
    self.postMessage({ id, type: "result", value });
  } catch (e) {
    if (e === CANCELLED) {
      self.postMessage({ id, type: "cancelled" });
    } else {
      // A trap (a panic inside the module) leaves its state untrusted: the page restarts this
      // worker, and the student reads a plain sentence, not "unreachable".
      const { message, fatal } = describeError(e);
      self.postMessage({ id, type: "error", message, fatal });
    }
  } finally {
    cancelled.delete(id);
  }
});
