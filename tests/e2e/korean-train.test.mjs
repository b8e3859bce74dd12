// The Train panel in Korean (`lang=ko`): its own words — status, settings labels, progress,
// accuracies, the summary, the saved-work line, file messages, the restore after a reload — in
// the exact Korean of the catalog, numbers written as in English; one Step of a designed network
// trains in the worker.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { foreignRequests, openPage, SCREENSHOTS } from "./harness.mjs";

const NETWORK = "conv3x3-4 pad1, relu, pool2, fc5";
let session;
let page;

before(async () => {
  session = await openPage(`#lang=ko&tab=train&tnet=${encodeURIComponent(NETWORK)}`);
  page = session.page;
  await waitForState("idle");
});

after(async () => {
  await session?.close();
});

const STATUS = "[data-testid=train-status]";

async function waitForState(...states) {
  await page.waitForFunction(
    ([sel, wanted]) => wanted.includes(document.querySelector(sel)?.dataset.state),
    [STATUS, states],
    { timeout: 120_000 },
  );
}

const text = (selector) => page.textContent(selector);
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("the panel is in Korean before any training", async () => {
  assert.equal(await page.getAttribute("html", "lang"), "ko");
  assert.equal(await text("#panel-train h2"), "합성곱 신경망 학습");
  assert.equal(await text(STATUS), "준비됨");
  assert.equal(await text("[data-action=train-start]"), "시작");
  assert.equal(await text("[data-action=train-step]"), "한 단계");
  assert.equal(await text("[data-action=train-reset]"), "초기화");
  assert.equal(await page.locator("label.field:has([name=tlr]) > span").textContent(), "학습률");
  assert.equal(await page.locator("label.field:has([name=tbatch]) > span").textContent(), "배치 크기");
  assert.equal(await page.locator(".train-settings fieldset legend").textContent(), "데이터셋");
  assert.equal(await text("[data-preset=overfit]"), "예제 100개 과적합");
  assert.equal(await text("[data-testid=train-iteration]"), "반복 0 / 40");
  assert.equal(await text("[data-testid=train-acc]"), "정확도는 첫 반복 후와 매 에폭 후에 나타납니다.");
  assert.equal(await text("[data-testid=saved-status]"),
    "아직 이 브라우저에 저장된 것이 없습니다. 이미지와 학습된 모델은 만드는 대로 저장됩니다.");

  // The designed network on 100 + 500 figures of 16×16×3, batch 50 (the overfit preset):
  // conv 4·(3·3·3) + 4 = 112 and fc 8·8·4·5 + 5 = 1,285 parameters.
  const classes = await page.$$eval("[data-testid=confusion] thead th", (ths) => ths.slice(1).map((th) => th.textContent));
  // The geometric figures' class names in Korean (the engine's are English: circle, square, …).
  assert.deepEqual(classes, ["원", "정사각형", "삼각형", "십자", "줄무늬"]);
  assert.equal(await text("[data-testid=train-summary]"),
    `16×16×3 크기의 학습 이미지 100개와 검증 이미지 500개, 클래스 5개(${classes.join(", ")}). ` +
    `네트워크: 16x16x3: ${NETWORK} — 파라미터 1,397개. 에폭마다 2번 반복합니다(배치 크기 50).`);
  assert.deepEqual(await page.$$eval("[data-testid=train-layers] thead th", (ths) => ths.map((th) => th.textContent)),
    ["#", "층", "출력", "파라미터", "곱셈-누산(MACs)"]);
  assert.equal(await page.locator("[data-testid=confusion] thead th").first().textContent(), "정답 ↓ / 예측 →");
  assert.deepEqual(await page.$$eval(".chart-legend .key", (keys) => keys.map((k) => k.textContent)),
    ["반복마다의 손실(가는 선)과 그 이동 평균", "학습 정확도", "검증 정확도"]);
});

test("one Step trains: status, progress, accuracies and the saved line in Korean", async () => {
  await page.click("[data-action=train-step]");
  await page.waitForFunction((sel) => document.querySelector(sel).dataset.iteration === "1", STATUS);
  await waitForState("paused");
  assert.equal(await text(STATUS), "일시 정지됨");
  assert.equal(await text("[data-action=train-start]"), "계속");
  assert.equal(await text("[data-testid=train-iteration]"), "반복 1 / 40");

  const acc = page.locator("[data-testid=train-acc]");
  const [train, val] = [Number(await acc.getAttribute("data-train")), Number(await acc.getAttribute("data-val"))];
  const [trainPct, valPct] = await page.evaluate(async ([a, b]) => {
    const { fmt } = await import("./js/widgets/dom.js");
    return [a, b].map((p) => `${fmt(100 * p, 3)}%`);
  }, [train, val]);
  assert.match(await acc.textContent(),
    new RegExp(`^학습 정확도 ${escape(trainPct)} · 검증 정확도 ${escape(valPct)} \\(에폭 [01] 후\\)$`));
  assert.match(await page.getAttribute("[data-testid=train-chart]", "aria-label"), /^학습 차트: 손실 1개, 최근 [\d.]+; 최근 학습 정확도 [\d.]+%, 검증 [\d.]+%$/);

  // The model is saved after a step; the line says so with the time and the iteration.
  await page.waitForFunction(() => document.querySelector("[data-testid=saved-status]").dataset.iteration === "1");
  assert.match(await text("[data-testid=saved-status]"),
    /^\d\d:\d\d에 이 브라우저에 저장됨: \d\d:\d\d에 학습한 모델\(반복 1\)\. 페이지를 다시 열면 돌아옵니다\.$/);
});

