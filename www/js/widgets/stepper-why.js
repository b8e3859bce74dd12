// The "why" of the stepper's backward pass: one short paragraph per mode saying where the rule
// the steps follow comes from (local gradient and chain rule for max and average pool; the
// derivative of the conv's sum for dw, dx and db). Words and the plan's numbers only: no arithmetic here.
//
// Each of "derivative", "local gradient" and "chain rule" is said once, where it helps.

import { t } from "../i18n/i18n.js";
import { el, fmt } from "./dom.js";

export function loadWhyStyles() {
  if (document.getElementById("stepper-why-css")) return;
  document.head.append(el("link", { id: "stepper-why-css", rel: "stylesheet", href: new URL("../../css/stepper-why.css", import.meta.url).href }));
}

/** The Shapes catalog's text `key` (i18n/shapes.js); numbers as the grids write them. */
function words(key, params = {}) {
  const text = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, typeof v === "number" ? String(v) : v]));
  return t(`shapes.${key}`, text);
}

function pool(plan) {
  const sizes = { s: plan.stride, f: plan.filter };
  const overlap = words(plan.stride < plan.filter ? "whyPoolOverlap" : "whyPoolApart", sizes);
  return [["why-text", words("whyPool", { overlap })]];
}

function average(plan) {
  const sizes = { s: plan.stride, f: plan.filter };
  const overlap = words(plan.stride < plan.filter ? "whyAverageOverlap" : "whyAverageApart", sizes);
  return [["why-text", words("whyAverage", { n: plan.filter * plan.filter, overlap })]];
}

function conv(plan, mode) {
  const { stride: s, pad: p, filter: f } = plan;
  const xs = p ? "xpad" : "x";
  const intro = words("whyConv", { xs, s, p });
  const rule = mode === "dw"
    ? words("whyDw", { xs, s, shape: `${plan.outHeight}×${plan.outWidth}` })
    : words("whyDx", { s, p, f });
  const db = words("whyDb", { sum: plan.dout.map((v) => fmt(v)).join(" + "), value: fmt(plan.db[0]) });
  return [["why-text", intro + rule], ["why-db", db]];
}

/** Fills `box` with the why of `mode` ("forward", "route", "share", "dx", "dw"); hides it in the forward pass. */
export function showWhy(box, plan, mode) {
  const paragraphs = mode === "route" ? pool(plan) : mode === "share" ? average(plan)
    : mode === "dx" || mode === "dw" ? conv(plan, mode) : [];
  box.hidden = !paragraphs.length;
  box.replaceChildren(...paragraphs.map(([id, text]) => el("p", { "data-testid": `stepper-${id}`, text })));
}
