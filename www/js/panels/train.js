// Panel 3 — Train a convnet. A Web Worker (train/worker.js) owns the engine's Trainer; this
// module lays out the widgets, turns clicks into worker requests and draws what comes back.
//
// Run states: loading → idle → running ⇄ paused → finished | diverged; "error" when the settings
// are refused. Settings edited after some training apply to the next run (a notice says so);
// before any training they apply at once.
//
// Saved work (persist/): the own images are saved at every edit; the trained model (the worker's
// export) and the chart are saved after a step, a pause, the end of a run and every few seconds
// of a run, and deleted when a new trainer replaces it. After a reload they come back: the images
// before the first trainer is made, then the model if it was trained with the same data settings
// and net architecture (a link with other settings wins; the notice says the model was not loaded).

import { attempt } from "../engine.js";
import { trainNote } from "../link-notes.js";
import { el, fmt, say } from "../widgets/dom.js";
import { createSavedLine } from "../persist/saved-line.js";
import { modelPhrase } from "../persist/text.js";
import { TRAIN } from "../config.js";
import { createChart } from "../train/chart.js";
import { TrainerClient } from "../train/client.js";
import { duration, hwc } from "../train/format.js";
import { createDrawPad } from "../train/draw-pad.js";
import { FileProblem, readImageFile } from "../train/images.js";
import { createOwnData } from "../train/own-data.js";
import { createSettingsForm, FIELDS, readSettings, writeSettings } from "../train/settings.js";
import { createTileGrid, tileCanvas } from "../train/tiles.js";
import { createActivations, createConfusion, createPreviews, createProbabilities } from "../train/views.js";

/** The run settings that make the net's architecture (a model file records them). */
const NET_KEYS = ["numFilters", "filterSize", "hiddenDim", "batchnorm", "weightScale", "seed"];
const TRAIN_PROPS = new Set(["tds", ...FIELDS.map((f) => f.prop)]);
const DATA_PROPS = new Set(["tds", ...FIELDS.filter((f) => f.group === "data").map((f) => f.prop)]);

function loadStyles() {
  if (document.getElementById("train-css")) return;
  document.head.append(el("link", { id: "train-css", rel: "stylesheet", href: new URL("../../css/train.css", import.meta.url).href }));
}

const card = (title, ...children) => el("section", { class: "card" }, el("h3", { text: title }), ...children);
/** A probability or accuracy as a percentage; tiny ones as "<0.01%" rather than in e-notation. */
const percent = (p) => (p > 0 && p < 1e-4 ? "<0.01%" : `${fmt(100 * p, 3)}%`);

/** Milliseconds between two saves of the model while a run goes on. */
const SAVE_EVERY_MS = 3000;

