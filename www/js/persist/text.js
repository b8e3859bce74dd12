// What the page says about the work it keeps in this browser: the notice after a restore, the
// saved-state line and the message for each kind of storage failure. No DOM here.

import { imageCount } from "./records.js";

const plural = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "14:32": the local time of `ms` (milliseconds since 1970). */
export function clock(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** "the model trained at 14:32 (iteration 120)", or "saved at" for a model never trained here. */
export function modelPhrase(model) {
  return model.iteration > 0
    ? `the model trained at ${clock(model.savedAt)} (iteration ${model.iteration})`
    : `the model saved at ${clock(model.savedAt)}`;
}

/** "10 images in 2 classes". */
export function ownPhrase(classes) {
  return `${plural(imageCount(classes), "image")} in ${plural(classes.length, "class", "classes")}`;
}

/**
 * The notice after a reload, or "" when nothing came back. `own` is the restored classes (or
 * null), `model` the stored model record (or null), `settings` whether the last visit's settings
 * were applied because the page was opened without a link.
 */
export function restoreNotice({ own, model, settings }) {
  const parts = [];
  if (own && imageCount(own) > 0) parts.push(ownPhrase(own));
  if (model) parts.push(modelPhrase(model));
  const sentences = [];
  if (parts.length) sentences.push(`Restored ${parts.join(" and ")} from this browser.`);
  if (settings) sentences.push(`${parts.length ? "The" : "Restored the"} settings of your last visit${parts.length ? " are back too" : ""} (a link with settings opens its own).`);
  return sentences.join(" ");
}

/** Why storing failed, in words for a student, from a StorageProblem's `reason`. */
export function problemText(reason) {
  const lost = "The page keeps working, but what you do now stays only until you reload or leave.";
  switch (reason) {
    case "QuotaExceededError":
      return `Your work could not be saved: this browser's storage for the page is full. ${lost} Free space with “Forget my saved work” or by clearing other sites' data.`;
    case "unavailable":
    case "SecurityError":
    case "InvalidStateError":
      return `This browser does not let the page store anything (private browsing, or site data is blocked). ${lost}`;
    case "timeout":
      return `This browser did not open the page's storage (it gave no answer). ${lost}`;
    case "blocked":
      return `Another tab with an older version of this page keeps its saved work open. ${lost} Close the other tab and reload to save again.`;
    default:
      return `Saving in this browser failed (${reason}). ${lost}`;
  }
}
