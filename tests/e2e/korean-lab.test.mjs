// The Lab panel in Korean (`lang=ko`) in a real browser: its titles, the default gradient check's
// summary and readings, an injected bug read as 틀림, Run/Cancel and progress, batch norm, naive
// vs fast, the lecture's network checked on a sample, the kink report of a designed network (none
// crossed, and some crossed), the engine's and the worker's own messages in Korean, no English
// word among the Lab's own texts, and the Korean panel at phone width.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { join } from "node:path";
import { openPage, SCREENSHOTS } from "./harness.mjs";

/** The Lab's example network (the engine's `lab::DESIGNED_EXAMPLE`). */
const EXAMPLE = "8x8x3: conv3x3-4 pad1, relu, pool2, bn, conv3x3-6 pad1, relu, avgpool2, dropout0.8, fc10";

/**
 * Words the Lab may show in Korean: the arrays' names, layer names and notation, units, code
 * names and the one English term given beside its Korean ("배치 정규화(batch norm)", "꺾이는 점(kink)").
 */
const ALLOWED = new Set([
  "x", "w", "b", "dx", "dw", "db", "out", "conv", "maxpool", "affine", "relu", "ReLU", "softmax", "SVM",
  "ThreeLayerConvNet", "f64", "f32", "ms", "max", "im2col", "GEMM", "performance", "now", "batch", "norm",
  "kink", "fc", "He", "grad_check_sparse",
]);

let session;
let page;

before(async () => {
  // Small naive-vs-fast sizes: the words are what this file checks, not the timings.
  session = await openPage("#lang=ko&tab=lab&vn=10&qn=10&vruns=1");
  page = session.page;
  await page.waitForSelector("[data-testid=gc-run]");
});

after(async () => {
  await session?.close();
});

/** Clicks `${section}-run` and waits until it has finished, as the status says in Korean. */
async function run(section, p = page, timeout = 120_000) {
  await p.click(`[data-testid=${section}-run]`);
  await p.mouse.move(0, 0);
  await p.waitForFunction(
    (s) => / 만에 끝났습니다\.$/.test(document.querySelector(`[data-testid=${s}-status]`).textContent),
    section,
    { timeout },
  );
}

const texts = (p, selector) => p.$$eval(selector, (cells) => cells.map((c) => c.textContent));

/** The readings of the last check's table, by gradient name, in table order. */
const readings = (p = page) => p.$$eval("[data-testid^=gc-verdict-]", (cells) =>
  cells.map((c) => [c.dataset.testid.slice("gc-verdict-".length), c.textContent]));

test("the panel's titles and controls are Korean", async () => {
  assert.equal(await page.evaluate(() => document.documentElement.lang), "ko");
  assert.deepEqual(await texts(page, ".lab-part h3"), ["그래디언트 검사", "단순 구현과 빠른 구현", "배치 정규화"]);
  assert.equal(await page.textContent("[data-testid=gc-run]"), "검사 실행");
  assert.equal(await page.textContent("[data-testid=speed-run]"), "시간 재기");
  assert.equal(await page.textContent("[data-testid=bn-run]"), "배치 정규화 실행");
  assert.equal(await page.textContent("[data-testid=gc-cancel]"), "취소");
  assert.equal(await page.$eval("select[name=lab-layer] option:checked", (o) => o.textContent), "합성곱 층 (conv)");
  assert.equal(await page.$eval("input[name=lab-gs]", (i) => i.previousElementSibling.textContent), "스트라이드");
  assert.equal(await page.$eval("input[name=lab-gp]", (i) => i.previousElementSibling.textContent), "패딩");
});

