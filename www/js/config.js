// Sizes, limits and colours used by the page, in one place. Numbers about the maths live in the engine.

/** Images larger than this (width or height, in pixels) are scaled down before filtering. */
export const MAX_IMAGE_SIDE = 512;

/** Milliseconds to wait after a keystroke in a kernel grid before filtering again. */
export const KERNEL_TYPING_DELAY = 200;

/** Side of the sample images the page draws itself. */
export const SAMPLE_SIDE = 192;

/** Limits of the step-by-step grid (Panel 2). */
export const STEPPER = {
  maxSide: 12,
  maxFilter: 7,
  maxStride: 6,
  maxPad: 3,
  /** Milliseconds between steps while playing. */
  playInterval: 700,
};

/** Colours drawn on canvases (the DOM uses the CSS variables in css/style.css). */
export const COLOURS = {
  sampleInk: "#1f3b73",
  samplePaper: "#f4efe4",
  sampleAccent: "#d1495b",
};
