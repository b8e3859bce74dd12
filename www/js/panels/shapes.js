// The Shapes panel — Shapes, step by step: the stepper (one layer with depth, forward and backward) and the network
// table (a whole stack of layers). Each is its own widget; this module only lays them out.

import { el } from "../widgets/dom.js";
import { createNetworkTable } from "../widgets/network-table.js";
import { createStepper } from "../widgets/stepper.js";

export function mount(section, { engine, state }) {
  const stepper = createStepper({ engine, state });
  const network = createNetworkTable({ engine, state });
  section.append(
    el("h2", { text: "Shapes, step by step" }),
    el("p", { class: "lead", text: "Why does a 7×7 input and a 3×3 filter give 5×5, and why is stride 3 not allowed? Slide the window yourself, then run the backward pass to see where each gradient goes. Add channels C and filters K, or open the lecture's 32×32×3 example, to see each output as a dot product over an F×F×C block." }),
    stepper.element,
    network.element,
  );
  // The page's keys (keys.js) work the stepper while this panel is shown.
  return { hide: stepper.hide, show: stepper.show, keys: stepper.keys };
}
