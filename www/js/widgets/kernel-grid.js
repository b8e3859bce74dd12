// An editable k×k kernel: one number input per weight. Reports the values when every cell holds
// a number; a cell that does not is marked invalid and nothing is reported until it is fixed.

import { el } from "./dom.js";
import { t } from "../i18n/i18n.js";

/** `onChange(values)` gets the k² values, row-major. Returns `{ element, set(values) }`. */
export function createKernelGrid({ size, values, label, onChange }) {
  const inputs = [];
  const grid = el("div", { class: "kernel", role: "group", "aria-label": label, style: `--k: ${size}` });
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      const input = el("input", {
        type: "number", step: "any", value: values[r * size + c], inputmode: "decimal",
        "aria-label": t("filters.kernelCell", { label, row: String(r + 1), col: String(c + 1) }), "data-kernel": `${size}-${r}-${c}`,
      });
      input.addEventListener("input", report);
      inputs.push(input);
      grid.append(input);
    }
  }

  function report() {
    const vs = inputs.map((i) => i.valueAsNumber);
    for (const [k, i] of inputs.entries()) i.setAttribute("aria-invalid", String(!Number.isFinite(vs[k])));
    if (vs.every(Number.isFinite)) onChange(vs);
  }

  function set(vs) {
    for (const [k, i] of inputs.entries()) {
      if (i.valueAsNumber !== vs[k]) i.value = vs[k];
      i.setAttribute("aria-invalid", "false");
    }
  }

  return { element: grid, set };
}
