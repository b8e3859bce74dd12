// The page's side of the image decoding worker (decode-worker.js): `decodeImageFile` resolves to
// the pixels of a file, decoded and scaled in the worker. One worker, made on first use and kept.

const WORKER_URL = new URL("./decode-worker.js", import.meta.url);
let worker = null;
let nextId = 1;
const pending = new Map();

function decoder() {
  if (worker) return worker;
  worker = new Worker(WORKER_URL, { type: "module" });
  worker.onmessage = ({ data }) => {
    const p = pending.get(data.id);
    pending.delete(data.id);
    p?.(data);
  };
  worker.onerror = (e) => {
    e.preventDefault();
    // A worker that failed answers nobody: say so to whoever waits, and start afresh next time.
    for (const p of pending.values()) p({ failed: true });
    pending.clear();
    worker.terminate();
    worker = null;
  };
  return worker;
}

/**
 * `{ width, height, pixels, original: { width, height } }` of image file `file` (a File or Blob),
 * at most `maxSide` pixels on its longer side, transparency flattened onto `background` (a CSS
 * colour) or kept (null); `{ undecodable: true }` if the browser cannot decode it, `{ failed: true }`
 * if the worker itself stopped.
 */
export function decodeImageFile(file, maxSide, background = null) {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    decoder().postMessage({ id, file, maxSide, background });
  });
}
