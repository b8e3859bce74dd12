// The Train panel — Train a convnet. A Web Worker (train/worker.js) owns the engine's Trainer;
// the run's state machine and its requests are train/run.js; this module lays out the widgets,
// turns clicks into the run's actions and draws what it holds.
//
// Saved work (persist/): the own images are saved at every edit; the trained model (the worker's
// export) and the chart are saved after a step, a pause, the end of a run and every few seconds
// of a run, and deleted when a new trainer replaces it. After a reload they come back: the images
// before the first trainer is made, then the model if it was trained with the same data settings
// and net architecture (a link with other settings wins; the notice says the model was not loaded).

import { attempt } from "../engine.js";
import { t } from "../i18n/i18n.js";
import { trainNote } from "../link-notes.js";
import { el, fmt, say } from "../widgets/dom.js";
import { createSavedLine } from "../persist/saved-line.js";
import { modelPhrase } from "../persist/text.js";
import { TRAIN } from "../config.js";
import { createChart } from "../train/chart.js";
import { trainerClient } from "../train/client.js";
import { duration, hwc } from "../train/format.js";
import { createDrawPad } from "../train/draw-pad.js";
import { TrainRun } from "../train/run.js";
import { FileProblem, readImageFile } from "../train/images.js";
import { createOwnData } from "../train/own-data.js";
import { createSettingsForm, FIELDS, readSettings, writeSettings } from "../train/settings.js";
import { createTileGrid, tileCanvas } from "../train/tiles.js";
import { createActivations, createConfusion, createPreviews, createProbabilities, localNames } from "../train/views.js";

/** The run settings that make the net's architecture (a model file records them). */
const NET_KEYS = ["network", "init", "loss", "numFilters", "filterSize", "hiddenDim", "batchnorm", "weightScale", "seed"];
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

/** The filters of every conv layer: a titled tile grid per layer, redrawn in place. */
function createConvFilters() {
  const element = el("div", { class: "conv-filters", "data-testid": "train-filters" });
  let grids = [];
  let key = "";
  return {
    element,
    clear() {
      element.replaceChildren();
      grids = [];
      key = "";
    },
    update(layers) {
      const k = layers.map((l) => l.layer).join("|");
      if (k !== key) {
        grids = layers.map((l) => createTileGrid({ className: "tile-grid filters", px: l.tiles.width > 5 ? 40 : 28, label: (i) => t("train.filter.tile", { layer: l.name, i: String(i) }) }));
        element.replaceChildren(...layers.map((l, i) => el("figure", { class: "layer-filters", "data-layer": l.name },
          el("figcaption", { text: `${l.layer} — ${l.name} (${l.shape.join("×")})` }), grids[i].element)));
        key = k;
      }
      layers.forEach((l, i) => grids[i].update(l.tiles));
    },
  };
}

