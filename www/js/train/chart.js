// The training chart: the minibatch loss of every iteration (left axis) and the train and
// validation accuracy after each epoch (right axis, 0 to 100%) on one canvas, sized to its box.
// It only draws the points it is given. The box's CSS sets the size: TRAIN.chart.height by
// default (the custom property --chart-height), the room left on the screen in presenter mode
// (css/presenter.css); the canvas holds devicePixelRatio pixels per CSS pixel, so it stays crisp at
// 200 % zoom, and its text follows the canvas's CSS font size.

import { TRAIN } from "../config.js";
import { t } from "../i18n/i18n.js";
import { el, fmt } from "../widgets/dom.js";
import { ticks } from "./format.js";

const C = TRAIN.chart;
/** Room for the axes' labels at 12 px text; scaled with the text. */
const MARGIN = { left: 52, right: 52, top: 12, bottom: 34 };
/** The text size the margins above are made for. */
const BASE_FONT = 12;

/** The mean of the last `k` losses at each point, so the trend shows through minibatch noise. */
function smooth(values, k) {
  const out = [];
  let sum = 0;
  values.forEach((v, i) => {
    sum += v;
    if (i >= k) sum -= values[i - k];
    out.push(sum / Math.min(i + 1, k));
  });
  return out;
}

export function createChart() {
  const canvas = el("canvas", { class: "chart", role: "img", "data-testid": "train-chart", "data-points": "0" });
  const legend = el("p", { class: "chart-legend" },
    el("span", { class: "key loss", text: t("train.chart.loss") }),
    el("span", { class: "key train", text: t("train.chart.train") }),
    el("span", { class: "key val", text: t("train.chart.val") }));
  const element = el("figure", { class: "chart-box" }, canvas, legend);
  element.style.setProperty("--chart-height", `${C.height}px`);
  let losses = [];
  let accuracies = [];
  let total = 1;
  /** Iterations of a restored history before the current run's first (see `restore`). */
  let base = 0;

  function draw() {
    // Unlaid-out (a hidden tab): the config's size, redrawn when the box is shown.
    const width = Math.max(200, canvas.clientWidth || element.clientWidth || 600);
    const height = Math.max(60, canvas.clientHeight || C.height);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, width, height);
    const font = Math.max(BASE_FONT, parseFloat(getComputedStyle(canvas).fontSize) || BASE_FONT);
    const k = font / BASE_FONT;
    g.font = `${font}px system-ui, sans-serif`;
    const x0 = MARGIN.left * k;
    const x1 = width - MARGIN.right * k;
    const y0 = height - MARGIN.bottom * k;
    const y1 = MARGIN.top * k;
    canvas.dataset.size = `${width}×${height}`;
    const finite = losses.filter(Number.isFinite);
    // Before the first loss the axis spans 0 to 2.5 (about ln 10, the loss of a 10-class guess).
    const maxLoss = finite.length ? Math.max(1e-6, ...finite.slice(0, 2000).concat(finite.slice(-2000))) : 2.5 / 1.05;
    const lossTop = maxLoss * 1.05;
    const xs = (it) => x0 + ((x1 - x0) * it) / Math.max(1, total);
    const yLoss = (v) => y0 - ((y0 - y1) * Math.min(v, lossTop)) / lossTop;
    const yAcc = (a) => y0 - (y0 - y1) * a;

    // Grid and axes.
    g.strokeStyle = C.grid;
    g.lineWidth = 1;
    g.fillStyle = C.axis;
    g.textAlign = "right";
    g.textBaseline = "middle";
    const lossTicks = ticks(lossTop, 4);
    for (const { value, label } of lossTicks) {
      const y = yLoss(value);
      g.beginPath();
      g.moveTo(x0, y);
      g.lineTo(x1, y);
      g.stroke();
      g.fillText(label, x0 - 6, y);
    }
    g.textAlign = "left";
    for (const a of [0, 0.25, 0.5, 0.75, 1]) g.fillText(`${a * 100}%`, x1 + 6, yAcc(a));
    g.textAlign = "center";
    g.textBaseline = "top";
    const iterationTicks = ticks(total, 6, { integer: true });
    for (const { value, label } of iterationTicks) g.fillText(label, xs(value), y0 + 5 * k);
    g.fillText(t("train.chart.axisIteration"), (x0 + x1) / 2, y0 + 19 * k);
    g.save();
    g.translate(12 * k, (y0 + y1) / 2);
    g.rotate(-Math.PI / 2);
    g.fillText(t("train.chart.axisLoss"), 0, -6 * k);
    g.restore();
    g.strokeStyle = C.axis;
    g.strokeRect(x0, y1, x1 - x0, y0 - y1);

    // Loss: every iteration thin, the moving average bold.
    const line = (values, colour, w) => {
      g.strokeStyle = colour;
      g.lineWidth = w;
      g.beginPath();
      let open = false;
      values.forEach((v, i) => {
        if (!Number.isFinite(v)) {
          open = false;
          return;
        }
        const x = xs(i + 1);
        const y = yLoss(v);
        if (open) g.lineTo(x, y);
        else g.moveTo(x, y);
        open = true;
      });
      g.stroke();
    };
    line(losses, C.loss, 1);
    line(smooth(losses, Math.max(1, Math.round(losses.length / 25))), C.lossSmooth, 2.2);

    // Accuracies: points joined by lines.
    for (const [key, colour] of [["trainAcc", C.train], ["valAcc", C.val]]) {
      g.strokeStyle = colour;
      g.fillStyle = colour;
      g.lineWidth = 2;
      g.beginPath();
      accuracies.forEach((a, i) => (i ? g.lineTo(xs(a.iteration), yAcc(a[key])) : g.moveTo(xs(a.iteration), yAcc(a[key]))));
      g.stroke();
      for (const a of accuracies) {
        g.beginPath();
        g.arc(xs(a.iteration), yAcc(a[key]), 3.5, 0, 2 * Math.PI);
        g.fill();
      }
    }
    canvas.dataset.points = String(losses.length);
    // The axis labels as drawn, for the browser tests (a canvas has no text to read).
    canvas.dataset.lossTicks = lossTicks.map((tick) => tick.label).join(" ");
    canvas.dataset.iterationTicks = iterationTicks.map((tick) => tick.label).join(" ");
    canvas.dataset.accuracies = String(accuracies.length);
    canvas.setAttribute("aria-label",
      t("train.chart.losses", { n: losses.length, latest: losses.length ? fmt(losses.at(-1), 3) : "" }) +
      (accuracies.length
        ? t("train.chart.accuracies", { train: fmt(100 * accuracies.at(-1).trainAcc, 3), val: fmt(100 * accuracies.at(-1).valAcc, 3) })
        : t("train.chart.noAccuracies")));
  }

  let scheduled = false;
  function redraw() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      draw();
    });
  }
  new ResizeObserver(redraw).observe(canvas);
  // A zoom that keeps the CSS size still changes the pixels per CSS pixel: draw again at the new ratio.
  const watchRatio = () => matchMedia(`(resolution: ${window.devicePixelRatio || 1}dppx)`)
    .addEventListener("change", () => { redraw(); watchRatio(); }, { once: true });
  watchRatio();

  return {
    element,
    /** Forgets every point; the x axis will span `numIterations`. */
    reset(numIterations) {
      losses = [];
      accuracies = [];
      total = Math.max(1, numIterations);
      base = 0;
      redraw();
    },
    /** Adds the losses and accuracies of a progress message. */
    add(progress) {
      losses.push(...progress.losses);
      accuracies.push(...progress.accuracies.map((a) => ({ ...a, iteration: a.iteration + base })));
      total = Math.max(1, base + progress.numIterations);
      redraw();
    },
    /** Everything drawn, to save: `{ losses, accuracies, total }` (copies). */
    history() {
      return { losses: [...losses], accuracies: accuracies.map((a) => ({ ...a })), total };
    },
    /**
     * Draws a saved `history()` again. The run that continues it counts from iteration 0, so its
     * points are drawn after the restored ones.
     */
    restore(history) {
      losses = [...history.losses];
      accuracies = history.accuracies.map((a) => ({ ...a }));
      base = losses.length;
      total = Math.max(1, history.total, base);
      redraw();
    },
  };
}
