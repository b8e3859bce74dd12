// What the page says about the work it keeps in this browser: the notice after a restore, the
// saved-state line and the message for each kind of storage failure. No DOM here.

import { t } from "../i18n/i18n.js";
import { imageCount } from "./records.js";

/** "14:32": the local time of `ms` (milliseconds since 1970). */
export function clock(ms) {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, "0")}:${String(d.getMinutes()).padStart(2, "0")}`;
}

/** "the model trained at 14:32 (iteration 120)", or "saved at" for a model never trained here. */
export function modelPhrase(model) {
  return model.iteration > 0
    ? t("persist.model.trained", { time: clock(model.savedAt), iteration: String(model.iteration) })
    : t("persist.model.saved", { time: clock(model.savedAt) });
}

/** "10 images in 2 classes". */
export function ownPhrase(classes) {
  return t("persist.own", { images: imageCount(classes), classes: classes.length });
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
  if (parts.length) sentences.push(t("persist.restored.work", { what: both(parts) }));
  if (settings) sentences.push(t(parts.length ? "persist.restored.settingsToo" : "persist.restored.settings"));
  return sentences.join(" ");
}

/** One phrase or two joined by "and" (the own images and the model). */
export function both(parts) {
  return parts.length === 2 ? t("persist.and", { a: parts[0], b: parts[1] }) : parts[0];
}

/** Why storing failed, in words for a student, from a StorageProblem's `reason`. */
export function problemText(reason) {
  switch (reason) {
    case "QuotaExceededError":
      return t("persist.problem.quota");
    case "unavailable":
    case "SecurityError":
    case "InvalidStateError":
      return t("persist.problem.unavailable");
    case "timeout":
      return t("persist.problem.timeout");
    case "blocked":
      return t("persist.problem.blocked");
    default:
      return t("persist.problem.other", { reason: String(reason) });
  }
}
