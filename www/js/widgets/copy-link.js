// "Copy link": puts the page's address (which holds every setting, the stepper's step included)
// on the clipboard and says so, with what the link cannot carry. A browser that refuses the
// clipboard (or has none, as over plain http) gets the link in a selected text field instead.

import { t } from "../i18n/i18n.js";
import { copiedText, refusedText } from "../link-notes.js";
import { el, say } from "./dom.js";

/**
 * `note()` says what cannot travel in the link ("" when nothing). Returns `{ element, clear() }`;
 * `clear()` hides the message and the field once the view has changed.
 */
export function createCopyLink({ note = () => "", url = () => window.location.href } = {}) {
  const button = el("button", { type: "button", text: t("common.copyLink"), "data-action": "copy-link" });
  const message = el("p", { class: "message", role: "status", "data-testid": "copy-link-message", hidden: true });
  const field = el("input", { type: "text", readonly: true, "aria-label": t("common.linkFieldLabel"), "data-testid": "copy-link-field" });
  const fieldBox = el("label", { class: "field copy-link-field", hidden: true }, el("span", { text: t("common.linkField") }), field);

  button.addEventListener("click", async () => {
    const link = url();
    const why = note();
    try {
      if (!navigator.clipboard?.writeText) throw new Error("no clipboard");
      await navigator.clipboard.writeText(link);
      fieldBox.hidden = true;
      say(message, copiedText(why), "notice");
    } catch {
      field.value = link;
      fieldBox.hidden = false;
      say(message, refusedText(why), "notice");
      field.focus();
      field.select();
    }
  });

  return {
    element: el("div", { class: "copy-link" }, button, fieldBox, message),
    clear() {
      say(message, "");
      fieldBox.hidden = true;
    },
  };
}
