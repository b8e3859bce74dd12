// A grid of numbers drawn as DOM cells (readable on a projector, selectable by click), with
// per-cell highlight classes. It only shows values it is given. A grid with depth (the channels
// of an input, the K maps of an output) is drawn as slices side by side, each with its label.

import { el, fmt } from "./dom.js";

/**
 * A grid widget inside a <figure> with a caption. `update({ rows, cols, slices, label, cell })`
 * redraws it: `slices` (default 1) blocks of `rows × cols`, `perRow` of them to a row in presenter
 * mode (elsewhere they wrap to the width), `label(s)` names slice s (shown when there is more than one), `cell(r, c, s)` returns `{ text, classes: [...], shade }` for each
 * position (classes: "pad", "window", "current", "winner", "contrib", "pending"; `shade`, 0–1,
 * the value's place in its grid's range, drawn when the cells are too small for their numbers).
 * `onPick(r, c, s)` (optional) makes cells clickable. `sketch(true)` makes the next updates draw
 * each slice as an empty block of the same size (for fitting a large picture to the screen).
 */
export function createGrid({ caption, name, onPick }) {
  const body = el("div", { class: "grid-slices", "data-grid": name, role: "group", "aria-label": caption });
  const captionEl = el("figcaption", { text: caption });
  const figure = el("figure", { class: "grid-figure" }, captionEl, body);
  if (onPick) {
    body.addEventListener("click", (e) => {
      const cell = e.target.closest("[data-r]");
      if (cell) onPick(Number(cell.dataset.r), Number(cell.dataset.c), Number(cell.dataset.s ?? 0));
    });
  }

  /** While sketching, a grid is drawn as empty blocks of its size: cheap to lay out many times. */
  let sketching = false;

  function update({ rows, cols, slices = 1, perRow = slices, label = (s) => String(s), cell, title }) {
    if (title !== undefined) captionEl.textContent = title;
    body.style.setProperty("--per-row", perRow);
    body.replaceChildren();
    for (let s = 0; s < slices; s++) {
      const grid = el("div", { class: sketching ? "grid sketch" : "grid", role: "table", "aria-label": slices > 1 ? `${caption} ${label(s)}` : caption });
      grid.style.setProperty("--cols", cols);
      grid.style.setProperty("--rows", rows);
      for (let r = 0; r < (sketching ? 0 : rows); r++) {
        const row = el("div", { class: "grid-row", role: "row" });
        for (let c = 0; c < cols; c++) {
          const { text, classes = [], shade } = cell(r, c, s);
          const attrs = { class: ["cell", ...classes].join(" "), role: "cell", "data-r": r, "data-c": c, text };
          if (slices > 1) attrs["data-s"] = s;
          const span = el("span", attrs);
          if (shade !== undefined) span.style.setProperty("--shade", shade.toFixed(3));
          row.append(span);
        }
        grid.append(row);
      }
      body.append(slices > 1 ? el("div", { class: "slice" }, el("span", { class: "slice-label", text: label(s) }), grid) : grid);
    }
  }

  return { figure, update, hide: (h) => (figure.hidden = h), sketch: (on) => (sketching = on) };
}

/** A value as grid text. */
export function cellText(v) {
  return v === undefined || v === null ? "" : fmt(v, 3);
}
