// The two wasm modules in a real browser: a page opened on another panel loads only its own module
// (www/pkg/); the Lab module (www/pkg-lab/) is fetched when the Lab panel is first shown, by the
// Lab's worker, and the Lab's computations run there. If it cannot be fetched, a job says so once.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { openPage } from "./harness.mjs";

const PAGE_WASM = "/pkg/cnn_playground_bg.wasm";
const LAB_WASM = "/pkg-lab/cnn_playground_bg.wasm";

let session;

before(async () => {
  session = await openPage("#tab=filters");
});

after(async () => {
  await session?.close();
});

/** The paths the page has asked its server for so far. */
const paths = () => session.log.requests.map((u) => new URL(u).pathname);

test("the page starts with its own module only", async () => {
  assert.ok(paths().includes(PAGE_WASM), `no request for ${PAGE_WASM} in ${paths().join(", ")}`);
  assert.ok(!paths().some((p) => p.startsWith("/pkg-lab/")), `the Lab module was loaded at start: ${paths().join(", ")}`);
});

test("the Lab's worker loads the Lab module when the panel is first shown, and computes with it", async () => {
  const { page } = session;
  await page.click("#tab-lab");
  await page.waitForSelector("[data-testid=bn-run]");
  await page.click("[data-testid=bn-run]");
  await page.waitForFunction(() => /^Done in /.test(document.querySelector("[data-testid=bn-status]").textContent));
  assert.ok(paths().includes(LAB_WASM), `no request for ${LAB_WASM} in ${paths().join(", ")}`);
  // The page's own module is the one the main thread uses: it has no Lab computations.
  const missing = await page.evaluate(async () => {
    const engine = await import("./pkg/cnn_playground.js");
    return ["GradCheckRun", "SpeedRun", "batchnormDemo"].filter((name) => !(name in engine));
  });
  assert.deepEqual(missing, ["GradCheckRun", "SpeedRun", "batchnormDemo"]);
  assert.deepEqual(session.log.errors, []);
});

test("a Lab module that does not load gives a message, and the worker is not restarted over and over", async () => {
  const missing = await openPage("#tab=filters");
  try {
    const { page, log } = missing;
    await page.context().route("**/pkg-lab/**", (route) => route.fulfill({ status: 404, body: "not found" }));
    await page.click("#tab-lab");
    await page.click("[data-testid=bn-run]");
    await page.waitForSelector("[data-testid=bn-error]:not([hidden])");
    assert.match(
      await page.textContent("[data-testid=bn-error]"),
      /^the Lab module \(www\/pkg-lab\/\) did not load \(.+\); build it with \.\/scripts\/build-wasm\.sh$/,
    );
    const requests = log.requests.filter((u) => new URL(u).pathname.startsWith("/pkg-lab/"));
    assert.deepEqual(requests.map((u) => new URL(u).pathname), ["/pkg-lab/cnn_playground.js"]);
  } finally {
    await missing.close();
  }
});
