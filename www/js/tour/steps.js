// The Lecture 5 tour's steps, in the lecture's order (the seed notes' order; issue 11, item 7):
// what each step sets on the page and the two or three sentences its card says. Pure: no DOM.
// Every number a sentence gives that the engine computes (output sizes, weight counts, the
// formula, the network's shapes, the overfit preset's size) is read from `engine`, the page's
// wasm exports, when the text is made; only the lecture's own choices (a 32×32×3 image, six 5×5
// filters, the student's 99 % and 22 %) are written here.
//
// A step: { id, title, tab (the panel), settings(engine) → { state name: value } (what the step
// sets, through the page's State), text(engine) → the card's sentences (the words i18n/tour.js's, in the
// page's language), picture (selectors of
// what the step shows: tour.js scrolls them into view above the card) }.

import { t } from "../i18n/i18n.js";
import { FIELDS as TRAIN_FIELDS } from "../train/settings.js";

/** A count as the page writes it: 3,072. */
const count = (n) => n.toLocaleString("en-US");

/** The tour catalog's text `key` (i18n/tour.js); numbers are written as the steps give them. */
function words(key, params) {
  const text = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "number" ? String(v) : v]));
  return t(`tour.${key}`, text);
}

/** `h×w×c`, the page's one order for shapes (the header's notation legend). */
const shape = (s) => `${s.h}×${s.w}×${s.c}`;

/** The output side for input `n`, filter `f`, pad `p`, stride `s`, from the engine's rule. */
const side = (engine, n, f, p, s) => engine.outputSize("width", n, f, p, s);

/** The stepper's whole set-up, so that a step never keeps what an earlier one set. */
function stepper({ op = "conv", sw, sh = sw, sf, ss = 1, sp = 0, sc = 1, sk = 1 }) {
  return { op, dir: "forward", sgrad: "dx", sw, sh, sf, ss, sp, sc, sk, step: 1 };
}

/** The stepper's picture: its grids in the forward pass (conv shows the filter w too), the
 * formula and the step counter of its transport. */
const VIEW = ["[data-testid=stepper-formula]", "[data-testid=stepper-position]"];
const GRIDS = ["[data-grid=x]", "[data-grid=w]", "[data-grid=out]", ...VIEW];
const POOL_GRIDS = ["[data-grid=x]", "[data-grid=out]", ...VIEW];

/**
 * The lecture's example of depth (a 32×32×3 image and six 5×5×3 filters) as the stepper's
 * settings: the engine's (`limits().stepper.lecture`), which the stepper's own button also uses.
 */
export function lectureDepth(engine) {
  const l = engine.limits().stepper.lecture;
  return { sw: l.width, sh: l.height, sc: l.channels, sk: l.filters, sf: l.filter, ss: l.stride, sp: l.pad };
}

/** The first layer of the lecture's example, in the network table's text form. */
export const FC_NETWORK = "32x32x3: conv5x5-6";

