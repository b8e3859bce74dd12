// The training worker: it loads the engine itself (the same wasm-bindgen --target web build the
// page uses), keeps ONE Trainer, and speaks the page's worker protocol (../worker-protocol.js; the
// message table is in ARCHITECTURE.md, "Workers"). The main thread only draws.
//
// Requests are answered one at a time, in order, so a configure waiting for the digits file holds
// back the requests sent after it. A "start" is the exception: it lets the next requests in at
// once and stays open while the run goes on, sending a progress message after every chunk of
// iterations (about CHUNK_MS of work) and yielding between chunks so that pause, predict or export
// are answered; its reply `{ ended }` comes when the run ends: "finished", "diverged", or
// "stopped" by a later pause, step, configure, import or start. A chunk that fails ends it with an
// error instead. Every one of those requests takes a new run token; a chunk loop runs only while
// its token is current, so two loops can never train at once.
//
// The engine carries no digits: the first time they are chosen, the worker fetches DIGITS_URL (the
// committed www/data/digits.bin), keeps its bytes for the session and hands them to each Trainer.

import init, { OwnImages, setLanguage, Trainer } from "../../pkg/cnn_playground.js";
import { setLanguage as setPageLanguage, t } from "../i18n/i18n.js";
import { ERROR_KIND, serve, WorkerError } from "../worker-protocol.js";

// The worker's own messages in the page's language too.
setPageLanguage(new URL(self.location.href).searchParams.get("lang") ?? "en");

/** Milliseconds of training between two progress messages. */
const CHUNK_MS = 80;
/**
 * Milliseconds between two sets of views (filters, the example through every layer) during a
 * run: drawing every layer's maps takes the page's main thread longer than a chart point, and
 * four times a second shows the filters change as well as twelve.
 */
const VIEWS_MS = 250;
/** When the last views went out during a run (0: none yet). */
let viewsSent = 0;
/** The digits file, relative to this script: www/js/train/ → www/data/digits.bin. */
const DIGITS_URL = new URL("../../data/digits.bin", import.meta.url);

// The engine's messages in the page's language (the client puts it in the worker's URL).
const ready = init().then((exports) => {
  setLanguage(new URL(self.location.href).searchParams.get("lang") ?? "en");
  return exports;
});
let trainer = null;
/** The data settings (and own images) the trainer was made from, to know when to reload. */
let dataKey = "";
let token = 0;
/** Which example the activation view follows. */
let selected = { split: "val", index: 0 };
/** The digits file's bytes once fetched, and whether a trainer has accepted them. */
let digits = { bytes: null, accepted: false };

function summaryAndViews(extra = {}) {
  return {
    summary: trainer.summary(),
    filters: trainer.filters(),
    example: exampleView(),
    confusion: trainer.confusion(),
    ...extra,
  };
}

/** The selected example through the net, or null if the index no longer exists. */
function exampleView() {
  try {
    return trainer.example(selected.split, selected.index);
  } catch {
    selected = { ...selected, index: 0 };
    return trainer.example(selected.split, 0);
  }
}

