// The Lab's worker: it owns the engine and runs the long computations — gradient checks a few
// elements at a time, timed naive and fast layers, the batch norm demonstration — so the page never
// freezes. Its engine is the Lab module (www/pkg-lab/, built by scripts/build-wasm.sh with the
// `lab` feature): the page's exports plus the Lab's computations, which the page's own module
// (www/pkg/) leaves out to stay small. The browser fetches it when the Lab panel is first shown.
// It speaks the page's worker protocol (../worker-protocol.js; the message table is in
// ARCHITECTURE.md, "Workers"): requests of kind "gradcheck", "speed" or "batchnorm" with their
// `settings`, progress `{ done, total, label }`, and cancel.
//
// Between two steps it yields to the event loop (a checkpoint), so a cancel is seen within one
// step. (If a single step runs too long, the page terminates this worker and starts a new one.)
// A trap (a panic inside the module) leaves its state untrusted: the error says so in a plain
// sentence and the page replaces this worker.

import { serve } from "../worker-protocol.js";
import { STEP_MS } from "./config.js";
import { language, setLanguage, t } from "../i18n/i18n.js";

// The page's language (the client puts it in the worker's URL): the engine's messages and the
// progress labels are written in it.
setLanguage(new URL(self.location.href).searchParams.get("lang") ?? "en");

/**
 * The Lab module's exports, once instantiated. It is imported dynamically so that a module that
 * does not load (not built yet) fails each job with a message saying what to do, instead of
 * failing the worker itself, which the page would then restart again and again.
 */
const ready = import("../../pkg-lab/cnn_playground.js").then(async (lab) => {
  await lab.default();
  // The engine writes its messages in the same language.
  lab.setLanguage(language());
  return lab;
});
ready.catch(() => {}); // reported with each job, not as an unhandled rejection

/** Runs `f(object)` and frees the wasm object afterwards, whatever happens. */
async function using(object, f) {
  try {
    return await f(object);
  } finally {
    object.free();
  }
}

/** The Lab module's exports, or an error saying how to build it. */
const labModule = () => ready.catch((e) => {
  throw new Error(t("lab.moduleFailed", { error: e.message }));
});

/** The progress label of a timed run, "timed runs (conv naive forward)". */
function timedLabel(layer, variant, pass) {
  return t("lab.progressTimed", {
    layer,
    variant: t(variant === "naive" ? "lab.variantNaive" : "lab.variantFast"),
    pass: t(pass === "forward" ? "lab.passForward" : "lab.passBackward"),
  });
}

/** Each job is `({ settings }, request)`; `request.progress`, `request.checkpoint` as in serve. */
const JOBS = {
  /** A gradient check, in steps of about STEP_MS. */
  gradcheck: async ({ settings }, request) => {
    const { GradCheckRun } = await labModule();
    return using(new GradCheckRun(settings), async (run) => {
      let budget = 1;
      for (;;) {
        const t0 = performance.now();
        const finished = run.step(budget);
        const ms = performance.now() - t0;
        request.progress({ done: run.done, total: run.total, label: t("lab.progressElements") });
        if (finished) return run.report();
        await request.checkpoint();
        // Aim the next step at STEP_MS, growing at most 4× at a time.
        budget = Math.max(1, Math.min(budget * 4, Math.round((budget * STEP_MS) / Math.max(ms, 0.1))));
      }
    });
  },

  /**
   * Times each layer of `settings` (a list of SpeedSettings): `runs` rounds of naive forward,
   * fast forward, naive backward, fast backward, each call timed on its own. Returns, per layer,
   * the shapes, every time in ms and the engine's comparison of the results.
   */
  speed: async ({ settings }, request) => {
    const { SpeedRun } = await labModule();
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
              request.progress({ done: ++done, total, label: timedLabel(layer.layer, variant, pass) });
              await request.checkpoint();
            }
          }
        }
        return { layer: layer.layer, shapes: bench.shapes(), times, comparison: bench.comparison() };
      }));
    }
    return results;
  },

  batchnorm: async ({ settings }) => (await labModule()).batchnormDemo(settings),
};

serve(JOBS, { name: "Lab worker" });
