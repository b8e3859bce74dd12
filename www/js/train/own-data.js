// The builder of your own dataset: two to ten named classes, each filled by drawing on the pad or
// uploading image files. The images are not part of the page link; the Train panel saves them in
// this browser (persist/) and gives them back with `restore(classes)` after a reload.
// `onChange()` is called whenever the images or names change; `data()` hands them to the worker.

import { TRAIN } from "../config.js";
import { t } from "../i18n/i18n.js";
import { el, say } from "../widgets/dom.js";
import { createDrawPad } from "./draw-pad.js";
import { FileProblem, imageCanvas, readImageFile } from "./images.js";

export function createOwnData({ onChange }) {
  const classes = [{ name: t("train.own.class", { letter: "A" }), images: [] }, { name: t("train.own.class", { letter: "B" }), images: [] }];
  let version = 0;
  const pad = createDrawPad({ label: t("train.own.pad") });
  const list = el("div", { class: "own-classes", "data-testid": "own-classes" });
  const message = el("p", { class: "message", role: "status", hidden: true });
  const addClassButton = el("button", { type: "button", text: t("train.own.addClass"), onclick: () => addClass() });
  const element = el("div", { class: "own-data" },
    el("p", { class: "hint", text: t("train.own.hint") }),
    el("div", { class: "own-layout" }, pad.element, el("div", {}, list, addClassButton, message)));

  function changed() {
    version++;
    render();
    onChange();
  }

  function addClass() {
    if (classes.length >= TRAIN.maxClasses) return;
    const letter = String.fromCharCode(65 + classes.length);
    classes.push({ name: t("train.own.class", { letter }), images: [] });
    changed();
  }

  async function upload(k, files) {
    const problems = [];
    for (const file of files) {
      try {
        classes[k].images.push(await readImageFile(file, TRAIN.maxOwnSide));
      } catch (e) {
        if (!(e instanceof FileProblem)) throw e;
        problems.push(e.message);
      }
    }
    say(message, problems.join(" "), "error");
    changed();
  }

  function render() {
    list.replaceChildren(...classes.map((c, k) => {
      const name = el("input", { type: "text", value: c.name, "aria-label": t("train.own.name", { k: String(k + 1) }), maxlength: 40 });
      name.addEventListener("change", () => {
        c.name = name.value;
        changed();
      });
      const file = el("input", { type: "file", accept: "image/*", multiple: true, "aria-label": t("train.own.upload", { name: c.name }) });
      file.addEventListener("change", () => {
        upload(k, [...file.files]);
        file.value = "";
      });
      const add = el("button", {
        type: "button", text: t("train.own.addDrawing"), "data-class": k,
        onclick: () => {
          if (!pad.drawn) {
            say(message, t("train.own.padEmpty"), "notice");
            return;
          }
          c.images.push(pad.image());
          pad.clear();
          say(message, "");
          changed();
        },
      });
      const remove = el("button", {
        type: "button", text: t("train.own.removeClass"), disabled: classes.length <= TRAIN.minClasses,
        onclick: () => {
          classes.splice(k, 1);
          changed();
        },
      });
      const thumbs = el("div", { class: "thumbs" }, ...c.images.map((im, i) => el("button", {
        type: "button", class: "thumb", title: t("train.own.removeTitle"), "aria-label": t("train.own.removeImage", { i: String(i + 1), name: c.name }),
        onclick: () => {
          c.images.splice(i, 1);
          changed();
        },
      }, imageCanvas(im, 36, t("train.own.image", { i: String(i + 1), name: c.name })))));
      return el("fieldset", { class: "own-class" },
        el("legend", { text: t("train.own.legend", { k: k + 1, n: c.images.length }) }),
        el("div", { class: "controls" }, name, add, el("label", { class: "file-button" }, file), remove),
        thumbs);
    }));
    addClassButton.disabled = classes.length >= TRAIN.maxClasses;
  }
  render();

  return {
    element,
    /** The classes and a version number that changes with every edit. */
    data() {
      return { version, classes: classes.map((c) => ({ name: c.name, images: c.images })) };
    },
    /** Puts back saved classes ({ name, images }); does not call `onChange`. */
    restore(saved) {
      classes.splice(0, classes.length, ...saved.map((c) => ({ name: c.name, images: [...c.images] })));
      version++;
      render();
    },
    /** Total number of images. */
    count() {
      return classes.reduce((n, c) => n + c.images.length, 0);
    },
  };
}
