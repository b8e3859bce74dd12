// Every user-settable value of the page, from ONE table, kept in the address bar (after the #) so
// that a link reopens the same view. Panels read and write values only through a State.
//
// A prop: { name (the URL key), type, default, ...limits }. Types: "int" (min, max), "number",
// "bool", "enum" (values; `aliases` maps a value's old name, which links may still carry, to it),
// "string", "numbers" (a comma-separated list of `length` numbers).
// An int whose bound is one of the engine's rules names it instead (`maxFrom: "maxFigures"`): the
// State reads it from the engine's `limits()` (config.js ENGINE_LIMITS), so it is never typed twice.
// Likewise a default the engine owns is named by its dotted path in config.js ENGINE_DEFAULTS
// (`defaultFrom: "train.run.batchSize"`, `"stepper.width"`) instead of a `default`.
// Only values that differ from their default are written to the URL, so links stay short.
//
// A value from a link that cannot be used as it is, is replaced (clamped into range, or the
// default) and said: `state.problems` lists each one, and `problemsText` makes the page's notice.

import { ENGINE_DEFAULTS, ENGINE_LIMITS, STEPPER } from "./config.js";
import { t } from "./i18n/i18n.js";

export const PROPS = [
  // The page
  { name: "tab", type: "string", default: "filters" },
  // The page's language; a link without it takes the browser's (main.js).
  { name: "lang", type: "enum", values: ["auto", "en", "ko"], default: "auto" },
  // Presenter mode (presenter.js): the page laid out for a projector.
  { name: "present", type: "bool", default: false },
  // The Lecture 5 tour's open step (tour/tour.js; 0: closed); max is tour/steps.js STEPS.length.
  { name: "tour", type: "int", min: 0, max: 11, default: 0 },

  // The Filters panel
  { name: "filter", type: "enum", default: "sobelX", values: [
    "grayscale", "sobelX", "sobelY", "gradientMagnitude", "laplacian", "boxBlur", "sharpen", "custom3", "custom5", "demo",
  ] },
  { name: "blur", type: "int", min: 2, max: 9, default: 3 },
  { name: "fchan", type: "enum", values: ["luma", "color"], default: "luma" },
  { name: "fstride", type: "int", min: 1, max: 8, default: 1 },
  { name: "fpad", type: "enum", values: ["same", "0", "1", "2", "3", "4", "5", "6", "7", "8"], default: "same" },
  { name: "k3", type: "numbers", length: 9, default: [0, -1, 0, -1, 5, -1, 0, -1, 0] },
  { name: "k5", type: "numbers", length: 25, default: [
    -1, -1, -1, -1, -1, -1, 0, 0, 0, -1, -1, 0, 16, 0, -1, -1, 0, 0, 0, -1, -1, -1, -1, -1, -1,
  ] },
  // "figures" (geometric figures) was called "shapes" in older links.
  { name: "sample", type: "enum", values: ["circle", "checkerboard", "gradient", "figures"], aliases: { shapes: "figures" }, default: "circle" },

  // The Shapes panel (step by step)
  // The stepper's first view and bounds are the engine's (src/stepper.rs SETTINGS).
  // "pool" is max pooling (the name links have always used); "avgpool" is average pooling.
  { name: "op", type: "enum", values: ["conv", "pool", "avgpool"], defaultFrom: "stepper.op" },
  { name: "dir", type: "enum", values: ["forward", "backward"], default: "forward" },
  { name: "sgrad", type: "enum", values: ["dx", "dw"], default: "dx" },
  { name: "sw", type: "int", min: 1, maxFrom: "stepper.limits.maxSide", defaultFrom: "stepper.width" },
  { name: "sh", type: "int", min: 1, maxFrom: "stepper.limits.maxSide", defaultFrom: "stepper.height" },
  { name: "sf", type: "int", min: 1, maxFrom: "stepper.limits.maxFilter", defaultFrom: "stepper.filter" },
  { name: "ss", type: "int", min: 1, maxFrom: "stepper.limits.maxStride", defaultFrom: "stepper.stride" },
  { name: "sp", type: "int", min: 0, maxFrom: "stepper.limits.maxPad", defaultFrom: "stepper.pad" },
  // Depth: input channels C and number of filters K (conv only), as in the lecture's 32×32×3
  // image and six 5×5×3 filters.
  { name: "sc", type: "int", min: 1, maxFrom: "stepper.limits.maxChannels", defaultFrom: "stepper.channels" },
  { name: "sk", type: "int", min: 1, maxFrom: "stepper.limits.maxFilters", defaultFrom: "stepper.filters" },
  { name: "seed", type: "int", min: 0, max: 2 ** 31 - 1, defaultFrom: "stepper.seed" },
  // The stepper's step, counted from 1 as "Step 6 of 16" says. The bound is the most steps any
  // setting has (the engine's maxSteps); a step past the current layer's last is said by the
  // stepper and shown as the last.
  { name: "step", type: "int", min: 1, maxFrom: "stepper.limits.maxSteps", default: 1 },
  // Play speed, a multiple of STEPPER.playInterval's pace.
  { name: "speed", type: "enum", values: STEPPER.speeds, default: "1" },
  { name: "net", type: "string", default: "" },

  // The Lab panel. The defaults are the engine's (ENGINE_DEFAULTS: gradcheckDefaults(),
  // speedDefaults(), batchnormDefaults()); the number of timed runs is the page's.
  // Gradient check
  { name: "gl", type: "enum", values: ["affine", "relu", "conv", "maxpool", "softmax", "svm", "batchnorm", "net", "designed"], defaultFrom: "gradcheck.layer" },
  { name: "gn", type: "int", min: 1, max: 1000, defaultFrom: "gradcheck.n" },
  { name: "gc", type: "int", min: 1, max: 1000, defaultFrom: "gradcheck.c" },
  { name: "gh", type: "int", min: 1, max: 1000, defaultFrom: "gradcheck.h" },
  { name: "gw", type: "int", min: 1, max: 1000, defaultFrom: "gradcheck.w" },
  { name: "gf", type: "int", min: 1, max: 1000, defaultFrom: "gradcheck.f" },
  { name: "gk", type: "int", min: 1, max: 99, defaultFrom: "gradcheck.filterSize" },
  { name: "gs", type: "int", min: 1, max: 99, defaultFrom: "gradcheck.stride" },
  { name: "gp", type: "int", min: 0, max: 99, defaultFrom: "gradcheck.pad" },
  { name: "ghid", type: "int", min: 1, max: 1000, defaultFrom: "gradcheck.hidden" },
  { name: "gws", type: "number", defaultFrom: "gradcheck.weightScale" },
  { name: "ginit", type: "enum", values: ["he", "scale"], defaultFrom: "gradcheck.init" },
  { name: "gseed", type: "int", min: 0, max: 2 ** 31 - 1, defaultFrom: "gradcheck.seed" },
  { name: "gstep", type: "number", defaultFrom: "gradcheck.step" },
  { name: "gprec", type: "enum", values: ["f64", "f32"], defaultFrom: "gradcheck.precision" },
  { name: "gbug", type: "bool", defaultFrom: "gradcheck.injectBug" },
  // Naive vs fast: conv (v…) and max pool (q…) sizes, timed runs per variant
  { name: "vn", type: "int", min: 1, max: 10000, defaultFrom: "speed.conv.n" },
  { name: "vc", type: "int", min: 1, max: 1000, defaultFrom: "speed.conv.c" },
  { name: "vh", type: "int", min: 1, max: 4096, defaultFrom: "speed.conv.h" },
  { name: "vw", type: "int", min: 1, max: 4096, defaultFrom: "speed.conv.w" },
  { name: "vf", type: "int", min: 1, max: 1000, defaultFrom: "speed.conv.f" },
  { name: "vk", type: "int", min: 1, max: 99, defaultFrom: "speed.conv.filterSize" },
  { name: "vs", type: "int", min: 1, max: 99, defaultFrom: "speed.conv.stride" },
  { name: "vp", type: "int", min: 0, max: 99, defaultFrom: "speed.conv.pad" },
  { name: "qn", type: "int", min: 1, max: 10000, defaultFrom: "speed.maxpool.n" },
  { name: "qc", type: "int", min: 1, max: 1000, defaultFrom: "speed.maxpool.c" },
  { name: "qh", type: "int", min: 1, max: 4096, defaultFrom: "speed.maxpool.h" },
  { name: "qw", type: "int", min: 1, max: 4096, defaultFrom: "speed.maxpool.w" },
  { name: "qk", type: "int", min: 1, max: 99, defaultFrom: "speed.maxpool.filterSize" },
  { name: "qs", type: "int", min: 1, max: 99, defaultFrom: "speed.maxpool.stride" },
  { name: "vruns", type: "int", min: 1, max: 50, default: 5 },
  // Batch norm
  { name: "bnn", type: "int", min: 1, max: 1000, defaultFrom: "batchnorm.n" },
  { name: "bnc", type: "int", min: 1, max: 64, defaultFrom: "batchnorm.c" },
  { name: "bnh", type: "int", min: 1, max: 256, defaultFrom: "batchnorm.h" },
  { name: "bnw", type: "int", min: 1, max: 256, defaultFrom: "batchnorm.w" },
  { name: "bnf", type: "int", min: 1, max: 64, defaultFrom: "batchnorm.f" },
  { name: "bnseed", type: "int", min: 0, max: 2 ** 31 - 1, defaultFrom: "batchnorm.seed" },
  { name: "bnwarm", type: "int", min: 0, max: 1000, defaultFrom: "batchnorm.warmupBatches" },

  // The Train panel. The defaults are the engine's "Overfit 100 examples" preset for the
  // geometric figures (ENGINE_DEFAULTS.train, trainPreset("figures", "overfit")).
  // The figures dataset was called "shapes" in older links and saved settings.
  { name: "tds", type: "enum", values: ["figures", "digits", "own"], aliases: { shapes: "figures" }, defaultFrom: "train.data.dataset" },
  { name: "tsize", type: "int", min: 1, maxFrom: "maxDatasetSide", defaultFrom: "train.data.size" },
  { name: "tntrain", type: "int", min: 1, maxFrom: "maxFigures", defaultFrom: "train.data.nTrain" },
  { name: "tnval", type: "int", min: 1, maxFrom: "maxFigures", defaultFrom: "train.data.nVal" },
  { name: "tdseed", type: "int", min: 0, max: 2 ** 31 - 1, defaultFrom: "train.data.seed" },
  // A designed network's layers in the network table's text ("" = the three-layer net of tf, tk,
  // th, tbn), how its weights start and its loss.
  { name: "tnet", type: "string", defaultFrom: "train.run.network" },
  { name: "tinit", type: "enum", values: ["he", "scale"], defaultFrom: "train.run.init" },
  { name: "tloss", type: "enum", values: ["softmax", "svm"], defaultFrom: "train.run.loss" },
  { name: "tf", type: "int", min: 1, max: 256, defaultFrom: "train.run.numFilters" },
  { name: "tk", type: "int", min: 1, max: 15, defaultFrom: "train.run.filterSize" },
  { name: "th", type: "int", min: 1, max: 4096, defaultFrom: "train.run.hiddenDim" },
  { name: "tbn", type: "bool", defaultFrom: "train.run.batchnorm" },
  { name: "tws", type: "number", defaultFrom: "train.run.weightScale" },
  { name: "topt", type: "enum", values: ["sgd", "sgd_momentum", "rmsprop", "adam"], defaultFrom: "train.run.updateRule" },
  { name: "tlr", type: "number", defaultFrom: "train.run.learningRate" },
  { name: "tdecay", type: "number", defaultFrom: "train.run.lrDecay" },
  { name: "treg", type: "number", defaultFrom: "train.run.reg" },
  { name: "tbatch", type: "int", min: 1, maxFrom: "maxFigures", defaultFrom: "train.run.batchSize" },
  { name: "tep", type: "int", min: 1, max: 1000, defaultFrom: "train.run.numEpochs" },
  { name: "tseed", type: "int", min: 0, max: 2 ** 31 - 1, defaultFrom: "train.run.seed" },
  { name: "tsplit", type: "enum", values: ["val", "train"], default: "val" },
  { name: "tex", type: "int", min: 0, maxFrom: "maxFigures", default: 0 },
];

