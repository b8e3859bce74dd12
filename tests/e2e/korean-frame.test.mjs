// The page's frame and the panels of issue 14's page part in Korean (`lang=ko` in the link): the
// header, the tabs, the keys sheet, Copy link, presenter mode, a link's notice, the Filters panel,
// the Shapes panel's stepper (forward and backward, with its "why") and network table, and the
// Lecture 5 tour, each checked by exact Korean texts; `<html lang="ko">`; and the header's switch
// to English reloads the page in English with the settings kept. The English page is checked by
// every other browser test (English is the default).

import assert from "node:assert/strict";
import { after, test } from "node:test";
import { openPage } from "./harness.mjs";

const sessions = [];
after(async () => {
  for (const s of sessions) await s.close();
});

async function open(hash, options) {
  const s = await openPage(hash, options);
  sessions.push(s);
  return s;
}

const text = (page, testid) => page.textContent(`[data-testid=${testid}]`);

test("the Filters panel and the header in Korean, <html lang=ko>", async () => {
  const { page, log } = await open("#lang=ko&tab=filters");
  await page.waitForSelector("[data-testid=result][data-status=ok]");
  assert.equal(await page.getAttribute("html", "lang"), "ko");
  assert.equal(await page.title(), "CNN 놀이터 — CS231n 5강");
  assert.equal(await page.textContent("header.site h1"), "CNN 놀이터");
  assert.equal(await text(page, "notation"),
    "표기법은 강의와 같습니다: 입력의 높이 H, 너비 W, 깊이 C; 합성곱 층에는 크기 F×F×C인 필터가 K개 있고 스트라이드는 S, 패딩은 P이므로 W′ = (W − F + 2P)/S + 1입니다. 모양은 H×W×C(32×32×3)로 쓰고, 배열은 강의의 순서 (N, C, H, W)와 (K, C, F, F)를 따릅니다.");
  assert.deepEqual(await page.$$eval("[data-testid=notation] b", (bs) => bs.map((b) => b.textContent)), ["표기법", "F", "K", "S", "P"]);
  assert.deepEqual(await page.$$eval("#tabs .tab-long", (s) => s.map((e) => e.textContent)),
    ["내 이미지에 필터 적용", "모양, 한 단계씩", "실험실", "합성곱 신경망 학습"]);
  assert.deepEqual(await page.$$eval("#tabs .tab-short", (s) => s.map((e) => e.textContent)), ["필터", "모양", "실험실", "학습"]);
  assert.equal(await page.textContent("[data-action=copy-link]"), "링크 복사");
  assert.equal(await page.textContent("[data-action=shortcuts]"), "단축키 (?)");
  assert.equal(await page.textContent("[data-action=present]"), "발표");
  assert.equal(await page.textContent("[data-action=tour]"), "5강 둘러보기");
  // The panel.
  assert.equal(await page.textContent("#panel-filters h2"), "내 이미지에 필터 적용");
  assert.equal(await text(page, "filter-about"), "오른쪽으로 갈수록 밝아지는 곳에서 양수입니다: 세로 경계를 찾습니다.");
  assert.equal(await text(page, "input-caption"), "입력: 원 예제, 192×192 픽셀 (H×W)");
  assert.equal(await text(page, "filter-shape"), "출력: 192×192×1  (192×192×3에서)");
  assert.equal(await page.textContent("[data-testid=outputs] figcaption"), "출력 맵, 최소-최대 정규화");
  assert.equal(await text(page, "weights-shape"), "w: (K, C, F, F) = (1, 3, 3, 3) · b: (K,) = (0) · 스트라이드 1, 패딩 1");
  assert.equal(await text(page, "computed-by"),
    "엔진의 conv_forward_fast로 계산했습니다 (im2col과 행렬 곱; 단순한 반복문과 같은 숫자이며 큰 이미지에서 더 빠릅니다).");
  // The assignment's demo: both captions.
  await page.check("input[name=filter][value=demo]");
  await page.waitForSelector("[data-testid=result][data-filter=demo][data-status=ok]");
  assert.deepEqual(await page.$$eval("[data-testid=outputs] figcaption", (c) => c.map((e) => e.textContent)),
    ["필터 0: 흑백 (가운데 탭 R 0.3, G 0.6, B 0.1)", "필터 1: 파란 채널의 가로 소벨, 편향 128"]);
  assert.match(await text(page, "weights-shape"), / · 스트라이드 1, 패딩 1 \(과제에서 정한 값\)$/);
  // The keys sheet.
  await page.keyboard.press("?");
  assert.equal(await page.textContent("#shortcuts-title"), "키보드 단축키");
  assert.deepEqual((await page.$$eval("[data-testid=shortcuts] dd", (d) => d.map((e) => e.textContent))).slice(0, 2),
    ["한 단계 뒤로, 한 단계 앞으로", "재생 또는 일시 정지"]);
  await page.keyboard.press("Escape");
  assert.deepEqual(log.errors, []);
});

