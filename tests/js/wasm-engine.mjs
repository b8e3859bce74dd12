// The page's wasm module (www/pkg/) loaded in Node, for unit tests that call the engine without a
// browser. Needs the build (./scripts/build-wasm.sh).

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PKG = fileURLToPath(new URL("../../www/pkg/", import.meta.url));

/** The bindings of www/pkg/, instantiated. */
export async function loadWasmEngine() {
  const js = `${PKG}cnn_playground.js`;
  const wasm = `${PKG}cnn_playground_bg.wasm`;
  assert.ok(existsSync(js) && existsSync(wasm), "www/pkg/ is not built: run ./scripts/build-wasm.sh first");
  const bindings = await import(js);
  bindings.initSync({ module: readFileSync(wasm) });
  return bindings;
}
