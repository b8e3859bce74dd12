// What the "Copy link" control says: that the link was copied (or how to copy it by hand), and
// what the link cannot carry — an uploaded image, the user's own images, a trained model stay in
// this browser. Pure text, so the unit tests check every sentence.

/** Filters: the link opens `sampleLabel` ("circle") instead of the image the user loaded. */
export function uploadNote(sampleLabel) {
  return `This link opens the ${sampleLabel} sample: the image you uploaded stays on this computer.`;
}

/**
 * Train: `ownImages` (how many of the user's own images the chosen dataset holds, 0 when the
 * dataset is not "Your own") and `trained` (a model trained or imported here).
 */
export function trainNote({ ownImages, trained }) {
  const notes = [];
  if (ownImages > 0) {
    const images = ownImages === 1 ? "the image" : `the ${ownImages} images`;
    notes.push(`This link opens “Your own” dataset without ${images} you added: they stay on this computer.`);
  }
  if (trained) {
    notes.push("The trained model stays in this browser: the link opens these settings with a new, untrained model (Export model saves it to a file).");
  }
  return notes.join(" ");
}

/** After the link went to the clipboard; `note` is what cannot travel ("" when nothing). */
export function copiedText(note) {
  return note ? `Link copied. ${note}` : "Link copied.";
}

/** When the browser refused the clipboard: the link is in a selected field instead. */
export function refusedText(note) {
  const text = "The browser did not let the page copy the link: it is selected in the Link field, copy it with Ctrl+C (⌘C on a Mac).";
  return note ? `${text} ${note}` : text;
}
