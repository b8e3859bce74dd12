// Image files to RGBA pixels for the training panel (your own dataset and Predict): decoded and
// scaled down to at most `maxSide` in a worker (../widgets/decode.js), off the main thread,
// transparency kept (the engine composites over black). A file that is empty, not an image or
// undecodable gives a message saying which.

import { t } from "../i18n/i18n.js";
import { decodeImageFile } from "../widgets/decode.js";
import { el } from "../widgets/dom.js";

/** A problem with the user's file, to be shown as it is. */
export class FileProblem extends Error {}

/** `{ width, height, pixels }` of image file `file`, at most `maxSide` pixels on its longer side. */
export async function readImageFile(file, maxSide) {
  const name = file.name ? t("train.image.named", { name: file.name }) : t("train.image.unnamed");
  if (file.size === 0) throw new FileProblem(t("train.image.empty", { name }));
  const result = await decodeImageFile(file, maxSide, null);
  if (result.failed) throw new FileProblem(t("train.image.failed", { name }));
  if (result.undecodable) {
    const what = file.type ? t("train.image.typed", { type: file.type }) : t("train.image.untyped");
    throw new FileProblem(file.type.startsWith("image/")
      ? t("train.image.undecodable", { name })
      : t("train.image.notImage", { name, what }));
  }
  return { width: result.width, height: result.height, pixels: result.pixels };
}

/** A canvas showing `{ width, height, pixels }`, `px` CSS pixels wide. */
export function imageCanvas(image, px, label) {
  const canvas = el("canvas", { class: "tile", width: image.width, height: image.height, role: "img", "aria-label": label });
  canvas.style.width = `${px}px`;
  canvas.style.height = `${Math.round((px * image.height) / image.width)}px`;
  canvas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(image.pixels), image.width, image.height), 0, 0);
  return canvas;
}
