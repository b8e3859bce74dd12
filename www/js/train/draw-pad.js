// A drawing pad: light ink on a black square (the engine composites images over black, and the
// digits are light ink on dark), drawn with a mouse, pen or finger. It hands out its pixels,
// scaled down to TRAIN.keptSide so that a dataset of drawings stays small.

import { TRAIN } from "../config.js";
import { t } from "../i18n/i18n.js";
import { el } from "../widgets/dom.js";

export function createDrawPad({ label, onStroke = () => {}, ink = "#ffffff" }) {
  const canvas = el("canvas", {
    class: "draw-pad", width: TRAIN.padSide, height: TRAIN.padSide, role: "img",
    "aria-label": t("train.pad.label", { label }),
  });
  const g = canvas.getContext("2d", { willReadFrequently: true });
  const brush = el("input", { type: "range", min: 4, max: 40, value: 16, "aria-label": t("train.pad.brushSize") });
  const colour = el("input", { type: "color", value: ink, "aria-label": t("train.pad.inkColour") });
  const clearButton = el("button", { type: "button", text: t("train.pad.clear"), onclick: () => clear() });
  const element = el("div", { class: "draw-box" }, canvas,
    el("div", { class: "controls" },
      el("label", { class: "field" }, el("span", { text: t("train.pad.brush") }), brush),
      el("label", { class: "field" }, el("span", { text: t("train.pad.ink") }), colour),
      clearButton));
  let last = null;
  let drawn = false;

  function clear() {
    g.fillStyle = "#000000";
    g.fillRect(0, 0, canvas.width, canvas.height);
    drawn = false;
  }

  function point(e) {
    const r = canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * canvas.width) / r.width, ((e.clientY - r.top) * canvas.height) / r.height];
  }

  function line(from, to) {
    g.strokeStyle = colour.value;
    g.fillStyle = colour.value;
    g.lineWidth = Number(brush.value);
    g.lineCap = "round";
    g.beginPath();
    g.moveTo(...from);
    g.lineTo(...to);
    g.stroke();
    drawn = true;
  }

  canvas.addEventListener("pointerdown", (e) => {
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    last = point(e);
    line(last, last);
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!last) return;
    const p = point(e);
    line(last, p);
    last = p;
  });
  const end = () => {
    if (!last) return;
    last = null;
    onStroke();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  clear();

  return {
    element,
    clear,
    /** Whether anything has been drawn since the last clear. */
    get drawn() {
      return drawn;
    },
    /** The drawing as `{ width, height, pixels }`, `TRAIN.keptSide` pixels square. */
    image() {
      const side = TRAIN.keptSide;
      const small = el("canvas", { width: side, height: side });
      const s = small.getContext("2d", { willReadFrequently: true });
      s.imageSmoothingQuality = "high";
      s.drawImage(canvas, 0, 0, side, side);
      return { width: side, height: side, pixels: s.getImageData(0, 0, side, side).data };
    },
  };
}
