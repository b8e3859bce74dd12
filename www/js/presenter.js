// Presenter mode: the page for a projector. It hides what a class does not need (the tagline, the
// footer, help text, the settings of each panel below the picture) and scales what it does (the
// stepper's grids, the filtered images, the training chart) with the screen; css/presenter.css
// holds the look, under the class `presenter` on <html>. It is a setting like any other
// (`present` in state.js), so a link can open the page in it; the header's "Present" button,
// the key P and Esc (keys.js) turn it on and off.

import { el } from "./widgets/dom.js";

/** The class on <html> that presenter.css keys on. */
export const PRESENTER_CLASS = "presenter";

/** The header's toggle, kept in step with the setting. Returns { element, on, toggle(), leave() }. */
export function createPresenter(state) {
  const button = el("button", { type: "button", text: "Present", "data-action": "present",
    "aria-pressed": "false", "aria-keyshortcuts": "P", title: "Presenter mode, for a projector (P; Esc leaves it)",
    onclick: () => toggle() });

  function apply() {
    const on = state.get("present");
    document.documentElement.classList.toggle(PRESENTER_CLASS, on);
    button.setAttribute("aria-pressed", String(on));
  }

  function toggle() {
    state.set("present", !state.get("present"));
  }

  state.subscribe((changed) => changed.includes("present") && apply());
  apply();

  return {
    element: button,
    get on() {
      return state.get("present");
    },
    toggle,
    leave: () => state.set("present", false),
  };
}
