// The Lecture 5 tour: a header button opens a card at the foot of the window that walks the
// lecture's order (tour/steps.js). Each step sets the panels through the page's State, so the
// step is a setting like any other (`tour`, 0 = closed) and a link or a reload opens the same
// step. Back and Next (or PageUp and PageDown, what a presentation clicker sends) move between
// steps; the ✕ button, or Esc when presenter mode is off (Esc leaves presenter mode first), close
// it. The page's other keys (keys.js) keep working: the card's buttons leave ←/→ to the stepper.
//
// The card keeps what it shows in view: its height is reserved at the foot of the page
// (`--tour-space` on <html>, css/tour.css), and each step scrolls its picture into the band
// between the sticky tabs and the card, only as far as needed.

import { attempt } from "../engine.js";
import { focusKeeps, keyAction, TOUR_ACTIONS } from "../keys.js";
import { t } from "../i18n/i18n.js";
import { el } from "../widgets/dom.js";
import { STEPS } from "./steps.js";

/** The class on <html> while the tour is open (css/tour.css keys on it). */
export const TOURING_CLASS = "touring";

/** How long a step keeps its picture in view while the panel settles (half of it waiting for
 * every part to be drawn before it shows the parts there are). */
const SETTLE_MS = 4000;
/** Frames the picture must stand still before the step stops keeping it in view. */
const STILL_FRAMES = 20;