export function mount(section, { engine, state, store }) {
  loadStyles();
  const client = trainerClient((message) => run.restarted(message));
  const run = new TrainRun({
    client,
    settings: currentSettings,
    ui: {
      changed: () => render(),
      views: (v) => showViews(v),
      progress: (p) => chart.add(p),
      cleared: () => clearViews(),
      newModel(origin) {
        chart.reset(run.numIterations);
        if (origin === "configured") {
          // A fresh net replaces the model: the saved one no longer matches the page.
          clearTimeout(saveTimer);
          saveTimer = null;
          if (!restoring) store.forgetModel();
        }
        if (predictImage) predictFrom(predictImage);
      },
      trained: (final) => (final ? saveModel() : (saveTimer ??= setTimeout(saveModel, SAVE_EVERY_MS))),
      finished: () => predictImage && predictFrom(predictImage),
    },
  });

  // --- Page state (the run's is in `run`) ----------------------------------------------------
  let applying = false;
  let lastPreset = "overfit";
  let predictImage = null;
  /** Until the saved work is back, nothing is saved or deleted. */
  let restoring = true;
  let saveTimer = null;

  // --- Widgets ------------------------------------------------------------------------------
  const networkPresets = attempt(() => engine.networkPresets()).value ?? [];
  const form = createSettingsForm({ state, onPreset: applyPreset, networkPresets, onNetworkPreset: applyNetworkPreset });
  const own = createOwnData({
    onChange: () => {
      store.saveOwn(own.data().classes);
      if (state.get("tds") === "own") run.scheduleConfigure();
    },
  });
  const ownCard = card(t("train.card.own"), own.element);
  const previews = createPreviews();
  const summaryLine = el("p", { class: "summary", "data-testid": "train-summary" });
  const layerTable = el("table", { class: "layer-table", "data-testid": "train-layers" });
  const chart = createChart();
  const filters = createConvFilters();
  const filterNote = el("p", { class: "hint" });
  const activations = createActivations({ onSelect: (split, index) => selectExample(split, index) });
  const confusion = createConfusion();

  const button = (action, text, onclick) => el("button", { type: "button", "data-action": action, text, onclick });
  const startButton = button("train-start", t("train.button.start"), () => run.start());
  startButton.classList.add("primary");
  const pauseButton = button("train-pause", t("train.button.pause"), () => run.pause());
  const stepButton = button("train-step", t("train.button.step"), () => run.step());
  const resetButton = button("train-reset", t("train.button.reset"), () => run.configure());
  const statusLine = el("p", { class: "status", role: "status", "data-testid": "train-status", "data-state": "loading" });
  const bar = el("progress", { max: 1, value: 0, "data-testid": "train-progress", "aria-label": t("train.progress.label") });
  const progressText = el("span", { class: "progress-text", "data-testid": "train-iteration" });
  const accText = el("p", { class: "accuracy", "data-testid": "train-acc" });
  const runMessage = el("p", { class: "message", "data-testid": "train-message", hidden: true });
  const pendingNote = el("p", { class: "message notice", "data-testid": "train-pending", hidden: true,
    text: t("train.pending") });

  // Predict
  const predictPad = createDrawPad({ label: t("train.predict.pad"), onStroke: () => predictFrom(predictPad.image()) });
  const predictFile = el("input", { type: "file", accept: "image/*", "aria-label": t("train.predict.upload"), "data-testid": "predict-file" });
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
  const exportButton = el("button", { type: "button", text: t("train.save.export"), "data-action": "train-export", onclick: () => exportModel() });
  const importInput = el("input", { type: "file", accept: ".cnnmodel,application/octet-stream", "aria-label": t("train.save.import"), "data-testid": "import-file" });
  const fileMessage = el("p", { class: "message", role: "status", "data-testid": "model-message", hidden: true });
  importInput.addEventListener("change", () => {
    const file = importInput.files[0];
    importInput.value = "";
    if (file) importModel(file);
  });

  section.append(
    el("h2", { text: t("train.title") }),
    el("p", { class: "lead", text: t("train.lead") }),
    el("div", { class: "train-layout" },
      el("div", { class: "train-col" },
        card(t("train.card.setup"), form.element),
        ownCard,
        card(t("train.card.data"), summaryLine, el("div", { class: "table-scroll" }, layerTable), previews.element)),
      el("div", { class: "train-col" },
        card(t("train.card.training"),
          el("div", { class: "transport" }, startButton, pauseButton, stepButton, resetButton, statusLine),
          el("div", { class: "progress-row" }, bar, progressText),
          accText, runMessage, pendingNote, chart.element),
        card(t("train.card.filters"), filterNote, filters.element),
        card(t("train.card.confusion"), confusion.element))),
    card(t("train.card.activations"), el("p", { class: "hint", text: t("train.activations.hint") }), activations.element),
    el("div", { class: "train-layout" },
      card(t("train.card.predict"), el("p", { class: "hint", text: t("train.predict.hint") }),
        el("div", { class: "predict" }, predictPad.element,
          el("div", {}, el("label", { class: "file-button" }, predictFile), predictMessage,
            el("p", { class: "field-label", text: t("train.predict.sees") }), predictSees, predictProbs.element))),
      card(t("train.card.save"),
        el("p", { class: "hint", text: t("train.save.hint") }),
        el("div", { class: "controls" }, exportButton, el("label", { class: "field" }, el("span", { text: t("train.save.import") }), importInput)),
        fileMessage,
        createSavedLine(store))),
  );

  // --- Drawing ------------------------------------------------------------------------------
  function render() {
    const { status, dirty, iteration, numIterations, rate, elapsed, lastAcc } = run;
    statusLine.dataset.state = status;
    statusLine.textContent = t(status === "error" && state.get("tds") === "own" ? "train.status.waiting" : `train.status.${status}`);
    const busy = status === "loading";
    const running = status === "running";
    startButton.textContent = t(status === "paused" && !dirty ? "train.button.resume"
      : status === "finished" || status === "diverged" || status === "restarted" ? "train.button.again" : "train.button.start");
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
    progressText.textContent = [
      t("train.progress.iteration", { i: String(iteration), n: String(numIterations) }),
      Number.isFinite(rate) && iteration ? t("train.progress.rate", { rate: fmt(rate, 3) }) : null,
      running && Number.isFinite(rate) && rate > 0 ? t("train.progress.left", { time: duration((1000 * left) / rate) }) : null,
      elapsed ? t("train.progress.sofar", { time: duration(elapsed) }) : null,
    ].filter(Boolean).join(" · ");
    say(runMessage, run.message.text, run.message.kind);
    statusLine.dataset.elapsedMs = String(Math.round(elapsed));
    statusLine.dataset.iteration = String(iteration);
    if (lastAcc) {
      accText.dataset.train = String(lastAcc.trainAcc);
      accText.dataset.val = String(lastAcc.valAcc);
      accText.replaceChildren(
        el("span", { class: "train", text: t("train.acc.train", { p: percent(lastAcc.trainAcc) }) }), " · ",
        el("span", { class: "val", text: t("train.acc.val", { p: percent(lastAcc.valAcc) }) }),
        ` ${t("train.acc.after", { epoch: String(lastAcc.epoch) })}`);
    } else {
      delete accText.dataset.train;
      delete accText.dataset.val;
      accText.textContent = t("train.acc.none");
    }
  }

  function showSummary(s) {
    // The engine's shapes are (C, H, W), the course's array order; the page writes H×W×C.
    summaryLine.textContent = t("train.summary", {
      nTrain: s.nTrain, nVal: s.nVal, shape: hwc(s.imageShape), k: s.classNames.length, names: s.classNames.join(", "),
      network: s.network, params: s.numParameters.toLocaleString("en"), ipe: s.iterationsPerEpoch, ipeCount: s.iterationsPerEpoch, batch: s.batchSize,
    });
    layerTable.replaceChildren(
      el("caption", { text: t("train.layers.caption") }),
      el("thead", {}, el("tr", {}, ...["index", "layer", "output", "params", "macs"].map((h) => el("th", { scope: "col", text: t(`train.layers.${h}`) })))),
      el("tbody", {}, ...s.layers.map((r) => el("tr", {},
        el("td", { text: String(r.index + 1) }), el("td", { text: r.label }),
        el("td", { text: `${r.output.h}×${r.output.w}×${r.output.c}` }),
        el("td", { text: r.params.toLocaleString("en") }), el("td", { text: r.macs.toLocaleString("en") })))));
    filterNote.textContent = t("train.filters.note");
  }

  function showViews(v) {
    if (v.summary) showSummary(localNames(v.summary));
    if (v.previews) previews.update(localNames(v.previews));
    if (v.filters) filters.update(v.filters);
    if (v.example) activations.update(localNames(v.example), v.example.split === "val" ? run.summary?.nVal ?? 1 : run.summary?.nTrain ?? 1);
    if (v.confusion) confusion.update(localNames(v.confusion));
  }

  /** Empties every view: after refused settings there is no trainer that matches the page. */
  function clearViews() {
    summaryLine.textContent = "";
    layerTable.replaceChildren();
    filterNote.textContent = "";
    previews.clear();
    filters.clear();
    activations.clear();
    confusion.clear();
    predictSees.replaceChildren();
    predictProbs.clear();
    chart.reset(1);
  }

  // --- Actions ------------------------------------------------------------------------------
  /** The current settings, the version of your own images, and both as one string (`key`). */
  function currentSettings() {
    const settings = readSettings(state);
    const ownData = settings.data.dataset === "own" ? own.data() : undefined;
    return { ...settings, own: ownData, key: JSON.stringify(settings) + (ownData ? `#${ownData.version}` : "") };
  }

  async function selectExample(split, index) {
    state.set("tsplit", split);
    state.set("tex", index);
    if (!run.answering) return;
    try {
      const view = await client.request("select", { split, index });
      activations.update(localNames(view), split === "val" ? run.summary.nVal : run.summary.nTrain);
    } catch (e) {
      run.say(e.message, "error");
    }
  }

  async function predictFrom(image) {
    predictImage = image;
    if (!run.answering) return;
    try {
      const p = await client.request("predict", { width: image.width, height: image.height, pixels: image.pixels });
      predictSees.replaceChildren(tileCanvas(p.input, 0, 96, t("train.predict.input")));
      predictProbs.update(localNames(p));
      say(predictMessage, "");
    } catch (e) {
      say(predictMessage, e.message, "error");
    }
  }

  async function exportModel() {
    try {
      const bytes = await client.request("export");
      const blob = new Blob([bytes], { type: "application/octet-stream" });
      const url = URL.createObjectURL(blob);
      const [c, h] = run.summary.imageShape;
      const a = el("a", { href: url, download: `convnet-${state.get("tds")}-${c}x${h}x${h}.cnnmodel` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say(fileMessage, t("train.exported", { n: bytes.length }), "notice");
    } catch (e) {
      say(fileMessage, e.message, "error");
    }
  }

  async function importModel(file) {
    if (run.status === "running" || run.status === "loading") return;
    let bytes;
    try {
      bytes = await file.arrayBuffer();
    } catch {
      say(fileMessage, t("train.file.unread", { name: file.name }), "error");
      return;
    }
    try {
      const v = await client.request("import", { bytes }, { transfer: [bytes] });
      adoptModel(v);
      // The file's architecture becomes the Shapes panel's network table too.
      state.set("net", v.summary.network);
      say(fileMessage, t("train.file.loaded", { name: file.name, network: v.summary.network }), "notice");
      saveModel();
    } catch (e) {
      const key = e.kind === "engine-restarted" ? "train.file.refusedRestart" : "train.file.refused";
      say(fileMessage, t(key, { name: file.name, why: e.message }), "error");
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
    run.adopt(v);
  }

  // --- Saved work ---------------------------------------------------------------------------
  /** Saves the worker's model with the chart (now; a run's periodic save comes back here). */
  async function saveModel() {
    clearTimeout(saveTimer);
    saveTimer = null;
    if (restoring || !run.modelWorthSaving) return;
    let bytes;
    try {
      bytes = await client.request("export");
    } catch {
      return; // no trainer to export (its settings were refused): nothing to save
    }
    // Progress sent before the export's reply has been drawn: the chart matches these weights.
    const history = chart.history();
    if (run.modelWorthSaving && run.summary) {
      store.saveModel({ bytes, history, iteration: history.losses.length, trainedWith: trainedWith(run.configuredData, run.summary.net) });
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
        run.say(t("train.saved.other", { model: modelPhrase(saved) }), "notice");
        return;
      }
      if (run.status !== "idle") {
        run.say(t("train.saved.noTrainer", { model: modelPhrase(saved) }), "notice");
        return;
      }
      const bytes = saved.bytes.slice().buffer;
      const v = await client.request("import", { bytes }, { transfer: [bytes] });
      adoptModel(v);
      chart.restore(saved.history);
      run.lastAcc = saved.history.accuracies.at(-1) ?? null;
      run.say(t("train.saved.restored", { model: modelPhrase(saved) }), "notice");
    } catch (e) {
      run.say(t("train.saved.failed", { why: e.message }), "notice");
    } finally {
      restoring = false;
      render();
    }
  }

  // --- Settings -----------------------------------------------------------------------------
  /** A ready-made network: its dataset, network and training settings. */
  function applyNetworkPreset(preset) {
    applying = true;
    try {
      writeSettings(state, { data: preset.data, run: preset.run });
    } finally {
      applying = false;
    }
    form.sync();
    run.settingsChanged(true);
  }

  function applyPreset(name) {
    const preset = attempt(() => engine.trainPreset(state.get("tds"), name));
    if (preset.error) {
      run.say(preset.error, "error");
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
    run.settingsChanged(true);
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
    run.settingsChanged(ours.some((n) => DATA_PROPS.has(n)));
  });

  if (store.saved.own) own.restore(store.saved.own.classes);
  activations.select(state.get("tsplit"), state.get("tex"));
  client.request("select", { split: state.get("tsplit"), index: state.get("tex") }).catch(() => {});
  render();
  run.configure().then(restoreModel);

  return {
    // The own images and a trained (or imported) model stay in this browser, not in the link.
    linkNote: () => trainNote({ ownImages: state.get("tds") === "own" ? own.count() : 0, trained: run.modelWorthSaving }),
  };
}
