// Timing helpers: a warm-up by wall time, then timed repetitions within a budget.

/**
 * Runs `fn` until `warmMs` have passed and it ran at least `warmMin` times (V8 runs a new wasm
 * module's functions unoptimised at first, and JIT tiers up JavaScript the same way), then times
 * up to `iters` calls, stopping early once `budgetMs` are spent (but not before `minIters`).
 * Returns the per-call milliseconds.
 */
export function measure(fn, { warmMs = 2000, warmMin = 1, iters = 30, minIters = 3, budgetMs = 8000 } = {}) {
  let t0 = performance.now();
  for (let i = 0; i < warmMin || performance.now() - t0 < warmMs; i++) fn();
  const ms = [];
  t0 = performance.now();
  while (ms.length < iters && (ms.length < minIters || performance.now() - t0 < budgetMs)) {
    const t = performance.now();
    fn();
    ms.push(performance.now() - t);
  }
  return ms;
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function summary(ms) {
  return { median: median(ms), min: Math.min(...ms), n: ms.length, samples: ms };
}