test("the default gradient check: its summary, table and readings in Korean", async () => {
  await run("gc");
  assert.match(await page.textContent("[data-testid=gc-status]"), /^[\d.]+ m?s 만에 끝났습니다\.$/);
  assert.deepEqual(await readings(), [["dx", "맞음"], ["dw", "맞음"], ["db", "맞음"]]);
  assert.equal(await page.textContent("[data-testid=gc-summary]"),
    "검사한 대상: conv, 입력 x (4, 3, 5, 5), w (2, 3, 3, 3), b (2,); 시드 231, h = 1e-5, f64.");
  assert.deepEqual(await texts(page, "[data-testid=gc-table] thead th"), ["그래디언트", "모양", "상대 오차", "판정"]);
  assert.equal(await page.textContent(".lab-part .lab-results p.hint"),
    "강의의 판정 기준: 1e-7 미만이면 그래디언트가 맞습니다. 1e-7에서 1e-4 사이는 의심스럽습니다(입력 근처에 ReLU나 max처럼 꺾이는 점이 있는 함수에서만 허용됩니다). 1e-4보다 크면 아마 틀렸습니다.");
  assert.deepEqual(await texts(page, ".heatmap-figure figcaption"), ["dx: 5×5 맵이 4행 × 3열", "dw: 3×3 맵이 2행 × 3열", "db: (2)"]);
  assert.match(await page.textContent(".heatmap-info"), /^가장 나쁜 요소: dx\[\d,\d,\d,\d\]: 해석적 \S+, 수치적 \S+, 상대 오차 \S+$/);
  const legend = await texts(page, ".heat-legend > span:first-child, .heat-legend .swatch:last-child span");
  assert.deepEqual(legend, ["상대 오차:", "가장 나쁜 요소"]);
  await page.locator(".lab-part").first().screenshot({ path: join(SCREENSHOTS, "lab-ko-gradcheck.png") });
});

test("an injected bug is read as 틀림, and the page says why", async () => {
  await page.check("input[name=lab-gbug]");
  await run("gc");
  assert.deepEqual(await readings(), [["dx", "틀림"], ["dw", "맞음"], ["db", "맞음"]]);
  assert.match(await page.textContent("[data-testid=gc-summary]"), /; 시드 231, h = 1e-5, f64\. 버그를 넣었습니다: 해석적 dx에 1\.01을 곱했습니다\.$/);
  assert.deepEqual(await texts(page, "[data-testid=gc-results] .message.notice"),
    ["역전파에 1% 오류가 있으면 상대 오차는 약 5e-3이 됩니다: 1e-4보다 훨씬 크므로 검사가 잡아냅니다."]);
  await page.uncheck("input[name=lab-gbug]");
});

test("progress and Cancel in Korean", async () => {
  // A conv check of many minutes, stopped by Cancel.
  for (const [name, value] of [["gn", 8], ["gc", 8], ["gh", 16], ["gw", 16], ["gf", 16], ["gk", 5], ["gp", 2]]) {
    await page.fill(`input[name=lab-${name}]`, String(value));
  }
  await page.click("[data-testid=gc-run]");
  await page.waitForFunction(() => /^요소 [\d,]+ \/ [\d,]+$/.test(document.querySelector("[data-testid=gc-status]").textContent));
  await page.click("[data-testid=gc-cancel]");
  await page.waitForFunction(() => document.querySelector("[data-testid=gc-status]").textContent === "취소했습니다.");
  // Back to the defaults (a new layer starts from its own), then the engine's message in Korean.
  await page.selectOption("select[name=lab-layer]", "maxpool");
  await page.selectOption("select[name=lab-layer]", "conv");
  await page.fill("input[name=lab-gs]", "3");
  await page.fill("input[name=lab-gp]", "0");
  await page.click("[data-testid=gc-run]");
  const error = page.locator("[data-testid=gc-error]");
  await error.waitFor({ state: "visible" });
  const message = await error.textContent();
  assert.match(message, /\(5 − 3 \+ 2·0\)\/3 \+ 1 = 1\.67/);
  assert.match(message, /정수가 아닙니다/, message);
  await page.fill("input[name=lab-gs]", "1");
  await page.fill("input[name=lab-gp]", "1");
  await run("gc");
  assert.equal(await page.isVisible("[data-testid=gc-error]"), false);
});

