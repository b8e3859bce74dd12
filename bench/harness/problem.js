// The benchmark nets, their arithmetic cost, and one seeded problem (data, labels, initial
// weights) that every contender starts from. Pure maths: runs in the browser and in Node.
//
// cs231n and tiny are the three-layer net (conv – ReLU – pool – affine – ReLU – affine); lecture
// is a stack of layers (`layers`), the lecture's [CONV-RELU-CONV-RELU-POOL]×3 → FC → 5, which the
// engine runs as a models::Sequential built from its text (`networkText`).
//
// Canonical layouts are the engine's (CS231n's): x is N×C×H×W, the conv weight F×C×HH×WW, the first
// affine weight D×M with D indexed in C×H'×W' order (how the pooled volume flattens). Converters
// below give TensorFlow.js (NHWC data, HWIO filters, D in H'×W'×C order) and ConvNetJS (per-example
// H×W×C volumes, filters HH×WW×C, D in H'×W'×C order) exactly the same numbers.

/** conv → ReLU → 2×2 max pool → affine → ReLU → affine → softmax, plain SGD, f32. */
export const NETS = {
  cs231n: {
    name: "cs231n",
    batch: 50, channels: 3, size: 32, filters: 32, filterSize: 7, pad: 3,
    hidden: 100, classes: 10, lr: 0.002, seed: 231,
  },
  tiny: {
    name: "tiny",
    batch: 32, channels: 3, size: 16, filters: 8, filterSize: 3, pad: 1,
    hidden: 32, classes: 5, lr: 0.05, seed: 5,
  },
  lecture: {
    name: "lecture",
    batch: 50, channels: 3, size: 32, classes: 5, lr: 0.01, seed: 13,
    layers: [
      ...[0, 1, 2].flatMap(() => [
        { type: "conv", filters: 16, size: 3, pad: 1 }, { type: "relu" },
        { type: "conv", filters: 16, size: 3, pad: 1 }, { type: "relu" },
        { type: "pool" },
      ]),
      { type: "fc", outputs: 5 },
    ],
  },
};

/**
 * The network table's text of a net (what models::Sequential is built from): its `layers`, or the
 * three-layer net's `conv{k}x{k}-{F} pad{p}, relu, pool2, fc{hidden}, relu, fc{classes}`.
 */
export function networkText(net) {
  const layers = net.layers ?? [
    { type: "conv", filters: net.filters, size: net.filterSize, pad: net.pad }, { type: "relu" }, { type: "pool" },
    { type: "fc", outputs: net.hidden }, { type: "relu" }, { type: "fc", outputs: net.classes },
  ];
  const text = layers.map((l) =>
    l.type === "conv" ? `conv${l.size}x${l.size}-${l.filters} pad${l.pad}` : l.type === "pool" ? "pool2" : l.type === "fc" ? `fc${l.outputs}` : "relu",
  );
  return `${net.size}x${net.size}x${net.channels}: ${text.join(", ")}`;
}

/**
 * A layered net's learned arrays in layer order, with each one's input volume: conv
 * { type, c, side, f, k, pad } (weights F×C×k×k, stride 1, same padding), fc { type, c, side, m }
 * (weights D×M, D = c·side² in C×H×W order). Pools halve the side.
 */
export function layerShapes(net) {
  let c = net.channels;
  let side = net.size;
  const out = [];
  for (const l of net.layers) {
    if (l.type === "conv") {
      out.push({ type: "conv", c, side, f: l.filters, k: l.size, pad: l.pad });
      c = l.filters;
      side = side + 2 * l.pad - l.size + 1;
    } else if (l.type === "pool") {
      side /= 2;
    } else if (l.type === "fc") {
      out.push({ type: "fc", c, side, m: l.outputs });
      c = l.outputs;
      side = 1;
    }
  }
  return out;
}

/** Derived sizes: conv output side `size` (stride 1, same padding), pooled side, affine input D. */
export function dims(net) {
  const conv = net.size + 2 * net.pad - net.filterSize + 1;
  const pooled = conv / 2;
  return { conv, pooled, d: net.filters * pooled * pooled };
}

