// The Shapes panel — Shapes, step by step: the stepper (one layer with depth, forward and backward) and the network
// table (a whole stack of layers). Each is its own widget; this module only lays them out.

import { t } from "../i18n/i18n.js";
import { el } from "../widgets/dom.js";
import { createNetworkTable } from "../widgets/network-table.js";
import { createStepper } from "../widgets/stepper.js";

export function mount(section, { engine, state }) {
  const stepper = createStepper({ engine, state });
  const network = createNetworkTable({ engine, state });
  section.append(
    el("h2", { text: t("shapes.title") }),
    el("p", { class: "lead", text: t("shapes.lead") }),
    stepper.element,
    network.element,
  );
  // The page's keys (keys.js) work the stepper while this panel is shown.
  return { hide: stepper.hide, show: stepper.show, keys: stepper.keys };
}
