// The benchmark net in ConvNetJS (computes in f64), set to the problem's exact initial weights.
// A training step is ConvNetJS's own minibatch SGD: `batch` calls of Trainer.train, which
// accumulates gradients and updates once per batch (momentum 0, no weight decay).

import { dims } from "./problem.js";

export function createConvNet(convnetjs, net, problem) {
  const { pooled, d } = dims(net);
  const { batch: n, channels: c, size: s, filters: f, filterSize: k, pad, hidden, classes, lr } = net;
  const model = new convnetjs.Net();
  model.makeLayers([
    { type: "input", out_sx: s, out_sy: s, out_depth: c },
    { type: "conv", sx: k, filters: f, stride: 1, pad, activation: "relu" },
    { type: "pool", sx: 2, stride: 2 },
    { type: "fc", num_neurons: hidden, activation: "relu" },
    { type: "softmax", num_classes: classes },
  ]);
  const conv = model.layers.find((l) => l.layer_type === "conv");
  const [fc1, fc2] = model.layers.filter((l) => l.layer_type === "fc");

  // Conv filters are sx×sy×depth volumes: index (fy·sx + fx)·depth + channel.
  for (let o = 0; o < f; o++) {
    const w = conv.filters[o].w;
    for (let i = 0; i < c; i++)
      for (let r = 0; r < k; r++)
        for (let q = 0; q < k; q++) w[(r * k + q) * c + i] = problem.w[((o * c + i) * k + r) * k + q];
    conv.biases.w[o] = problem.b[o];
  }
  // The pooled volume flattens as (y·side + x)·depth + channel; the canonical rows are C×H'×W'.
  for (let j = 0; j < hidden; j++) {
    const w = fc1.filters[j].w;
    for (let ch = 0; ch < f; ch++)
      for (let q = 0; q < pooled * pooled; q++) w[q * f + ch] = problem.w1[(ch * pooled * pooled + q) * hidden + j];
    fc1.biases.w[j] = problem.b1[j];
  }
  for (let m = 0; m < classes; m++) {
    for (let j = 0; j < hidden; j++) fc2.filters[m].w[j] = problem.w2[j * classes + m];
    fc2.biases.w[m] = problem.b2[m];
  }
  if (fc1.filters[0].w.length !== d) throw new Error(`ConvNetJS built fc input ${fc1.filters[0].w.length}, expected ${d}`);

  const examples = [];
  for (let e = 0; e < n; e++) {
    const v = new convnetjs.Vol(s, s, c, 0.0);
    for (let ch = 0; ch < c; ch++)
      for (let r = 0; r < s; r++)
        for (let q = 0; q < s; q++) v.w[(r * s + q) * c + ch] = problem.x[((e * c + ch) * s + r) * s + q];
    examples.push(v);
  }
  const trainer = new convnetjs.Trainer(model, {
    method: "sgd", learning_rate: lr, momentum: 0, batch_size: n, l1_decay: 0, l2_decay: 0,
  });

  function step() {
    let loss = 0;
    for (let e = 0; e < n; e++) loss += trainer.train(examples[e], problem.y[e]).cost_loss;
    return loss / n;
  }

  function forward() {
    let loss = 0;
    for (let e = 0; e < n; e++) loss -= Math.log(model.forward(examples[e], false).w[problem.y[e]]);
    return loss / n;
  }

  function convForward() {
    for (let e = 0; e < n; e++) conv.forward(examples[e], false);
  }

  return { step, forward, convForward, dispose() {}, notes: "f64 (JavaScript numbers in Float64Array)" };
}
