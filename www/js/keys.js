// Keys for the whole page: ←/→ step, Space plays or pauses, Home/End go to the first or last step,
// +/− change the play speed, ? opens the sheet of shortcuts, P turns presenter mode on or off
// (presenter.js) and Esc leaves it; while the Lecture 5 tour is open (tour/tour.js), PageUp and
// PageDown (what a presentation clicker sends) go to its previous and next step, and Esc closes
// it when presenter mode is off (tour.js listens for those itself, after this module). The
// stepper's keys act on the visible panel's stepper (its hooks' `keys`), wherever the focus is,
// except where the focused control uses the key itself (typing in a field, arrows in a radio group
// or the tabs, Space on another button).
// `keyAction` and `focusKeeps` are pure; `installKeys` wires them to the document.

import { t } from "./i18n/i18n.js";
import { el } from "./widgets/dom.js";

/** The sheet's rows: the keys, and what they do. */
export const SHORTCUTS = [
  [["←", "→"], "keyStep"], [["Space"], "keyPlay"], [["Home", "End"], "keyEnds"], [["+", "−"], "keySpeed"],
  [["P"], "keyPresent"], [["PgUp", "PgDn"], "keyTour"], [["?"], "keyHelp"], [["Esc"], "keyEsc"],
  // `does` in the page's language, read when the sheet is built.
].map(([keys, key]) => ({ keys, get does() { return t(`common.${key}`); } }));

const ACTIONS = new Map([
  ["ArrowLeft", "back"], ["ArrowRight", "forward"], [" ", "play"], ["Home", "first"], ["End", "last"],
  // "=" is + without Shift on many keyboards; the numeric keypad sends "+" and "-".
  ["+", "faster"], ["=", "faster"], ["-", "slower"], ["?", "help"],
  // P with or without Shift (Caps Lock), so that it works however it is typed.
  ["p", "present"], ["P", "present"], ["Escape", "leave"],
  ["PageUp", "tourBack"], ["PageDown", "tourNext"],
]);

/** The tour's actions: tour/tour.js answers them (only while the tour is open), not installKeys. */
export const TOUR_ACTIONS = new Set(["tourBack", "tourNext"]);

/**
 * What a key press asks for ("back", "forward", "play", "first", "last", "faster", "slower",
 * "help", "present", "leave", "tourBack", "tourNext"), or null. With Ctrl, Alt or ⌘ held it is the browser's (Ctrl + is zoom), never ours.
 */
export function keyAction({ key, ctrlKey = false, metaKey = false, altKey = false }) {
  if (ctrlKey || metaKey || altKey) return null;
  return ACTIONS.get(key) ?? null;
}

/** Input types whose keys are plain presses, not typing. */
const PRESSED = new Set(["button", "submit", "reset", "checkbox", "radio", "file", "color", "image", "range"]);

/**
 * Whether the focused element `target` (an element or a plain { tagName, type, role,
 * isContentEditable }) uses the key of `action` itself, so that the page must leave it alone.
 */
export function focusKeeps(target, action) {
  if (!target) return false;
  const tag = (target.tagName ?? "").toUpperCase();
  // Esc means nothing to a field but an open list of a <select>, which it closes.
  if (action === "leave") return tag === "SELECT";
  if (target.isContentEditable || tag === "TEXTAREA" || tag === "SELECT") return true;
  const arrows = ["back", "forward"].includes(action);
  if (tag === "INPUT") {
    const type = (target.type ?? "text").toLowerCase();
    if (!PRESSED.has(type)) return true; // a text, number, date… field: every key is typing
    if (type === "range") return !["help", "present"].includes(action);
    if (type === "radio") return arrows || action === "play";
    return action === "play"; // Space presses a button or ticks a box
  }
  if (target.role === "tab" || target.getAttribute?.("role") === "tab") {
    return arrows || ["first", "last", "play"].includes(action); // and Space presses the tab
  }
  if (["BUTTON", "A", "SUMMARY"].includes(tag)) return action === "play";
  return false;
}

/** The sheet of shortcuts: a modal dialog; Esc or Close shuts it and the focus goes back. */
export function createShortcutSheet() {
  const close = el("button", { type: "button", text: t("common.keysClose"), "data-action": "close-shortcuts" });
  const rows = SHORTCUTS.flatMap((s) => [
    el("dt", {}, ...s.keys.flatMap((k, i) => (i ? [" ", el("kbd", { text: k })] : [el("kbd", { text: k })]))),
    el("dd", { text: s.does }),
  ]);
  const dialog = el("dialog", { class: "shortcuts", "aria-labelledby": "shortcuts-title", "data-testid": "shortcuts" },
    el("h2", { id: "shortcuts-title", text: t("common.keysTitle") }),
    el("p", { text: t("common.keysIntro") }),
    el("dl", {}, ...rows), close);
  let returnTo = null;
  close.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => {
    // Back to where the focus was when the sheet opened.
    if (returnTo?.isConnected && returnTo !== document.body) returnTo.focus({ preventScroll: true });
    returnTo = null;
  });
  return {
    element: dialog,
    get open() {
      return dialog.open;
    },
    show() {
      if (dialog.open) return;
      returnTo = document.activeElement;
      dialog.showModal();
      close.focus();
    },
  };
}

/**
 * Listens for the page's keys. `keys()` gives the visible panel's stepper actions ({ back,
 * forward, play, first, last, faster, slower, owns(element), focus() }) or null; `sheet` is a
 * createShortcutSheet(); `presenter` is presenter.js's { on, toggle(), leave() }. While the sheet is
 * open, every key is the sheet's: Esc then closes the sheet only.
 */
export function installKeys({ keys, sheet, presenter }) {
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.isComposing || sheet.open) return;
    const action = keyAction(e);
    if (!action || TOUR_ACTIONS.has(action)) return;
    const target = document.activeElement;
    const stepper = keys();
    // Space on the stepper's own buttons plays, as it does anywhere else.
    if (!stepper?.owns(target) && focusKeeps(target, action)) return;
    if (action === "help") {
      e.preventDefault();
      sheet.show();
      return;
    }
    if (action === "present" || action === "leave") {
      if (action === "leave" && !presenter.on) return;
      e.preventDefault();
      if (action === "present") presenter.toggle();
      else presenter.leave();
      return;
    }
    if (!stepper) return;
    e.preventDefault();
    stepper[action]();
    // The focus stays on a control, never on <body>.
    if (!document.activeElement || document.activeElement === document.body) stepper.focus();
  });
}
