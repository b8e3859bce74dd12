// Loads the engine (the wasm module built into www/pkg/) and turns its thrown errors into values.

import init, * as wasm from "../pkg/cnn_playground.js";
import { isTrap, pageTrapMessage } from "./engine-trap.js";
import { language } from "./i18n/i18n.js";

/**
 * Instantiates the module once and returns its exports, plus `memory` (the wasm memory, for
 * reading pictures through typed-array views without copying them out first).
 */
export async function loadEngine() {
  const instance = await init();
  wasm.setLanguage(language());
  return { ...wasm, memory: instance.memory };
}

/**
 * Runs `f` and returns `{ value }`, or `{ error }` with the engine's message if it threw.
 * The engine reports invalid settings by throwing; the page shows those messages, it does not crash.
 * A trap (a panic) is not the engine's message: it reads as PAGE_TRAP_MESSAGE (pageTrapMessage) instead.
 */
export function attempt(f) {
  try {
    return { value: f() };
  } catch (e) {
    if (isTrap(e)) return { error: pageTrapMessage() };
    return { error: e instanceof Error ? e.message : String(e) };
  }
}
