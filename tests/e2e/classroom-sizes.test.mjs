// Issue 11 at the classroom's three sizes: a 1024×768 projector, a 1280×720 one at 200 % browser
// zoom (a 640×360 window at device scale 2) and a 375 px phone. Each item the page built for the
// classroom is checked at each size by what a person sees: boxes inside the window, nothing wider
// than it, the control that acts where the eye is, and the phone's 44 px touch targets.
//
//   item 1  presenter mode   the stepper's picture in view; the Present button in reach; Esc leaves
//   item 2  keys             ←/→, Home/End, Space, +/−, ? in view, the focus never on <body>, the speed beside Play
//   item 3  links            Copy link in view; its message, step included, and what cannot travel
//   item 5  the why          max pool, conv dx and conv dw: the why readable inside the window
//   item 6  notation         the legend, whole and inside the window
//   item 8  phones           sticky tabs, the network table uncut, 44 px targets where a phone's rules apply
// (Presenter mode at the two projector sizes, every step, is in presenter.test.mjs; the static
// build at the three sizes in static.test.mjs.)

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { foreignRequests, openPage } from "./harness.mjs";
import { encodePng, testImage } from "./png.mjs";

const SIZES = [
  { label: "1024×768", width: 1024, height: 768, scale: 1, phone: false, touch: false },
  // 640 CSS px is 40rem: style.css gives it a phone's layout and 44 px targets.
  { label: "1280×720 at 200 % zoom", width: 640, height: 360, scale: 2, phone: false, touch: true },
  { label: "375×800", width: 375, height: 800, scale: 2, phone: true, touch: true },
];

const LEGEND = "Notation, as in the lecture: an input of height H, width W and depth C; a conv layer has K filters of size F×F×C, stride S and pad P, so W′ = (W − F + 2P)/S + 1. Shapes are written H×W×C (32×32×3); arrays keep the course's order, (N, C, H, W) and (K, C, F, F).";

/** Each selector's first match against the window: those not wholly inside it, with their boxes. */
function outOfView(page, selectors) {
  return page.evaluate((sels) => sels.flatMap((s) => {
    const el = document.querySelector(s);
    if (!el) return [`${s}: missing`];
    const r = el.getBoundingClientRect();
    const inside = r.width > 0 && r.height > 0 && r.top >= -0.5 && r.left >= -0.5
      && r.bottom <= window.innerHeight + 0.5 && r.right <= window.innerWidth + 0.5;
    return inside ? [] : [`${s}: ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)} in ${window.innerWidth}×${window.innerHeight}`];
  }), selectors);
}