/** The state names a link sets explicitly, from the address `hash`. */
function linkNames(hash) {
  return new Set(hash.replace(/^#/, "").split("&").filter(Boolean).map((part) => part.split("=")[0]));
}

/**
 * Adds the tour's button to the header's tools and its card to the page. `state` is the page's
 * State (it must have a `tour` setting), `engine` the wasm exports the steps read their numbers
 * from. Call it after the page's keys are installed, so that Esc reaches presenter mode first.
 */
export function installTour({ header, state, engine }) {
  const button = el("button", { type: "button", text: t("tour.button"), "data-action": "tour",
    "aria-pressed": "false", "aria-controls": "tour-card", title: t("tour.buttonHint"),
    onclick: () => (state.get("tour") ? close() : open()) });
  const tools = header.querySelector(".page-tools");
  if (tools) tools.insertBefore(button, tools.querySelector("[data-action=present]"));
  else header.append(button);

  const count = el("span", { "data-testid": "tour-count" });
  const position = el("span", { class: "tour-position" }, el("span", { class: "tour-name", text: t("tour.name") }), count);
  const title = el("h2", { id: "tour-title", "data-testid": "tour-title" });
  const text = el("p", { class: "tour-text", "data-testid": "tour-text" });
  const back = el("button", { type: "button", text: t("tour.back"), "data-action": "tour-back", "aria-keyshortcuts": "PageUp",
    onclick: () => go(state.get("tour") - 1) });
  const next = el("button", { type: "button", text: t("tour.next"), "data-action": "tour-next", "aria-keyshortcuts": "PageDown",
    onclick: () => go(state.get("tour") + 1) });
  const closer = el("button", { type: "button", text: "✕", "data-action": "tour-close", "aria-label": t("tour.closeLabel"),
    title: t("tour.closeHint"), onclick: () => close() });
  const card = el("section", { id: "tour-card", class: "tour-card", "aria-labelledby": "tour-title", "aria-live": "polite",
    "data-testid": "tour-card", hidden: true },
  position, title, el("div", { class: "tour-nav", role: "group", "aria-label": t("tour.nav") }, back, next, closer), text);
  // Early in the Tab order (after the tabs and the link notice), though it is drawn at the foot.
  (document.getElementById("link-notice") ?? header).after(card);

  // The card's height, reserved at the foot of the page and taken from presenter mode's grids.
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--tour-space", `${card.hidden ? 0 : card.offsetHeight}px`);
  }).observe(card);

  /** The engine's message when the open step could not make its settings (said on the card). */
  let setupError = null;
  /** Whether the tour is moving itself (its own settings are then not read from the link). */
  let moving = false;
  /** The latest scroll request; an older one that is still waiting for its picture gives up. */
  let settling = 0;

  function go(k) {
    const n = Math.min(STEPS.length, Math.max(1, k));
    if (n === state.get("tour")) return;
    moving = true;
    try {
      apply(STEPS[n - 1], new Set());
      state.set("tour", n);
    } finally {
      moving = false;
    }
    render();
    keepFocus();
    settle(STEPS[n - 1]);
  }

  /** From the header: the first step, and the focus on Next, so that Enter or Space goes on. */
  function open() {
    go(1);
    next.focus({ preventScroll: true });
  }

  function close() {
    state.set("tour", 0);
  }

  /** Sets what `step` shows, except the settings named in `keep` (those a link gave). */
  function apply(step, keep) {
    const settings = attempt(() => step.settings(engine));
    setupError = settings.error ?? null;
    if (setupError) return;
    for (const [name, value] of Object.entries(settings.value)) if (!keep.has(name)) state.set(name, value);
    if (!keep.has("tab")) state.set("tab", step.tab);
  }

  function render() {
    const k = state.get("tour");
    const open = k > 0;
    // A card that closes with the focus in it gives the focus to the header's button, not <body>.
    const hadFocus = card.contains(document.activeElement);
    card.hidden = !open;
    if (!open && hadFocus) button.focus({ preventScroll: true });
    document.documentElement.classList.toggle(TOURING_CLASS, open);
    button.setAttribute("aria-pressed", String(open));
    if (!open) {
      document.documentElement.style.setProperty("--tour-space", "0px");
      return;
    }
    const step = STEPS[k - 1];
    card.dataset.step = step.id;
    count.textContent = t("tour.count", { k: String(k), n: String(STEPS.length) });
    title.textContent = step.title;
    const words = attempt(() => step.text(engine));
    text.textContent = setupError ? t("tour.setupFailed", { error: setupError })
      : words.error ? t("tour.numbersFailed", { error: words.error }) : words.value;
    // At the ends the buttons stay focusable (aria-disabled), so the focus never falls to <body>.
    back.setAttribute("aria-disabled", String(k === 1));
    next.setAttribute("aria-disabled", String(k === STEPS.length));
  }

  /** A step that changes the panel hides what had the focus: it moves to the card instead. */
  function keepFocus() {
    const a = document.activeElement;
    if (state.get("tour") && (!a || a === document.body || !a.isConnected || !a.checkVisibility())) {
      next.focus({ preventScroll: true });
    }
  }

  /**
   * Once the step's picture is drawn, scrolls it into the band between the tabs and the card, and
   * again while the panel is still settling (a first mount, an image, a saved model move things),
   * until it has stood still for STILL_FRAMES frames, SETTLE_MS have passed or the user scrolls.
   */
  function settle(step) {
    const token = ++settling;
    const since = performance.now();
    let last = null;
    let still = 0;
    const wait = () => {
      if (token !== settling || !state.get("tour") || performance.now() - since > SETTLE_MS) return;
      const shown = step.picture.map((s) => document.querySelector(s)).filter((e) => e?.checkVisibility());
      if (shown.length === step.picture.length || (shown.length && performance.now() - since > SETTLE_MS / 2)) {
        keepFocus();
        const where = span(shown);
        if (!last || Math.abs(where.top - last.top) >= 1 || Math.abs(where.bottom - last.bottom) >= 1) {
          reveal(where);
          still = 0;
        } else if (++still >= STILL_FRAMES) {
          return;
        }
        last = where;
      }
      requestAnimationFrame(wait);
    };
    requestAnimationFrame(wait);
  }
  // Scrolling by hand ends the step's own scrolling.
  for (const type of ["wheel", "touchmove"]) window.addEventListener(type, () => { settling += 1; }, { passive: true });

  /** The top and bottom of `elements` together, in page coordinates. */
  function span(elements) {
    const rects = elements.map((e) => e.getBoundingClientRect());
    return { top: Math.min(...rects.map((r) => r.top)) + window.scrollY, bottom: Math.max(...rects.map((r) => r.bottom)) + window.scrollY };
  }

  /** Scrolls for `where` (a span of the page) to show between the sticky tabs and the card: not
   * at all when it does; else with as much as possible above it (the panel's own controls and
   * headings), or its top first when it is taller than that band. */
  function reveal({ top, bottom }) {
    const tabs = document.querySelector("nav.tabs");
    const bandTop = tabs && getComputedStyle(tabs).position === "sticky" ? tabs.offsetHeight : 0;
    const bandBottom = window.innerHeight - (card.hidden ? 0 : card.offsetHeight);
    const margin = 4;
    const highest = top - bandTop - margin; // the largest scroll that still shows the top
    const lowest = bottom - bandBottom + margin; // the smallest scroll that shows the bottom
    const shown = window.scrollY >= lowest && window.scrollY <= highest;
    const target = Math.max(0, lowest > highest ? highest : shown ? window.scrollY : lowest);
    if (Math.abs(target - window.scrollY) >= 1) window.scrollTo({ top: target, behavior: "instant" });
  }

  // The tour's keys, after keys.js's listener: Esc there leaves presenter mode first.
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.isComposing || !state.get("tour")) return;
    // While the sheet of shortcuts (a modal dialog) is open, every key is the sheet's.
    if (document.querySelector("dialog[open]")) return;
    const action = keyAction(e);
    const target = document.activeElement;
    if (action === "leave") {
      if (state.get("present") || focusKeeps(target, action)) return;
      e.preventDefault();
      close();
    } else if (TOUR_ACTIONS.has(action) && !focusKeeps(target, action)) {
      e.preventDefault();
      go(state.get("tour") + (action === "tourNext" ? 1 : -1));
    }
  });

  /** The step the link names, with the settings it names itself kept (a shared link's moment). */
  function follow() {
    const k = state.get("tour");
    if (k) apply(STEPS[k - 1], linkNames(window.location.hash));
    render();
    if (k) settle(STEPS[k - 1]);
  }

  // A link, Back or an edited address that changes the step.
  state.subscribe((changed) => {
    if (changed.includes("tour") && !moving) follow();
  });
  follow();
}
