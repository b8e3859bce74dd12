// The "why" of the stepper's backward pass: one short paragraph per mode saying where the rule
// the steps follow comes from (local gradient and chain rule for max and average pool; the
// derivative of the conv's sum for dw, dx and db). Words and the plan's numbers only: no arithmetic here.
//
// Each of "derivative", "local gradient" and "chain rule" is said once, where it helps.

import { el, fmt } from "./dom.js";

export function loadWhyStyles() {
  if (document.getElementById("stepper-why-css")) return;
  document.head.append(el("link", { id: "stepper-why-css", rel: "stylesheet", href: new URL("../../css/stepper-why.css", import.meta.url).href }));
}

function pool(plan) {
  const overlap = plan.stride < plan.filter
    ? `These windows overlap (S = ${plan.stride} < F = ${plan.filter}): a cell that wins several of them adds up their gradients.`
    : `These windows do not overlap (S = ${plan.stride} ≥ F = ${plan.filter}), so a cell gets at most one gradient.`;
  return [
    ["why-text", `Why: each out is the max of its window. The local gradient of max is 1 for the winner (raise the largest value a little and the max rises with it) and 0 for every other cell (raise one a little and the max does not move). By the chain rule, dx = dout × that 1 or 0, so each dout cell goes unchanged to the argmax of its window and 0 goes to the rest. ${overlap}`],
  ];
}

function average(plan) {
  const n = plan.filter * plan.filter;
  const overlap = plan.stride < plan.filter
    ? `These windows overlap (S = ${plan.stride} < F = ${plan.filter}): a cell in several of them adds up its shares.`
    : `These windows do not overlap (S = ${plan.stride} ≥ F = ${plan.filter}), so a cell gets at most one share.`;
  return [
    ["why-text", `Why: each out is the mean of its window, out = (sum of its ${n} cells)/${n}. The local gradient of that mean with respect to each cell of the window is 1/(F·F) = 1/${n} (raise any one cell a little and the mean rises by 1/${n} of it), whichever cell is largest. By the chain rule, dx = dout × 1/${n} for every cell of the window: each dout cell is shared evenly, and cells outside the window get 0. ${overlap}`],
  ];
}

function conv(plan, mode) {
  const { stride: s, pad: p, filter: f } = plan;
  const xs = p ? "xpad" : "x";
  const intro = `Why: out[a,b] = Σ w[u,v]·${xs}[S·a+u, S·b+v] + b, with S = ${s}${p ? ` and ${xs} the input padded by P = ${p}` : ""}. Its derivative with respect to a weight w[u,v] is the input ${xs}[S·a+u, S·b+v] it multiplies, and with respect to that input it is w[u,v]; each gradient is dout times these, summed over every output.`;
  const rule = mode === "dw"
    ? ` So dw is the correlation of ${xs} with dout: dw[i,j] = Σ ${xs}[i+S·a, j+S·b]·dout[a,b]. The ${plan.outHeight}×${plan.outWidth} dout grid slides over ${xs}${s > 1 ? `, its cells ${s} apart,` : ""} as the filter does in the forward pass: one position per cell of dw.`
    : ` So dx is dout${s > 1 ? ` dilated by the stride (S − 1 = ${s - 1} zero${s > 2 ? "s" : ""} between its cells),` : ""} padded by F − 1 = ${f - 1} zero${f === 2 ? "" : "s"} on every side and convolved with the filter rotated by 180° (the flipped filter): dx[i,j] = Σ dout padded[i${p ? "+P" : ""}+u, j${p ? "+P" : ""}+v]·w rotated[u,v]${p ? " (the padding's own gradient is dropped)" : ""}.`;
  const db = `db = Σ dout = ${plan.dout.map((v) => fmt(v)).join(" + ")} = ${fmt(plan.db[0])}: the bias is added to every output, so each dout reaches it whole.`;
  return [["why-text", intro + rule], ["why-db", db]];
}

/** Fills `box` with the why of `mode` ("forward", "route", "share", "dx", "dw"); hides it in the forward pass. */
export function showWhy(box, plan, mode) {
  const paragraphs = mode === "route" ? pool(plan) : mode === "share" ? average(plan)
    : mode === "dx" || mode === "dw" ? conv(plan, mode) : [];
  box.hidden = !paragraphs.length;
  box.replaceChildren(...paragraphs.map(([id, text]) => el("p", { "data-testid": `stepper-${id}`, text })));
}
