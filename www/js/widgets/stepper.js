// The step-by-step grid: one conv, max-pool or average-pool layer on a small input, forward (a
// window sliding over the input) and backward (where each gradient goes). Every number comes from
// the engine's `stepperPlan` (src/stepper.rs); this module only chooses what to highlight and
// writes the captions. Depth as in the lecture: C input channels and K filters of F×F×C, drawn as
// slices side by side; the "Lecture example" button sets the lecture's 32×32×3 input and six
// 5×5×3 filters. The backward pass is shown for one channel and one filter (its sums would be
// unreadable over 75·K terms), and the page says so when C or K is more than 1.
// Large grids shrink to fit (fitGrids): on a projector the picture stays on one screen, and cells
// too small for their numbers show them as shades instead.
// In the backward pass a short "Why" paragraph per mode (stepper-why.js) says where the rule comes from;
// conv dx also draws dout dilated and padded and the flipped filter (plan.doutFull, plan.flipped).
//
// The step is part of the link (`step`, counted from 1), and so is the play speed (`speed`).
// Back and Step stay focusable at the ends (aria-disabled, not disabled), so that the focus of a
// keyboard user never falls to <body>. `keys` are the actions the page's keys call (keys.js).

import { STEPPER } from "../config.js";
import { attempt } from "../engine.js";
import { t } from "../i18n/i18n.js";
import { el, fmt, numberField, radioGroup, say } from "./dom.js";
import { cellText, createGrid } from "./grid.js";
import { intervalAt, nextSpeed, Player } from "./player.js";
import { loadWhyStyles, showWhy } from "./stepper-why.js";

/** [state name, label, max, hint] of each number field; the bounds are the engine's. */
function settings(limits) {
  return [
    ["sh", "inputH", limits.maxSide],
    ["sw", "inputW", limits.maxSide],
    ["sc", "channelsC", limits.maxChannels],
    ["sk", "filtersK", limits.maxFilters],
    ["sf", "filterF", limits.maxFilter],
    ["ss", "strideS", limits.maxStride],
    ["sp", "padP", limits.maxPad],
  ].map(([name, key, max]) => [name, words(key), max, words(`${key}Hint`)]);
}

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];

/** "Lecture example: 32×32×3, six 5×5×3 filters", from the engine's lecture config. */
function lectureLabel(l) {
  return words("lectureButton", { h: l.height, w: l.width, c: l.channels, f: l.filter, n: l.filters, word: WORDS[l.filters] ?? l.filters });
}

/**
 * The Shapes catalog's text `key` (i18n/shapes.js) with `params`; numbers are written as the grids
 * write them (7, 4704: no digit groups), so they are turned into text here.
 */
function words(key, params = {}) {
  const text = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "number" ? String(v) : v]));
  return t(`shapes.${key}`, text);
}

/** Grids wider or deeper than this are fitted to the screen (fitGrids). */
const PLAIN_SIDE = 18;
/** Cells smaller than this (CSS px) show their value as a shade instead of a number. */
const DENSE_CELL = 12;

/** `name[r,c]` for a row-major index into a grid of `cols` columns. */
function at(name, index, cols) {
  return `${name}[${Math.floor(index / cols)},${index % cols}]`;
}

function paren(v) {
  return v < 0 ? `(${fmt(v)})` : fmt(v);
}

