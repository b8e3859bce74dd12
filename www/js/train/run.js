// The Train panel's run: its state machine and the worker requests that move it, without the DOM
// (tests/js/train-run.test.mjs drives it with a fake worker). The panel (../panels/train.js)
// draws what it holds and is told through `ui` hooks when there is something new to draw.
//
// States: loading → idle → running ⇄ paused → finished | diverged; "error" when the settings are
// refused or a run fails; "restarted" after the engine trapped and its worker was replaced (the
// fresh worker has no trainer: the next Start or Step makes one from the settings, which are
// kept). Settings edited after some training apply to the next run (`dirty`); before any
// training they apply at once. Each Start takes a new run number: progress and the end of an
// older run are ignored.

import { t } from "../i18n/i18n.js";
import { ERROR_KIND } from "../worker-protocol.js";
import { duration } from "./format.js";

/** Milliseconds to wait after an edit before making a new trainer, so a burst of edits makes one. */
export const CONFIGURE_DELAY_MS = 250;

/** What the page says when a run diverged (`message` is the engine's). */
export function divergedText(message) {
  return t("train.run.diverged", { why: message });
}

/** What the page says when a run finished after `elapsed` ms of training. */
export function finishedText(elapsed) {
  return t("train.run.finished", { time: duration(elapsed) });
}

const restarted = (e) => e.kind === ERROR_KIND.restarted;

export class TrainRun {
  /**
   * `client`: the Train worker's WorkerClient (its `onRestart` must call `restarted`).
   * `settings()`: the current settings `{ key, data, run, own }` (`key` tells two apart).
   * `ui`: hooks, each optional — `changed()` (draw the state), `views(v)` (summary, previews,
   * filters, example, confusion: whichever `v` has), `progress(p)` (a chunk of iterations for the
   * chart), `cleared()` (no trainer matches the page), `newModel(origin)` ("configured" or
   * "imported"), `trained(final)` (the model changed: save it now if `final`, else soon),
   * `finished()`. `now()` and `timers` are the clock (tests pass their own).
   */
  constructor({ client, settings, ui = {}, now = () => performance.now(), timers = globalThis }) {
    this.client = client;
    this.settings = settings;
    this.ui = { changed() {}, views() {}, progress() {}, cleared() {}, newModel() {}, trained() {}, finished() {}, ...ui };
    this.now = now;
    this.timers = timers;
    this.status = "loading";
    /** The number of the latest Start. */
    this.run = 0;
    this.summary = null;
    this.iteration = 0;
    this.numIterations = 0;
    /** The latest accuracies `{ epoch, trainAcc, valAcc }`, or null. */
    this.lastAcc = null;
    /** Iterations per second (smoothed) and milliseconds of training, for the progress line. */
    this.rate = NaN;
    this.elapsed = 0;
    this.lastTick = 0;
    /** Settings edited since the trainer was made: the next Start or Reset makes a new one. */
    this.dirty = false;
    /** The run's message `{ text, kind }` ("notice" or "error"); empty text: none. */
    this.message = { text: "", kind: "notice" };
    /** The settings key and data settings of the worker's trainer ("" / null: none). */
    this.configuredKey = "";
    this.configuredData = null;
    /** Whether the worker's model is worth saving (trained or imported, not freshly made). */
    this.modelWorthSaving = false;
    this.configureTimer = null;
  }

  /** Sets the run's message and draws. */
  say(text, kind = "notice") {
    this.message = { text: text ?? "", kind };
    this.ui.changed();
  }

  /** Whether the worker has a trainer that can answer (select, predict, export). */
  get answering() {
    return !["loading", "error", "restarted"].includes(this.status);
  }

  /** Makes a new trainer from the current settings (Reset, a settings edit, or before a run). */
  async configure() {
    this.timers.clearTimeout(this.configureTimer);
    this.configureTimer = null;
    this.status = "loading";
    this.ui.changed();
    const { key, data, run, own } = this.settings();
    try {
      const v = await this.client.request("configure", { data, run, own });
      this.configuredKey = key;
      this.configuredData = data;
      this.modelWorthSaving = false;
      this.dirty = false;
      this.lastAcc = null;
      this.elapsed = 0;
      this.rate = NaN;
      this.showViews(v);
      this.message = { text: "", kind: "notice" };
      this.status = "idle";
      this.ui.newModel("configured");
    } catch (e) {
      this.configuredKey = "";
      this.modelWorthSaving = false;
      this.clear();
      this.status = restarted(e) ? "restarted" : "error";
      if (restarted(e) || e.kind === ERROR_KIND.dataUnavailable) this.message = { text: e.message, kind: "error" };
      else if (data.dataset === "own") this.message = { text: t("train.run.ownNotReady", { why: e.message }), kind: "notice" };
      else this.message = { text: t("train.run.refused", { why: e.message }), kind: "error" };
    }
    // Settings edited while this trainer was being made: the newer one is on its way.
    if (this.configureTimer !== null) this.status = "loading";
    this.ui.changed();
  }

  /** Configures after CONFIGURE_DELAY_MS, so that a burst of edits makes one new trainer. */
  scheduleConfigure() {
    this.timers.clearTimeout(this.configureTimer);
    this.status = "loading";
    this.configureTimer = this.timers.setTimeout(() => this.configure(), CONFIGURE_DELAY_MS);
    this.ui.changed();
  }

