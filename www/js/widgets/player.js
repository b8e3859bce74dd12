// Play/pause that cannot double-run: every play() takes a new token and a tick runs only while
// its token is still the current one, so a second play(), a pause() or a reset() ends the old loop.

export class Player {
  /**
   * `tick()` advances one step and returns false when there is nothing left to play;
   * `onChange(playing)` is called whenever playing starts or stops. `timers` (setTimeout and
   * clearTimeout) can be replaced in tests.
   */
  constructor(tick, interval, onChange = () => {}, timers = globalThis) {
    this.tick = tick;
    this.interval = interval;
    this.onChange = onChange;
    this.timers = timers;
    this.token = 0;
    this.timer = null;
  }

  get playing() {
    return this.timer !== null;
  }

  play() {
    this.stop();
    const token = ++this.token;
    const step = () => {
      if (token !== this.token) return;
      if (this.tick()) {
        this.timer = this.timers.setTimeout(step, this.interval);
      } else {
        this.pause();
      }
    };
    this.timer = this.timers.setTimeout(step, this.interval);
    this.onChange(true);
  }

  pause() {
    const was = this.playing;
    this.stop();
    if (was) this.onChange(false);
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  stop() {
    this.token++;
    this.timers.clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * The speed `delta` places from `current` along `speeds` (slowest first), held at the ends:
 * nextSpeed(["0.5", "1", "2"], "1", +1) is "2"; from "2", +1 stays "2".
 */
export function nextSpeed(speeds, current, delta) {
  const i = speeds.indexOf(current);
  if (i < 0) throw new Error(`player.js: speed "${current}" is not one of ${speeds.join(", ")}`);
  return speeds[Math.min(speeds.length - 1, Math.max(0, i + delta))];
}

/** Milliseconds between steps at `speed` (a multiple, as text) of the pace of `base` ms per step. */
export function intervalAt(base, speed) {
  return Math.round(base / Number(speed));
}