export function createStepper({ engine, state }) {
  const controls = el("div", { class: "controls" });
  const op = radioGroup({
    legend: words("layer"), name: "stepper-op", value: state.get("op"),
    options: [["conv", words("conv")], ["pool", words("maxPool")], ["avgpool", words("avgPool")]],
    onChange: (v) => state.set("op", v),
  });
  const dir = radioGroup({
    legend: words("pass"), name: "stepper-dir", value: state.get("dir"),
    options: [["forward", words("forward")], ["backward", words("backward")]],
    onChange: (v) => state.set("dir", v),
  });
  const grad = radioGroup({
    legend: words("convGradient"), name: "stepper-grad", value: state.get("sgrad"),
    options: [["dx", words("dxInput")], ["dw", words("dwWeights")]],
    onChange: (v) => state.set("sgrad", v),
  });
  const inputs = new Map();
  const numbers = el("div", { class: "numbers" });
  for (const [name, label, max, hint] of settings(STEPPER.limits)) {
    const { field, input } = numberField({
      label, name: `stepper-${name}`, value: state.get(name), min: name === "sp" ? 0 : 1, max, hint,
      onInput: (v) => Number.isInteger(v) && state.set(name, v),
    });
    inputs.set(name, input);
    numbers.append(field);
  }
  const seed = numberField({
    label: words("seed"), name: "stepper-seed", value: state.get("seed"), min: 0, hint: words("seedHint"),
    onInput: (v) => Number.isInteger(v) && state.set("seed", v),
  });
  inputs.set("seed", seed.input);
  const reseed = el("button", { type: "button", text: words("newNumbers"), "data-action": "reseed",
    onclick: () => state.set("seed", (state.get("seed") + 1) % 2 ** 31) });
  numbers.append(seed.field, reseed);
  const lecture = el("button", { type: "button", class: "lecture", text: lectureLabel(STEPPER.lecture), "data-action": "lecture",
    title: words("lectureHint"),
    onclick: () => showLecture() });
  controls.append(lecture, op.set, numbers, dir.set, grad.set);

  const formula = el("div", { class: "formula", "data-testid": "stepper-formula" });
  const shape = el("p", { class: "shape", "data-testid": "stepper-shape", "aria-live": "polite" });
  const error = el("p", { class: "message error", role: "alert", "data-testid": "stepper-error", hidden: true });

  const back = el("button", { type: "button", text: words("back"), "data-action": "back", "aria-keyshortcuts": "ArrowLeft" });
  const play = el("button", { type: "button", text: words("play"), "data-action": "play", "aria-pressed": "false", "aria-keyshortcuts": "Space" });
  const next = el("button", { type: "button", text: words("step"), "data-action": "step", "aria-keyshortcuts": "ArrowRight" });
  const reset = el("button", { type: "button", text: words("reset"), "data-action": "reset", "aria-keyshortcuts": "Home" });
  const speed = el("select", { name: "stepper-speed", "aria-label": words("playSpeed"), "aria-keyshortcuts": "+ -", "data-setting": "speed" },
    ...STEPPER.speeds.map((v) => el("option", { value: v, text: `${v}×` })));
  speed.value = state.get("speed");
  speed.addEventListener("change", () => state.set("speed", speed.value));
  const speedField = el("label", { class: "field speed", title: words("speedHint") },
    el("span", { text: words("speed") }), speed);
  const position = el("span", { class: "position", "data-testid": "stepper-position", "aria-live": "polite" });
  const transport = el("div", { class: "transport", role: "group", "aria-label": words("transport") },
    back, play, speedField, next, reset, position);
  // A link's step past this layer's last: said here, not changed silently.
  const stepNotice = el("p", { class: "message notice", role: "status", "data-testid": "stepper-step-notice", hidden: true });
  // Depth in the backward pass: what is shown instead, said, never silent.
  const depthNotice = el("p", { class: "message notice", role: "status", "data-testid": "stepper-depth-notice", hidden: true });
  const messages = el("div", { class: "messages" }, error, stepNotice, depthNotice);

  const grids = {
    dout: createGrid({ caption: "dout", name: "dout", onPick: (r, c, s) => pick("dout", r, c, s) }),
    x: createGrid({ caption: "x", name: "x", onPick: (r, c, s) => pick("x", r, c, s) }),
    w: createGrid({ caption: "w", name: "w", onPick: (r, c, s) => pick("w", r, c, s) }),
    out: createGrid({ caption: "out", name: "out", onPick: (r, c, s) => pick("out", r, c, s) }),
    dx: createGrid({ caption: "dx", name: "dx", onPick: (r, c, s) => pick("dx", r, c, s) }),
    dw: createGrid({ caption: "dw", name: "dw", onPick: (r, c, s) => pick("dw", r, c, s) }),
    doutFull: createGrid({ caption: words("doutPadded"), name: "dout-full" }),
    flipped: createGrid({ caption: words("wRotated"), name: "w-flipped" }),
  };
  const gridBox = el("div", { class: "grids" }, ...Object.values(grids).map((g) => g.figure));
  const explain = el("p", { class: "explain", "data-testid": "stepper-explain", "aria-live": "polite" });
  // With depth, the dot product's F·F·C products, channel by channel (the explanation shows their sums).
  const productsText = el("p", { "data-testid": "stepper-products" });
  const products = el("details", { class: "products", hidden: true }, el("summary", { text: words("allProducts") }), productsText);
  const why = el("div", { class: "why", "data-testid": "stepper-why" });
  loadWhyStyles();
  const legend = el("p", { class: "legend" },
    el("span", { class: "cell window", text: words("legendWindow") }), " ",
    el("span", { class: "cell current", text: words("legendCurrent") }), " ",
    el("span", { class: "cell winner", text: words("legendMax") }), " ",
    el("span", { class: "cell contrib", text: words("legendContributes") }), " ",
    el("span", { class: "cell pad", text: "0" }), words("legendPadding"));

  const element = el("section", { class: "card stepper", "aria-labelledby": "stepper-title", tabindex: "-1" },
    el("h3", { id: "stepper-title", text: words("stepperTitle") }),
    controls, formula, shape, messages, transport, gridBox, explain, products, why, legend);

  let plan = null;
  let cursor = state.get("step") - 1;
  /** The step a link asked for (0-based) until a plan shows whether this layer has it. */
  let requested = cursor;
  const player = new Player(() => step(1), intervalAt(STEPPER.playInterval, state.get("speed")), (on) => {
    play.textContent = words(on ? "pause" : "play");
    play.setAttribute("aria-pressed", String(on));
  });

  function togglePlay() {
    // Playing from the last step starts again from the first.
    if (!player.playing && cursor >= count() - 1) { cursor = 0; draw(); }
    player.toggle();
  }

  function goTo(k) {
    player.pause();
    if (!plan) return;
    cursor = Math.min(count() - 1, Math.max(0, k));
    draw();
  }

  back.addEventListener("click", () => { player.pause(); step(-1); });
  next.addEventListener("click", () => { player.pause(); step(1); });
  reset.addEventListener("click", () => goTo(0));
  play.addEventListener("click", togglePlay);

  const keys = {
    back: () => { player.pause(); step(-1); },
    forward: () => { player.pause(); step(1); },
    first: () => goTo(0),
    last: () => goTo(count() - 1),
    play: () => plan && togglePlay(),
    faster: () => state.set("speed", nextSpeed(STEPPER.speeds, state.get("speed"), 1)),
    slower: () => state.set("speed", nextSpeed(STEPPER.speeds, state.get("speed"), -1)),
    /** Whether `target` is one of the stepper's buttons (where Space plays rather than presses). */
    owns: (target) => target?.tagName === "BUTTON" && transport.contains(target),
    focus: () => (transport.hidden ? element : play).focus({ preventScroll: true }),
  };

  /** Whether the user's layer has depth: more than one channel, or (conv) more than one filter. */
  function deep() {
    return state.get("sc") > 1 || (state.get("op") === "conv" && state.get("sk") > 1);
  }

  /** The backward pass is drawn for one channel and one filter: its sums stay readable. */
  function flattened() {
    return state.get("dir") === "backward" && deep();
  }

  function config() {
    const conv = state.get("op") === "conv";
    const one = flattened();
    return {
      op: state.get("op"), height: state.get("sh"), width: state.get("sw"),
      channels: one ? 1 : state.get("sc"), filters: conv && !one ? state.get("sk") : 1,
      filter: state.get("sf"), stride: state.get("ss"), pad: conv ? state.get("sp") : 0, seed: state.get("seed"),
      backward: state.get("dir") === "backward",
    };
  }

  /** While several settings change at once: one update at the end instead of one per setting. */
  let batching = false;

  /** Sets the lecture's example (the engine's): conv, forward, from the first step. */
  function showLecture() {
    const l = STEPPER.lecture;
    batching = true;
    try {
      for (const [name, value] of [["op", l.op], ["dir", "forward"], ["sh", l.height], ["sw", l.width], ["sc", l.channels],
        ["sk", l.filters], ["sf", l.filter], ["ss", l.stride], ["sp", l.pad]]) state.set(name, value);
    } finally {
      batching = false;
    }
    cursor = 0;
    update();
    // The picture, not the button: the stepper's top in view (the page's top in presenter mode),
    // and the focus on Play, where the keys work.
    if (document.documentElement.classList.contains("presenter")) window.scrollTo(0, 0);
    else element.scrollIntoView({ block: "start" });
    play.focus({ preventScroll: true });
  }

  /** What the cursor walks over in the current mode. */
  function mode() {
    if (state.get("dir") === "forward") return "forward";
    if (plan.op === "pool") return "route";
    if (plan.op === "avgpool") return "share";
    return state.get("sgrad");
  }

  /** Cells of one output map. */
  function mapSize() {
    return plan.outHeight * plan.outWidth;
  }

  function count() {
    if (!plan) return 0;
    const outs = plan.outDepth * mapSize();
    return { forward: outs, route: outs, share: outs, dx: plan.height * plan.width, dw: plan.filter * plan.filter }[mode()];
  }

  function step(delta) {
    const n = count();
    if (!n) return false;
    const moved = Math.min(n - 1, Math.max(0, cursor + delta));
    const changed = moved !== cursor;
    cursor = moved;
    draw();
    return changed && cursor < n - 1;
  }

  function pick(grid, r, c, s) {
    if (!plan) return;
    const m = mode();
    const p = plan.pad;
    const outCell = s * mapSize() + r * plan.outWidth + c;
    const target = {
      forward: { out: outCell },
      route: { dout: outCell },
      share: { dout: outCell },
      dx: { dx: r * plan.width + c, x: r >= p && c >= p && r < p + plan.height && c < p + plan.width
        ? (r - p) * plan.width + (c - p) : undefined },
      dw: { w: r * plan.filter + c, dw: r * plan.filter + c },
    }[m][grid];
    if (target === undefined) return;
    player.pause();
    cursor = target;
    draw();
  }

  function showFormula(cfg) {
    const rows = [["width", "W", cfg.width], ["height", "H", cfg.height]].map(([axis, sym, n]) => {
      const ok = !attempt(() => engine.outputSize(axis, n, cfg.filter, cfg.pad, cfg.stride)).error;
      return el("p", { class: ok ? "good" : "bad" },
        el("span", { class: "symbolic", text: `${sym}′ = (${sym} − F + 2P)/S + 1 = ` }),
        el("span", { text: engine.formula(n, cfg.filter, cfg.pad, cfg.stride) }),
        ok ? null : el("strong", { text: " ✗" }));
    });
    formula.replaceChildren(...rows);
  }

  /** "7×7" or, with depth, "32×32×3": the page's one shape order, H×W×C. */
  function inputShape() {
    const { sh, sw, sc } = { sh: state.get("sh"), sw: state.get("sw"), sc: state.get("sc") };
    return deep() ? `${sh}×${sw}×${sc}` : `${sh}×${sw}`;
  }

  function update() {
    player.pause();
    for (const [name, input] of inputs) {
      if (Number(input.value) !== state.get(name)) input.value = state.get(name);
    }
    const conv = state.get("op") === "conv";
    inputs.get("sp").disabled = !conv;
    inputs.get("sk").disabled = !conv;
    op.select(state.get("op"));
    dir.select(state.get("dir"));
    grad.select(state.get("sgrad"));
    const cfg = config();
    showFormula(cfg);
    const result = attempt(() => engine.stepperPlan(cfg));
    if (result.error) {
      plan = null;
      const layer = { pool: words("maxPool"), avgpool: words("avgPool") }[cfg.op];
      say(error, layer ? words("notAllowedPool", { error: result.error, layer }) : words("notAllowed", { error: result.error }), "error");
      say(depthNotice, "");
      shape.textContent = words("outputUndefined", { shape: inputShape(), f: cfg.filter, s: cfg.stride, p: cfg.pad });
      transport.hidden = gridBox.hidden = explain.hidden = why.hidden = products.hidden = true;
      return;
    }
    plan = result.value;
    say(error, "");
    transport.hidden = gridBox.hidden = explain.hidden = false;
    const depth = conv ? state.get("sk") : state.get("sc");
    shape.textContent = words("output", { shape: deep() ? `${plan.outHeight}×${plan.outWidth}×${depth}` : `${plan.outHeight}×${plan.outWidth}` });
    if (flattened()) {
      say(depthNotice, words(conv ? "depthConv" : "depthPool", { c: state.get("sc"), k: state.get("sk") }));
    } else {
      say(depthNotice, "");
    }
    if (requested !== null && requested > count() - 1) {
      say(stepNotice, words("stepPast", { asked: requested + 1, n: count() }));
    } else if (requested !== null) {
      say(stepNotice, "");
    }
    requested = null;
    cursor = Math.min(cursor, count() - 1);
    draw();
    fitGrids();
  }

  let dense = false;
  /** Maps of the output to a row in presenter mode (0: the default, half of them when over 3). */
  let outPerRow = 0;

  /** Whether the picture is larger than the plain grids (depth, or sides past PLAIN_SIDE). */
  function big() {
    const side = Math.max(plan.height, plan.width) + 2 * plan.pad;
    return plan.channels > 1 || plan.outDepth > 1 || side > PLAIN_SIDE;
  }

  /**
   * Shrinks the cells of a large picture until it fits: its width always, and in presenter mode
   * the screen's height too, so that the input, the filter and the output are on one screen.
   * The largest whole-pixel cell that fits is found by bisection on the real layout.
   */
  function fitGrids() {
    // Not on screen (not yet in the page, or another panel shown): fitted when shown (`show`).
    if (!element.isConnected || !element.getClientRects().length) return;
    const wasDense = dense;
    gridBox.style.removeProperty("--cell");
    gridBox.classList.remove("dense");
    dense = false;
    outPerRow = 0;
    const fitted = Boolean(plan && !gridBox.hidden && big());
    // A large picture may wrap onto a second row (css/presenter.css), its grids never squeezed.
    gridBox.classList.toggle("fitted", fitted);
    if (fitted) {
      const presenter = document.documentElement.classList.contains("presenter");
      // In presenter mode the picture fits the first screen of the page (its tabs, the transport
      // and the grids); elsewhere the page scrolls and only the width counts.
      const fits = (px) => {
        gridBox.style.setProperty("--cell", `${px}px`);
        gridBox.classList.toggle("dense", px < DENSE_CELL);
        const box = gridBox.getBoundingClientRect();
        const bottom = box.bottom + window.scrollY;
        // Wider than its column, or than the window (presenter mode lets the grids overflow their column).
        const wide = gridBox.scrollWidth > gridBox.clientWidth + 1 || box.left + gridBox.scrollWidth > window.innerWidth
          || document.documentElement.scrollWidth > document.documentElement.clientWidth;
        return !wide && (!presenter || bottom <= window.innerHeight - 4);
      };
      // Outside presenter mode a small deep grid keeps cells of about the plain size, and a
      // large one cells small enough that a 32×32 channel is about 500 px.
      const side = Math.max(plan.height, plan.width) + 2 * plan.pad;
      const top = presenter ? 64 : side > PLAIN_SIDE ? 16 : 40;
      const largest = () => {
        let lo = 2, hi = top;
        if (fits(hi)) return hi;
        while (hi - lo > 1) {
          const mid = Math.floor((lo + hi) / 2);
          if (fits(mid)) lo = mid; else hi = mid;
        }
        return lo;
      };
      // Bisection on sketches (each grid an empty block of its size), so the many layouts are
      // cheap; the output's maps in one row or in two, whichever lets the cells be larger.
      const depth = plan.outDepth;
      const arrangements = presenter && depth > 3 ? [depth, Math.ceil(depth / 2)] : [0];
      let best = { px: 0, perRow: 0 };
      for (const g of Object.values(grids)) g.sketch(true);
      for (const perRow of arrangements) {
        outPerRow = perRow;
        draw();
        const px = largest();
        if (px > best.px) best = { px, perRow };
      }
      for (const g of Object.values(grids)) g.sketch(false);
      outPerRow = best.perRow;
      let px = best.px;
      dense = px < DENSE_CELL;
      draw();
      // The real cells, checked once (their text could make a line wrap where a sketch did not).
      while (px > 2 && !fits(px)) px -= 1;
      gridBox.style.setProperty("--cell", `${px}px`);
      if (dense !== px < DENSE_CELL) {
        dense = px < DENSE_CELL;
        draw();
      }
      gridBox.classList.toggle("dense", dense);
      return;
    }
    if (dense !== wasDense) draw();
  }

  let fitQueued = false;
  function refit() {
    if (fitQueued) return;
    fitQueued = true;
    requestAnimationFrame(() => { fitQueued = false; fitGrids(); });
  }
  window.addEventListener("resize", refit);
  // Presenter mode changes the room the picture has.
  new MutationObserver(refit).observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });

  /** The shade of `v` between `lo` and `hi` (0–1), only when the cells are too small for numbers. */
  function shadeOf(v, lo, hi) {
    return dense && hi > lo ? (v - lo) / (hi - lo) : undefined;
  }

  function range(values) {
    return values.reduce(([lo, hi], v) => [Math.min(lo, v), Math.max(hi, v)], [Infinity, -Infinity]);
  }

  function draw() {
    if (!plan) return;
    const m = mode();
    grad.set.hidden = !(state.get("dir") === "backward" && plan.op === "conv");
    position.textContent = words("position", { k: cursor + 1, n: count() });
    back.setAttribute("aria-disabled", String(cursor === 0));
    next.setAttribute("aria-disabled", String(cursor >= count() - 1));
    state.set("step", cursor + 1);
    const visible = {
      forward: plan.op === "conv" ? ["x", "w", "out"] : ["x", "out"],
      route: ["dout", "x", "dx"],
      share: ["dout", "x", "dx"],
      dx: ["dout", "x", "w", "dx", "dw", "doutFull", "flipped"],
      dw: ["dout", "x", "w", "dx", "dw"],
    }[m];
    for (const [name, g] of Object.entries(grids)) g.hide(!visible.includes(name));
    products.hidden = true;
    showWhy(why, plan, m);
    ({ forward: drawForward, route: drawRoute, share: drawShare, dx: drawDx, dw: drawDw })[m]();
  }

  /** Classes of the padded input grid: `mark(r, c, s)` adds more for padded coordinates of channel s. */
  function drawInput(mark, title) {
    const { height: h, width: w, pad: p, input, channels } = plan;
    const plane = h * w;
    const shape = channels > 1 ? `${h}×${w}×${channels}` : `${h}×${w}`;
    grids.x.update({
      rows: h + 2 * p, cols: w + 2 * p, slices: channels, perRow: channels, label: (s) => words("channel", { s }),
      title: title ?? (p ? words("xPadded", { shape, p, padded: `${h + 2 * p}×${w + 2 * p}${channels > 1 ? `×${channels}` : ""}` }) : words("xInput", { shape })),
      cell: (r, c, s) => {
        const isPad = r < p || c < p || r >= h + p || c >= w + p;
        const classes = isPad ? ["pad"] : [];
        classes.push(...mark(r, c, s));
        const v = isPad ? 0 : input[s * plane + (r - p) * w + (c - p)];
        return { text: isPad ? "0" : cellText(v), classes, shade: shadeOf(v, 0, 9) };
      },
    });
  }

  function inWindow(k, r, c) {
    const [r0, c0] = plan.windows[k];
    return r >= r0 && r < r0 + plan.filter && c >= c0 && c < c0 + plan.filter;
  }

  function drawSmall(grid, rows, cols, values, classesOf, title) {
    grid.update({ rows, cols, title, cell: (r, c) => ({ text: cellText(values[r * cols + c]), classes: classesOf(r * cols + c) }) });
  }

  function xValue(r, c, s = 0) {
    const { height: h, width: w, pad: p } = plan;
    const isPad = r < p || c < p || r >= h + p || c >= w + p;
    return isPad ? 0 : plan.input[s * h * w + (r - p) * w + (c - p)];
  }

  function drawWeights(classesOf = () => []) {
    const f = plan.filter;
    drawSmall(grids.w, f, f, plan.weights, classesOf, words("wPlain", { f }));
  }

  /** "rows 0–2, columns 3–5" of the window of output cell `cell`. */
  function rowsCols(cell) {
    const [r0, c0] = plan.windows[cell];
    const f = plan.filter;
    return words("rowsCols", { r0, r1: r0 + f - 1, c0, c1: c0 + f - 1 });
  }

  function drawForward() {
    const k = cursor;
    const maps = mapSize();
    const [map, cell] = [Math.floor(k / maps), k % maps];
    const winner = plan.op === "pool" ? plan.argmax[k] : -1;
    const { pad: p, channels, filter: f, outHeight: oh, outWidth: ow, outDepth } = plan;
    const conv = plan.op === "conv";
    const plane = plan.height * plan.width;
    drawInput((r, c, s) => {
      // Conv: the window is an F×F×C block, in every channel; pooling: in the map's own channel.
      const classes = inWindow(cell, r, c) && (conv || s === map) ? ["window"] : [];
      if (winner >= 0 && s * plane + (r - p) * plan.width + (c - p) === winner && inWindow(cell, r, c)) classes.push("winner");
      return classes;
    });
    if (conv) {
      const size = f * f * channels;
      const [wlo, whi] = [-1, 1];
      grids.w.update({
        rows: f, cols: f, slices: channels, label: (s) => words("channel", { s }),
        title: deep() ? words("wDeep", { map, n: plan.filters, f, c: channels, bias: fmt(plan.bias[map]) }) : words("wPlain", { f }),
        cell: (r, c, s) => {
          const v = plan.weights[map * size + (s * f + r) * f + c];
          return { text: cellText(v), classes: ["window"], shade: shadeOf(v, wlo, whi) };
        },
      });
    }
    const [olo, ohi] = dense ? range(plan.output) : [0, 0];
    grids.out.update({
      rows: oh, cols: ow, slices: outDepth, perRow: outPerRow || (outDepth > 3 ? Math.ceil(outDepth / 2) : outDepth),
      label: (s) => words(conv ? "map" : "channel", { s }),
      title: deep() ? words(conv ? "outPerFilter" : "outPerChannel", { shape: `${oh}×${ow}×${outDepth}` }) : `out: ${oh}×${ow}`,
      cell: (r, c, s) => {
        const i = s * maps + r * ow + c;
        if (i > k) return { text: "", classes: ["pending"] };
        return { text: cellText(plan.output[i]), classes: i === k ? ["current"] : [], shade: shadeOf(plan.output[i], olo, ohi) };
      },
    });
    const [r0, c0] = plan.windows[cell];
    const cells = (s) => {
      const list = [];
      for (let di = 0; di < f; di++) for (let dj = 0; dj < f; dj++) list.push([di, dj, xValue(r0 + di, c0 + dj, s)]);
      return list;
    };
    const name = deep() ? `out[${map},${Math.floor(cell / ow)},${cell % ow}]` : at("out", cell, ow);
    const value = fmt(plan.output[k]);
    if (conv && !deep()) {
      const list = cells(0).map(([di, dj, x]) => `${paren(plan.weights[di * f + dj])}·${paren(x)}`).join(" + ");
      explain.textContent = words(p ? "explainConvPadded" : "explainConv", { name, where: rowsCols(cell), list, value });
    } else if (conv) {
      const size = f * f * channels;
      const sums = plan.channelSums.slice(k * channels, (k + 1) * channels);
      const parts = sums.map((v, s) => words("channelPart", { v: paren(v), s })).join(" + ");
      explain.textContent = words(p ? "explainDeepPadded" : "explainDeep", {
        name, map, window: `${f}×${f}×${channels}`, where: rowsCols(cell), size, parts, bias: paren(plan.bias[map]), value,
      });
      productsText.textContent = sums.map((v, s) => words("channelProducts", {
        s, list: cells(s).map(([di, dj, x]) => `${paren(plan.weights[map * size + (s * f + di) * f + dj])}·${paren(x)}`).join(" + "), sum: fmt(v),
      })).join("; ");
      products.querySelector("summary").textContent = words("productsSummary", { size });
      products.hidden = false;
    } else {
      const where = channels > 1 ? words("windowAtChannel", { where: rowsCols(cell), map }) : words("windowAt", { where: rowsCols(cell) });
      const values = cells(map).map(([, , x]) => fmt(x));
      const pooledName = channels > 1 ? `out[${map},${Math.floor(cell / ow)},${cell % ow}]` : name;
      explain.textContent = plan.op === "pool"
        ? words("explainMax", { name: pooledName, values: values.join(", "), value, window: where })
        : words("explainMean", { name: pooledName, values: values.join(" + "), n: f * f, value, window: where });
    }
  }

  function drawRoute() {
    const k = cursor;
    const { outHeight: oh, outWidth: ow, width: w, height: h } = plan;
    const target = plan.argmax[k];
    drawSmall(grids.dout, oh, ow, plan.dout, (i) => (i === k ? ["current"] : i < k ? ["done"] : []),
      words("doutUpstream", { shape: `${oh}×${ow}` }));
    drawInput((r, c) => {
      const classes = inWindow(k, r, c) ? ["window"] : [];
      if (r * w + c === target) classes.push("winner");
      return classes;
    }, words("xRoute", { shape: `${h}×${w}` }));
    drawSmall(grids.dx, h, w, plan.dxAfter[k], (i) => (i === target ? ["current"] : []),
      words("dxRouted", { shape: `${h}×${w}`, k: k + 1, n: oh * ow }));
    const [r0, c0] = plan.windows[k];
    const f = plan.filter;
    const values = [];
    for (let di = 0; di < f; di++) for (let dj = 0; dj < f; dj++) values.push(fmt(xValue(r0 + di, c0 + dj)));
    explain.textContent = words("explainRoute", {
      dout: at("dout", k, ow), v: fmt(plan.dout[k]), x: at("x", target, w), xv: fmt(plan.input[target]),
      values: values.join(", "), dx: at("dx", target, w), dxv: fmt(plan.dxAfter[k][target]),
    });
  }

  function drawShare() {
    const k = cursor;
    const { outHeight: oh, outWidth: ow, width: w, height: h, filter: f } = plan;
    const [r0, c0] = plan.windows[k];
    const inside = (i) => inWindow(k, Math.floor(i / w), i % w);
    drawSmall(grids.dout, oh, ow, plan.dout, (i) => (i === k ? ["current"] : i < k ? ["done"] : []),
      words("doutUpstream", { shape: `${oh}×${ow}` }));
    drawInput((r, c) => (inWindow(k, r, c) ? ["window"] : []), words("xShare", { shape: `${h}×${w}` }));
    drawSmall(grids.dx, h, w, plan.dxAfter[k], (i) => (inside(i) ? ["contrib"] : []),
      words("dxShared", { shape: `${h}×${w}`, k: k + 1, n: oh * ow }));
    const now = [];
    for (let r = r0; r < r0 + f; r++) for (let c = c0; c < c0 + f; c++) now.push(fmt(plan.dxAfter[k][r * w + c]));
    explain.textContent = words("explainShare", {
      dout: at("dout", k, ow), v: fmt(plan.dout[k]), n: f * f, where: rowsCols(k), share: fmt(plan.shares[k], 3), now: now.join(", "),
    });
  }

  function drawDx() {
    const k = cursor;
    const { outHeight: oh, outWidth: ow, width: w, height: h, pad: p, filter: f } = plan;
    const terms = plan.dxTerms[k];
    const outs = new Set(terms.map((t) => t.out));
    const ws = new Set(terms.map((t) => t.row * f + t.col));
    drawSmall(grids.dout, oh, ow, plan.dout, (i) => (outs.has(i) ? ["contrib"] : []), `dout: ${oh}×${ow}`);
    drawInput((r, c) => ((r - p) * w + (c - p) === k && r >= p && c >= p && r < p + h && c < p + w ? ["current"] : []));
    drawWeights((i) => (ws.has(i) ? ["contrib"] : []));
    drawSmall(grids.dx, h, w, plan.dx, (i) => (i === k ? ["current"] : []), `dx: ${h}×${w}`);
    drawSmall(grids.dw, f, f, plan.dw, () => [], `dw: ${f}×${f}`);
    // The same sum as a convolution: the flipped filter over a window of dout, dilated and padded.
    const { doutFullHeight: fh, doutFullWidth: fw } = plan;
    const [r0, c0] = plan.dxWindows[k];
    const inFull = (r, c) => r >= r0 && r < r0 + f && c >= c0 && c < c0 + f;
    drawSmall(grids.doutFull, fh, fw, plan.doutFull, (i) => {
      const classes = plan.doutFullSource[i] === undefined ? ["pad"] : [];
      if (inFull(Math.floor(i / fw), i % fw)) classes.push("window");
      return classes;
    }, words("doutFull", { stride: plan.stride, f1: f - 1, shape: `${fh}×${fw}` }));
    drawSmall(grids.flipped, f, f, plan.flipped, () => ["window"], words("wRotatedSize", { f }));
    const used = [];
    for (let u = 0; u < f; u++) {
      for (let v = 0; v < f; v++) {
        const i = (r0 + u) * fw + (c0 + v);
        if (plan.doutFullSource[i] !== undefined) used.push(`${paren(plan.doutFull[i])}·${paren(plan.flipped[u * f + v])}`);
      }
    }
    const window = words("flippedWindow", { r0, r1: r0 + f - 1, c0, c1: c0 + f - 1 });
    const convolution = used.length
      ? words("asConvolution", { window, used: used.join(" + "), value: fmt(plan.dx[k]) })
      : words("asConvolutionZeros", { window });
    const name = at("dx", k, w);
    if (!terms.length) {
      explain.textContent = words("dxSkipped", { x: at("x", k, w), name, convolution });
      return;
    }
    const symbols = terms.map((t) => `${at("dout", t.out, ow)}·w[${t.row},${t.col}]`).join(" + ");
    const numbers = terms.map((t) => `${paren(plan.dout[t.out])}·${paren(plan.weights[t.row * f + t.col])}`).join(" + ");
    explain.textContent = words("explainDx", { name, symbols, numbers, value: fmt(plan.dx[k]), x: at("x", k, w), convolution });
  }

  function drawDw() {
    const k = cursor;
    const { outHeight: oh, outWidth: ow, width: w, height: h, filter: f, pad: p } = plan;
    const terms = plan.dwTerms[k];
    const cells = new Set(terms.map((t) => `${t.row},${t.col}`));
    // dout is the window that slides over x here, drawn as the forward pass draws the filter.
    drawSmall(grids.dout, oh, ow, plan.dout, () => ["window"], `dout: ${oh}×${ow}`);
    drawInput((r, c) => (cells.has(`${r},${c}`) ? ["window", "contrib"] : []));
    drawWeights((i) => (i === k ? ["current"] : []));
    drawSmall(grids.dx, h, w, plan.dx, () => [], `dx: ${h}×${w}`);
    drawSmall(grids.dw, f, f, plan.dw, (i) => (i === k ? ["current"] : []), `dw: ${f}×${f}`);
    const name = at("dw", k, f);
    const xs = p ? "xpad" : "x";
    const symbols = terms.map((t) => `${xs}[${t.row},${t.col}]·${at("dout", t.out, ow)}`).join(" + ");
    const numbers = terms.map((t) => `${paren(xValue(t.row, t.col))}·${paren(plan.dout[t.out])}`).join(" + ");
    const s = plan.stride;
    const [first, last] = [terms[0], terms[terms.length - 1]];
    const span = (a, b) => words(s > 1 ? "spanSteps" : "span", { a, b, s });
    const r = Math.floor(k / f), c = k % f;
    explain.textContent = words("explainDw", {
      name, xs, r, c, s, shape: `${oh}×${ow}`, rows: span(first.row, last.row), cols: span(first.col, last.col), symbols, numbers, value: fmt(plan.dw[k]),
    });
  }

  state.subscribe((changed) => {
    if (batching) return;
    if (changed.includes("speed")) {
      speed.value = state.get("speed");
      player.interval = intervalAt(STEPPER.playInterval, state.get("speed"));
    }
    const layer = changed.some((n) => ["op", "dir", "sgrad", "sw", "sh", "sc", "sk", "sf", "ss", "sp", "seed"].includes(n));
    if (changed.some((n) => ["op", "dir", "sgrad"].includes(n))) cursor = 0;
    // A step from the address (an edited link, Back); the stepper's own moves already match.
    if (changed.includes("step") && state.get("step") - 1 !== cursor) {
      cursor = requested = state.get("step") - 1;
      if (!layer) {
        player.pause();
        if (plan) update();
      }
    }
    if (layer) update();
  });
  update();

  return { element, keys, hide: () => player.pause(), show: refit };
}
