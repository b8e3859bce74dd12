// The page's line about its saved work, above the panels: what a reload restored, a storage
// failure, or that the saved work was forgotten; with the “Forget my saved work” button.

import { t } from "../i18n/i18n.js";
import { el, say } from "../widgets/dom.js";

/** `store` from store.js; `notice` the restore notice ("" when nothing came back). */
export function createStorageBanner(store, notice) {
  const message = el("p", { class: "message", role: "status", "data-testid": "storage-notice", hidden: true });
  const forget = forgetButton(store, "forget-saved-banner");
  const element = el("div", { class: "storage-bar", hidden: true }, message, forget);

  function show(text, kind, withForget) {
    say(message, text, kind);
    message.dataset.kind = kind;
    forget.hidden = !withForget;
    element.hidden = !text;
  }

  if (store.problem) show(store.problemMessage, "error", store.available);
  else if (notice) show(notice, "notice", true);

  store.subscribe((e) => {
    if (e.type === "problem") show(e.message, "error", store.available);
    else if (e.type === "forgotten") show(t("persist.forgotten"), "notice", false);
    else if (message.dataset.kind === "error" && !store.problem) show("", "notice", false);
  });
  return element;
}

/** A “Forget my saved work” button (with `data-action` = `action`) that clears the store. */
export function forgetButton(store, action) {
  return el("button", {
    type: "button", text: t("persist.forget"), "data-action": action, disabled: !store.available,
    title: t("persist.forget.title"),
    onclick: () => store.forget(),
  });
}