test("batch norm and naive vs fast in Korean", async () => {
  await run("bn");
  assert.deepEqual(await texts(page, ".bn-channel:first-child .stage-title"),
    ["합성곱 출력", "배치 정규화, 학습 모드", "합성곱 출력, 새 배치", "배치 정규화, 테스트 모드"]);
  assert.equal(await page.textContent(".bn-channel:first-child h4"), "채널 0");
  assert.deepEqual(await texts(page, "[data-testid=bn-running] thead th"), ["채널", "이동 평균", "실제 평균", "이동 분산", "실제 분산"]);
  assert.match(await page.textContent("[data-testid=bn-running] caption"), /^학습 모드 배치 \d+개를 거친 이동 평균\(모멘텀 0\.9: /);

  await run("speed", page, 180_000);
  assert.deepEqual(await texts(page, "[data-testid=speed-table] thead th"), ["", "단순 구현", "빠른 구현", "속도 향상", "차이", "최대 |Δ|"]);
  assert.deepEqual(await texts(page, "[data-testid=speed-table] tbody th"), ["합성곱 순전파", "합성곱 역전파", "최대 풀링 순전파", "최대 풀링 역전파"]);
  assert.match(await page.textContent("[data-testid=speed-table] caption"), /^각각 1번 잰 시간의 중앙값이며, 실험실 워커에서 performance\.now\(\)로 측정했습니다\./);
});

test("no English word among the Lab's own texts", async () => {
  const english = await page.evaluate((allowed) => {
    const found = [];
    const panel = document.querySelector("[data-testid=gc-run]").closest(".lab-part").parentElement;
    const walk = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
    while (walk.nextNode()) {
      const node = walk.currentNode;
      if (node.parentElement.closest("[hidden]")) continue;
      for (const word of node.textContent.match(/[A-Za-z][A-Za-z0-9_]*/g) ?? []) {
        if (word.length > 1 && !allowed.includes(word)) found.push(`${word} in “${node.textContent.trim()}”`);
      }
    }
    return found;
  }, [...ALLOWED]);
  assert.deepEqual(english, []);
});

test("the lecture's network, checked on a sample, in Korean", async () => {
  await page.selectOption("select[name=lab-layer]", "designed");
  assert.match(await page.textContent("[data-testid=gc-network]"), /^32x32x3: conv3x3-16 pad1, .* \(강의의 신경망\)$/);
  await run("gc");
  assert.match(await page.textContent("[data-testid=gc-sampled]"), new RegExp(
    "^표본 검사: 신경망의 매개변수 77,205개 중 42개를 검사했습니다\\. .* 각 매개변수 배열에서 시드로 뽑은 값을 최대 3개씩 검사했습니다\\. " +
    "아래 오차는 그 값들에 대한 것이며, 히트맵에서 나머지는 빈칸으로 둡니다\\.$"));
  assert.equal(await page.textContent("[data-testid=gc-table] tbody tr:first-child td"), "(16, 3, 3, 3), 3개 검사");
  assert.match(await page.textContent("[data-testid=gc-summary]"), /^검사한 대상: 설계한 신경망 \(강의의 신경망\), 입력 x \(4, 3, 32, 32\), /);
});

test("a designed network's kink report in Korean: none crossed, then some", async () => {
  await page.click("[data-action=example-network]");
  await run("gc");
  assert.deepEqual((await readings()).map(([, v]) => v), Array(8).fill("맞음"));
  assert.equal(await page.textContent("[data-testid=gc-results] h4"), "꺾이는 점(kink)");
  assert.deepEqual(await texts(page, "[data-testid=gc-kink-sites] thead th"), ["위치", "관찰 대상", "도달 범위 안", "넘음"]);
  assert.deepEqual(await texts(page, "[data-testid=gc-kink-sites] tbody td:nth-child(2)"), ["입력 256개", "윈도 243개", "입력 384개"]);
  assert.equal(await page.textContent("[data-testid=gc-kink-verdict]"),
    "꺾이는 점을 넘은 ±h 스텝이 없습니다: 이 가중치(시드 231)와 h = 1e-5에서는 모든 입력이 꺾이는 점에서 충분히 떨어져 있어 제외할 것이 없습니다. ");

  const hash = `#lang=ko&tab=lab&gl=designed&gseed=4&gstep=0.001&net=${encodeURIComponent(EXAMPLE)}`;
  const linked = await openPage(hash);
  try {
    const p = linked.page;
    await p.waitForSelector("[data-testid=gc-run]");
    await run("gc", p);
    assert.equal(await p.textContent("[data-testid=gc-kink-verdict]"),
      "매개변수 592개 중 10개에서 ±h 스텝이 꺾이는 점을 넘었습니다. 위 표의 마지막 두 열은 바로 그 매개변수들을 뺀 것이므로, 남는 것은 역전파 자체의 오차입니다. " +
      "꺾이는 점을 넘은 매개변수는 히트맵에서 파란 모서리로 표시합니다. 꺾이는 점을 아예 피하려면 다른 가중치와 이미지를 뽑거나(시드), 더 작은 h를 쓰세요.");
    assert.equal(await p.textContent("[data-testid=gc-verdict-dW1]"), "틀림");
    assert.deepEqual(await texts(p, "[data-testid=gc-table] thead th"),
      ["그래디언트", "모양", "상대 오차", "판정", "꺾이는 점을 넘은 스텝 제외", "판정"]);
    assert.deepEqual(await texts(p, "[data-testid=gc-kinks] thead th"), ["위치", "거리", "도달 범위", "넘게 한 매개변수", "예"]);
    const crossed = await texts(p, "[data-testid=gc-kinks] tbody tr.crossed th");
    assert.equal(crossed.length, 2);
    assert.ok(crossed.some((t) => /^.+\(relu\)의 입력 \[\d+,\d+,\d+,\d+\]$/.test(t)), crossed.join(" | "));
    assert.ok(crossed.some((t) => /^.+\(pool2\)의 윈도 \[\d+,\d+,\d+,\d+\]$/.test(t)), crossed.join(" | "));
    assert.deepEqual(linked.log.errors, []);
  } finally {
    await linked.close();
  }
});

test("at phone width the Korean panel fits", async () => {
  const phone = await openPage(`#lang=ko&tab=lab&gl=designed&gseed=4&gstep=0.001&net=${encodeURIComponent(EXAMPLE)}`,
    { width: 390, height: 844 });
  try {
    const p = phone.page;
    await p.waitForSelector("[data-testid=gc-run]");
    await run("gc", p);
    await run("bn", p);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than a phone`);
    await p.screenshot({ path: join(SCREENSHOTS, "lab-ko-phone.png"), fullPage: true });
    assert.deepEqual(phone.log.errors, []);
  } finally {
    await phone.close();
  }
});

test("the worker's own message in Korean: a Lab module that does not load", async () => {
  const missing = await openPage("#lang=ko&tab=filters");
  try {
    const p = missing.page;
    await p.context().route("**/pkg-lab/**", (route) => route.fulfill({ status: 404, body: "not found" }));
    await p.click("#tab-lab");
    await p.click("[data-testid=bn-run]");
    await p.waitForSelector("[data-testid=bn-error]:not([hidden])");
    assert.match(await p.textContent("[data-testid=bn-error]"),
      /^실험실 모듈\(www\/pkg-lab\/\)을 불러오지 못했습니다\(.+\)\. \.\/scripts\/build-wasm\.sh로 빌드하세요$/);
  } finally {
    await missing.close();
  }
});

test("no console errors", async () => {
  assert.deepEqual(session.log.errors, []);
});