/** `text` as a number, or NaN for an empty or blank one (which Number would read as 0). */
const number = (text) => (text.trim() === "" ? NaN : Number(text));

/**
 * Reads `text` as a value of `prop`: `{ value }`, or `{ value, why }` when it had to be replaced —
 * `value` clamped into range, or undefined for "use the default" — or `{ value, renamed: true }`
 * for an enum value's old name (the same value, to be written under its new name).
 */
function read(prop, text) {
  switch (prop.type) {
    case "int": {
      const v = number(text);
      if (!Number.isInteger(v)) return { value: undefined, why: t("common.notWhole") };
      const value = Math.min(prop.max ?? v, Math.max(prop.min ?? v, v));
      return value === v ? { value } : { value, why: t("common.outOfRange", { min: String(prop.min), max: String(prop.max) }) };
    }
    case "number": {
      const v = number(text);
      return Number.isFinite(v) ? { value: v } : { value: undefined, why: t("common.notNumber") };
    }
    case "bool":
      if (["1", "true"].includes(text)) return { value: true };
      if (["0", "false"].includes(text)) return { value: false };
      return { value: undefined, why: t("common.notBool") };
    case "enum": {
      const renamed = Object.hasOwn(prop.aliases ?? {}, text);
      const value = renamed ? prop.aliases[text] : text;
      if (!prop.values.includes(value)) return { value: undefined, why: t("common.notOneOf", { values: prop.values.join(", ") }) };
      return renamed ? { value, renamed } : { value };
    }
    case "numbers": {
      const vs = text.split(",").map(number);
      if (vs.length !== prop.length) return { value: undefined, why: t("common.notList", { n: String(prop.length) }) };
      return vs.every(Number.isFinite) ? { value: vs } : { value: undefined, why: t("common.notAllNumbers") };
    }
    default:
      return { value: text };
  }
}

