// The panels of the page, in tab order. A panel is one module exporting
// `mount(section, { engine, state })`, which builds its content inside `section` and may return
// `{ show(), hide() }` hooks. Adding a panel is one line here (its module is loaded on first view).
// `short` is the tab's title on a phone, where the four tabs share one sticky row.

// The titles are read in the page's language (i18n/common.js) when the tabs are built.

import { t } from "../i18n/i18n.js";

/** A panel's entry: its titles from the catalog's `tab<Name>` and `tab<Name>Short`. */
function panel(id, name, load) {
  return { id, load, get title() { return t(`common.tab${name}`); }, get short() { return t(`common.tab${name}Short`); } };
}

export const PANELS = [
  panel("filters", "Filters", () => import("./filters.js")),
  panel("shapes", "Shapes", () => import("./shapes.js")),
  panel("lab", "Lab", () => import("./lab.js")),
  panel("train", "Train", () => import("./train.js")),
];
