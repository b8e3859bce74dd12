// The panels of the page, in tab order. A panel is one module exporting
// `mount(section, { engine, state })`, which builds its content inside `section` and may return
// `{ show(), hide() }` hooks. Adding a panel is one line here (its module is loaded on first view).

export const PANELS = [
  { id: "filters", title: "Filters on your image", load: () => import("./filters.js") },
  { id: "shapes", title: "Shapes, step by step", load: () => import("./shapes.js") },
  { id: "lab", title: "Lab", load: () => import("./lab.js") },
  { id: "train", title: "Train a convnet", load: () => import("./train.js") },
];