test("the Shapes panel's stepper and network table in Korean, forward and backward", async () => {
  const { page, log } = await open("#lang=ko&tab=shapes&sw=7&sh=7&sf=3&ss=1&sp=0");
  await page.waitForSelector("[data-testid=stepper-position]");
  assert.equal(await page.textContent("#panel-shapes h2"), "모양, 한 단계씩");
  assert.equal(await text(page, "stepper-position"), "25단계 중 1단계");
  assert.equal(await text(page, "stepper-shape"), "출력: 5×5");
  assert.match(await text(page, "stepper-explain"), /^out\[0,0\] = 입력의 0–2행, 0–2열 창에서 Σ w·x = .+ = −?\d+$/);
  assert.equal(await page.textContent("[data-action=play]"), "▶ 재생");
  assert.equal(await page.textContent("[data-action=lecture]"), "강의 예제: 32×32×3, 5×5×3 필터 6개");
  // A stride that does not fit: the engine's arithmetic, the page's words.
  await page.fill("input[name=stepper-ss]", "3");
  await page.waitForSelector("[data-testid=stepper-error]:not([hidden])");
  assert.match(await text(page, "stepper-error"), /^허용되지 않습니다 — .+\.$/);
  assert.equal(await text(page, "stepper-shape"), "출력: 7×7, F = 3, S = 3, P = 0에서는 정의되지 않음");
  // Max pooling backward: the route and its why.
  await page.fill("input[name=stepper-ss]", "2");
  await page.check("input[name=stepper-op][value=pool]");
  await page.check("input[name=stepper-dir][value=backward]");
  await page.waitForSelector("[data-testid=stepper-why-text]");
  assert.equal(await text(page, "stepper-why-text"),
    "왜: 각 out은 자기 창의 최댓값입니다. max의 국소 기울기(local gradient)는 최댓값 칸에서 1이고(가장 큰 값을 조금 올리면 max도 함께 오릅니다) 나머지 칸에서는 0입니다(다른 칸을 조금 올려도 max는 변하지 않습니다). 연쇄 법칙(chain rule)에 따라 dx = dout × 그 1 또는 0이므로, dout의 각 칸은 그대로 창의 argmax로 가고 나머지에는 0이 갑니다. 이 창들은 겹칩니다 (S = 2 < F = 3): 여러 창에서 최댓값인 칸은 그 기울기를 모두 더해 받습니다.");
  assert.match(await text(page, "stepper-explain"), /^dout\[0,0\] = \S+ 값이 그대로 x\[\d,\d\] = \S+ 칸으로 갑니다\. 창의 argmax/);
  assert.equal(await text(page, "stepper-position"), "9단계 중 1단계");
  // The network table: headings, the total and the fully connected comparison.
  assert.deepEqual(await page.$$eval("[data-testid=network-table] thead th", (t) => t.map((e) => e.textContent)),
    ["#", "층", "설정", "출력", "파라미터", "MACs(곱셈-덧셈)", "메모리", ""]);
  assert.equal(await page.textContent("[data-testid=network-table] tfoot th"), "합계");
  assert.equal(await page.textContent("[data-action=train-network]"), "이 네트워크 학습하기");
  assert.equal(await page.textContent("[data-testid=fc-comparison] p"),
    "32×32×3 입력 위의 완전 연결(FC) 뉴런 하나에는 입력값마다 하나씩 가중치 3,072개가 필요합니다. 첫 합성곱 층의 필터 하나에는 27개면 됩니다: 작은 창 하나만 보고 이미지 전체에서 공유되기 때문입니다.");
  assert.deepEqual(await page.$$eval("[data-testid=fc-comparison] p:first-child strong", (s) => s.map((e) => e.textContent)), ["3,072", "27"]);
  assert.deepEqual(log.errors, []);
});

test("the Lecture 5 tour and a link's notice in Korean", async () => {
  const { page, log } = await open("#lang=ko&tab=shapes&tour=4&bogus=1");
  await page.waitForSelector("[data-testid=tour-card]:not([hidden])");
  assert.equal(await text(page, "tour-title"), "스트라이드(stride)");
  assert.equal(await text(page, "tour-count"), "11단계 중 4");
  assert.equal(await text(page, "tour-text"),
    "스트라이드 S는 필터가 한 창에서 다음 창으로 움직이는 거리입니다. 7×7 입력에 F = 3일 때 S = 1이면 출력이 5×5이고, S = 2이면 한 칸씩 건너뛰어 출력이 3×3입니다 — 한 단계씩 넘기며 창이 두 칸씩 뛰는 것을 보세요.");
  assert.equal(await page.textContent("[data-action=tour-next]"), "다음 ▶");
  assert.equal(await text(page, "link-notice"), "이 링크에 페이지가 쓸 수 없는 값이 있습니다: bogus: 이 페이지의 설정이 아니므로 무시합니다.");
  await page.click("[data-action=tour-next]");
  await page.waitForFunction(() => document.querySelector("[data-testid=tour-count]").textContent === "11단계 중 5");
  assert.equal(await text(page, "tour-title"), "제로 패딩(zero padding)");
  assert.deepEqual(log.errors, []);
});

test("switching the header's language to English reloads the page in English, the settings kept", async () => {
  const { page, log } = await open("#lang=ko&tab=shapes&sw=6&sh=6&step=3");
  await page.waitForSelector("[data-testid=stepper-position]");
  assert.equal(await text(page, "stepper-position"), "16단계 중 3단계");
  await Promise.all([page.waitForEvent("load"), page.selectOption("[data-testid=language]", "en")]);
  await page.waitForSelector("body[data-ready='true']");
  await page.waitForSelector("[data-testid=stepper-position]");
  assert.equal(await page.getAttribute("html", "lang"), "en");
  assert.equal(await page.textContent("header.site h1"), "CNN playground");
  assert.equal(await text(page, "stepper-position"), "Step 3 of 16");
  assert.equal(await page.textContent("#panel-shapes h2"), "Shapes, step by step");
  const hash = new URLSearchParams((await page.evaluate(() => window.location.hash)).slice(1));
  assert.deepEqual(["lang", "tab", "sw", "sh", "step"].map((k) => hash.get(k)), ["en", "shapes", "6", "6", "3"]);
  assert.deepEqual(log.errors, []);
});
