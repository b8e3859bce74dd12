// The page's own tools, in the header: "Copy link", the keyboard shortcuts (keys.js) and presenter
// mode (presenter.js). The first two ask the visible panel's hooks: `keys` (its stepper's actions)
// and `linkNote()` (what its link cannot carry).

import { t } from "./i18n/i18n.js";
import { createShortcutSheet, installKeys } from "./keys.js";
import { createPresenter } from "./presenter.js";
import { createCopyLink } from "./widgets/copy-link.js";
import { el } from "./widgets/dom.js";

/** `panel()` gives the visible panel's hooks (or undefined while it loads). */
export function installPageTools({ header, state, panel }) {
  const sheet = createShortcutSheet();
  document.body.append(sheet.element);
  const copy = createCopyLink({ note: () => panel()?.linkNote?.() ?? "" });
  // A message about the link of another view would be wrong: it goes when the view changes.
  state.subscribe(() => copy.clear());
  const shortcuts = el("button", { type: "button", text: t("common.keysButton"), "data-action": "shortcuts",
    "aria-keyshortcuts": "?", title: t("common.keysTitle"), onclick: () => sheet.show() });
  const presenter = createPresenter(state);
  header.append(el("div", { class: "page-tools" }, copy.element, shortcuts, presenter.element));
  installKeys({ keys: () => panel()?.keys ?? null, sheet, presenter });
}
