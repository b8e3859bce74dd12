// The page's words in English and Korean. Each area of the page keeps its words in its own
// catalog module (common.js, shapes.js, …: `{ en: { key: text }, ko: { key: text } }`), keys
// prefixed by the area; `t("train.start")` writes one in the page's language. A text may hold
// `{name}` holes, filled from the parameters (numbers written the same way in both languages:
// 3,072 and 2.33), or be a function of the parameters where a sentence needs it. No sentence is
// built by joining pieces of both languages. The engine writes its own messages in the same
// language (engine.setLanguage, called by engine.js and the workers).
//
// The language is chosen before the panels mount (main.js, from the link's `lang=` or the
// browser's language); switching reloads the page in the other language, the settings kept in
// the link and the work in this browser's storage.

import common from "./common.js";
import filters from "./filters.js";
import lab from "./lab.js";
import persist from "./persist.js";
import shapes from "./shapes.js";
import tour from "./tour.js";
import train from "./train.js";
import worker from "./worker.js";

/** The page's languages: code and name, as the switch shows them. */
export const LANGUAGES = [["en", "English"], ["ko", "한국어"]];

/** Every area's catalog, by area name (the keys' prefix). */
export const CATALOGS = { common, filters, lab, persist, shapes, tour, train, worker };

let current = "en";

/** `"ko"` for `"ko-KR"` and the like; English for any language the page does not speak. */
export function languageOf(code) {
  const base = String(code ?? "").toLowerCase().split(/[-_]/)[0];
  return LANGUAGES.some(([c]) => c === base) ? base : "en";
}

/** Sets the page's language (and `<html lang>` when there is a document). */
export function setLanguage(code) {
  current = languageOf(code);
  if (typeof document !== "undefined") document.documentElement.lang = current;
}

export function language() {
  return current;
}

/** A number as both languages write it: digit groups of three, a point for decimals. */
export function formatNumber(n, options) {
  return n.toLocaleString("en-US", options);
}

function entry(lang, key) {
  const dot = key.indexOf(".");
  const area = CATALOGS[key.slice(0, dot)];
  return area?.[lang]?.[key.slice(dot + 1)];
}

/**
 * The text `key` (`area.name`) in the page's language, its `{name}` holes filled from `params`
 * (numbers formatted by formatNumber). A key no catalog has is an error of the page's code.
 */
export function t(key, params = {}) {
  const text = entry(current, key) ?? entry("en", key);
  if (text === undefined) throw new Error(`no text for "${key}"`);
  if (typeof text === "function") return text(params);
  return text.replace(/\{(\w+)\}/g, (hole, name) => {
    if (!(name in params)) return hole;
    const v = params[name];
    return typeof v === "number" ? formatNumber(v) : String(v);
  });
}
