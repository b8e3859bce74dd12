// The browser benchmark's handles (TrainBench, SequentialBench, GemmBench; src/web/bench.rs,
// feature `bench`) are not in the page's module (www/pkg/) nor the Lab's (www/pkg-lab/): only the
// benchmark's own build (www/pkg-bench/, `./scripts/build-wasm.sh --bench`) has them, on top of
// everything the page's module has. Needs the page's and the Lab's builds
// (./scripts/build-wasm.sh); the benchmark's build is checked when it is there (scripts/test.sh
// does not build it).

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const WWW = fileURLToPath(new URL("../../www/", import.meta.url));
const BENCH = ["GemmBench", "SequentialBench", "TrainBench"];

/** The names build `dir`'s bindings export, and the names its wasm exports. */
async function build(dir) {
  const js = join(WWW, dir, "cnn_playground.js");
  const wasm = join(WWW, dir, "cnn_playground_bg.wasm");
  assert.ok(existsSync(js) && existsSync(wasm), `www/${dir}/ is not built: run ./scripts/build-wasm.sh first`);
  const bindings = await import(js);
  const exports = WebAssembly.Module.exports(new WebAssembly.Module(readFileSync(wasm))).map((e) => e.name);
  return { names: Object.keys(bindings), exports };
}

/** wasm-bindgen names a class's exports `trainbench_new`, `__wbg_trainbench_free`, … */
const inWasm = (exports, name) =>
  exports.some((e) => e.startsWith(`${name.toLowerCase()}_`) || e === `__wbg_${name.toLowerCase()}_free`);

test("neither the page's module nor the Lab's carries the benchmark's handles", async () => {
  for (const dir of ["pkg", "pkg-lab"]) {
    const { names, exports } = await build(dir);
    for (const name of BENCH) {
      assert.ok(!names.includes(name), `www/${dir}/cnn_playground.js should not export ${name}`);
      assert.ok(!inWasm(exports, name), `www/${dir}/cnn_playground_bg.wasm should not export ${name}`);
    }
  }
});

test("the benchmark's module adds exactly its handles to the page's", async (t) => {
  if (!existsSync(join(WWW, "pkg-bench", "cnn_playground.js"))) {
    t.skip("www/pkg-bench/ is not built (./scripts/build-wasm.sh --bench)");
    return;
  }
  const page = await build("pkg");
  const bench = await build("pkg-bench");
  for (const name of BENCH) assert.ok(inWasm(bench.exports, name), `www/pkg-bench wasm should export ${name}`);
  assert.deepEqual(bench.names.filter((n) => !page.names.includes(n)).sort(), BENCH);
  assert.deepEqual(page.names.filter((n) => !bench.names.includes(n)), []);
});
