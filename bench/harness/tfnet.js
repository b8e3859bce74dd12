// The benchmark net in TensorFlow.js (any backend): fused conv+bias+ReLU and matMul+bias+ReLU in
// the forward, a backward written by hand from tfjs ops (the tfjs-core bundle registers no
// gradients), plain SGD. Intermediates the backward needs are kept from the forward.
//
// By default the backward runs the kernels tfjs's own registered gradients would run (matMul with
// transpose flags, MaxPoolGrad; Conv2DBackpropFilter is replaced, see below), i.e. what autodiff
// costs. With
// `tuned: true` it works around the wasm backend's slow spots instead: explicit transposes before
// plain matMuls (its transposed matMuls are about 10× slower), and the pool gradient as a
// nearest-neighbour upsampling masked where the input equals its window's maximum (exact here:
// ties only occur among zeros, which the ReLU's gradient masks anyway).
//
// The conv weight gradient is one forward convolution of transposed tensors (see
// `convFilterGradByConv`) on both backends: the wasm backend (4.22) has no Conv2DBackpropFilter
// kernel, and the cpu backend's takes about 45 s per call on the cs231n net (element-wise
// TensorBuffer access), which would make a run take an hour. Both backends are synchronous: a
// kernel has finished when its op returns, so only the scalar loss is read back.

import { dims, nchwToNhwc, oihwToHwio, affineRowsChwToHwc, layerShapes } from "./problem.js";

/**
 * dW[i, j, c, f] = Σ_{n,h,w} xpad[n, h+i, w+j, c] · dy[n, h, w, f] is a stride-1 convolution of
 * x viewed as a batch of C single images with N channels (C×H×W×N) by dy viewed as an H×W×N×F
 * filter; its C×HH×WW×F output transposes to HWIO.
 */
function convFilterGradByConv(tf, x, dy, pad) {
  const xT = tf.transpose(x, [3, 1, 2, 0]);
  const dyT = tf.transpose(dy, [1, 2, 0, 3]);
  const g = tf.conv2d(xT, dyT, 1, [[0, 0], [pad, pad], [pad, pad], [0, 0]]);
  return tf.transpose(g, [1, 2, 0, 3]);
}

/**
 * Builds the net on tf's active backend from a problem of problem.js (canonical layouts).
 * Returns { step(), forward(), convForward(), dispose(), notes } — step and forward return the
 * batch's mean loss (before the update) as a number, which also forces the work to finish.
 */
