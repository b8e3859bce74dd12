// The Lecture 5 tour's steps, in the lecture's order (the seed notes' order; issue 11, item 7):
// what each step sets on the page and the two or three sentences its card says. Pure: no DOM.
// Every number a sentence gives that the engine computes (output sizes, weight counts, the
// formula, the network's shapes, the overfit preset's size) is read from `engine`, the page's
// wasm exports, when the text is made; only the lecture's own choices (a 32×32×3 image, six 5×5
// filters, the student's 99 % and 22 %) are written here.
//
// A step: { id, title, tab (the panel), settings(engine) → { state name: value } (what the step
// sets, through the page's State), text(engine) → the card's sentences, picture (selectors of
// what the step shows: tour.js scrolls them into view above the card) }.

import { FIELDS as TRAIN_FIELDS } from "../train/settings.js";

/** A count as the page writes it: 3,072. */
const count = (n) => n.toLocaleString("en-US");

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
    title: "A fully connected layer against a conv filter",
    tab: "shapes",
    settings: () => ({ net: FC_NETWORK }),
    text(engine) {
      const report = engine.walkNetwork(engine.parseNetwork(FC_NETWORK));
      const conv = report.rows[0];
      const { fc } = report.summary;
      const same = fc.same_outputs;
      return `A fully connected neuron on a ${shape(report.input)} image sees every value: ${count(fc.weights_per_neuron)} weights, and more for a larger image, which invites overfitting. `
        + `A conv filter of ${conv.layer.size}×${conv.layer.size}×${report.input.c} sees one small window and is shared across the image: ${count(fc.conv_weights_per_filter)} weights. `
        + `For the same ${count(same.outputs)} outputs (${shape(conv.output)}), a fully connected layer needs ${count(same.fc_params)} parameters; the conv layer of K = ${conv.layer.filters} filters has ${count(same.conv_params)}.`;
    },
    picture: ["[data-testid=fc-comparison]"],
  },
  {
    id: "slide",
    title: "A filter slides over the image",
    tab: "shapes",
    settings: () => stepper({ sw: 7, sf: 3 }),
    text(engine) {
      const out = side(engine, 7, 3, 0, 1);
      return `The filter w (F = 3) lies on one 3×3 window of the input x; the output cell is the dot product of its ${3 * 3} weights with the ${3 * 3} values under them, plus the bias. `
        + `Press → or Play to slide it: on a 7×7 input it fits in ${out} places along each side, so the output is ${out}×${out}.`;
    },
    picture: GRIDS,
  },
  {
    id: "activation-maps",
    title: "Depth: one activation map per filter",
    tab: "shapes",
    settings: (engine) => stepper(lectureDepth(engine)),
    text(engine) {
      const { sw, sc, sk, sf } = lectureDepth(engine);
      const out = side(engine, sw, sf, 0, 1);
      return `An image has depth: on a ${sw}×${sw}×${sc} image a filter is ${sf}×${sf}×${sc}, so each output value is a dot product of ${sf * sf * sc} numbers plus a bias. `
        + `One filter sliding over the whole image gives one activation map of ${out}×${out}; K = ${sk} filters give ${sk} maps, an output of ${out}×${out}×${sk}.`;
    },
    picture: GRIDS,
  },
  {
    id: "stride",
    title: "Stride",
    tab: "shapes",
    settings: () => stepper({ sw: 7, sf: 3, ss: 2 }),
    text(engine) {
      const [one, two] = [1, 2].map((s) => side(engine, 7, 3, 0, s));
      return `The stride S is how far the filter moves from one window to the next. `
        + `On the 7×7 input with F = 3, S = 1 gave ${one}×${one}; S = 2 skips every other position and gives ${two}×${two} — step through it and watch the window jump two cells.`;
    },
    picture: GRIDS,
  },
  {
    id: "padding",
    title: "Zero padding",
    tab: "shapes",
    settings: () => stepper({ sw: 4, sf: 3, sp: 1 }),
    text(engine) {
      const [bare, padded] = [0, 1].map((p) => side(engine, 4, 3, p, 1));
      return `Every conv makes the maps smaller: a 4×4 input with F = 3 gives ${bare}×${bare}, and a stack of them would soon shrink to nothing. `
        + `Pad P = 1 puts a border of zeros around the input, 4×4 becomes ${4 + 2}×${4 + 2}, and the output is ${padded}×${padded}: the size of the input.`;
    },
    picture: GRIDS,
  },
  {
    id: "formula",
    title: "The formula, and a stride that is not allowed",
    tab: "shapes",
    settings: () => stepper({ sw: 7, sf: 3, ss: 3 }),
    text(engine) {
      return `Every output size here comes from W′ = (W − F + 2P)/S + 1. On the 7×7 input with F = 3, S = 2 gives ${engine.formula(7, 3, 0, 2)}: allowed. `
        + `S = 3 gives ${engine.formula(7, 3, 0, 3)}, not a whole number: the windows do not fit the input evenly, so this layer is not allowed, and the page says why.`;
    },
    picture: ["[data-testid=stepper-formula]", "[data-testid=stepper-error]"],
  },
  {
    id: "max-pool",
    title: "Max pooling",
    tab: "shapes",
    settings: () => stepper({ op: "pool", sw: 4, sf: 2, ss: 2 }),
    text(engine) {
      const out = side(engine, 4, 2, 0, 2);
      return `Pooling makes each activation map smaller, on its own, with nothing to learn. `
        + `Max pooling with F = 2 and S = 2, the usual choice, keeps the largest value of each 2×2 window: 4×4 becomes ${out}×${out}, and what is kept is where the map responded most.`;
    },
    picture: POOL_GRIDS,
  },
  {
    id: "average-pool",
    title: "Average pooling, for comparison",
    tab: "shapes",
    settings: () => stepper({ op: "avgpool", sw: 4, sf: 2, ss: 2 }),
    text(engine) {
      const out = side(engine, 4, 2, 0, 2);
      return `Average pooling takes the mean of each window instead: the same ${out}×${out} output, but every value of the window counts, and each output costs a sum and a division. `
        + `Max pooling is simpler and keeps the strongest response, which is why it is the common choice.`;
    },
    picture: POOL_GRIDS,
  },
  {
    id: "network",
    title: "CONV-RELU-CONV-RELU-POOL",
    tab: "shapes",
    // The network table's own default is the lecture's network (an empty `net`).
    settings: () => ({ net: "" }),
    text(engine) {
      const report = engine.walkNetwork(engine.lectureNetwork());
      const pools = report.rows.filter((r) => r.layer.type === "pool");
      const last = report.rows.at(-1);
      const seen = pools.at(-1).output;
      const conv = report.rows[0].layer;
      const blocks = ["One", "Two", "Three", "Four"][pools.length - 1] ?? String(pools.length);
      return `CONV-RELU-CONV-RELU-POOL is one block: two ${conv.size}×${conv.size} convs with P = ${conv.pad} keep the size, and the pool halves it. `
        + `${blocks} blocks take the ${shape(report.input)} image to ${pools.map((p) => shape(p.output)).join(", then ")}; a fully connected layer turns those ${count(seen.h * seen.w * seen.c)} values into ${last.output.c} class scores.`;
    },
    picture: ["[data-testid=network-table] thead", ...[1, 2, 3, 4, 5].map((i) => `[data-testid=network-table] tbody tr:nth-child(${i})`)],
  },
  {
    id: "filter-demo",
    title: "The assignment's filters",
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
      return `The assignment's first experiment: two hand-made ${f}×${f}×${c} filters as one conv layer, K = ${k}, stride ${layer.stride}, pad ${layer.pad}. `
        + "Filter 0 turns the image grey, filter 1 finds horizontal edges in the blue channel: each filter gives one activation map. Load your own photo to try it.";
    },
    picture: ["[data-testid=output-canvas-0]", "[data-testid=output-canvas-1]"],
  },
  {
    id: "overfit",
    title: "Overfitting, on purpose",
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
      return `The assignment trains the three-layer convnet on only ${data.nTrain} examples: the student saw about 99 % training accuracy but 22 % validation accuracy, and thought the code was wrong. `
        + `It was on purpose: with far more parameters than examples, the net learns those ${data.nTrain} images by heart, and that does not carry over to new ones. Press Start to see the gap here.`;
    },
    picture: ["[data-testid=train-chart]", "[data-action=train-start]", "[data-testid=train-acc]"],
  },
];
