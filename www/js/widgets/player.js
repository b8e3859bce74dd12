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