export function createTfNet(tf, net, problem, { tuned = false } = {}) {
  const { pooled, d } = dims(net);
  const { batch: n, channels: c, size: s, filters: f, filterSize: k, pad, hidden, classes, lr } = net;
  const notes = [
    "conv dW as a forward conv2d of transposed tensors",
    ...(tuned ? ["explicit transposes before matMul, pool gradient by an upsampled mask"] : []),
  ].join(", ");
  const conv = dims(net).conv;
  // a·bᵀ and aᵀ·b, with or without the transpose flags.
  const matMulNT = (a, b) => (tuned ? tf.matMul(a, tf.transpose(b)) : tf.matMul(a, b, false, true));
  const matMulTN = (a, b) => (tuned ? tf.matMul(tf.transpose(a), b) : tf.matMul(a, b, true, false));
  function poolGrad(dp1, a1, p1) {
    if (!tuned) {
      return tf.engine().runKernel(
        "MaxPoolGrad",
        { dy: dp1, input: a1, output: p1 },
        { filterSize: 2, strides: 2, pad: 0, dimRoundingMode: undefined },
      );
    }
    const up = (t) => tf.image.resizeNearestNeighbor(t, [conv, conv]);
    return tf.mul(up(dp1), tf.cast(tf.equal(a1, up(p1)), "float32"));
  }

  const x = tf.tensor4d(nchwToNhwc(problem.x, n, c, s, s), [n, s, s, c]);
  const labels = tf.cast(tf.oneHot(tf.tensor1d(problem.y, "int32"), classes), "float32");
  let p = {
    w: tf.tensor4d(oihwToHwio(problem.w, f, c, k), [k, k, c, f]),
    b: tf.tensor1d(problem.b),
    w1: tf.tensor2d(affineRowsChwToHwc(problem.w1, f, pooled, hidden), [d, hidden]),
    b1: tf.tensor1d(problem.b1),
    w2: tf.tensor2d(problem.w2, [hidden, classes]),
    b2: tf.tensor1d(problem.b2),
  };

  function scores(params, keep) {
    const a1 = tf.fused.conv2d({ x, filter: params.w, strides: 1, pad, bias: params.b, activation: "relu" });
    const p1 = tf.maxPool(a1, 2, 2, 0);
    const flat = tf.reshape(p1, [n, d]);
    const h = tf.fused.matMul({ a: flat, b: params.w1, bias: params.b1, activation: "relu" });
    const out = tf.fused.matMul({ a: h, b: params.w2, bias: params.b2 });
    if (keep) Object.assign(keep, { a1, p1, flat, h });
    return out;
  }

  /** Mean softmax cross-entropy and its gradient with respect to the scores. */
  function softmaxLoss(out) {
    const logp = tf.logSoftmax(out);
    const loss = tf.div(tf.neg(tf.sum(tf.mul(logp, labels))), n);
    const dout = tf.div(tf.sub(tf.exp(logp), labels), n);
    return { loss, dout };
  }

  function step() {
    let lossValue = 0;
    const next = tf.tidy(() => {
      const saved = {};
      const out = scores(p, saved);
      const { loss, dout } = softmaxLoss(out);
      const { a1, p1, flat, h } = saved;
      const dw2 = matMulTN(h, dout);
      const db2 = tf.sum(dout, 0);
      const dh = tf.mul(matMulNT(dout, p.w2), tf.step(h));
      const dw1 = matMulTN(flat, dh);
      const db1 = tf.sum(dh, 0);
      const dp1 = tf.reshape(matMulNT(dh, p.w1), p1.shape);
      const da1 = poolGrad(dp1, a1, p1);
      const dz = tf.mul(da1, tf.step(a1));
      const dw = convFilterGradByConv(tf, x, dz, pad);
      const db = tf.sum(dz, [0, 1, 2]);
      lossValue = loss.dataSync()[0];
      const g = { w: dw, b: db, w1: dw1, b1: db1, w2: dw2, b2: db2 };
      const updated = {};
      for (const key of Object.keys(p)) updated[key] = tf.sub(p[key], tf.mul(g[key], lr));
      return updated;
    });
    for (const t of Object.values(p)) t.dispose();
    p = next;
    return lossValue;
  }

  function forward() {
    return tf.tidy(() => softmaxLoss(scores(p)).loss.dataSync()[0]);
  }

  // The cpu and wasm backends run each kernel to completion when it is called, so no read-back
  // is needed to time them (reading a large tensor back costs more than the conv itself).
  function convForward() {
    tf.tidy(() => tf.fused.conv2d({ x, filter: p.w, strides: 1, pad, bias: p.b }));
  }

  function dispose() {
    for (const t of [x, labels, ...Object.values(p)]) t.dispose();
  }

  return { step, forward, convForward, dispose, notes };
}

/**
 * A layered net of problem.js (`net.layers`: conv stride 1 with padding, ReLU, 2×2 max pool, fc)
 * on tf's active backend, from its problem (canonical layouts), with plain SGD. The forward fuses
 * a conv or fc with the ReLU that follows it (as createTfNet does); the backward, by hand, runs the
 * kernels tfjs's registered gradients run: `step` masks, `MaxPoolGrad`, `matMul` with transpose
 * flags, `conv2dTranspose` (Conv2DBackpropInput) for a conv's input gradient (none for the first
 * conv), and the conv weight gradient as a forward conv2d of transposed tensors (see above).
 * Returns { step(), forward(), dispose(), notes }.
 */