/** How far the page scrolls sideways (0: nothing is wider than the window). */
const sideways = (page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** Controls under 44 px (height, or width for a button) among `selector`'s visible matches. */
function smallTargets(page, selector) {
  return page.$$eval(selector, (els) => els.filter((e) => e.getClientRects().length > 0).map((e) => {
    const r = e.getBoundingClientRect();
    return { what: e.dataset.action ?? e.getAttribute("aria-label") ?? e.name ?? e.textContent, height: Math.round(r.height), width: Math.round(r.width), tag: e.tagName };
  }).filter((c) => c.height < 44 || (c.tag === "BUTTON" && c.width < 44)));
}

/** The focused element, as `TAG[data-action]` ("BODY" for the body). */
const focused = (page) => page.evaluate(() => {
  const a = document.activeElement;
  return a ? `${a.tagName}${a.dataset.action ? `[${a.dataset.action}]` : ""}` : "none";
});

for (const size of SIZES) {
  describe(`at ${size.label}`, () => {
    let session;
    let page;
    const position = () => page.textContent("[data-testid=stepper-position]");

    before(async () => {
      session = await openPage("#tab=shapes", { width: size.width, height: size.height, deviceScaleFactor: size.scale });
      page = session.page;
      await page.waitForSelector("[data-grid=out] .cell.current");
      assert.equal(await page.evaluate(() => window.devicePixelRatio), size.scale);
      await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(session.url).origin });
    });

    after(async () => {
      await session?.close();
    });

    test(`item 1, ${size.label}: the Present button in view, P turns presenter mode on with the picture in view, Esc leaves`, async () => {
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.deepEqual(await outOfView(page, ["[data-action=present]"]), []);
      if (size.touch) assert.deepEqual(await smallTargets(page, "[data-action=present]"), []);
      await page.focus("[data-action=step]");
      await page.keyboard.press("p");
      assert.equal(await page.evaluate(() => document.documentElement.classList.contains("presenter")), true);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.deepEqual(await outOfView(page, ["[data-grid=x]", "[data-grid=w]", "[data-grid=out]",
        "[data-testid=stepper-formula]", "[data-testid=stepper-explain]", "[data-action=present]"]), []);
      assert.equal(await sideways(page), 0);
      // On a phone presenter mode keeps the 44 px targets; with a mouse at 640 px it gives them to the picture.
      if (size.phone) assert.deepEqual(await smallTargets(page, "#panel-shapes .transport button, [data-action=present]"), []);
      await page.keyboard.press("Escape");
      assert.equal(await page.evaluate(() => document.documentElement.classList.contains("presenter")), false);
    });

    test(`item 2, ${size.label}: the stepper's keys from the page, the focus kept, the speed beside Play, the sheet in view`, async () => {
      await page.evaluate(() => { document.activeElement?.blur(); window.scrollTo(0, 0); });
      assert.equal(await focused(page), "BODY");
      await page.keyboard.press("Home");
      assert.match(await position(), /^Step 1 of 25$/);
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      assert.equal(await position(), "Step 3 of 25");
      await page.keyboard.press("ArrowLeft");
      assert.equal(await position(), "Step 2 of 25");
      await page.keyboard.press("End");
      assert.equal(await position(), "Step 25 of 25");
      // At the last step, clicked: Step keeps the focus.
      await page.keyboard.press("ArrowLeft");
      await page.click("[data-action=step]");
      assert.equal(await position(), "Step 25 of 25");
      assert.equal(await focused(page), "BUTTON[step]");
      await page.keyboard.press("+");
      assert.equal(await page.inputValue("select[name=stepper-speed]"), "2");
      await page.keyboard.press("-");
      assert.equal(await page.inputValue("select[name=stepper-speed]"), "1");
      await page.keyboard.press("Home");
      await page.keyboard.press(" ");
      assert.equal(await page.getAttribute("[data-action=play]", "aria-pressed"), "true");
      await page.keyboard.press(" ");
      assert.equal(await page.getAttribute("[data-action=play]", "aria-pressed"), "false");
      assert.notEqual(await focused(page), "BODY");
      // The speed control beside Play: on Play's row, right after it, both in view.
      await page.locator("[data-action=play]").scrollIntoViewIfNeeded();
      const play = await page.locator("[data-action=play]").boundingBox();
      const speed = await page.locator("select[name=stepper-speed]").boundingBox();
      assert.ok(Math.abs((play.y + play.height / 2) - (speed.y + speed.height / 2)) < play.height / 2,
        `Play at y ${play.y}, the speed at y ${speed.y}`);
      assert.ok(speed.x > play.x + play.width && speed.x - (play.x + play.width) < 120, `Play ends at ${play.x + play.width}, the speed starts at ${speed.x}`);
      assert.deepEqual(await outOfView(page, ["[data-action=play]", "select[name=stepper-speed]"]), []);
      if (size.touch) assert.deepEqual(await smallTargets(page, "#panel-shapes .transport button, select[name=stepper-speed]"), []);
      // The sheet of shortcuts: inside the window, Close in reach.
      await page.keyboard.press("?");
      await page.locator("[data-testid=shortcuts]").waitFor({ state: "visible" });
      assert.deepEqual(await outOfView(page, ["[data-testid=shortcuts]"]), []);
      await page.locator("[data-action=close-shortcuts]").scrollIntoViewIfNeeded();
      assert.deepEqual(await outOfView(page, ["[data-action=close-shortcuts]"]), []);
      await page.keyboard.press("Escape");
      await page.locator("[data-testid=shortcuts]").waitFor({ state: "hidden" });
      assert.equal(await focused(page), "BUTTON[step]", "the focus back where it was before the sheet");
      assert.equal(await sideways(page), 0);
    });

    test(`item 3, ${size.label}: Copy link in view; the link carries the step; what cannot travel is said beside it`, async () => {
      await page.keyboard.press("Home");
      await page.keyboard.press("ArrowRight");
      await page.keyboard.press("ArrowRight");
      assert.equal(await position(), "Step 3 of 25");
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.deepEqual(await outOfView(page, ["[data-action=copy-link]"]), []);
      if (size.touch) assert.deepEqual(await smallTargets(page, "[data-action=copy-link], [data-action=shortcuts]"), []);
      await page.click("[data-action=copy-link]");
      await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent === "Link copied.");
      const link = new URL(await page.evaluate(() => navigator.clipboard.readText()));
      assert.equal(link.hash, "#tab=shapes&step=3");
      assert.deepEqual(await outOfView(page, ["[data-testid=copy-link-message]"]), []);
      // An uploaded image: the message next to Copy link says it stays here, inside the window.
      await page.click("#tab-filters");
      await page.waitForSelector("[data-testid=result][data-image]");
      await page.setInputFiles("[data-testid=file-input]", { name: "mine.png", mimeType: "image/png", buffer: encodePng(testImage(12, 8), 12, 8) });
      await page.waitForSelector("[data-testid=result][data-image='mine.png'][data-status=ok]");
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.click("[data-action=copy-link]");
      await page.waitForFunction(() => document.querySelector("[data-testid=copy-link-message]").textContent ===
        "Link copied. This link opens the circle sample: the image you uploaded stays on this computer.");
      assert.deepEqual(await outOfView(page, ["[data-action=copy-link]", "[data-testid=copy-link-message]"]), []);
      assert.equal(await sideways(page), 0);
      await page.click("#tab-shapes");
      await page.waitForSelector("#panel-shapes:not([hidden]) [data-grid=out] .cell.current");
    });

    test(`item 5, ${size.label}: the why of max pool, conv dx and conv dw inside the window, words and sums whole`, async () => {
      const views = [
        ["pool", "dx", /^Why: each out is the max of its window\. The local gradient of max is 1 /],
        ["conv", "dx", /^Why: out\[a,b\] = Σ w\[u,v\]·x\[S·a\+u, S·b\+v\] \+ b, with S = 1\. Its derivative .* So dx is dout padded by F − 1 = 2 zeros /],
        ["conv", "dw", /^Why: out\[a,b\] = Σ w\[u,v\]·x\[S·a\+u, S·b\+v\] \+ b, with S = 1\. Its derivative .* So dw is the correlation of x with dout/],
      ];
      for (const [op, grad, why] of views) {
        await page.check(`input[name=stepper-op][value=${op}]`);
        await page.check("input[name=stepper-dir][value=backward]");
        if (op === "conv") await page.check(`input[name=stepper-grad][value=${grad}]`);
        const text = page.locator("[data-testid=stepper-why-text]");
        await text.waitFor({ state: "visible" });
        assert.match(await text.textContent(), why);
        for (const part of ["[data-testid=stepper-why]", "[data-testid=stepper-explain]"]) {
          await page.locator(part).scrollIntoViewIfNeeded();
          const box = await page.$eval(part, (e) => {
            const r = e.getBoundingClientRect();
            return { left: r.left, right: r.right, font: parseFloat(getComputedStyle(e).fontSize), clipped: e.scrollWidth > e.clientWidth + 1 };
          });
          assert.ok(box.left >= 0 && box.right <= size.width, `${op} ${grad} ${part}: ${box.left}–${box.right} in ${size.width}`);
          assert.equal(box.clipped, false, `${op} ${grad} ${part}: no text cut off at the side`);
          assert.ok(box.font >= 14, `${op} ${grad} ${part}: ${box.font} px text`);
        }
        assert.equal(await sideways(page), 0, `${op} ${grad}: nothing wider than the window`);
      }
      await page.check("input[name=stepper-op][value=conv]");
      await page.check("input[name=stepper-dir][value=forward]");
    });

    test(`item 6, ${size.label}: the notation legend whole, inside the window's width, before the panels`, async () => {
      await page.evaluate(() => window.scrollTo(0, 0));
      assert.equal(await page.textContent("[data-testid=notation]"), LEGEND);
      const box = await page.locator("[data-testid=notation]").boundingBox();
      const tabs = await page.locator("#tabs").boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= size.width, `the legend at ${box.x}–${box.x + box.width}`);
      assert.ok(box.y + box.height <= tabs.y + 1, "the legend above the tabs");
      assert.ok(await page.$eval("[data-testid=notation]", (e) => parseFloat(getComputedStyle(e).fontSize)) >= 14);
      assert.equal(await sideways(page), 0);
    });

    test(`item 8, ${size.label}: the tabs stay at the top, the network table uncut${size.touch ? ", every control 44 px" : ""}`, async () => {
      await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
      await page.waitForFunction(() => window.scrollY > 300);
      const row = await page.locator("#tabs").boundingBox();
      assert.ok(Math.abs(row.y) <= 1, `the tab row at y = ${row.y} after scrolling ${await page.evaluate(() => window.scrollY)} px`);
      assert.deepEqual(await outOfView(page, ["#tab-filters", "#tab-shapes", "#tab-lab", "#tab-train"]), []);
      const table = await page.$eval("[data-testid=network-table]", (t) => {
        const scroller = t.closest(".table-scroll");
        const cells = [...t.querySelectorAll("td, th")].filter((c) => c.getClientRects().length > 0 && c.textContent.trim() !== "");
        return {
          scrolls: scroller.scrollWidth > scroller.clientWidth,
          cells: cells.length,
          cut: cells.filter((c) => {
            const r = c.getBoundingClientRect();
            return r.left < 0 || r.right > window.innerWidth || c.scrollWidth > c.clientWidth + 1;
          }).map((c) => c.textContent),
        };
      });
      assert.equal(table.scrolls, false, "the network table does not scroll sideways");
      assert.ok(table.cells >= 16 * 5, `${table.cells} cells with text`);
      assert.deepEqual(table.cut, []);
      if (size.touch) {
        for (const dir of ["forward", "backward"]) {
          await page.check(`input[name=stepper-dir][value=${dir}]`);
          assert.deepEqual(await smallTargets(page, "#panel-shapes button, #panel-shapes input, #panel-shapes select, #tabs [role=tab], header.site button"), [], dir);
        }
        await page.check("input[name=stepper-dir][value=forward]");
      }
      assert.equal(await sideways(page), 0);
    });

    test(`${size.label}: no console errors and no request to another host`, async () => {
      assert.deepEqual(session.log.errors, []);
      assert.deepEqual(foreignRequests(session.log.requests, session.url), []);
    });
  });
}
