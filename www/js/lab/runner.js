// The Run / Cancel controls and the progress bar of one Lab section. Every section shares one
// LabClient (one job at a time): while any job runs, every Run button is disabled, and the
// running section shows its progress and its Cancel button.

import { t } from "../i18n/i18n.js";
import { el, say } from "../widgets/dom.js";
import { duration } from "./stats.js";

/**
 * `section` names the section in test ids (`${section}-run`, `${section}-cancel`,
 * `${section}-status`, `${section}-error`). `start()` returns the settings of job `kind` (or
 * throws an Error whose message is shown); `show(value)` draws the result. Returns
 * { element, run(), setBusy(kind) }.
 */
export function createRunner({ client, section, kind, label = t("lab.run"), start, show }) {
  const run = el("button", { type: "button", class: "primary", text: label, "data-testid": `${section}-run` });
  const cancel = el("button", { type: "button", text: t("lab.cancel"), hidden: true, "data-testid": `${section}-cancel` });
  const bar = el("progress", { max: 1, value: 0, hidden: true, "aria-label": t("lab.progressLabel", { label }) });
  const status = el("span", { class: "run-status", role: "status", "data-testid": `${section}-status` });
  const message = el("p", { class: "message error", role: "alert", hidden: true, "data-testid": `${section}-error` });
  let mine = false;

  async function go() {
    if (run.disabled) return;
    let settings;
    try {
      settings = start();
    } catch (e) {
      say(message, e.message, "error");
      return;
    }
    say(message, "");
    mine = true;
    bar.hidden = false;
    bar.removeAttribute("value"); // indeterminate until the first progress report
    cancel.hidden = false;
    status.textContent = t("lab.running");
    const t0 = performance.now();
    const outcome = await client.run(kind, settings, (done, total, what) => {
      bar.max = total;
      bar.value = done;
      status.textContent = t("lab.progress", { done, total, what });
    });
    mine = false;
    bar.hidden = true;
    cancel.hidden = true;
    cancel.disabled = false;
    const took = duration(performance.now() - t0);
    if (outcome.cancelled) {
      status.textContent = t("lab.cancelled");
    } else if (outcome.error) {
      status.textContent = "";
      say(message, outcome.error, "error");
    } else {
      status.textContent = t("lab.done", { took });
      show(outcome.value);
    }
  }
  run.addEventListener("click", go);
  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    status.textContent = t("lab.cancelling");
    client.cancel();
  });

  const element = el("div", { class: "runner" },
    el("div", { class: "run-row" }, run, cancel, bar, status), message);
  return {
    element,
    /** Runs as if Run had been pressed (nothing happens while a job runs). */
    run: go,
    /** Called by the panel whenever a job starts (kind) or ends (null). */
    setBusy(busy) {
      run.disabled = busy !== null;
      if (!mine) cancel.hidden = true;
    },
  };
}