export const STEPS = [
  {
    id: "fc-vs-conv",
    get title() { return t("tour.fc-vs-conv.title"); },
    tab: "shapes",
    settings: () => ({ net: FC_NETWORK }),
    text(engine) {
      const report = engine.walkNetwork(engine.parseNetwork(FC_NETWORK));
      const conv = report.rows[0];
      const { fc } = report.summary;
      const same = fc.same_outputs;
      return words("fc-vs-conv.text", {
        input: shape(report.input), weights: count(fc.weights_per_neuron), f: conv.layer.size, c: report.input.c,
        filterWeights: count(fc.conv_weights_per_filter), outputs: count(same.outputs), output: shape(conv.output),
        fcParams: count(same.fc_params), k: conv.layer.filters, convParams: count(same.conv_params),
      });
    },
    picture: ["[data-testid=fc-comparison]"],
  },
  {
    id: "slide",
    get title() { return t("tour.slide.title"); },
    tab: "shapes",
    settings: () => stepper({ sw: 7, sf: 3 }),
    text(engine) {
      const out = side(engine, 7, 3, 0, 1);
      return words("slide.text", { n: 3 * 3, out });
    },
    picture: GRIDS,
  },
  {
    id: "activation-maps",
    get title() { return t("tour.activation-maps.title"); },
    tab: "shapes",
    settings: (engine) => stepper(lectureDepth(engine)),
    text(engine) {
      const { sw, sc, sk, sf } = lectureDepth(engine);
      const out = side(engine, sw, sf, 0, 1);
      return words("activation-maps.text", { w: sw, c: sc, f: sf, n: sf * sf * sc, out, k: sk });
    },
    picture: GRIDS,
  },
  {
    id: "stride",
    get title() { return t("tour.stride.title"); },
    tab: "shapes",
    settings: () => stepper({ sw: 7, sf: 3, ss: 2 }),
    text(engine) {
      const [one, two] = [1, 2].map((s) => side(engine, 7, 3, 0, s));
      return words("stride.text", { one, two });
    },
    picture: GRIDS,
  },
  {
    id: "padding",
    get title() { return t("tour.padding.title"); },
    tab: "shapes",
    settings: () => stepper({ sw: 4, sf: 3, sp: 1 }),
    text(engine) {
      const [bare, padded] = [0, 1].map((p) => side(engine, 4, 3, p, 1));
      return words("padding.text", { bare, side: 4 + 2, padded });
    },
    picture: GRIDS,
  },
  {
    id: "formula",
    get title() { return t("tour.formula.title"); },
    tab: "shapes",
    settings: () => stepper({ sw: 7, sf: 3, ss: 3 }),
    text(engine) {
      return words("formula.text", { two: engine.formula(7, 3, 0, 2), three: engine.formula(7, 3, 0, 3) });
    },
    picture: ["[data-testid=stepper-formula]", "[data-testid=stepper-error]"],
  },
  {
    id: "max-pool",
    get title() { return t("tour.max-pool.title"); },
    tab: "shapes",
    settings: () => stepper({ op: "pool", sw: 4, sf: 2, ss: 2 }),
    text(engine) {
      const out = side(engine, 4, 2, 0, 2);
      return words("max-pool.text", { out });
    },
    picture: POOL_GRIDS,
  },
  {
    id: "average-pool",
    get title() { return t("tour.average-pool.title"); },
    tab: "shapes",
    settings: () => stepper({ op: "avgpool", sw: 4, sf: 2, ss: 2 }),
    text(engine) {
      const out = side(engine, 4, 2, 0, 2);
      return words("average-pool.text", { out });
    },
    picture: POOL_GRIDS,
  },
  {
    id: "network",
    get title() { return t("tour.network.title"); },
    tab: "shapes",
    // The network table's own default is the lecture's network (an empty `net`).
    settings: () => ({ net: "" }),
    text(engine) {
      const report = engine.walkNetwork(engine.lectureNetwork());
      const pools = report.rows.filter((r) => r.layer.type === "pool");
      const last = report.rows.at(-1);
      const seen = pools.at(-1).output;
      const conv = report.rows[0].layer;
      return words("network.text", {
        f: conv.size, p: conv.pad, blocks: pools.length, input: shape(report.input), shapes: pools.map((p) => shape(p.output)),
        values: count(seen.h * seen.w * seen.c), classes: last.output.c,
      });
    },
    picture: ["[data-testid=network-table] thead", ...[1, 2, 3, 4, 5].map((i) => `[data-testid=network-table] tbody tr:nth-child(${i})`)],
  },
  {
    id: "filter-demo",
    get title() { return t("tour.filter-demo.title"); },
    tab: "filters",
    settings: () => ({ filter: "demo" }),
    text(engine) {
      // The layer's settings, from the engine's demo on a blank 4×4 image (its pictures unused).
      const probe = engine.assignmentDemo(new Uint8ClampedArray(4 * 4 * 4), 4, 4);
      let layer;
      try {
        layer = probe.summary();
      } finally {
        probe.free();
      }
      const [k, c, f] = layer.weights.shape;
      return words("filter-demo.text", { f, c, k, stride: layer.stride, pad: layer.pad });
    },
    picture: ["[data-testid=output-canvas-0]", "[data-testid=output-canvas-1]"],
  },
  {
    id: "overfit",
    get title() { return t("tour.overfit.title"); },
    tab: "train",
    // The Train panel's "Overfit 100 examples" preset, from the engine.
    settings(engine) {
      const preset = engine.trainPreset("figures", "overfit");
      // The dataset first: the Train panel answers a change of dataset with a preset of its own.
      const values = { tds: preset.data.dataset };
      for (const f of TRAIN_FIELDS) values[f.prop] = preset[f.group][f.key];
      return values;
    },
    text(engine) {
      const { data } = engine.trainPreset("figures", "overfit");
      return words("overfit.text", { n: data.nTrain });
    },
    picture: ["[data-testid=train-chart]", "[data-action=train-start]", "[data-testid=train-acc]"],
  },
];
