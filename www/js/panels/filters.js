// Panel 1 — Filters on your image: an image in, a conv layer's output out.

import { el } from "../widgets/dom.js";
import { createImageInput } from "../widgets/image-input.js";

export function mount(section, { state }) {
  const input = createImageInput({
    onImage: () => {},
    onSample: (id) => state.set("sample", id),
  });
  section.append(
    el("h2", { text: "Filters on your image" }),
    el("p", { class: "lead", text: "A hand-made filter is a conv layer: pick one, or type your own kernel, and see what it finds in your image." }),
    el("div", { class: "filter-layout" }, el("div", { class: "card" }, input.element)),
  );
  input.loadSample(state.get("sample"));
  return {
    show: () => document.addEventListener("paste", input.pasteHandler),
    hide: () => document.removeEventListener("paste", input.pasteHandler),
  };
}
