// Sizes, colours and pacing of the Lab panel, in one place. The maths lives in the engine.

/** The heat map's error scale: log10 of the error from `minExp` to `maxExp`. */
export const HEATMAP = {
  minExp: -16,
  maxExp: 0,
  /** Largest width of one heat map, in CSS pixels, and the range of a cell's side. */
  maxWidth: 560,
  minCell: 3,
  maxCell: 22,
  /** 2-d gradients with more rows than this are drawn transposed (wide rather than tall), in
   * bands of `band` rows (the net's dW2 has F·8·8 rows: one band per conv filter). */
  maxRows: 48,
  band: 64,
};

/** Colours drawn on canvases (the DOM uses the CSS variables of css/lab.css). */
export const COLOURS = {
  // Error bands, light to dark within each: correct, suspicious, wrong.
  correct: ["#eef6ee", "#3f9b5a"],
  suspicious: ["#fff1c2", "#e0a100"],
  wrong: ["#f9c9c4", "#a4161a"],
  worst: "#111111",
  // A gradient element a sampled check did not check.
  unchecked: "#f4f5f7",
  kink: "#1f5fbf",
  bars: "#1f5fbf",
  barsTest: "#7a4fb3",
  axis: "#4d5a6a",
  zero: "#d1495b",
};

/** A step of a gradient check should take about this long, so the page can show progress and a
 * Cancel is answered promptly. */
export const STEP_MS = 40;

/** After Cancel, the worker gets this long to stop by itself before it is terminated. */
export const CANCEL_GRACE_MS = 400;