/** The bytes of a typed array (e.g. the Uint8ClampedArray of getImageData) as a Uint8Array. */
function bytesOf(a) {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** An error for the page to show as it is: a dataset's file that could not be fetched. */
function unavailable(reason) {
  return new WorkerError(t("train.worker.digits", { reason }), ERROR_KIND.dataUnavailable);
}

/** The digits file's bytes: fetched the first time, then kept. A failed fetch is not kept. */
async function digitsFile() {
  if (digits.bytes) return digits.bytes;
  let response;
  try {
    response = await fetch(DIGITS_URL);
  } catch (e) {
    throw unavailable(e instanceof Error ? e.message : String(e)); // offline, refused, …
  }
  if (!response.ok) throw unavailable(`${response.status} ${response.statusText}`.trim());
  digits = { bytes: new Uint8Array(await response.arrayBuffer()), accepted: false };
  return digits.bytes;
}

function ownImages(classes) {
  const own = new OwnImages();
  classes.forEach((c, k) => {
    own.addClass(c.name);
    for (const im of c.images) own.addImage(k, im.width, im.height, bytesOf(im.pixels));
  });
  return own;
}

const handlers = {
  /** Makes the trainer for `data` and `run` (reloading the data only when it changed). */
  async configure({ data, run, own }) {
    token++;
    const key = JSON.stringify(data) + (data.dataset === "own" ? `#${own?.version ?? 0}` : "");
    if (trainer && key === dataKey) {
      trainer.reset(run);
    } else {
      const file = data.dataset === "digits" ? await digitsFile() : undefined;
      const images = ownImages(data.dataset === "own" ? own?.classes ?? [] : []);
      try {
        const next = new Trainer(data, run, images, file);
        trainer?.free();
        trainer = next;
        dataKey = key;
        if (file) digits.accepted = true;
      } catch (e) {
        // Bytes no trainer has accepted may be a server's error page: fetch them again next time.
        if (file && !digits.accepted) digits = { bytes: null, accepted: false };
        throw e;
      } finally {
        images.free();
      }
    }
    return { ...summaryAndViews(), previews: trainer.previews(8) };
  },

  /** Starts (or resumes) training: progress while it runs, `{ ended }` when it ends. */
  start(_args, request) {
    const mine = ++token;
    request.detach();
    return runLoop(mine, request);
  },

  pause() {
    token++;
    return { summary: trainer.summary(), confusion: trainer.confusion(), example: exampleView() };
  },

  /** Exactly one iteration (stops a run first). */
  step() {
    token++;
    const progress = trainer.step(1);
    return { progress, filters: trainer.filters(), example: exampleView(), confusion: trainer.confusion() };
  },

  select({ split, index }) {
    selected = { split, index };
    return trainer ? exampleView() : null;
  },

  predict({ width, height, pixels }) {
    return trainer.predict(width, height, bytesOf(pixels));
  },

  export() {
    return trainer.export();
  },

  /** Replaces the net by a model file's; a refused file leaves everything as it was. */
  import({ bytes }) {
    const summary = trainer.import(new Uint8Array(bytes));
    token++;
    return { ...summaryAndViews(), summary };
  },
};

/** Trains in chunks while `mine` is the current token; resolves to how the run ended. */
async function runLoop(mine, request) {
  for (;;) {
    // Yield first, so that requests waiting in the queue (pause, predict, export) are answered.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (mine !== token) return { ended: "stopped" };
    let last;
    try {
      last = trainChunk(request);
    } catch (e) {
      token++;
      throw e;
    }
    if (last.finished || last.diverged) {
      token++;
      return { ended: last.diverged ? "diverged" : "finished" };
    }
  }
}

/** One chunk of about CHUNK_MS of iterations and its progress message; the chunk's last step. */
function trainChunk(request) {
  const started = performance.now();
  const chunk = { losses: [], accuracies: [] };
  let last;
  do {
    last = trainer.step(1);
    chunk.losses.push(...last.losses);
    chunk.accuracies.push(...last.accuracies);
  } while (!last.finished && !last.diverged && performance.now() - started < CHUNK_MS);
  const done = last.finished || Boolean(last.diverged);
  const epochEnded = chunk.accuracies.length > 0;
  const now = performance.now();
  const views = done || now - viewsSent >= VIEWS_MS;
  if (views) viewsSent = now;
  request.progress({
    progress: { ...last, losses: chunk.losses, accuracies: chunk.accuracies },
    computeMs: now - started,
    filters: views ? trainer.filters() : null,
    example: views ? exampleView() : null,
    confusion: done || epochEnded ? trainer.confusion() : null,
  });
  return last;
}

serve(handlers, {
  inOrder: true,
  name: "training worker",
  async before(kind) {
    await ready;
    if (!trainer && kind !== "configure" && kind !== "select") throw new Error(t("train.worker.notSetUp"));
  },
});
