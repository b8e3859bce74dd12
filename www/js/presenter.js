// Presenter mode: the page for a projector. It hides what a class does not need (the tagline, the
// footer, help text, the settings of each panel below the picture) and scales what it does (the
// stepper's grids, the filtered images, the training chart) with the screen; css/presenter.css
// holds the look, under the class `presenter` on <html>. It is a setting like any other
// (`present` in state.js), so a link can open the page in it; the header's "Present" button,
// the key P and Esc (keys.js) turn it on and off.
//
// The stepper's picture changes with the layer, the pass and the sizes (three grids forward, up
// to five backward, each with a caption and a long explanation), so no one cell size in CSS fits
// them all: `stepperFitter` picks the largest cell (the CSS variable --cell) at which the visible
// grids, the formula, the output's shape, the step's explanation and the backward pass's "why"
// (whose box scrolls when its text is longer, css/presenter.css) fit in the window together.
// Within one view (the same grids and window) cells only shrink from step to step, so stepping
// never makes the picture jump larger and smaller.

import { t } from "./i18n/i18n.js";
import { el } from "./widgets/dom.js";

/** The class on <html> that presenter.css keys on. */
export const PRESENTER_CLASS = "presenter";

/** The header's toggle, kept in step with the setting. Returns { element, on, toggle(), leave() }. */
export function createPresenter(state) {
  const button = el("button", { type: "button", text: t("common.present"), "data-action": "present",
    "aria-pressed": "false", "aria-keyshortcuts": "P", title: t("common.presentTitle"),
    onclick: () => toggle() });

  function apply() {
    const on = state.get("present");
    document.documentElement.classList.toggle(PRESENTER_CLASS, on);
    button.setAttribute("aria-pressed", String(on));
  }

  function toggle() {
    state.set("present", !state.get("present"));
  }

  const fit = stepperFitter();
  state.subscribe((changed) => {
    if (changed.includes("present")) apply();
    fit.schedule();
  });
  apply();
  fit.observe();

  return {
    element: button,
    get on() {
      return state.get("present");
    },
    toggle,
    leave: () => state.set("present", false),
  };
}

/** Cell sizes tried, in CSS pixels: from small but readable to the CSS's own ceiling (7rem). */
const MIN_CELL = 12;

/**
 * Fits Shapes' stepper to the window in presenter mode (see the top of this file). Returns
 * { observe(), schedule() }: `observe` watches the stepper (a step redraws its grids) and the
 * window; `schedule` fits at the next frame.
 */
function stepperFitter() {
  let scheduled = false;
  /** The view last fitted, and the cell size found for it. */
  let key = "";
  let cell = 0;

  const stepper = () => document.querySelector(".stepper");
  const visible = (e) => e && !e.hidden && e.getClientRects().length > 0;

  /** Where the parts that must be seen end, and whether anything sticks out sideways. */
  function fits(s) {
    const parts = [...s.querySelectorAll(".grids > .grid-figure, :scope > .formula, :scope > .shape, :scope > .explain, :scope > .why")]
      .filter(visible);
    const bottom = Math.max(...parts.map((e) => e.getBoundingClientRect().bottom + window.scrollY));
    const right = Math.max(...parts.map((e) => e.getBoundingClientRect().right));
    const grids = s.querySelector(":scope > .grids");
    // Grids wider than their column would run under the side column's text.
    const wide = grids.scrollWidth > grids.clientWidth + 1 || right > window.innerWidth
      || document.documentElement.scrollWidth > document.documentElement.clientWidth;
    return !wide && bottom <= window.innerHeight - 4 - tourSpace();
  }

  /** The height the Lecture 5 tour's card keeps at the foot of the window (css/tour.css), 0 if closed. */
  function tourSpace() {
    return parseFloat(document.documentElement.style.getPropertyValue("--tour-space")) || 0;
  }

  function setCell(s, px) {
    s.style.setProperty("--cell", `${px}px`);
  }

  /** The largest whole-pixel cell in [MIN_CELL, top] at which the stepper fits (MIN_CELL if none). */
  function search(s, top) {
    let lo = MIN_CELL;
    let hi = Math.max(MIN_CELL, Math.floor(top));
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      setCell(s, mid);
      if (fits(s)) lo = mid;
      else hi = mid - 1;
    }
    setCell(s, lo);
    return lo;
  }

  function fit() {
    scheduled = false;
    const s = stepper();
    if (!s) return;
    // A large picture (the lecture's example) is fitted by the stepper itself (stepper.js fitGrids).
    if (!document.documentElement.classList.contains(PRESENTER_CLASS) || !visible(s) || s.querySelector(".grids.fitted")) {
      s.style.removeProperty("--cell");
      key = "";
      return;
    }
    const shape = [...s.querySelectorAll(".grids > .grid-figure")].filter(visible)
      .map((f) => `${f.querySelector("[data-grid]").dataset.grid}:${f.querySelectorAll(".grid-row").length}×${f.querySelector("[data-grid]").style.getPropertyValue("--cols")}`);
    const view = `${window.innerWidth}×${window.innerHeight} ${tourSpace()} ${shape.join(" ")}`;
    const ceiling = 7 * parseFloat(getComputedStyle(document.documentElement).fontSize);
    if (view !== key) {
      key = view;
      cell = search(s, ceiling);
    } else {
      setCell(s, cell);
      if (!fits(s)) cell = search(s, cell);
    }
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(fit);
  }

  function observe() {
    // A step redraws the grids and the texts; a view or a tab shows and hides parts.
    new MutationObserver(schedule).observe(document.body, {
      subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ["hidden"],
    });
    // The tour's card opening, closing or changing height (--tour-space on <html>).
    new MutationObserver(schedule).observe(document.documentElement, { attributes: true, attributeFilter: ["style"] });
    window.addEventListener("resize", schedule);
    schedule();
  }

  return { observe, schedule };
}
