// The page's catalogs: every key in both languages, the same holes; the language follows a
// code; numbers are written the same in both.

import assert from "node:assert/strict";
import { test } from "node:test";
import { CATALOGS, formatNumber, languageOf, setLanguage, t } from "../../www/js/i18n/i18n.js";

const holes = (text) => (typeof text === "string" ? [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort() : "function");

test("every area's catalog has the same keys in English and Korean, with the same holes", () => {
  for (const [area, { en, ko }] of Object.entries(CATALOGS)) {
    assert.deepEqual(Object.keys(ko).sort(), Object.keys(en).sort(), `${area}: the same keys`);
    for (const key of Object.keys(en)) {
      assert.deepEqual(holes(ko[key]), holes(en[key]), `${area}.${key}: the same holes`);
      assert.equal(typeof ko[key], typeof en[key], `${area}.${key}: both texts or both functions`);
    }
  }
});

test("the Korean texts are Korean", () => {
  const hangul = /[\uAC00-\uD7A3]/;
  for (const [area, { ko }] of Object.entries(CATALOGS)) {
    for (const [key, text] of Object.entries(ko)) {
      if (typeof text !== "string") continue;
      // Texts that are only symbols, numbers and holes ("{n} × {n}", "→") need no words.
      if (!/[A-Za-z]{2,}/.test(text.replace(/\{\w+\}/g, ""))) continue;
      assert.match(text, hangul, `${area}.${key}: ${text}`);
    }
  }
});

test("the language follows a code; numbers read the same in both", () => {
  assert.equal(languageOf("ko-KR"), "ko");
  assert.equal(languageOf("en-GB"), "en");
  assert.equal(languageOf("fr"), "en");
  assert.equal(formatNumber(3072), "3,072");
  setLanguage("ko");
  assert.throws(() => t("common.no-such-key"), /no text for "common.no-such-key"/);
  setLanguage("en");
});
