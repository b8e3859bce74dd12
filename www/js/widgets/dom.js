// Small DOM helpers shared by the panels: element creation, labelled number inputs, radio groups
// and status messages. No maths here.

/** `el("p", { class: "x", text: "hi" }, child…)`: an element with attributes and children. */
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") e.textContent = v;
    else if (k === "class") e.className = v;
    // Through the CSSOM: the Content-Security-Policy (style-src 'self') refuses style attributes.
    else if (k === "style") e.style.cssText = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
}

/**
 * `text` with `**bold**` marks as nodes (text and <b>, or `tag`): a catalog's sentence whose
 * numbers or symbols are set in bold wherever the language puts them.
 */
export function marked(text, tag = "b") {
  return text.split(/\*\*(.+?)\*\*/).map((part, i) => (i % 2 ? el(tag, { text: part }) : document.createTextNode(part)));
}

/** A labelled `<input type=number>`; `onInput(value)` gets an integer (or NaN while typing). */
export function numberField({ label, name, value, min, max, step = 1, onInput, hint }) {
  const input = el("input", {
    type: "number", name, min, max, step, value, inputmode: "numeric",
    "data-setting": name,
  });
  input.addEventListener("input", () => onInput(input.valueAsNumber));
  const field = el("label", { class: "field" }, el("span", { text: label }), input);
  if (hint) field.title = hint;
  return { field, input };
}

/** Radio buttons in a fieldset; `onChange(value)` when the user picks one. */
export function radioGroup({ legend, name, options, value, onChange }) {
  const set = el("fieldset", { class: "radios" }, el("legend", { text: legend }));
  const inputs = options.map(([v, text]) => {
    const input = el("input", { type: "radio", name, value: v, checked: v === value });
    input.addEventListener("change", () => input.checked && onChange(v));
    set.append(el("label", {}, input, el("span", { text })));
    return input;
  });
  return {
    set,
    select(v) {
      for (const i of inputs) i.checked = i.value === v;
    },
  };
}

/** Shows `text` in a message element with a kind of "error", "notice" or "" (hidden when empty). */
export function say(box, text, kind = "notice") {
  box.textContent = text ?? "";
  box.hidden = !text;
  box.className = `message ${kind}`;
}

/** A number for display: integers as they are, others with up to `digits` significant digits. */
export function fmt(v, digits = 4) {
  if (Number.isInteger(v)) return v < 0 ? `−${-v}` : String(v);
  const s = Number(v.toPrecision(digits)).toString();
  return s.replace("-", "−");
}
