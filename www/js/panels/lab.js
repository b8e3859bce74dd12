// The Lab panel: the assignment's checks, live. Three parts — gradient check, naive vs fast,
// batch norm — each computed by the engine in the Lab's worker (js/lab/worker.js), so the page
// never freezes; one job runs at a time and Cancel always stops it. This module lays the parts
// out and tells them when a job starts or ends.

import { LabClient } from "../lab/client.js";
import { createBatchNorm } from "../lab/batchnorm.js";
import { createGradCheck } from "../lab/gradcheck.js";
import { createSpeed } from "../lab/speed.js";
import { t } from "../i18n/i18n.js";
import { el } from "../widgets/dom.js";

export function mount(section, { engine, state }) {
  const parts = [];
  const client = new LabClient((busy) => {
    for (const p of parts) p.setBusy(busy);
    section.dataset.busy = busy ?? "";
  });
  const context = { engine, state, client };
  parts.push(createGradCheck(context), createSpeed(context), createBatchNorm(context));
  section.append(
    el("h2", { text: t("lab.title") }),
    el("p", { class: "lead", text: t("lab.lead") }),
    ...parts.map((p) => p.element),
  );
}
