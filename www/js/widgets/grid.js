// A grid of numbers drawn as DOM cells (readable on a projector, selectable by click), with
// per-cell highlight classes. It only shows values it is given.

import { el, fmt } from "./dom.js";

/**
 * A grid widget inside a <figure> with a caption. `update({ rows, cols, cell(r, c) })` redraws it;
 * `cell` returns `{ text, classes: [...] }` for each position (classes: "pad", "window",
 * "current", "winner", "contrib", "pending").
 * `onPick(r, c)` (optional) makes cells clickable.
 */
export function createGrid({ caption, name, onPick }) {
  const body = el("div", { class: "grid", "data-grid": name, role: "table", "aria-label": caption });
  const captionEl = el("figcaption", { text: caption });
  const figure = el("figure", { class: "grid-figure" }, captionEl, body);
  if (onPick) {
    body.addEventListener("click", (e) => {
      const cell = e.target.closest("[data-r]");
      if (cell) onPick(Number(cell.dataset.r), Number(cell.dataset.c));
    });
  }

  function update({ rows, cols, cell, title }) {
    if (title !== undefined) captionEl.textContent = title;
    body.style.setProperty("--cols", cols);
    body.replaceChildren();
    for (let r = 0; r < rows; r++) {
      const row = el("div", { class: "grid-row", role: "row" });
      for (let c = 0; c < cols; c++) {
        const { text, classes = [] } = cell(r, c);
        row.append(el("span", { class: ["cell", ...classes].join(" "), role: "cell", "data-r": r, "data-c": c, text }));
      }
      body.append(row);
    }
  }

  return { figure, update, hide: (h) => (figure.hidden = h) };
}

/** A value as grid text. */
export function cellText(v) {
  return v === undefined || v === null ? "" : fmt(v, 3);
}
