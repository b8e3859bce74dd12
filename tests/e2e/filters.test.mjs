// The Filters panel in a real browser: an uploaded PNG filtered by the wasm engine must show exactly the
// pixels the native engine computes for it (examples/filter_pixels.rs, run here, so the
// expectation cannot drift from the engine); bad files give a message and the page keeps working.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { foreignRequests, openPage, ROOT, SCREENSHOTS } from "./harness.mjs";
import { encodePng, testImage } from "./png.mjs";

let session;
let page;
let scratch;

before(async () => {
  scratch = await mkdtemp(join(tmpdir(), "cnn-playground-e2e-"));
  session = await openPage("#tab=filters");
  page = session.page;
  await page.waitForSelector("[data-testid=result][data-status=ok]");
});

after(async () => {
  await session?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The native engine's pictures for `rgba` (see examples/filter_pixels.rs). */
async function nativePictures(rgba, width, height, filter, param) {
  const file = join(scratch, `image-${width}x${height}.rgba`);
  await writeFile(file, rgba);
  const args = ["run", "--quiet", "--profile", "test", "--example", "filter_pixels", "--",
    file, String(width), String(height), filter === "demo" ? "demo" : JSON.stringify(filter)];
  if (param) args.push(JSON.stringify(param));
  return JSON.parse(execFileSync("cargo", args, { cwd: ROOT, encoding: "utf8", maxBuffer: 1 << 26 }));
}

/** Uploads a file through the page's file input. */
async function upload(name, mimeType, buffer) {
  await page.setInputFiles("[data-testid=file-input]", { name, mimeType, buffer });
}

/** Waits until the output shows `filter` on the image `name`, and returns its state. */
async function rendered(name, filter) {
  const selector = `[data-testid=result][data-image="${name}"][data-filter="${filter}"]`;
  await page.waitForSelector(selector);
  return page.getAttribute(selector, "data-status");
}

async function canvasPixels(selector) {
  return page.$$eval(selector, (canvases) => canvases.map((c) => ({
    width: c.width,
    height: c.height,
    data: Array.from(c.getContext("2d").getImageData(0, 0, c.width, c.height).data),
  })));
}

/**
 * The browser's pictures equal the native ones. Both builds run the same f32 operations; a
 * difference of 1 is allowed because a fast conv may sum in another order with and without simd128.
 */
function assertSamePictures(t, browser, native, what) {
  assert.equal(browser.length, native.pictures.length, `${what}: number of pictures`);
  for (const [i, picture] of browser.entries()) {
    assert.deepEqual([picture.height, picture.width], [native.height, native.width], `${what}: size of picture ${i}`);
    const expected = native.pictures[i];
    assert.equal(picture.data.length, expected.length);
    let worst = 0;
    let exact = 0;
    for (let k = 0; k < expected.length; k++) {
      const d = Math.abs(picture.data[k] - expected[k]);
      worst = Math.max(worst, d);
      if (d === 0) exact++;
    }
    t.diagnostic(`${what}, picture ${i}: ${exact} of ${expected.length} values equal the native engine's, largest difference ${worst}`);
    assert.ok(worst <= 1, `${what}: picture ${i} differs from the native engine by up to ${worst} (${exact} of ${expected.length} values exact)`);
  }
}

const W = 48;
const H = 36;
const rgba = testImage(W, H);

test("an uploaded PNG is decoded to exactly its pixels", async () => {
  await upload("test.png", "image/png", encodePng(rgba, W, H));
  assert.equal(await rendered("test.png", "sobelX"), "ok");
  const [input] = await canvasPixels("[data-testid=input-canvas]");
  assert.deepEqual([input.width, input.height], [W, H]);
  assert.deepEqual(input.data, Array.from(rgba));
});

test("grayscale on the uploaded PNG matches the native engine", async (t) => {
  await page.check("input[name=filter][value=grayscale]");
  assert.equal(await rendered("test.png", "grayscale"), "ok");
  const native = await nativePictures(rgba, W, H, { type: "grayscale" }, { stride: 1, pad: 0, channels: "luma" });
  assertSamePictures(t, await canvasPixels("[data-testid^=output-canvas-]"), native, "grayscale");
  assert.match(await page.textContent("[data-testid=computed-by]"), /conv_forward_naive/);
  assert.match(await page.textContent("[data-testid=weights-shape]"), /\(1, 3, 1, 1\)/);
});

test("Sobel x on the uploaded PNG matches the native engine", async (t) => {
  await page.check("input[name=filter][value=sobelX]");
  assert.equal(await rendered("test.png", "sobelX"), "ok");
  const native = await nativePictures(rgba, W, H, { type: "sobelX" }, { stride: 1, pad: 1, channels: "luma" });
  assertSamePictures(t, await canvasPixels("[data-testid^=output-canvas-]"), native, "Sobel x");
  assert.equal(await page.textContent("[data-testid=filter-shape]"), `Output: ${H}×${W}×1  (from ${H}×${W}×3)`);
});

test("stride and pad change the output size as the formula says", async (t) => {
  await page.fill("input[name=fstride]", "2");
  await page.selectOption("select[name=fpad]", "0");
  // Stride 2 with the previous pad (1) is refused too, so wait for the refusal of pad 0 itself.
  await page.waitForFunction(() => document.querySelector("[data-testid=filter-error]")?.textContent.includes("2·0"));
  assert.match(await page.textContent("[data-testid=filter-shape]"), /^Output: not/);
  // (36 − 3 + 0)/2 + 1 = 17.5: not allowed, and the engine says what would work.
  assert.match(await page.textContent("[data-testid=filter-error]"), /\(36 − 3 \+ 2·0\)\/2 \+ 1 = 17\.50 is not a whole number/);
  // (36 − 3 + 0)/3 + 1 = 12 and (48 − 3 + 0)/3 + 1 = 16.
  await page.fill("input[name=fstride]", "3");
  await page.waitForFunction(() => document.querySelector("[data-testid=filter-shape]").textContent === "Output: 12×16×1  (from 36×48×3)");
  assert.match(await page.textContent("[data-testid=filter-formula]"), /^H′ = \(H − F \+ 2P\)\/S \+ 1 = \(36 − 3 \+ 2·0\)\/3 \+ 1 = 12W′ = \(W − F \+ 2P\)\/S \+ 1 = /);
  const native = await nativePictures(rgba, W, H, { type: "sobelX" }, { stride: 3, pad: 0, channels: "luma" });
  assertSamePictures(t, await canvasPixels("[data-testid^=output-canvas-]"), native, "Sobel x, stride 3");
  await page.fill("input[name=fstride]", "1");
  await page.selectOption("select[name=fpad]", "same");
});

test("the assignment demo matches the native engine, map by map", async (t) => {
  await page.check("input[name=filter][value=demo]");
  assert.equal(await rendered("test.png", "demo"), "ok");
  const native = await nativePictures(rgba, W, H, "demo");
  assertSamePictures(t, await canvasPixels("[data-testid^=output-canvas-]"), native, "assignment demo");
  assert.match(await page.textContent("[data-testid=weights-shape]"), /\(2, 3, 3, 3\).*\(0, 128\)/);
  await page.check("input[name=filter][value=sobelX]");
});

test("a custom 3×3 kernel typed into the grid, per colour channel, matches the native engine", async (t) => {
  await page.check("input[name=filter][value=custom3]");
  await page.check("input[name=fchan][value=color]");
  const kernel = [1, 0, -1, 2, 0.5, -2, 1, 0, -1];
  for (const [i, v] of kernel.entries()) await page.fill(`[data-kernel="3-${Math.floor(i / 3)}-${i % 3}"]`, String(v));
  await page.waitForFunction((v) => location.hash.includes(`k3=${encodeURIComponent(v)}`), kernel.join(","));
  // Filtering waits for typing to pause; the weights shown are those of the last run: w[0, 0] is
  // the kernel (on R), and the layer has one filter per colour channel.
  await page.waitForFunction(() => [...document.querySelectorAll("[data-testid=weights] table")][0]
    ?.textContent === "10−120.5−210−1");
  assert.match(await page.textContent("[data-testid=weights-shape]"), /^w: \(K, C, F, F\) = \(3, 3, 3, 3\) · b: \(K,\) = /);
  assert.equal(await rendered("test.png", "custom3"), "ok");
  const native = await nativePictures(rgba, W, H, { type: "custom", size: 3, values: kernel }, { stride: 1, pad: 1, channels: "color" });
  assertSamePictures(t, await canvasPixels("[data-testid^=output-canvas-]"), native, "custom 3×3 per channel");
  await page.check("input[name=fchan][value=luma]");
  await page.check("input[name=filter][value=sobelX]");
});

test("a text file and a zero-byte file show a message, and the next image still filters", async (t) => {
  const message = page.locator("[data-testid=image-message]");
  await upload("notes.txt", "text/plain", Buffer.from("not an image\n"));
  await page.waitForFunction(() => /is not an image/.test(document.querySelector("[data-testid=image-message]").textContent));
  assert.match(await message.textContent(), /“notes\.txt” is not an image \(it is a text\/plain file\)/);

  await upload("empty.png", "image/png", Buffer.alloc(0));
  await page.waitForFunction(() => /is empty/.test(document.querySelector("[data-testid=image-message]").textContent));
  assert.match(await message.textContent(), /“empty\.png” is empty \(0 bytes\)/);

  const broken = Buffer.concat([encodePng(rgba, W, H).subarray(0, 40), Buffer.from("garbage")]);
  await upload("broken.png", "image/png", broken);
  await page.waitForFunction(() => /could not be decoded/.test(document.querySelector("[data-testid=image-message]").textContent));

  // The previous image is still the one filtered.
  assert.equal(await page.getAttribute("[data-testid=result]", "data-image"), "test.png");

  // Large enough (96×72) for the engine to pick its fast conv layer: the wasm simd128 matrix
  // product against the native one.
  const second = testImage(96, 72, 5);
  await upload("second.png", "image/png", encodePng(second, 96, 72));
  assert.equal(await rendered("second.png", "sobelX"), "ok");
  assert.equal(await message.isVisible(), false, "the message is gone once an image loads");
  assert.match(await page.textContent("[data-testid=computed-by]"), /conv_forward_fast/);
  const native = await nativePictures(second, 96, 72, { type: "sobelX" }, { stride: 1, pad: 1, channels: "luma" });
  assertSamePictures(t, await canvasPixels("[data-testid^=output-canvas-]"), native, "Sobel x on the next image");
});

test("a large image is scaled down with a notice", async () => {
  const big = testImage(1200, 300, 2);
  await upload("wide.png", "image/png", encodePng(big, 1200, 300));
  assert.equal(await rendered("wide.png", "sobelX"), "ok");
  assert.match(await page.textContent("[data-testid=image-message]"),
    /^Scaled down from 300×1200 to 128×512 pixels \(H×W\): images are processed at most 512 pixels/);
  // One order everywhere: the caption's H×W is the output's H×W (pad 1, stride 1 keep the size).
  assert.equal(await page.textContent("[data-testid=input-caption]"), "Input: wide.png, 128×512 pixels (H×W)");
  assert.equal(await page.textContent("[data-testid=filter-shape]"), "Output: 128×512×1  (from 128×512×3)");
});

test("paste and drag-and-drop load images too", async () => {
  const png = encodePng(testImage(20, 16, 3), 20, 16);
  const bytes = Array.from(png);
  await page.evaluate((b) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(b)], "pasted.png", { type: "image/png" }));
    document.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data }));
  }, bytes);
  assert.equal(await rendered("pasted.png", "sobelX"), "ok");
  await page.evaluate((b) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(b)], "dropped.png", { type: "image/png" }));
    document.querySelector(".drop").dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  }, bytes);
  assert.equal(await rendered("dropped.png", "sobelX"), "ok");
});

test("screenshot of the panel", async () => {
  await page.click("button[data-sample=figures]");
  await page.check("input[name=filter][value=gradientMagnitude]");
  assert.equal(await rendered("the figures sample", "gradientMagnitude"), "ok");
  const top = await page.locator("#panel-filters h2").boundingBox();
  const bottom = await page.locator(".filter-layout").boundingBox();
  await page.setViewportSize({ width: 1280, height: Math.ceil(bottom.y + bottom.height + 16) });
  await page.screenshot({ path: join(SCREENSHOTS, "filters.png"), clip: { x: 0, y: top.y - 8, width: 1280, height: bottom.y + bottom.height - top.y + 24 } });
  await page.setViewportSize({ width: 1280, height: 720 });
});

test("no console errors and no request to another host", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