export function createTfLayeredNet(tf, net, problem) {
  const { batch: n, channels: c, size: s, classes, lr } = net;
  const shapes = layerShapes(net);
  const x = tf.tensor4d(nchwToNhwc(problem.x, n, c, s, s), [n, s, s, c]);
  const labels = tf.cast(tf.oneHot(tf.tensor1d(problem.y, "int32"), classes), "float32");
  // Weights in tfjs layouts: conv HWIO, fc rows in H×W×C order (an NHWC flatten).
  let params = problem.params.map((l, i) => {
    const sh = shapes[i];
    const w =
      sh.type === "conv"
        ? tf.tensor4d(oihwToHwio(l.w, sh.f, sh.c, sh.k), [sh.k, sh.k, sh.c, sh.f])
        : tf.tensor2d(affineRowsChwToHwc(l.w, sh.c, sh.side, sh.m), [sh.c * sh.side * sh.side, sh.m]);
    return { w, b: tf.tensor1d(l.b) };
  });
  // The forward's stages: a conv or fc (with the ReLU after it fused in), a lone ReLU, or a pool.
  const stages = [];
  let k = 0;
  for (let i = 0; i < net.layers.length; i++) {
    const l = net.layers[i];
    if (l.type === "conv" || l.type === "fc") {
      const relu = net.layers[i + 1]?.type === "relu";
      stages.push({ type: l.type, param: k++, pad: l.pad, relu });
      if (relu) i++;
    } else stages.push({ type: l.type });
  }

  /** The scores; with `keep`, every stage's input and output for the backward. */
  function scores(ps, keep) {
    let a = x;
    for (const st of stages) {
      const input = a;
      if (st.type === "conv") {
        const { w, b } = ps[st.param];
        a = tf.fused.conv2d({ x: a, filter: w, strides: 1, pad: st.pad, bias: b, activation: st.relu ? "relu" : "linear" });
      } else if (st.type === "fc") {
        const { w, b } = ps[st.param];
        a = tf.fused.matMul({ a: tf.reshape(a, [n, w.shape[0]]), b: w, bias: b, activation: st.relu ? "relu" : "linear" });
      } else if (st.type === "relu") {
        a = tf.relu(a);
      } else {
        a = tf.maxPool(a, 2, 2, 0);
      }
      if (keep) keep.push({ input, output: a });
    }
    return a;
  }

  function softmaxLoss(out) {
    const logp = tf.logSoftmax(out);
    const loss = tf.div(tf.neg(tf.sum(tf.mul(logp, labels))), n);
    const dout = tf.div(tf.sub(tf.exp(logp), labels), n);
    return { loss, dout };
  }

  function step() {
    let lossValue = 0;
    const next = tf.tidy(() => {
      const kept = [];
      const { loss, dout } = softmaxLoss(scores(params, kept));
      const grads = [];
      let d = dout;
      for (let i = stages.length - 1; i >= 0; i--) {
        const st = stages[i];
        const { input, output } = kept[i];
        if (st.type === "relu") {
          d = tf.mul(d, tf.step(output));
        } else if (st.type === "pool") {
          d = tf.engine().runKernel(
            "MaxPoolGrad",
            { dy: d, input, output },
            { filterSize: 2, strides: 2, pad: 0, dimRoundingMode: undefined },
          );
        } else {
          const { w } = params[st.param];
          const dz = st.relu ? tf.mul(d, tf.step(output)) : d;
          if (st.type === "conv") {
            grads[st.param] = { w: convFilterGradByConv(tf, input, dz, st.pad), b: tf.sum(dz, [0, 1, 2]) };
            if (i > 0) d = tf.conv2dTranspose(dz, w, input.shape, 1, st.pad);
          } else {
            const flat = tf.reshape(input, [n, w.shape[0]]);
            grads[st.param] = { w: tf.matMul(flat, dz, true, false), b: tf.sum(dz, 0) };
            if (i > 0) d = tf.reshape(tf.matMul(dz, w, false, true), input.shape);
          }
        }
      }
      lossValue = loss.dataSync()[0];
      return params.map((p, j) => ({ w: tf.sub(p.w, tf.mul(grads[j].w, lr)), b: tf.sub(p.b, tf.mul(grads[j].b, lr)) }));
    });
    for (const p of params) {
      p.w.dispose();
      p.b.dispose();
    }
    params = next;
    return lossValue;
  }

  function forward() {
    return tf.tidy(() => softmaxLoss(scores(params)).loss.dataSync()[0]);
  }

  function dispose() {
    for (const t of [x, labels, ...params.flatMap((p) => [p.w, p.b])]) t.dispose();
  }

  return {
    step, forward, dispose,
    notes: "conv dx by conv2dTranspose, conv dW as a forward conv2d of transposed tensors",
  };
}

/** Milliseconds per tf.matMul of two n×n matrices (n = 512 by default): median of `iters` after warm-up. */
export function matMulMs(tf, size = 512, iters = 20) {
  const a = tf.randomUniform([size, size]);
  const b = tf.randomUniform([size, size]);
  const run = () => tf.tidy(() => tf.matMul(a, b));
  const t0 = performance.now();
  while (performance.now() - t0 < 1000) run();
  const ms = [];
  for (let i = 0; i < iters; i++) {
    const t = performance.now();
    run();
    ms.push(performance.now() - t);
  }
  a.dispose();
  b.dispose();
  return ms;
}
