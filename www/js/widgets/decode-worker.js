// Decodes and scales image files off the main thread, so a 10 000 × 10 000 upload does not freeze
// the page: the browser decodes the file here, `createImageBitmap`'s resize options scale it, and an
// OffscreenCanvas turns it into RGBA pixels, which go back to the page (transferred, not copied).
//
//   page → worker  { id, file, maxSide, background }   background: a CSS colour to flatten
//                                                       transparency onto, or null to keep it
//   worker → page  { id, width, height, pixels, original: { width, height } }
//                  { id, undecodable: true }            (the page says why, knowing the file)

self.onmessage = async ({ data: { id, file, maxSide, background } }) => {
  let full;
  let scaled;
  try {
    // "none": keep the file's pixel values as they are, so they match what the engine is given.
    const options = { colorSpaceConversion: "none", premultiplyAlpha: "none" };
    full = await createImageBitmap(file, options);
    const { width, height } = full;
    const scale = Math.min(1, maxSide / Math.max(width, height));
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    scaled = scale < 1
      ? await createImageBitmap(full, { ...options, resizeWidth: w, resizeHeight: h, resizeQuality: "high" })
      : full;
    const canvas = new OffscreenCanvas(w, h);
    const g = canvas.getContext("2d", { willReadFrequently: true });
    if (background) {
      g.fillStyle = background;
      g.fillRect(0, 0, w, h);
    }
    g.drawImage(scaled, 0, 0);
    const pixels = g.getImageData(0, 0, w, h).data;
    self.postMessage({ id, width: w, height: h, pixels, original: { width, height } }, [pixels.buffer]);
  } catch {
    self.postMessage({ id, undecodable: true });
  } finally {
    scaled?.close();
    full?.close();
  }
};
