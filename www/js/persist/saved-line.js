// The Train panel's line about what is saved in this browser (the own images and the trained
// model), kept up to date from the store's events, with the “Forget my saved work” button.
// `data-images` and `data-iteration` ("" when no model is saved) say the same for tests.

import { t } from "../i18n/i18n.js";
import { el, say } from "../widgets/dom.js";
import { forgetButton } from "./banner.js";
import { KEYS } from "./records.js";
import { both, clock, modelPhrase, ownPhrase } from "./text.js";

export function createSavedLine(store) {
  const line = el("p", { class: "message notice", role: "status", "data-testid": "saved-status" });
  const element = el("div", { class: "saved-work" }, line, forgetButton(store, "forget-saved"));
  let own = store.saved.own?.classes ?? null;
  let model = store.saved.model;
  let at = Math.max(store.saved.own?.savedAt ?? 0, model?.savedAt ?? 0);

  function render() {
    if (!store.available || store.problem) {
      say(line, store.problemMessage, "error");
      return;
    }
    line.dataset.images = String(own ? own.reduce((n, c) => n + c.images.length, 0) : 0);
    line.dataset.iteration = model ? String(model.iteration) : "";
    const parts = [own ? ownPhrase(own) : null, model ? modelPhrase(model) : null].filter(Boolean);
    const text = !parts.length ? t("persist.saved.nothing")
      : at ? t("persist.saved.at", { time: clock(at), what: both(parts) })
        : t("persist.saved.some", { what: both(parts) });
    say(line, text, "notice");
  }

  store.subscribe((e) => {
    if (e.type === "forgotten") {
      own = null;
      model = null;
    } else if (e.key === KEYS.own) {
      own = e.value.classes;
    } else if (e.key === KEYS.model) {
      model = e.type === "saved" ? e.value : null;
    }
    if (e.type === "saved") at = e.value.savedAt;
    render();
  });
  render();
  return element;
}
