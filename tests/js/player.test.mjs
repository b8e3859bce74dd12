// Play/pause (www/js/widgets/player.js) on a hand-driven clock: a second play() or a pause()
// ends the running loop, so the stepper can never advance twice per tick.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Player } from "../../www/js/widgets/player.js";

/** setTimeout/clearTimeout on a clock that only moves when the test calls tick(ms). */
function manualClock() {
  let now = 0;
  let next = 1;
  const pending = new Map();
  return {
    setTimeout(f, ms) {
      pending.set(next, { at: now + ms, f });
      return next++;
    },
    clearTimeout(id) {
      pending.delete(id);
    },
    tick(ms) {
      const end = now + ms;
      for (;;) {
        const due = [...pending.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at || a[0] - b[0]);
        if (!due.length) break;
        const [id, t] = due[0];
        pending.delete(id);
        now = t.at;
        t.f();
      }
      now = end;
    },
  };
}

let clock;

function counter(limit = Infinity) {
  clock = manualClock();
  const c = { ticks: 0, changes: [] };
  c.player = new Player(() => ++c.ticks < limit, 100, (on) => c.changes.push(on), clock);
  return c;
}

test("play ticks once per interval until paused", () => {
  const c = counter();
  c.player.play();
  clock.tick(350);
  assert.equal(c.ticks, 3);
  c.player.pause();
  clock.tick(1000);
  assert.equal(c.ticks, 3);
  assert.deepEqual(c.changes, [true, false]);
  assert.equal(c.player.playing, false);
});

test("pressing play twice does not run two loops", () => {
  const c = counter();
  c.player.play();
  clock.tick(50);
  c.player.play();
  c.player.play();
  clock.tick(1000);
  assert.equal(c.ticks, 10, "one tick per 100 ms, not two or three");
});

test("a loop stops by itself when the tick says there is nothing left", () => {
  const c = counter(4);
  c.player.play();
  clock.tick(1000);
  assert.equal(c.ticks, 4);
  assert.equal(c.player.playing, false);
  assert.deepEqual(c.changes, [true, false]);
});

test("toggle alternates, and pause when stopped reports nothing", () => {
  const c = counter();
  c.player.pause();
  c.player.toggle();
  c.player.toggle();
  assert.deepEqual(c.changes, [true, false]);
});
