// The step-by-step grid: one conv or max-pool layer on a small input, forward (a window sliding
// over the input) and backward (where each gradient goes). Every number comes from the engine's
// `stepperPlan`; this module only chooses what to highlight and writes the captions.
// In the backward pass a short "Why" paragraph per mode (stepper-why.js) says where the rule comes from;
// conv dx also draws dout dilated and padded and the flipped filter (plan.doutFull, plan.flipped).
//
// The step is part of the link (`step`, counted from 1), and so is the play speed (`speed`).
// Back and Step stay focusable at the ends (aria-disabled, not disabled), so that the focus of a
// keyboard user never falls to <body>. `keys` are the actions the page's keys call (keys.js).

import { STEPPER } from "../config.js";
import { attempt } from "../engine.js";
import { el, fmt, numberField, radioGroup, say } from "./dom.js";
import { cellText, createGrid } from "./grid.js";
import { intervalAt, nextSpeed, Player } from "./player.js";
import { loadWhyStyles, showWhy } from "./stepper-why.js";

const SETTINGS = [
  // [state name, label, config key, max, hint]
  ["sh", "Input H", "height", STEPPER.maxSide, "Input height (rows)"],
  ["sw", "Input W", "width", STEPPER.maxSide, "Input width (columns)"],
  ["sf", "Filter F", "filter", STEPPER.maxFilter, "Filter (or pool window) size, F×F"],
  ["ss", "Stride S", "stride", STEPPER.maxStride, "Step between windows"],
  ["sp", "Pad P", "pad", STEPPER.maxPad, "Zeros added on every side (conv only)"],
];

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
    legend: "Layer", name: "stepper-op", value: state.get("op"),
    options: [["conv", "Conv"], ["pool", "Max pool"]],
    onChange: (v) => state.set("op", v),
  });
  const dir = radioGroup({
    legend: "Pass", name: "stepper-dir", value: state.get("dir"),
    options: [["forward", "Forward"], ["backward", "Backward"]],
    onChange: (v) => state.set("dir", v),
  });
  const grad = radioGroup({
    legend: "Conv gradient", name: "stepper-grad", value: state.get("sgrad"),
    options: [["dx", "dx (input)"], ["dw", "dw (weights)"]],
    onChange: (v) => state.set("sgrad", v),
  });
  const inputs = new Map();
  const numbers = el("div", { class: "numbers" });
  for (const [name, label, , max, hint] of SETTINGS) {
    const { field, input } = numberField({
      label, name: `stepper-${name}`, value: state.get(name), min: name === "sp" ? 0 : 1, max, hint,
      onInput: (v) => Number.isInteger(v) && state.set(name, v),
    });
    inputs.set(name, input);
    numbers.append(field);
  }
  const seed = numberField({
    label: "Seed", name: "stepper-seed", value: state.get("seed"), min: 0, hint: "Seed of the example numbers",
    onInput: (v) => Number.isInteger(v) && state.set("seed", v),
  });
  inputs.set("seed", seed.input);
  const reseed = el("button", { type: "button", text: "New numbers", "data-action": "reseed",
    onclick: () => state.set("seed", (state.get("seed") + 1) % 2 ** 31) });
  numbers.append(seed.field, reseed);
  controls.append(op.set, numbers, dir.set, grad.set);

  const formula = el("div", { class: "formula", "data-testid": "stepper-formula" });
  const shape = el("p", { class: "shape", "data-testid": "stepper-shape", "aria-live": "polite" });
  const error = el("p", { class: "message error", role: "alert", "data-testid": "stepper-error", hidden: true });

  const back = el("button", { type: "button", text: "◀ Back", "data-action": "back", "aria-keyshortcuts": "ArrowLeft" });
  const play = el("button", { type: "button", text: "▶ Play", "data-action": "play", "aria-pressed": "false", "aria-keyshortcuts": "Space" });
  const next = el("button", { type: "button", text: "Step ▶", "data-action": "step", "aria-keyshortcuts": "ArrowRight" });
  const reset = el("button", { type: "button", text: "⟲ Reset", "data-action": "reset", "aria-keyshortcuts": "Home" });
  const speed = el("select", { name: "stepper-speed", "aria-label": "Play speed", "aria-keyshortcuts": "+ -", "data-setting": "speed" },
    ...STEPPER.speeds.map((v) => el("option", { value: v, text: `${v}×` })));
  speed.value = state.get("speed");
  speed.addEventListener("change", () => state.set("speed", speed.value));
  const speedField = el("label", { class: "field speed", title: "Steps per second while playing, as a multiple of 1×" },
    el("span", { text: "Speed" }), speed);
  const position = el("span", { class: "position", "data-testid": "stepper-position", "aria-live": "polite" });
  const transport = el("div", { class: "transport", role: "group", "aria-label": "Stepper" },
    back, play, speedField, next, reset, position);
  // A link's step past this layer's last: said here, not changed silently.
  const stepNotice = el("p", { class: "message notice", role: "status", "data-testid": "stepper-step-notice", hidden: true });

  const grids = {
    dout: createGrid({ caption: "dout", name: "dout", onPick: (r, c) => pick("dout", r, c) }),
    x: createGrid({ caption: "x", name: "x", onPick: (r, c) => pick("x", r, c) }),
    w: createGrid({ caption: "w", name: "w", onPick: (r, c) => pick("w", r, c) }),
    out: createGrid({ caption: "out", name: "out", onPick: (r, c) => pick("out", r, c) }),
    dx: createGrid({ caption: "dx", name: "dx", onPick: (r, c) => pick("dx", r, c) }),
    dw: createGrid({ caption: "dw", name: "dw", onPick: (r, c) => pick("dw", r, c) }),
    doutFull: createGrid({ caption: "dout, padded", name: "dout-full" }),
    flipped: createGrid({ caption: "w rotated 180°", name: "w-flipped" }),
  };
  const gridBox = el("div", { class: "grids" }, ...Object.values(grids).map((g) => g.figure));
  const explain = el("p", { class: "explain", "data-testid": "stepper-explain", "aria-live": "polite" });
  const why = el("div", { class: "why", "data-testid": "stepper-why" });
  loadWhyStyles();
  const legend = el("p", { class: "legend" },
    el("span", { class: "cell window", text: "window" }), " ",
    el("span", { class: "cell current", text: "current" }), " ",
    el("span", { class: "cell winner", text: "max" }), " ",
    el("span", { class: "cell contrib", text: "contributes" }), " ",
    el("span", { class: "cell pad", text: "0" }), " padding");

  const element = el("section", { class: "card stepper", "aria-labelledby": "stepper-title", tabindex: "-1" },
    el("h3", { id: "stepper-title", text: "One layer, one window at a time" }),
    controls, formula, shape, error, stepNotice, transport, gridBox, explain, why, legend);

  let plan = null;
  let cursor = state.get("step") - 1;
  /** The step a link asked for (0-based) until a plan shows whether this layer has it. */
  let requested = cursor;
  const player = new Player(() => step(1), intervalAt(STEPPER.playInterval, state.get("speed")), (on) => {
    play.textContent = on ? "❚❚ Pause" : "▶ Play";
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

  function config() {
    return {
      op: state.get("op"), height: state.get("sh"), width: state.get("sw"), filter: state.get("sf"),
      stride: state.get("ss"), pad: state.get("op") === "pool" ? 0 : state.get("sp"), seed: state.get("seed"),
    };
  }

  /** What the cursor walks over in the current mode. */
  function mode() {
    if (state.get("dir") === "forward") return "forward";
    return plan.op === "pool" ? "route" : state.get("sgrad");
  }

  function count() {
    if (!plan) return 0;
    return { forward: plan.outHeight * plan.outWidth, route: plan.outHeight * plan.outWidth,
      dx: plan.height * plan.width, dw: plan.filter * plan.filter }[mode()];
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

  function pick(grid, r, c) {
    if (!plan) return;
    const m = mode();
    const p = plan.pad;
    const target = {
      forward: { out: r * plan.outWidth + c },
      route: { dout: r * plan.outWidth + c },
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

  function update() {
    player.pause();
    for (const [name, input] of inputs) {
      if (Number(input.value) !== state.get(name)) input.value = state.get(name);
    }
    inputs.get("sp").disabled = state.get("op") === "pool";
    op.select(state.get("op"));
    dir.select(state.get("dir"));
    grad.select(state.get("sgrad"));
    const cfg = config();
    showFormula(cfg);
    const result = attempt(() => engine.stepperPlan(cfg));
    if (result.error) {
      plan = null;
      const note = cfg.op === "pool" ? " (Max pool has no padding here, as in the assignment.)" : "";
      say(error, `Not allowed — ${result.error}.${note}`, "error");
      shape.textContent = `Output: not defined for ${cfg.height}×${cfg.width}, F = ${cfg.filter}, S = ${cfg.stride}, P = ${cfg.pad}`;
      transport.hidden = gridBox.hidden = explain.hidden = why.hidden = true;
      return;
    }
    plan = result.value;
    say(error, "");
    transport.hidden = gridBox.hidden = explain.hidden = false;
    shape.textContent = `Output: ${plan.outHeight}×${plan.outWidth}`;
    if (requested !== null && requested > count() - 1) {
      say(stepNotice, `This link asked for step ${requested + 1}, but this layer has ${count()} steps: showing step ${count()}.`);
    } else if (requested !== null) {
      say(stepNotice, "");
    }
    requested = null;
    cursor = Math.min(cursor, count() - 1);
    draw();
  }

  function draw() {
    if (!plan) return;
    const m = mode();
    grad.set.hidden = !(state.get("dir") === "backward" && plan.op === "conv");
    position.textContent = `Step ${cursor + 1} of ${count()}`;
    back.setAttribute("aria-disabled", String(cursor === 0));
    next.setAttribute("aria-disabled", String(cursor >= count() - 1));
    state.set("step", cursor + 1);
    const visible = {
      forward: plan.op === "conv" ? ["x", "w", "out"] : ["x", "out"],
      route: ["dout", "x", "dx"],
      dx: ["dout", "x", "w", "dx", "dw", "doutFull", "flipped"],
      dw: ["dout", "x", "w", "dx", "dw"],
    }[m];
    for (const [name, g] of Object.entries(grids)) g.hide(!visible.includes(name));
    showWhy(why, plan, m);
    ({ forward: drawForward, route: drawRoute, dx: drawDx, dw: drawDw })[m]();
  }

  /** Classes of the padded input grid: `mark(r, c)` adds more for padded coordinates. */
  function drawInput(mark, title) {
    const { height: h, width: w, pad: p, input } = plan;
    grids.x.update({
      rows: h + 2 * p, cols: w + 2 * p,
      title: title ?? (p ? `x: ${h}×${w} input padded by ${p} → ${h + 2 * p}×${w + 2 * p}` : `x: ${h}×${w} input`),
      cell: (r, c) => {
        const isPad = r < p || c < p || r >= h + p || c >= w + p;
        const classes = isPad ? ["pad"] : [];
        classes.push(...mark(r, c));
        return { text: isPad ? "0" : cellText(input[(r - p) * w + (c - p)]), classes };
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

  function xValue(r, c) {
    const { height: h, width: w, pad: p } = plan;
    const isPad = r < p || c < p || r >= h + p || c >= w + p;
    return isPad ? 0 : plan.input[(r - p) * w + (c - p)];
  }

  function drawWeights(classesOf = () => []) {
    const f = plan.filter;
    drawSmall(grids.w, f, f, plan.weights, classesOf, `w: ${f}×${f} filter, bias 0`);
  }

  function drawForward() {
    const k = cursor;
    const winner = plan.op === "pool" ? plan.argmax[k] : -1;
    const p = plan.pad;
    drawInput((r, c) => {
      const classes = inWindow(k, r, c) ? ["window"] : [];
      if (winner >= 0 && (r - p) * plan.width + (c - p) === winner && inWindow(k, r, c)) classes.push("winner");
      return classes;
    });
    if (plan.op === "conv") drawWeights(() => ["window"]);
    const { outHeight: oh, outWidth: ow } = plan;
    grids.out.update({
      rows: oh, cols: ow, title: `out: ${oh}×${ow}`,
      cell: (r, c) => {
        const i = r * ow + c;
        if (i > k) return { text: "", classes: ["pending"] };
        return { text: cellText(plan.output[i]), classes: i === k ? ["current"] : [] };
      },
    });
    const [r0, c0] = plan.windows[k];
    const f = plan.filter;
    const cells = [];
    for (let di = 0; di < f; di++) for (let dj = 0; dj < f; dj++) cells.push([di, dj, xValue(r0 + di, c0 + dj)]);
    const name = at("out", k, ow);
    if (plan.op === "conv") {
      const products = cells.map(([di, dj, x]) => `${paren(plan.weights[di * f + dj])}·${paren(x)}`).join(" + ");
      explain.textContent = `${name} = Σ w·x over the window at rows ${r0}–${r0 + f - 1}, columns ${c0}–${c0 + f - 1} of the ${p ? "padded " : ""}input = ${products} = ${fmt(plan.output[k])}`;
    } else {
      explain.textContent = `${name} = max(${cells.map(([, , x]) => fmt(x)).join(", ")}) = ${fmt(plan.output[k])}, the largest value in the window at rows ${r0}–${r0 + f - 1}, columns ${c0}–${c0 + f - 1} (ties go to the first).`;
    }
  }

  function drawRoute() {
    const k = cursor;
    const { outHeight: oh, outWidth: ow, width: w, height: h } = plan;
    const target = plan.argmax[k];
    drawSmall(grids.dout, oh, ow, plan.dout, (i) => (i === k ? ["current"] : i < k ? ["done"] : []),
      `dout: upstream gradient, ${oh}×${ow}`);
    drawInput((r, c) => {
      const classes = inWindow(k, r, c) ? ["window"] : [];
      if (r * w + c === target) classes.push("winner");
      return classes;
    }, `x: ${h}×${w} forward input (its max gets the gradient)`);
    drawSmall(grids.dx, h, w, plan.dxAfter[k], (i) => (i === target ? ["current"] : []),
      `dx: ${h}×${w}, after routing ${k + 1} of ${oh * ow}`);
    const [r0, c0] = plan.windows[k];
    const f = plan.filter;
    const values = [];
    for (let di = 0; di < f; di++) for (let dj = 0; dj < f; dj++) values.push(fmt(xValue(r0 + di, c0 + dj)));
    explain.textContent = `${at("dout", k, ow)} = ${fmt(plan.dout[k])} goes unchanged to ${at("x", target, w)} = ${fmt(plan.input[target])}, the argmax of its window, its largest value (${values.join(", ")}; the first one if tied); the other cells of the window get 0. ${at("dx", target, w)} is now ${fmt(plan.dxAfter[k][target])}.`;
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
    }, `dout${plan.stride > 1 ? `, ${plan.stride - 1} zero${plan.stride > 2 ? "s" : ""} between cells,` : ""} padded by F − 1 = ${f - 1}: ${fh}×${fw}`);
    drawSmall(grids.flipped, f, f, plan.flipped, () => ["window"], `w rotated 180°: ${f}×${f}`);
    const used = [];
    for (let u = 0; u < f; u++) {
      for (let v = 0; v < f; v++) {
        const i = (r0 + u) * fw + (c0 + v);
        if (plan.doutFullSource[i] !== undefined) used.push(`${paren(plan.doutFull[i])}·${paren(plan.flipped[u * f + v])}`);
      }
    }
    const window = `the flipped filter over rows ${r0}–${r0 + f - 1}, columns ${c0}–${c0 + f - 1} of the padded dout`;
    const convolution = used.length
      ? ` As a convolution: ${window}: ${used.join(" + ")} = ${fmt(plan.dx[k])} (the zeros drop out).`
      : ` As a convolution: ${window} holds only zeros, so it gives 0.`;
    const name = at("dx", k, w);
    if (!terms.length) {
      explain.textContent = `No window covers ${at("x", k, w)} (the stride skips it), so ${name} = 0.${convolution}`;
      return;
    }
    const symbols = terms.map((t) => `${at("dout", t.out, ow)}·w[${t.row},${t.col}]`).join(" + ");
    const numbers = terms.map((t) => `${paren(plan.dout[t.out])}·${paren(plan.weights[t.row * f + t.col])}`).join(" + ");
    explain.textContent = `${name} = ${symbols} = ${numbers} = ${fmt(plan.dx[k])}: every output whose window covered ${at("x", k, w)} sends back its gradient times the weight that multiplied it.${convolution}`;
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
    const span = (a, b) => (s > 1 ? `${a}–${b} in steps of ${s}` : `${a}–${b}`);
    const r = Math.floor(k / f), c = k % f;
    explain.textContent = `${name} = Σ ${xs}[${r}+${s}·a, ${c}+${s}·b]·dout[a,b], the ${oh}×${ow} dout laid over ${xs} at rows ${span(first.row, last.row)}, columns ${span(first.col, last.col)}: ${symbols} = ${numbers} = ${fmt(plan.dw[k])}.`;
  }

  state.subscribe((changed) => {
    if (changed.includes("speed")) {
      speed.value = state.get("speed");
      player.interval = intervalAt(STEPPER.playInterval, state.get("speed"));
    }
    const layer = changed.some((n) => ["op", "dir", "sgrad", "sw", "sh", "sf", "ss", "sp", "seed"].includes(n));
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

  return { element, keys, hide: () => player.pause() };
}