  /** Whether the next run needs a new trainer first. */
  needsConfigure() {
    return this.configureTimer !== null || this.settings().key !== this.configuredKey ||
      this.status === "finished" || this.status === "diverged";
  }

  /** The settings changed (`dataChanged`: the data settings among them). */
  settingsChanged(dataChanged) {
    if (this.settings().key === this.configuredKey && this.configureTimer === null) this.dirty = false;
    else if (this.status === "running") this.dirty = true;
    else if (this.status === "loading" || this.status === "error" || dataChanged || this.iteration === 0) this.scheduleConfigure();
    else this.dirty = true;
    this.ui.changed();
  }

  /** Start (or Resume): trains until the run ends or is paused. Resolves when it has ended. */
  async start() {
    if (this.status === "running") return;
    if (this.needsConfigure()) await this.configure();
    if (this.status !== "idle" && this.status !== "paused") return;
    const run = ++this.run;
    this.status = "running";
    this.lastTick = this.now();
    this.say("");
    try {
      await this.client.request("start", {}, { onProgress: (m) => this.progressed(run, m) });
    } catch (e) {
      // A restart has been said by `restarted`; an older run's failure is no longer news.
      if (restarted(e) || run !== this.run) return;
      this.status = "error";
      this.say(t("train.run.stopped", { why: e.message }), "error");
    }
  }

  /** Pause: the worker stops between two chunks and sends the views of where it stopped. */
  async pause() {
    if (this.status !== "running") return;
    let v;
    try {
      v = await this.client.request("pause");
    } catch (e) {
      if (!restarted(e)) this.say(e.message, "error"); // a restart has said so already
      return;
    }
    if (this.status === "running") this.status = "paused";
    this.showViews(v);
    this.ui.changed();
    this.ui.trained(true);
  }

  /** Exactly one iteration (a new trainer first if the settings changed). */
  async step() {
    if (this.status === "running") return;
    if (this.needsConfigure()) await this.configure();
    if (this.status !== "idle" && this.status !== "paused") return;
    try {
      const v = await this.client.request("step");
      this.modelWorthSaving = true;
      this.ui.trained(true);
      this.applyProgress(v.progress);
      this.showViews(v);
      this.status = v.progress.diverged ? "diverged" : v.progress.finished ? "finished" : "paused";
      if (v.progress.diverged) this.message = { text: divergedText(v.progress.diverged), kind: "error" };
    } catch (e) {
      if (restarted(e)) this.status = "restarted";
      this.message = { text: e.message, kind: "error" };
    }
    this.ui.changed();
  }

  /** A progress message `m` of run `run` (its chunk of iterations and the views after it). */
  progressed(run, m) {
    if (run !== this.run || this.status !== "running") return;
    const now = this.now();
    const dt = now - this.lastTick;
    this.lastTick = now;
    this.elapsed += dt;
    const its = m.progress.losses.length;
    if (dt > 0 && its > 0) {
      const r = (1000 * its) / dt;
      this.rate = Number.isFinite(this.rate) ? 0.7 * this.rate + 0.3 * r : r;
    }
    this.applyProgress(m.progress);
    this.showViews(m);
    this.modelWorthSaving = true;
    this.ui.trained(Boolean(m.progress.diverged || m.progress.finished));
    if (m.progress.diverged) {
      this.status = "diverged";
      this.message = { text: divergedText(m.progress.diverged), kind: "error" };
    } else if (m.progress.finished) {
      this.status = "finished";
      this.message = { text: finishedText(this.elapsed), kind: "notice" };
      this.ui.finished();
    }
    this.ui.changed();
  }

  /** The worker was replaced (the engine trapped, or the worker failed): there is no trainer. */
  restarted(message) {
    this.configuredKey = "";
    this.clear();
    this.status = "restarted";
    this.say(message, "error");
  }

  /**
   * Shows the model the worker imported (`v`: its summary and views) as the page's model; the
   * settings already say its net (the panel wrote them), so they match the trainer again.
   */
  adopt(v) {
    this.configuredKey = this.settings().key;
    this.dirty = false;
    this.lastAcc = null;
    this.elapsed = 0;
    this.rate = NaN;
    this.showViews(v);
    this.status = "idle";
    this.message = { text: "", kind: "notice" };
    this.modelWorthSaving = true;
    this.ui.newModel("imported");
    this.ui.changed();
  }

  showViews(v) {
    if (v.summary) {
      this.summary = v.summary;
      this.iteration = v.summary.iteration;
      this.numIterations = v.summary.numIterations;
    }
    this.ui.views(v);
  }

  applyProgress(p) {
    this.ui.progress(p);
    this.iteration = p.iteration;
    this.numIterations = p.numIterations;
    if (p.accuracies.length) this.lastAcc = p.accuracies.at(-1);
  }

  /** Forgets every view: no trainer matches the page. */
  clear() {
    this.summary = null;
    this.iteration = 0;
    this.numIterations = 0;
    this.lastAcc = null;
    this.elapsed = 0;
    this.rate = NaN;
    this.ui.cleared();
  }
}