function parse(prop, text) {
  return read(prop, text).value;
}

/** `text` quoted as typed, shortened to about 40 characters. */
function quote(text) {
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** The value at dotted `path` ("stepper.limits.maxSide") of `object`, or undefined. */
function lookUp(object, path) {
  return path.split(".").reduce((o, key) => (o && typeof o === "object" ? o[key] : undefined), object);
}

/**
 * The props with each engine-bound limit (`maxFrom`, a dotted path) read from `limits` and each
 * engine-owned default (`defaultFrom`, a dotted path) from `defaults`; a default the prop's own
 * parser would not take back is refused, like a missing one.
 */
function withEngine(props, limits, defaults) {
  return props.map((p) => {
    let q = p;
    if (p.maxFrom) {
      const max = lookUp(limits, p.maxFrom);
      if (!Number.isInteger(max)) {
        throw new Error(`state.js: setting "${p.name}" needs the engine's limit ${p.maxFrom}, which is not loaded`);
      }
      q = { ...q, max };
    }
    if (p.defaultFrom) {
      const value = lookUp(defaults, p.defaultFrom);
      if (value === undefined) {
        throw new Error(`state.js: setting "${p.name}" needs the engine's default ${p.defaultFrom}, which is not loaded`);
      }
      const back = read(q, format(q, value));
      if (back.why || !same(back.value, value)) {
        throw new Error(`state.js: the engine's default ${p.defaultFrom} = ${format(q, value)} is not a value of setting "${p.name}"`);
      }
      q = { ...q, default: value };
    }
    return q;
  });
}

/**
 * The page's notice for `problems` (a State's `problems`), or "" when there are none:
 * "This link asked for values the page cannot use: sp = 100000 is out of range (0–3), using 3; …".
 */
export function problemsText(problems) {
  if (!problems.length) return "";
  return t("common.linkProblems", { list: problems.map((p) => p.message).join("; ") });
}

function format(prop, value) {
  if (prop.type === "bool") return value ? "1" : "0";
  if (prop.type === "numbers") return value.join(",");
  return String(value);
}

function same(a, b) {
  return Array.isArray(a) ? a.length === b.length && a.every((v, i) => v === b[i]) : a === b;
}

/** The page's settings, read from and written to `location.hash`. */
export class State {
  constructor(props = PROPS, location = window.location, history = window.history, limits = ENGINE_LIMITS, defaults = ENGINE_DEFAULTS) {
    this.props = new Map(withEngine(props, limits, defaults).map((p) => [p.name, p]));
    this.location = location;
    this.history = history;
    this.values = new Map();
    this.listeners = new Set();
    /** What the last readUrl replaced: `{ name, text, value, message }` each (value: what is used). */
    this.problems = [];
    this.readUrl();
  }

  /** The current value of `name` (its default unless the URL or the user set it). */
  get(name) {
    const prop = this.props.get(name);
    if (!prop) throw new Error(`no setting called "${name}" in state.js PROPS`);
    return this.values.has(name) ? this.values.get(name) : prop.default;
  }

  /** Sets `name` (parsed and clamped like a URL value), updates the URL and tells the listeners. */
  set(name, value) {
    const prop = this.props.get(name);
    if (!prop) throw new Error(`no setting called "${name}" in state.js PROPS`);
    const parsed = parse(prop, format(prop, value));
    if (parsed === undefined || same(parsed, this.get(name))) return;
    this.values.set(name, parsed);
    this.writeUrl();
    this.notify([name]);
  }

  /** Calls `f(changedNames)` after every change; returns a function that stops it. */
  subscribe(f) {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  /** `name=value&…` for every value that differs from its default. */
  serialize() {
    const parts = [];
    for (const prop of this.props.values()) {
      const value = this.get(prop.name);
      if (!same(value, prop.default)) {
        parts.push(`${prop.name}=${encodeURIComponent(format(prop, value))}`);
      }
    }
    return parts.join("&");
  }

  /**
   * Re-reads the URL (after the user edits it or goes back) and reports what changed; values it
   * had to replace are listed in `problems`. A value under its old name is taken as the value and
   * the URL rewritten with the new name.
   */
  readUrl() {
    const before = new Map([...this.props.keys()].map((n) => [n, this.get(n)]));
    this.values.clear();
    this.problems = [];
    const problem = (name, text, value, message) => this.problems.push({ name, text, value, message });
    let renamedAny = false;
    for (const part of this.location.hash.replace(/^#/, "").split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const name = eq < 0 ? part : part.slice(0, eq);
      const raw = eq < 0 ? "" : part.slice(eq + 1);
      const prop = this.props.get(name);
      if (!prop) {
        problem(name, raw, undefined, t("common.notSetting", { name: quote(name) }));
        continue;
      }
      let text;
      try {
        text = decodeURIComponent(raw);
      } catch {
        problem(name, raw, prop.default, t("common.badEncoding", { name, text: quote(raw), value: format(prop, prop.default) }));
        continue;
      }
      const { value, why, renamed } = read(prop, text);
      if (value !== undefined) this.values.set(prop.name, value);
      renamedAny ||= Boolean(renamed);
      if (why) {
        const fallback = prop.type === "numbers" ? t("common.theDefault") : t("common.theDefaultValue", { value: format(prop, prop.default) });
        const used = value === undefined ? fallback : format(prop, value);
        problem(name, text, value ?? prop.default, t("common.replaced", { name, text: quote(text), why, used }));
      }
    }
    if (renamedAny) this.writeUrl();
    const changed = [...before].filter(([n, v]) => !same(v, this.get(n))).map(([n]) => n);
    if (changed.length) this.notify(changed);
  }

  writeUrl() {
    const hash = this.serialize();
    const url = hash ? `#${hash}` : this.location.pathname + this.location.search;
    this.history.replaceState(null, "", url);
  }

  notify(changed) {
    for (const f of this.listeners) f(changed);
  }
}
