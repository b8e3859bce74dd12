// The header's language switch (English / 한국어). The choice is the setting `lang`, kept in the
// link; "auto" (a link without it) follows the browser's language. Switching reloads the page in
// the other language: the settings stay in the link and the work in this browser's storage.

import { LANGUAGES, language, languageOf } from "./i18n/i18n.js";
import { el } from "./widgets/dom.js";

/** The language a `lang` setting means: its own, or for "auto" (or none) the browser's. */
export function pageLanguage(setting) {
  if (setting && setting !== "auto") return languageOf(setting);
  return languageOf(typeof navigator === "undefined" ? "en" : navigator.language);
}

export function installLanguageSwitch({ header, state }) {
  const select = el("select", { class: "language", "aria-label": "Language / 언어", "data-testid": "language" },
    ...LANGUAGES.map(([code, name]) => el("option", { value: code, text: name, lang: code, selected: code === language() })));
  select.addEventListener("change", () => {
    state.set("lang", select.value);
    window.location.reload();
  });
  // Beside Copy link and Keys; presenter mode hides it with them (css/presenter.css).
  (header.querySelector(".page-tools") ?? header).append(select);
  return select;
}