/** Multiply-adds ×2 of the conv and the affine layers; a training step counts as 3 forwards. */
export function flops(net) {
  if (net.layers) {
    const macs = layerShapes(net).reduce(
      (a, l) => a + net.batch * (l.type === "conv" ? l.f * l.side * l.side * l.c * l.k * l.k : l.c * l.side * l.side * l.m),
      0,
    );
    return { conv: null, forward: 2 * macs, step: 6 * macs };
  }
  const { conv, d } = dims(net);
  const convMacs = net.batch * net.filters * conv * conv * net.channels * net.filterSize ** 2;
  const affineMacs = net.batch * (d * net.hidden + net.hidden * net.classes);
  const forward = 2 * (convMacs + affineMacs);
  return { conv: 2 * convMacs, forward, step: 3 * forward };
}

/** mulberry32: a tiny seeded generator, the same stream in every browser and in Node. */
function uniforms(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normals(seed) {
  const u = uniforms(seed);
  return () => {
    // Box–Muller; 1 − u keeps the logarithm finite.
    const r = Math.sqrt(-2 * Math.log(1 - u()));
    return r * Math.cos(2 * Math.PI * u());
  };
}

function fill(n, scale, next) {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = scale * next();
  return a;
}

/**
 * The problem every contender trains on, in the canonical layouts (all Float32Array, so f64
 * contenders read exactly the f32 values): x N×C×H×W ~ N(0, 1), labels uniform, He-scaled weights
 * and small non-zero biases (so the bias gradients are checked too).
 */
export function makeProblem(net) {
  if (net.layers) return makeLayeredProblem(net);
  const { d } = dims(net);
  const { batch: n, channels: c, size: s, filters: f, filterSize: k, hidden: h, classes: m } = net;
  const next = normals(net.seed);
  const u = uniforms(net.seed + 1);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(u() * m);
  return {
    x: fill(n * c * s * s, 1, next),
    y,
    w: fill(f * c * k * k, Math.sqrt(2 / (c * k * k)), next),
    b: fill(f, 0.01, next),
    w1: fill(d * h, Math.sqrt(2 / d), next),
    b1: fill(h, 0.01, next),
    w2: fill(h * m, Math.sqrt(1 / h), next),
    b2: fill(m, 0.01, next),
  };
}

/**
 * The problem of a layered net: x N×C×H×W ~ N(0, 1), labels uniform, and for each conv or fc
 * layer (layerShapes order) He-scaled weights `w` and small non-zero biases `b`.
 */
function makeLayeredProblem(net) {
  const { batch: n, channels: c, size: s, classes: m } = net;
  const next = normals(net.seed);
  const u = uniforms(net.seed + 1);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) y[i] = Math.floor(u() * m);
  const x = fill(n * c * s * s, 1, next);
  const params = layerShapes(net).map((l) => {
    const fanIn = l.type === "conv" ? l.c * l.k * l.k : l.c * l.side * l.side;
    const count = l.type === "conv" ? l.f * fanIn : fanIn * l.m;
    const outputs = l.type === "conv" ? l.f : l.m;
    return { ...l, w: fill(count, Math.sqrt(2 / fanIn), next), b: fill(outputs, 0.01, next) };
  });
  return { x, y, params };
}

/** N×C×H×W → N×H×W×C. */
export function nchwToNhwc(x, n, c, h, w) {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let r = 0; r < h; r++)
        for (let col = 0; col < w; col++)
          out[((i * h + r) * w + col) * c + ch] = x[((i * c + ch) * h + r) * w + col];
  return out;
}

/** Conv weight F×C×HH×WW → HH×WW×C×F (TensorFlow's HWIO). */
export function oihwToHwio(wt, f, c, k) {
  const out = new Float32Array(wt.length);
  for (let o = 0; o < f; o++)
    for (let i = 0; i < c; i++)
      for (let r = 0; r < k; r++)
        for (let s = 0; s < k; s++) out[((r * k + s) * c + i) * f + o] = wt[((o * c + i) * k + r) * k + s];
  return out;
}

/** First affine weight with rows in C×H'×W' order → rows in H'×W'×C order (an NHWC flatten). */
export function affineRowsChwToHwc(w1, c, side, hidden) {
  const out = new Float32Array(w1.length);
  for (let ch = 0; ch < c; ch++)
    for (let p = 0; p < side * side; p++) {
      const from = (ch * side * side + p) * hidden;
      const to = (p * c + ch) * hidden;
      for (let j = 0; j < hidden; j++) out[to + j] = w1[from + j];
    }
  return out;
}
