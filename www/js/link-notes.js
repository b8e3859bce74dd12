// What the "Copy link" control says: that the link was copied (or how to copy it by hand), and
// what the link cannot carry — an uploaded image, the user's own images, a trained model stay in
// this browser. Pure text, so the unit tests check every sentence; the words are the page's
// catalog's (i18n/common.js), in the page's language.

import { t } from "./i18n/i18n.js";

/** Filters: the link opens `sampleLabel` ("circle") instead of the image the user loaded. */
export function uploadNote(sampleLabel) {
  return t("common.uploadNote", { sample: sampleLabel });
}

/**
 * Train: `ownImages` (how many of the user's own images the chosen dataset holds, 0 when the
 * dataset is not "Your own") and `trained` (a model trained or imported here).
 */
export function trainNote({ ownImages, trained }) {
  const notes = [];
  if (ownImages > 0) {
    notes.push(ownImages === 1 ? t("common.ownImage") : t("common.ownImages", { n: ownImages }));
  }
  if (trained) {
    notes.push(t("common.trainedModel"));
  }
  return notes.join(" ");
}

/** After the link went to the clipboard; `note` is what cannot travel ("" when nothing). */
export function copiedText(note) {
  return note ? t("common.linkCopiedNote", { note }) : t("common.linkCopied");
}

/** When the browser refused the clipboard: the link is in a selected field instead. */
export function refusedText(note) {
  return note ? t("common.linkRefusedNote", { note }) : t("common.linkRefused");
}
