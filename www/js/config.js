// Sizes, limits and colours used by the page, in one place. Numbers about the maths live in the engine.

/**
 * The engine's own limits (src/web/limits.rs `limits()`: most classes, image and dataset sides,
 * shapes, the memory budget…), filled in once by main.js when the engine has loaded, before any
 * panel or the URL state reads them. The page reads its rules from here instead of repeating them.
 */
export const ENGINE_LIMITS = {};

/** Keeps the engine's `limits()` in ENGINE_LIMITS (main.js, once, after the engine loads). */
export function useEngineLimits(limits) {
  Object.assign(ENGINE_LIMITS, limits);
  Object.freeze(ENGINE_LIMITS);
}

/**
 * The engine's defaults of the settings it owns (`engineDefaults`), filled in once by main.js like
 * ENGINE_LIMITS. The URL state's props name a value here (`defaultFrom: "train.run.batchSize"`)
 * instead of typing it.
 */
export const ENGINE_DEFAULTS = {};

/**
 * The defaults the page's module `engine` exports: `train`, the "Overfit 100 examples" preset of
 * the geometric figures the Train panel opens on (`{ data, run }`); the Lab's `gradcheck` (the
 * conv check it opens on), `speed` (`{ conv, maxpool }`) and `batchnorm` settings; the Shapes
 * panel's `stepper` first view (the `defaults` of `limits().stepper`).
 */
export function engineDefaults(engine) {
  return {
    train: engine.trainPreset("figures", "overfit"),
    gradcheck: engine.gradcheckDefaults(),
    speed: engine.speedDefaults(),
    batchnorm: engine.batchnormDefaults(),
    stepper: engine.limits().stepper.defaults,
  };
}

/** Keeps `engineDefaults(engine)` in ENGINE_DEFAULTS (main.js, once, after the engine loads). */
export function useEngineDefaults(engine) {
  Object.assign(ENGINE_DEFAULTS, engineDefaults(engine));
  Object.freeze(ENGINE_DEFAULTS);
}

/** Images larger than this (width or height, in pixels) are scaled down before filtering. */
export const MAX_IMAGE_SIDE = 512;

/** Milliseconds to wait after a keystroke in a kernel grid before filtering again. */
export const KERNEL_TYPING_DELAY = 200;

/** Side of the sample images the page draws itself. */
export const SAMPLE_SIDE = 192;

/**
 * The step-by-step grid (the Shapes panel). Its first view, the lecture's example and the bounds
 * of its settings are the engine's (src/stepper.rs `SETTINGS`, in `limits().stepper`): read here
 * once the engine has loaded. The play pace is the page's own.
 */
export const STEPPER = {
  /** `{ op, height, width, channels, filters, filter, stride, pad, seed }`: the first view. */
  get defaults() { return engineStepper().defaults; },
  /** The lecture's 32×32×3 input and six 5×5×3 filters, in the same form. */
  get lecture() { return engineStepper().lecture; },
  /** `{ maxSide, maxFilter, maxStride, maxPad, maxChannels, maxFilters, maxSteps }`. */
  get limits() { return engineStepper().limits; },
  /** Milliseconds between steps while playing at 1×. */
  playInterval: 700,
  /** The play speeds offered (multiples of 1×), slowest first; + and − move along them. */
  speeds: ["0.25", "0.5", "1", "2", "4"],
};

function engineStepper() {
  if (!ENGINE_LIMITS.stepper) throw new Error("config.js: the stepper's settings come from the engine's limits(), which are not loaded");
  return ENGINE_LIMITS.stepper;
}

/** Colours drawn on canvases (the DOM uses the CSS variables in css/style.css). */
export const COLOURS = {
  sampleInk: "#1f3b73",
  samplePaper: "#f4efe4",
  sampleAccent: "#d1495b",
};

/** The Train panel: sizes, limits and chart colours. */
export const TRAIN = {
  /** Side of the drawing pads, in CSS pixels, and of the images they keep. */
  padSide: 192,
  keptSide: 64,
  /** Uploaded images for your own dataset are scaled to at most this side before they are kept. */
  maxOwnSide: 128,
  /** Classes of your own dataset: the engine's rule. */
  get minClasses() {
    return ENGINE_LIMITS.minClasses;
  },
  get maxClasses() {
    return ENGINE_LIMITS.maxClasses;
  },
  /** Previews of each class in the dataset grid. */
  previewsPerClass: 8,
  chart: {
    height: 260,
    loss: "#8aa2c8",
    lossSmooth: "#1f3b73",
    train: "#2a9d5c",
    val: "#d1495b",
    grid: "#e3e6ea",
    axis: "#4d5a6a",
  },
};