test("a file that is not a model is refused in Korean and the model kept", async () => {
  const before = await text("[data-testid=example-probabilities]");
  await page.setInputFiles("[data-testid=import-file]",
    { name: "notes.txt", mimeType: "application/octet-stream", buffer: Buffer.from("these are my notes, not a model") });
  const box = page.locator("[data-testid=model-message]");
  await page.waitForFunction(() => document.querySelector("[data-testid=model-message]").textContent.includes("notes.txt"));
  const message = await box.textContent();
  assert.match(await box.getAttribute("class"), /error/);
  // The engine's reason sits between the page's own words.
  assert.match(message, /^“notes\.txt” 파일을 불러오지 못했습니다: .+\. 현재 모델은 그대로 유지됩니다\.$/);
  assert.doesNotMatch(message, /was not loaded|current model is kept/);
  assert.equal(await text("[data-testid=example-probabilities]"), before, "the model is unchanged");
});

test("after a reload the saved model comes back, and the page says so in Korean", async () => {
  await page.reload();
  await page.waitForSelector("body[data-ready='true']");
  const message = "[data-testid=train-message]";
  await page.waitForFunction((sel) => /되살렸습니다/.test(document.querySelector(sel).textContent), message, { timeout: 120_000 });
  assert.match(await text(message), /^\d\d:\d\d에 학습한 모델\(반복 1\)을 되살렸습니다\. 시작을 누르면 이어서 학습합니다\.$/);
  assert.match(await text("[data-testid=storage-notice]"), /^이 브라우저에서 \d\d:\d\d에 학습한 모델\(반복 1\)을 되살렸습니다\.$/);
  // The restored model's run counts from 0 again (its chart keeps the earlier points).
  assert.equal(await text("[data-testid=train-iteration]"), "반복 0 / 40");
  assert.equal(await text("[data-action=forget-saved]"), "저장한 작업 지우기");
});

test("an empty image for Predict gets the page's Korean message", async () => {
  await page.setInputFiles("[data-testid=predict-file]", { name: "empty.png", mimeType: "image/png", buffer: Buffer.alloc(0) });
  const box = page.locator(".predict .message");
  await page.waitForFunction(() => !document.querySelector(".predict .message").hidden);
  assert.equal(await box.textContent(),
    "“empty.png” 파일이 비어 있습니다(0바이트). PNG, JPEG, GIF, WebP 또는 BMP 이미지를 고르세요.");
});

test("your own dataset's builder is in Korean, and the panel waits for your images", async () => {
  await page.goto(page.url().replace(/#.*/, "#lang=ko&tab=train&tds=own"));
  await page.waitForSelector("body[data-ready='true']");
  await waitForState("error");
  assert.equal(await text(STATUS), "이미지를 기다리는 중");
  assert.deepEqual(await page.$$eval("[data-testid=own-classes] legend", (ls) => ls.map((l) => l.textContent)),
    ["클래스 1: 이미지 0장", "클래스 2: 이미지 0장"]);
  assert.deepEqual(await page.$$eval("[data-testid=own-classes] input[type=text]", (is) => is.map((i) => i.value)), ["클래스 A", "클래스 B"]);
  assert.equal(await page.locator("[data-testid=own-classes] button[data-class='0']").textContent(), "그림 추가");
  await page.click("[data-testid=own-classes] button[data-class='0']");
  assert.equal(await page.locator(".own-data .message").textContent(), "패드가 비어 있습니다. 먼저 무언가를 그리세요.");
  assert.equal(await page.locator(".train-settings p.hint:not([hidden])").first().textContent(),
    "직접 만든 이미지는 5장 중 4장으로 학습하고 1장으로 검증합니다.");
});

test("the Korean panel fits 1280×720 and a phone-width screen", async () => {
  for (const [width, height, shot] of [[1280, 720, null], [375, 667, "ko-train-phone.png"]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, `${width}×${height}: nothing wider than the screen`);
    if (shot) await page.locator("#panel-train .card", { hasText: "학습 정확도" }).first().screenshot({ path: join(SCREENSHOTS, shot) });
  }
  await page.setViewportSize({ width: 1280, height: 720 });
});

test("no console errors and no other hosts", async () => {
  assert.deepEqual(session.log.errors, []);
  assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
});