export function mount(section, { engine, state, store }) {
  loadStyles();
  const client = new TrainerClient(onEvent);

  // --- Run state ----------------------------------------------------------------------------
  let status = "loading";
  let summary = null;
  let iteration = 0;
  let numIterations = 0;
  let dirty = false;
  let applying = false;
  let lastPreset = "overfit";
  let run = 0;
  let lastTick = 0;
  let rate = NaN;
  let elapsed = 0;
  let lastAcc = null;
  let predictImage = null;
  let configureTimer = null;
  /** The settings the worker's trainer was made with, to tell whether an edit changes anything. */
  let configuredKey = "";
  /** The data settings of the worker's trainer, saved with its model. */
  let configuredData = null;
  /** Until the saved work is back, nothing is saved or deleted. */
  let restoring = true;
  /** Whether the worker's model is worth saving (trained or imported, not freshly made). */
  let modelWorthSaving = false;
  let saveTimer = null;

  // --- Widgets ------------------------------------------------------------------------------
  const form = createSettingsForm({ state, onPreset: applyPreset });
  const own = createOwnData({
    onChange: () => {
      store.saveOwn(own.data().classes);
      if (state.get("tds") === "own") scheduleConfigure();
    },
  });
  const ownCard = card("Your own dataset", own.element);
  const previews = createPreviews();
  const summaryLine = el("p", { class: "summary", "data-testid": "train-summary" });
  const chart = createChart();
  const filters = createTileGrid({ className: "tile-grid filters", px: 40, label: (i) => `filter ${i}` });
  const filterNote = el("p", { class: "hint" });
  const activations = createActivations({ onSelect: (split, index) => selectExample(split, index) });
  const confusion = createConfusion();

  const button = (action, text, onclick) => el("button", { type: "button", "data-action": action, text, onclick });
  const startButton = button("train-start", "Start", () => start());
  startButton.classList.add("primary");
  const pauseButton = button("train-pause", "Pause", () => pause());
  const stepButton = button("train-step", "Step", () => step());
  const resetButton = button("train-reset", "Reset", () => configure());
  const statusLine = el("p", { class: "status", role: "status", "data-testid": "train-status", "data-state": "loading" });
  const bar = el("progress", { max: 1, value: 0, "data-testid": "train-progress", "aria-label": "Training progress" });
  const progressText = el("span", { class: "progress-text", "data-testid": "train-iteration" });
  const accText = el("p", { class: "accuracy", "data-testid": "train-acc" });
  const runMessage = el("p", { class: "message", "data-testid": "train-message", hidden: true });
  const pendingNote = el("p", { class: "message notice", "data-testid": "train-pending", hidden: true,
    text: "Settings changed: the next Start (or Reset) begins a new run with them. The current model stays until then." });

  // Predict
  const predictPad = createDrawPad({ label: "Drawing pad for a prediction", onStroke: () => predictFrom(predictPad.image()) });
  const predictFile = el("input", { type: "file", accept: "image/*", "aria-label": "Upload an image to classify", "data-testid": "predict-file" });
  const predictMessage = el("p", { class: "message", role: "status", hidden: true });
  const predictSees = el("div", { class: "sees" });
  const predictProbs = createProbabilities({ testid: "predict-probabilities" });
  predictFile.addEventListener("change", async () => {
    const file = predictFile.files[0];
    predictFile.value = "";
    if (!file) return;
    try {
      predictFrom(await readImageFile(file, TRAIN.maxOwnSide));
      say(predictMessage, "");
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      say(predictMessage, e.message, "error");
    }
  });

  // Export / import
  const exportButton = el("button", { type: "button", text: "Export model", "data-action": "train-export", onclick: () => exportModel() });
  const importInput = el("input", { type: "file", accept: ".cnnmodel,application/octet-stream", "aria-label": "Import a model file", "data-testid": "import-file" });
  const fileMessage = el("p", { class: "message", role: "status", "data-testid": "model-message", hidden: true });
  importInput.addEventListener("change", () => {
    const file = importInput.files[0];
    importInput.value = "";
    if (file) importModel(file);
  });

  section.append(
    el("h2", { text: "Train a convnet" }),
    el("p", { class: "lead", text: "The assignment's three-layer convnet, trained here in your browser. Watch the loss fall and the first-layer filters take shape — and, on 100 examples, watch training accuracy reach 100% while validation stays far behind: that gap is overfitting." }),
    el("div", { class: "train-layout" },
      el("div", { class: "train-col" },
        card("Set-up", form.element),
        ownCard,
        card("The data", summaryLine, previews.element)),
      el("div", { class: "train-col" },
        card("Training",
          el("div", { class: "transport" }, startButton, pauseButton, stepButton, resetButton, statusLine),
          el("div", { class: "progress-row" }, bar, progressText),
          accText, runMessage, pendingNote, chart.element),
        card("First-layer filters", filterNote, filters.element),
        card("Confusion matrix (validation)", confusion.element))),
    card("Activations of each layer", el("p", { class: "hint", text: "One example through the net. Each map is one filter's response; black is the layer's smallest value, white its largest." }), activations.element),
    el("div", { class: "train-layout" },
      card("Predict", el("p", { class: "hint", text: "Draw on the pad (pick the ink colour; the digits are light ink on black) or upload an image: the current model gives its class probabilities." }),
        el("div", { class: "predict" }, predictPad.element,
          el("div", {}, el("label", { class: "file-button" }, predictFile), predictMessage,
            el("p", { class: "field-label", text: "What the net sees:" }), predictSees, predictProbs.element))),
      card("Save or load the model",
        el("p", { class: "hint", text: "The file records the architecture and every weight (a versioned format). A file that does not fit is refused and the current model is kept." }),
        el("div", { class: "controls" }, exportButton, el("label", { class: "field" }, el("span", { text: "Import a model file" }), importInput)),
        fileMessage,
        createSavedLine(store))),
  );

  // --- Drawing ------------------------------------------------------------------------------
  function render() {
    statusLine.dataset.state = status;
    statusLine.textContent = {
      loading: "Loading…", idle: "Ready", running: "Training…", paused: "Paused",
      finished: "Finished", diverged: "Stopped: diverged", restarted: "Stopped: the engine was restarted",
      error: state.get("tds") === "own" ? "Waiting for your images" : "Cannot train",
    }[status];
    const busy = status === "loading";
    const running = status === "running";
    startButton.textContent = status === "paused" && !dirty ? "Resume" : status === "finished" || status === "diverged" || status === "restarted" ? "Start again" : "Start";
    startButton.disabled = busy || running || status === "error";
    pauseButton.disabled = !running;
    stepButton.disabled = busy || running || status === "error" || status === "finished" || status === "diverged";
    resetButton.disabled = busy || running;
    importInput.disabled = busy || running;
    exportButton.disabled = busy || status === "error" || status === "restarted";
    form.setDisabled(running);
    pendingNote.hidden = !dirty || running;
    ownCard.hidden = state.get("tds") !== "own";
    bar.value = numIterations ? iteration / numIterations : 0;
    const left = numIterations - iteration;
    progressText.dataset.iteration = String(iteration);
    progressText.textContent = `iteration ${iteration} / ${numIterations}` +
      (Number.isFinite(rate) && iteration ? ` · ${fmt(rate, 3)} it/s` : "") +
      (running && Number.isFinite(rate) && rate > 0 ? ` · about ${duration((1000 * left) / rate)} left` : "") +
      (elapsed ? ` · ${duration(elapsed)} so far` : "");
    statusLine.dataset.elapsedMs = String(Math.round(elapsed));
    statusLine.dataset.iteration = String(iteration);
    if (lastAcc) {
      accText.dataset.train = String(lastAcc.trainAcc);
      accText.dataset.val = String(lastAcc.valAcc);
      accText.replaceChildren(
        el("span", { class: "train", text: `train accuracy ${percent(lastAcc.trainAcc)}` }), " · ",
        el("span", { class: "val", text: `validation accuracy ${percent(lastAcc.valAcc)}` }),
        ` (after epoch ${lastAcc.epoch})`);
    } else {
      delete accText.dataset.train;
      delete accText.dataset.val;
      accText.textContent = "Accuracies appear after the first iteration and after every epoch.";
    }
  }

  function showSummary(s) {
    summary = s;
    // The engine's shapes are (C, H, W), the course's array order; the page writes H×W×C.
    const [c] = s.imageShape;
    const n = s.net;
    summaryLine.textContent = `${s.nTrain} training and ${s.nVal} validation images of ${hwc(s.imageShape)}, ${s.classNames.length} classes (${s.classNames.join(", ")}). ` +
      `Net: K = ${n.numFilters} filters of ${n.filterSize}×${n.filterSize}×${c}${n.batchnorm ? " + spatial batch norm" : ""} → ${hwc(s.convShape)}, pool → ${hwc(s.poolShape)}, hidden ${n.hiddenDim}, ${s.numParameters.toLocaleString("en")} parameters; ` +
      `${s.iterationsPerEpoch} iteration${s.iterationsPerEpoch === 1 ? "" : "s"} of ${s.batchSize} per epoch.`;
    filterNote.textContent = `W1: K = ${n.numFilters} filters of ${n.filterSize}×${n.filterSize}×${c}, each scaled from its own minimum (black) to maximum (white)${s.imageShape[0] === 3 ? " in colour" : ""}.`;
    iteration = s.iteration;
    numIterations = s.numIterations;
  }

  function showViews(v) {
    if (v.summary) showSummary(v.summary);
    if (v.previews) previews.update(v.previews);
    if (v.filters) filters.update(v.filters);
    if (v.example) activations.update(v.example, v.example.split === "val" ? summary?.nVal ?? 1 : summary?.nTrain ?? 1);
    if (v.confusion) confusion.update(v.confusion);
  }

  /** Empties every view: after refused settings there is no trainer that matches the page. */
  function clearViews() {
    summary = null;
    iteration = 0;
    numIterations = 0;
    lastAcc = null;
    elapsed = 0;
    rate = NaN;
    summaryLine.textContent = "";
    filterNote.textContent = "";
    previews.clear();
    filters.clear();
    activations.clear();
    confusion.clear();
    predictSees.replaceChildren();
    predictProbs.clear();
    chart.reset(1);
  }

  function applyProgress(p) {
    chart.add(p);
    iteration = p.iteration;
    numIterations = p.numIterations;
    if (p.accuracies.length) lastAcc = p.accuracies.at(-1);
  }

  function fail(message, kind = "error") {
    say(runMessage, message, kind);
  }

  // --- Actions ------------------------------------------------------------------------------
  /** The current settings (and the version of your own images) as one string. */
  function settingsKey() {
    const settings = readSettings(state);
    return JSON.stringify(settings) + (settings.data.dataset === "own" ? `#${own.data().version}` : "");
  }

  async function configure() {
    clearTimeout(configureTimer);
    configureTimer = null;
    status = "loading";
    render();
    const key = settingsKey();
    const { data, run: runSettings } = readSettings(state);
    const ownData = data.dataset === "own" ? own.data() : undefined;
    try {
      const v = await client.call("configure", { data, run: runSettings, own: ownData });
      configuredKey = key;
      configuredData = data;
      // A fresh net replaces the model: the saved one no longer matches the page.
      modelWorthSaving = false;
      clearTimeout(saveTimer);
      saveTimer = null;
      if (!restoring) store.forgetModel();
      dirty = false;
      lastAcc = null;
      elapsed = 0;
      rate = NaN;
      showViews(v);
      chart.reset(numIterations);
      say(runMessage, "");
      status = "idle";
      if (predictImage) predictFrom(predictImage);
    } catch (e) {
      configuredKey = "";
      modelWorthSaving = false;
      clearViews();
      status = e.kind === "engine-restarted" ? "restarted" : "error";
      if (e.kind === "engine-restarted") fail(e.message);
      else if (e.kind === "data-unavailable") fail(e.message);
      else fail(data.dataset === "own" ? `Your dataset is not ready: ${e.message}` : `These settings cannot be used: ${e.message}`,
        data.dataset === "own" ? "notice" : "error");
    }
    // Settings edited while this trainer was being made: the newer one is on its way.
    if (configureTimer !== null) status = "loading";
    render();
  }

  /** Reconfigures after a short pause, so that a burst of edits makes one new trainer. */
  function scheduleConfigure() {
    clearTimeout(configureTimer);
    status = "loading";
    configureTimer = setTimeout(configure, 250);
    render();
  }

  /** Whether the next run needs a new trainer first. */
  const needsConfigure = () =>
    configureTimer !== null || settingsKey() !== configuredKey || status === "finished" || status === "diverged";

  async function start() {
    if (status === "running") return;
    if (needsConfigure()) await configure();
    if (status !== "idle" && status !== "paused") return;
    run++;
    status = "running";
    lastTick = performance.now();
    say(runMessage, "");
    render();
    try {
      await client.call("start", { run });
    } catch (e) {
      status = e.kind === "engine-restarted" ? "restarted" : "error";
      fail(e.message);
      render();
    }
  }

  async function pause() {
    if (status !== "running") return;
    let v;
    try {
      v = await client.call("pause");
    } catch (e) {
      if (e.kind !== "engine-restarted") fail(e.message); // a restart has said so already
      render();
      return;
    }
    if (status === "running") status = "paused";
    showViews(v);
    render();
    saveModel();
  }

  async function step() {
    if (status === "running") return;
    if (needsConfigure()) await configure();
    if (status !== "idle" && status !== "paused") return;
    try {
      const v = await client.call("step");
      modelWorthSaving = true;
      saveModel();
      applyProgress(v.progress);
      showViews(v);
      status = v.progress.diverged ? "diverged" : v.progress.finished ? "finished" : "paused";
      if (v.progress.diverged) fail(divergedText(v.progress.diverged));
    } catch (e) {
      if (e.kind === "engine-restarted") status = "restarted";
      fail(e.message);
    }
    render();
  }

  function divergedText(message) {
    return `${message} Training stopped by itself; the net keeps its last weights whose loss was finite. Lower the learning rate and press Start again.`;
  }

  function onEvent(m) {
    if (m.restarted) {
      // A fresh worker has no trainer: the next Start makes one from the settings, which are kept.
      configuredKey = "";
      clearViews();
      status = "restarted";
      fail(m.message);
      render();
      return;
    }
    if (m.event === "failed") {
      status = "error";
      fail(`Training stopped: ${m.message}`);
      render();
      return;
    }
    if (m.run !== run) return;
    const now = performance.now();
    const dt = now - lastTick;
    lastTick = now;
    elapsed += dt;
    const its = m.progress.losses.length;
    if (dt > 0 && its > 0) {
      const r = (1000 * its) / dt;
      rate = Number.isFinite(rate) ? 0.7 * rate + 0.3 * r : r;
    }
    applyProgress(m.progress);
    showViews(m);
    modelWorthSaving = true;
    if (m.progress.diverged || m.progress.finished) saveModel();
    else saveTimer ??= setTimeout(saveModel, SAVE_EVERY_MS);
    if (m.progress.diverged) {
      status = "diverged";
      fail(divergedText(m.progress.diverged));
    } else if (m.progress.finished) {
      status = "finished";
      say(runMessage, `Finished in ${duration(elapsed)}. The net keeps the weights it ended with: the predictions below are those of the last point of the chart.`, "notice");
      if (predictImage) predictFrom(predictImage);
    }
    render();
  }

  async function selectExample(split, index) {
    state.set("tsplit", split);
    state.set("tex", index);
    if (status === "loading" || status === "error" || status === "restarted") return;
    try {
      const view = await client.call("select", { split, index });
      activations.update(view, split === "val" ? summary.nVal : summary.nTrain);
    } catch (e) {
      fail(e.message);
    }
  }

  async function predictFrom(image) {
    predictImage = image;
    if (status === "loading" || status === "error" || status === "restarted") return;
    try {
      const p = await client.call("predict", { width: image.width, height: image.height, pixels: image.pixels });
      predictSees.replaceChildren(tileCanvas(p.input, 0, 96, "the image at the net's input size"));
      predictProbs.update(p);
      say(predictMessage, "");
    } catch (e) {
      say(predictMessage, e.message, "error");
    }
  }

  async function exportModel() {
    try {
      const bytes = await client.call("export");
      const blob = new Blob([bytes], { type: "application/octet-stream" });
      const url = URL.createObjectURL(blob);
      const [c, h] = summary.imageShape;
      const a = el("a", { href: url, download: `convnet-${state.get("tds")}-${c}x${h}x${h}.cnnmodel` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(fileMessage, `Exported ${bytes.length.toLocaleString("en")} bytes.`, "notice");
    } catch (e) {
      say(fileMessage, e.message, "error");
    }
  }

  async function importModel(file) {
    if (status === "running" || status === "loading") return;
    let bytes;
    try {
      bytes = await file.arrayBuffer();
    } catch {
      say(fileMessage, `“${file.name}” could not be read.`, "error");
      return;
    }
    try {
      const v = await client.call("import", { bytes }, [bytes]);
      adoptModel(v);
      const n = v.summary.net;
      say(fileMessage, `Loaded “${file.name}”: ${n.numFilters} filters of ${n.filterSize}×${n.filterSize}, hidden ${n.hiddenDim}${n.batchnorm ? ", batch norm" : ""}. Start trains it further.`, "notice");
      saveModel();
    } catch (e) {
      if (e.kind === "engine-restarted") say(fileMessage, `“${file.name}” was not loaded: ${e.message}`, "error");
      else say(fileMessage, `“${file.name}” was not loaded: ${e.message}. The current model is kept.`, "error");
    }
    render();
  }

  /** Shows the model the worker imported (`v`: its summary and views) as the page's model. */
  function adoptModel(v) {
    applying = true;
    try {
      writeSettings(state, { run: v.summary.net });
    } finally {
      applying = false;
    }
    form.sync();
    configuredKey = settingsKey();
    dirty = false;
    lastAcc = null;
    elapsed = 0;
    rate = NaN;
    showViews(v);
    chart.reset(numIterations);
    status = "idle";
    say(runMessage, "");
    modelWorthSaving = true;
    if (predictImage) predictFrom(predictImage);
  }

  // --- Saved work ---------------------------------------------------------------------------
  /** Saves the worker's model with the chart (now; a run's periodic save comes back here). */
  async function saveModel() {
    clearTimeout(saveTimer);
    saveTimer = null;
    if (restoring || !modelWorthSaving) return;
    let bytes;
    try {
      bytes = await client.call("export");
    } catch {
      return; // no trainer to export (its settings were refused): nothing to save
    }
    // Progress sent before the export's reply has been drawn: the chart matches these weights.
    const history = chart.history();
    if (modelWorthSaving && summary) {
      store.saveModel({ bytes, history, iteration: history.losses.length, trainedWith: trainedWith(configuredData, summary.net) });
    }
  }

  /** What a saved model must match to be restored: the data settings and the net's architecture. */
  function trainedWith(data, run) {
    return JSON.stringify({ data, net: NET_KEYS.map((k) => run[k]) });
  }

  /** After the first trainer is made: the saved model, if it was trained with these settings. */
  async function restoreModel() {
    const saved = store.saved.model;
    try {
      if (!saved) return;
      const settings = readSettings(state);
      if (saved.trainedWith !== trainedWith(settings.data, settings.run)) {
        fail(`The model saved in this browser (${modelPhrase(saved)}) was trained with other data or net settings than these, ` +
          "so it was not loaded. A new model made here replaces it.", "notice");
        return;
      }
      if (status !== "idle") {
        fail(`The model saved in this browser (${modelPhrase(saved)}) was not loaded: there is no trainer for these settings.`, "notice");
        return;
      }
      const bytes = saved.bytes.slice().buffer;
      const v = await client.call("import", { bytes }, [bytes]);
      adoptModel(v);
      chart.restore(saved.history);
      lastAcc = saved.history.accuracies.at(-1) ?? null;
      say(runMessage, `Restored ${modelPhrase(saved)}. Start trains it further.`, "notice");
    } catch (e) {
      fail(`The model saved in this browser was not loaded: ${e.message}.`, "notice");
    } finally {
      restoring = false;
      render();
    }
  }

  // --- Settings -----------------------------------------------------------------------------
  function applyPreset(name) {
    const preset = attempt(() => engine.trainPreset(state.get("tds"), name));
    if (preset.error) {
      fail(preset.error);
      return;
    }
    lastPreset = name;
    applying = true;
    try {
      writeSettings(state, preset.value);
    } finally {
      applying = false;
    }
    form.sync();
    settingsChanged(true);
  }

  function settingsChanged(dataChanged) {
    if (settingsKey() === configuredKey && configureTimer === null) dirty = false;
    else if (status === "running") dirty = true;
    else if (status === "loading" || status === "error" || dataChanged || iteration === 0) scheduleConfigure();
    else dirty = true;
    render();
  }

  state.subscribe((changed) => {
    const ours = changed.filter((n) => TRAIN_PROPS.has(n));
    if (!ours.length) return;
    form.sync();
    if (applying) return;
    if (ours.includes("tds")) {
      applyPreset(lastPreset);
      return;
    }
    settingsChanged(ours.some((n) => DATA_PROPS.has(n)));
  });

  if (store.saved.own) own.restore(store.saved.own.classes);
  activations.select(state.get("tsplit"), state.get("tex"));
  client.call("select", { split: state.get("tsplit"), index: state.get("tex") }).catch(() => {});
  render();
  configure().then(restoreModel);

  return {
    // The own images and a trained (or imported) model stay in this browser, not in the link.
    linkNote: () => trainNote({ ownImages: state.get("tds") === "own" ? own.count() : 0, trained: modelWorthSaving }),
  };
}
