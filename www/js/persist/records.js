// The records the page keeps in IndexedDB, and the checks that a record read back is one this page
// can use (a record may come from another version of the page, or be damaged). No DOM here.
//
//   "own-data": { classes: [{ name, images: [{ width, height, pixels: Uint8ClampedArray }] }], savedAt }
//   "model":    { bytes: Uint8Array (the engine's model file), history: { losses, accuracies, total },
//                 iteration, savedAt, trainedWith (its data settings and net architecture, as JSON) }
//   "settings": { hash (the page link after the #, without it), savedAt }

import { TRAIN } from "../config.js";

/** The keys of the records in the one object store. */
export const KEYS = { own: "own-data", model: "model", settings: "settings" };

const isCount = (v) => Number.isSafeInteger(v) && v >= 0;
const isTime = (v) => Number.isFinite(v) && v >= 0;

function readImage(im) {
  if (!im || !isCount(im.width) || !isCount(im.height) || im.width === 0 || im.height === 0) return null;
  if (!(im.pixels instanceof Uint8ClampedArray) || im.pixels.length !== im.width * im.height * 4) return null;
  return { width: im.width, height: im.height, pixels: im.pixels };
}

/** The classes of a stored "own-data" record, or null if it is not one. Damaged images are dropped. */
export function readOwn(record) {
  const classes = record?.classes;
  if (!Array.isArray(classes) || classes.length < TRAIN.minClasses || classes.length > TRAIN.maxClasses) return null;
  if (!classes.every((c) => typeof c?.name === "string" && Array.isArray(c.images))) return null;
  return {
    classes: classes.map((c) => ({ name: c.name, images: c.images.map(readImage).filter(Boolean) })),
    savedAt: isTime(record.savedAt) ? record.savedAt : 0,
  };
}

/** How `trainedWith` began when the geometric figures were called "shapes", and how it begins now. */
const OLD_FIGURES = '{"data":{"dataset":"shapes",';
const FIGURES = '{"data":{"dataset":"figures",';

/**
 * A stored "model" record as it is, or null if any part is missing or of the wrong kind. A model
 * saved when the figures dataset was called "shapes" is read with its new name, so it still matches.
 */
export function readModel(record) {
  if (!record || !(record.bytes instanceof Uint8Array) || record.bytes.length === 0) return null;
  const h = record.history;
  if (!h || !Array.isArray(h.losses) || !h.losses.every((v) => typeof v === "number")) return null;
  if (!Array.isArray(h.accuracies) || !h.accuracies.every((a) => isCount(a?.iteration) && Number.isFinite(a.trainAcc) && Number.isFinite(a.valAcc))) return null;
  if (!isCount(h.total) || !isCount(record.iteration) || !isTime(record.savedAt) || typeof record.trainedWith !== "string") return null;
  if (record.trainedWith.startsWith(OLD_FIGURES)) {
    return { ...record, trainedWith: FIGURES + record.trainedWith.slice(OLD_FIGURES.length) };
  }
  return record;
}

/** The hash of a stored "settings" record (without the #), or "" if there is none. */
export function readSettings(record) {
  return typeof record?.hash === "string" ? record.hash.replace(/^#/, "") : "";
}

/** The number of images in `classes`. */
export function imageCount(classes) {
  return classes.reduce((n, c) => n + c.images.length, 0);
}
