// Small images from the engine's tiles `{ count, height, width, rgba }` (RGBA bytes, one tile
// after another) onto canvases. The pixels are drawn as they are; CSS scales them up without
// smoothing, so each weight or activation stays one visible square.

import { el } from "../widgets/dom.js";

/** Tile `i` of `tiles` drawn into `canvas` (resized to the tile). */
export function drawTile(canvas, tiles, i) {
  const { width, height, rgba } = tiles;
  const size = width * height * 4;
  if (canvas.width !== width) canvas.width = width;
  if (canvas.height !== height) canvas.height = height;
  const pixels = new Uint8ClampedArray(rgba.buffer, rgba.byteOffset + i * size, size);
  canvas.getContext("2d").putImageData(new ImageData(pixels, width, height), 0, 0);
}

/** A new canvas showing tile `i`, `px` CSS pixels wide. */
export function tileCanvas(tiles, i, px, label) {
  const canvas = el("canvas", { class: "tile", role: "img", "aria-label": label });
  canvas.style.width = `${px}px`;
  canvas.style.height = `${Math.round((px * tiles.height) / tiles.width)}px`;
  drawTile(canvas, tiles, i);
  return canvas;
}

/**
 * A grid of tiles that redraws in place: `update(tiles)` reuses the canvases while the count and
 * size stay the same (so filters can be redrawn many times a second without layout work).
 */
export function createTileGrid({ className = "tile-grid", px = 32, label = (i) => `tile ${i}` } = {}) {
  const element = el("div", { class: className });
  let shape = "";
  let canvases = [];
  return {
    element,
    clear() {
      element.replaceChildren();
      shape = "";
      canvases = [];
    },
    update(tiles, size = px) {
      const key = `${tiles.count}:${tiles.width}:${tiles.height}:${size}`;
      if (key !== shape) {
        canvases = Array.from({ length: tiles.count }, (_, i) => tileCanvas(tiles, i, size, label(i)));
        element.replaceChildren(...canvases);
        shape = key;
      } else {
        canvases.forEach((c, i) => drawTile(c, tiles, i));
      }
    },
  };
}
