// The harness page: loads one contender at a time and exposes `window.bench` to bench/run.mjs,
// which calls `load`, then `losses` (the agreement check), then `time` for each net.

import { NETS, makeProblem } from "./problem.js";
import { createTfNet, createTfLayeredNet, matMulMs } from "./tfnet.js";
import { createConvNet } from "./convnet.js";
import { measure, summary } from "./timing.js";

const MODULES = "/bench/node_modules";
let contender = null;
let make = null;
const models = {};
const extras = {};

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${src}`));
    document.head.append(s);
  });
}

async function loadTf(backend, options = {}) {
  await loadScript(`${MODULES}/@tensorflow/tfjs-core/dist/tf-core.js`);
  const tf = window.tf;
  if (backend === "wasm") {
    await loadScript(`${MODULES}/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.js`);
    // One thread, SIMD: refuse the threaded binary even though this page is cross-origin isolated.
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    tf.wasm.setWasmPaths(`${MODULES}/@tensorflow/tfjs-backend-wasm/dist/`);
  } else {
    await loadScript(`${MODULES}/@tensorflow/tfjs-backend-cpu/dist/tf-backend-cpu.js`);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} did not initialise`);
  await tf.ready();
  extras.info = {
    version: tf.version_core,
    backend: tf.getBackend(),
    ...(backend === "wasm"
      ? {
          simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"),
          multithread: await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
        }
      : {}),
  };
  make = (net, problem) => (net.layers ? createTfLayeredNet(tf, net, problem) : createTfNet(tf, net, problem, options));
  if (backend === "wasm") extras.matMul512 = () => summary(matMulMs(tf, 512, 20));
}

async function loadConvNetJs() {
  await loadScript(`${MODULES}/convnetjs/build/convnet.js`);
  // convnetjs 0.3.0's build attaches itself as window.jsfeat; its top-level var is global too.
  const lib = window.convnetjs ?? window.jsfeat;
  extras.info = { version: "0.3.0 (npm)", precision: "f64" };
  make = (net, problem) => createConvNet(lib, net, problem);
}

async function loadEngine() {
  const { createEngineNet, engineInfo, gemm512 } = await import("./engine.js");
  extras.info = await engineInfo();
  extras.gemm512 = gemm512;
  make = (net, problem) => createEngineNet(net, problem);
}

/** The engine with every net as a models::Sequential built from its text (SequentialBench). */
async function loadEngineSequential() {
  const { createSequentialNet, engineInfo } = await import("./engine.js");
  extras.info = { ...(await engineInfo()), model: "models::Sequential" };
  make = (net, problem) => createSequentialNet(net, problem);
}

const LOADERS = {
  "engine": loadEngine,
  "engine-seq": loadEngineSequential,
  "tfjs-wasm": () => loadTf("wasm"),
  "tfjs-wasm-tuned": () => loadTf("wasm", { tuned: true }),
  "tfjs-cpu": () => loadTf("cpu"),
  "convnetjs": loadConvNetJs,
};

window.bench = {
  async load(name) {
    if (!LOADERS[name]) throw new Error(`unknown contender ${name}`);
    await LOADERS[name]();
    contender = name;
    return { contender, ...extras.info };
  },

  /** The mean losses of the first `steps` training steps from the shared initial weights. */
  losses(netName, steps) {
    const m = make(NETS[netName], makeProblem(NETS[netName]));
    const out = [];
    for (let i = 0; i < steps; i++) out.push(m.step());
    m.dispose();
    return out;
  },

  /**
   * Times training steps, forward passes (through the loss) and the conv layer's forward (none
   * for a contender without one: the Sequential handle and the layered nets). The net persists
   * between calls, so the runner can interleave rounds of contenders.
   */
  time(netName, plan) {
    models[netName] ??= make(NETS[netName], makeProblem(NETS[netName]));
    const m = models[netName];
    const step = measure(() => m.step(), plan.step);
    const lastLoss = m.step();
    const forward = measure(() => m.forward(), plan.forward);
    const conv = m.convForward ? measure(() => m.convForward(), plan.conv) : [];
    return { step, forward, conv, lastLoss, notes: m.notes };
  },

  /** The engine's training step part by part (other contenders have no profile). */
  profile(netName, plan) {
    return models[netName]?.profile ? models[netName].profile(plan) : null;
  },

  /** tfjs-wasm's tf.matMul, or the engine's crate::gemm, on 512×512×512. */
  matMul512() {
    return extras.matMul512 ? extras.matMul512() : extras.gemm512 ? extras.gemm512() : null;
  },
};
document.body.dataset.ready = "1";
