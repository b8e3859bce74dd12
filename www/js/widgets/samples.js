// Sample images the page draws itself, so the Filters panel works with no file at hand. Each returns a
// canvas of SAMPLE_SIDE × SAMPLE_SIDE pixels drawn with the 2D canvas API.

import { COLOURS, SAMPLE_SIDE } from "../config.js";
import { language, t } from "../i18n/i18n.js";

function canvas() {
  const c = document.createElement("canvas");
  c.width = c.height = SAMPLE_SIDE;
  const g = c.getContext("2d");
  g.fillStyle = COLOURS.samplePaper;
  g.fillRect(0, 0, SAMPLE_SIDE, SAMPLE_SIDE);
  return [c, g, SAMPLE_SIDE];
}

/** A sample's name inside a sentence: "circle" (English lowercases it; Korean has no case). */
export function sampleWord(sample) {
  return language() === "en" ? sample.label.toLowerCase() : sample.label;
}

/** The samples; each `label` is the catalog's (i18n/filters.js), in the page's language. */
export const SAMPLES = {
  circle: {
    get label() { return t("filters.sample-circle"); },
    draw() {
      const [c, g, n] = canvas();
      g.fillStyle = COLOURS.sampleInk;
      g.beginPath();
      g.arc(n / 2, n / 2, n * 0.32, 0, 2 * Math.PI);
      g.fill();
      return c;
    },
  },
  checkerboard: {
    get label() { return t("filters.sample-checkerboard"); },
    draw() {
      const [c, g, n] = canvas();
      const square = n / 8;
      g.fillStyle = COLOURS.sampleInk;
      for (let r = 0; r < 8; r++) {
        for (let k = r % 2; k < 8; k += 2) g.fillRect(k * square, r * square, square, square);
      }
      return c;
    },
  },
  gradient: {
    get label() { return t("filters.sample-gradient"); },
    draw() {
      const [c, g, n] = canvas();
      const across = g.createLinearGradient(0, 0, n, 0);
      across.addColorStop(0, "#000000");
      across.addColorStop(1, "#ffffff");
      g.fillStyle = across;
      g.fillRect(0, 0, n, n);
      const down = g.createLinearGradient(0, 0, 0, n);
      down.addColorStop(0, "rgba(209, 73, 91, 0)");
      down.addColorStop(1, "rgba(209, 73, 91, 0.8)");
      g.fillStyle = down;
      g.fillRect(0, 0, n, n);
      return c;
    },
  },
  figures: {
    get label() { return t("filters.sample-figures"); },
    draw() {
      const [c, g, n] = canvas();
      g.fillStyle = COLOURS.sampleAccent;
      g.fillRect(n * 0.1, n * 0.1, n * 0.35, n * 0.35);
      g.fillStyle = COLOURS.sampleInk;
      g.beginPath();
      g.moveTo(n * 0.75, n * 0.08);
      g.lineTo(n * 0.95, n * 0.45);
      g.lineTo(n * 0.55, n * 0.45);
      g.closePath();
      g.fill();
      g.lineWidth = n * 0.04;
      g.strokeStyle = COLOURS.sampleInk;
      for (let k = 0; k < 5; k++) {
        g.beginPath();
        g.moveTo(n * 0.1, n * (0.6 + k * 0.08));
        g.lineTo(n * 0.9, n * (0.55 + k * 0.08));
        g.stroke();
      }
      return c;
    },
  },
};
