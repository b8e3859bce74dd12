// Image files to RGBA pixels for the training panel (your own dataset and Predict): decoded and
// scaled down to at most `maxSide` in a worker (../widgets/decode.js), off the main thread,
// transparency kept (the engine composites over black). A file that is empty, not an image or
// undecodable gives a message saying which.

import { decodeImageFile } from "../widgets/decode.js";
import { el } from "../widgets/dom.js";

/** A problem with the user's file, to be shown as it is. */
export class FileProblem extends Error {}

/** `{ width, height, pixels }` of image file `file`, at most `maxSide` pixels on its longer side. */
export async function readImageFile(file, maxSide) {
  const name = file.name ? `“${file.name}”` : "The file";
  if (file.size === 0) throw new FileProblem(`${name} is empty (0 bytes): choose a PNG, JPEG, GIF, WebP or BMP image.`);
  const result = await decodeImageFile(file, maxSide, null);
  if (result.failed) throw new FileProblem(`${name} could not be read: the page's image decoder stopped. Try again, or reload the page.`);
  if (result.undecodable) {
    const what = file.type ? `a ${file.type} file` : "a file of unknown type";
    throw new FileProblem(file.type.startsWith("image/")
      ? `${name} could not be decoded as an image: it may be damaged or in a format this browser cannot read.`
      : `${name} is not an image (it is ${what}): choose a PNG, JPEG, GIF, WebP or BMP image.`);
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
