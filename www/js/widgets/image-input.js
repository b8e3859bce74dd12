// Where images come in: a file picker, drag-and-drop, paste, and the page's own samples. A file is
// decoded in a worker (decode.js), off the main thread, which flattens transparency onto white and
// scales anything larger than MAX_IMAGE_SIDE down (the page says so); RGBA pixels are handed on.
// Files that are empty, not images or cannot be decoded give a message; the previous image stays.

import { MAX_IMAGE_SIDE } from "../config.js";
import { decodeImageFile } from "./decode.js";
import { t } from "../i18n/i18n.js";
import { el, say } from "./dom.js";
import { SAMPLES, sampleWord } from "./samples.js";

/** A problem with the user's file, shown to them as it is. */
class FileProblem extends Error {}

/**
 * `{ data, width, height, notice }` of `file` (a File or Blob), decoded and scaled in the worker,
 * or throws a FileProblem that says why not.
 */
async function decode(file) {
  const name = file.name ? t("filters.fileName", { name: file.name }) : t("filters.pastedItem");
  if (file.size === 0) {
    throw new FileProblem(t("filters.fileEmpty", { name }));
  }
  const result = await decodeImageFile(file, MAX_IMAGE_SIDE, "#ffffff");
  if (result.failed) {
    throw new FileProblem(t("filters.decoderStopped", { name }));
  }
  if (result.undecodable) {
    if (!file.type.startsWith("image/")) {
      throw new FileProblem(file.type ? t("filters.notImageType", { name, type: file.type }) : t("filters.notImageUnknown", { name }));
    }
    throw new FileProblem(t("filters.undecodable", { name }));
  }
  const { width, height, pixels: data, original } = result;
  return { data, width, height, notice: scaleNotice(original, width, height) };
}

/** What the page says when an image of `original` size is processed at `w` wide, `h` high
 * (sizes read height × width, as every shape on the page). */
function scaleNotice(original, w, h) {
  return original.width === w && original.height === h
    ? ""
    : t("filters.scaled", { oh: String(original.height), ow: String(original.width), h: String(h), w: String(w), max: String(MAX_IMAGE_SIDE) });
}

/** `pixels` (RGBA, `width`×`height`) drawn on `canvas`. */
function drawPixels(canvas, { data, width, height }) {
  canvas.width = width;
  canvas.height = height;
  canvas.getContext("2d").putImageData(new ImageData(data, width, height), 0, 0);
}

/** RGBA pixels of a sample's canvas, at most `MAX_IMAGE_SIDE` on its longer side (drawn on `canvas`). */
function pixels(source, canvas) {
  const { width, height } = source;
  const scale = Math.min(1, MAX_IMAGE_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  canvas.width = w;
  canvas.height = h;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  g.fillStyle = "#ffffff";
  g.fillRect(0, 0, w, h);
  g.imageSmoothingQuality = "high";
  g.drawImage(source, 0, 0, w, h);
  return { data: g.getImageData(0, 0, w, h).data, width: w, height: h, notice: scaleNotice({ width, height }, w, h) };
}

/**
 * The image source widget. `onImage({ data, width, height, name, sample })` receives RGBA pixels
 * each time an image arrives (`sample` is the sample's id, or undefined for the user's files). Returns `{ element, loadSample(name), pasteHandler }`.
 */
export function createImageInput({ onImage, onSample }) {
  const canvas = el("canvas", { class: "image", "data-testid": "input-canvas", "aria-label": t("filters.inputImage"), role: "img" });
  const file = el("input", { type: "file", accept: "image/*", "data-testid": "file-input", "aria-label": t("filters.chooseFile") });
  const message = el("p", { class: "message", role: "status", "data-testid": "image-message", hidden: true });
  const caption = el("figcaption", { "data-testid": "input-caption" });
  const drop = el("div", { class: "drop", tabindex: "0", "aria-label": t("filters.dropLabel") },
    canvas, el("p", { class: "hint", text: t("filters.dropHint") }));
  const samples = el("div", { class: "samples" }, el("span", { class: "field-label", text: t("filters.samples") }),
    ...Object.entries(SAMPLES).map(([id, s]) =>
      el("button", { type: "button", text: s.label, "data-sample": id, onclick: () => loadSample(id) })));
  const element = el("figure", { class: "source" }, caption,
    el("div", { class: "controls" }, el("label", { class: "file-button" }, file), samples),
    drop, message);

  function show(result, name, sample) {
    caption.textContent = t("filters.inputCaption", { name, h: String(result.height), w: String(result.width) });
    say(message, result.notice, "notice");
    onImage({ data: result.data, width: result.width, height: result.height, name, sample });
  }

  async function loadFile(f) {
    if (!f) return;
    try {
      const result = await decode(f);
      drawPixels(canvas, result);
      show(result, f.name || t("filters.pastedImage"));
    } catch (e) {
      if (!(e instanceof FileProblem)) throw e;
      say(message, t("filters.previousKept", { problem: e.message }), "error");
    }
  }

  function loadSample(id) {
    const sample = SAMPLES[id] ?? SAMPLES.circle;
    show(pixels(sample.draw(), canvas), t("filters.sampleName", { sample: sampleWord(sample) }), id);
    onSample?.(id);
  }

  file.addEventListener("change", () => {
    loadFile(file.files[0]);
    // Choosing the same file again should load it again.
    file.value = "";
  });
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    loadFile(e.dataTransfer.files[0]);
  });

  /** For the panel to attach to `paste` while it is shown. */
  function pasteHandler(e) {
    const item = [...(e.clipboardData?.files ?? [])][0];
    if (!item) return;
    e.preventDefault();
    loadFile(item);
  }

  return { element, loadSample, pasteHandler };
}
