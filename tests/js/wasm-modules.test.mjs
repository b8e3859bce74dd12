// The two wasm builds of scripts/build-wasm.sh, without a browser: the page's module (www/pkg/,
// loaded at start) leaves the Lab's computations out — of its bindings and of the wasm itself —
// while the Lab module (www/pkg-lab/) has them on top of everything the page's has; and only the
// Lab's worker imports the Lab module. Needs both builds (./scripts/build-wasm.sh).

import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WWW = join(ROOT, "www");
/** What the Lab's worker computes with, and only the Lab module has. */
const LAB_JOBS = ["GradCheckRun", "SpeedRun", "batchnormDemo"];

/** The JS bindings of build `dir` ("pkg" or "pkg-lab") and the names its wasm exports. */
async function build(dir) {
  const js = join(WWW, dir, "cnn_playground.js");
  const wasm = join(WWW, dir, "cnn_playground_bg.wasm");
  assert.ok(existsSync(js) && existsSync(wasm), `www/${dir}/ is not built: run ./scripts/build-wasm.sh first`);
  const bindings = await import(js);
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasm))).map((e) => e.name);
  return { names: Object.keys(bindings), exports };
}

/** `lowercase name → wasm export prefix` as wasm-bindgen writes it ("gradcheckrun_new", "batchnormDemo"). */
const inWasm = (exports, name) =>
  exports.some((e) => e === name || e.startsWith(`${name.toLowerCase()}_`) || e === `__wbg_${name.toLowerCase()}_free`);

test("the page's module leaves the Lab's computations out; the Lab module adds exactly them", async () => {
  const page = await build("pkg");
  const lab = await build("pkg-lab");
  for (const name of LAB_JOBS) {
    assert.ok(!page.names.includes(name), `www/pkg/cnn_playground.js should not export ${name}`);
    assert.ok(!inWasm(page.exports, name), `www/pkg/cnn_playground_bg.wasm should not export ${name}`);
    assert.ok(lab.names.includes(name), `www/pkg-lab/cnn_playground.js should export ${name}`);
    assert.ok(inWasm(lab.exports, name), `www/pkg-lab/cnn_playground_bg.wasm should export ${name}`);
  }
  // The Lab panel draws its forms on the main thread from the page's module.
  for (const name of ["labLayers", "gradcheckDefaults", "speedDefaults", "batchnormDefaults", "labThresholds", "labVerdict", "courseWeightScale", "Trainer", "applyFilter"]) {
    assert.ok(page.names.includes(name), `www/pkg/cnn_playground.js should export ${name}`);
  }
  assert.deepEqual(lab.names.filter((n) => !page.names.includes(n)).sort(), [...LAB_JOBS].sort());
  assert.deepEqual(page.names.filter((n) => !lab.names.includes(n)), []);
});

test("only the Lab's worker imports the Lab module, and static imports find the names they import", async () => {
  const page = await build("pkg");
  const lab = await build("pkg-lab");
  const exported = { pkg: page.names, "pkg-lab": lab.names };
  const importers = { pkg: [], "pkg-lab": [] };
  const jsDir = join(WWW, "js");
  for (const file of readdirSync(jsDir, { recursive: true }).filter((f) => f.endsWith(".js")).sort()) {
    const source = readFileSync(join(jsDir, file), "utf8");
    // Static imports name what they use; the Lab's worker imports its module dynamically (see
    // there why), and the browser tests run every job it has.
    for (const [, clause, dir] of source.matchAll(/import\s+([^;]*?)\s+from\s+"(?:\.\.\/)+(pkg|pkg-lab)\/cnn_playground\.js"/g)) {
      importers[dir].push(file);
      const named = /\{([^}]*)\}/.exec(clause)?.[1].split(",").map((s) => s.trim().split(/\s+as\s+/)[0]).filter(Boolean) ?? [];
      for (const name of named) {
        assert.ok(exported[dir].includes(name), `${file} imports ${name}, which www/${dir}/ does not export`);
      }
    }
    for (const [, dir] of source.matchAll(/import\("(?:\.\.\/)+(pkg|pkg-lab)\/cnn_playground\.js"\)/g)) {
      importers[dir].push(file);
    }
  }
  assert.deepEqual(importers["pkg-lab"], [join("lab", "worker.js")]);
  assert.deepEqual(importers.pkg.sort(), ["engine.js", join("train", "worker.js")]);
});
