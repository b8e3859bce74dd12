// The panels of the page, in tab order. A panel is one module exporting
// `mount(section, { engine, state })`, which builds its content inside `section` and may return
// `{ show(), hide() }` hooks. Adding a panel is one line here (its module is loaded on first view).
// `short` is the tab's title on a phone, where the four tabs share one sticky row.

export const PANELS = [
  { id: "filters", title: "Filters on your image", short: "Filters", load: () => import("./filters.js") },
  { id: "shapes", title: "Shapes, step by step", short: "Shapes", load: () => import("./shapes.js") },
  { id: "lab", title: "Lab", short: "Lab", load: () => import("./lab.js") },
  { id: "train", title: "Train a convnet", short: "Train", load: () => import("./train.js") },
];
