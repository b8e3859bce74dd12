// What a worker does when the engine's wasm instance traps (a Rust panic aborts as `unreachable`):
// the instance's state can no longer be trusted, so the page replaces the worker, and the student
// reads a plain sentence instead of the trap's or the bindings' own words. The panic's message and
// location still go to the console (console_error_panic_hook). Shared by the Train and Lab workers.

import { t } from "./i18n/i18n.js";
import worker from "./i18n/worker.js";

/** The message a student reads after a trap, in English (the tests' language); the page shows
 * it in its own language (trapMessage). */
export const TRAP_MESSAGE = worker.en.trap;

/**
 * The message after a trap of the page's own instance (main thread), which only a reload replaces.
 * The settings are in the address bar, so a reload keeps them.
 */
export const PAGE_TRAP_MESSAGE = worker.en["page-trap"];

/** TRAP_MESSAGE in the page's (or the worker's) language. */
export const trapMessage = () => t("worker.trap");

/** PAGE_TRAP_MESSAGE in the page's language. */
export const pageTrapMessage = () => t("worker.page-trap");

/**
 * Errors the wasm-bindgen glue throws only when a trap left an object in use (e.g. a trap inside
 * `new Trainer(…, images, …)` leaves `images` borrowed, and freeing it afterwards throws the first).
 */
const BINDING_ERRORS = [
  "attempted to take ownership of Rust value while it was borrowed",
  "recursive use of an object detected which would lead to unsafe aliasing in rust",
  "null pointer passed to rust",
];

/** Whether `e` means the engine's instance is broken: a trap, or a binding error that follows one. */
export function isTrap(e) {
  if (e instanceof WebAssembly.RuntimeError) return true;
  const message = e instanceof Error ? e.message : String(e);
  return BINDING_ERRORS.some((m) => message.includes(m));
}

/** `{ message, fatal }` for error `e`: an engine error keeps its message, a trap reads TRAP_MESSAGE. */
export function describeError(e) {
  if (isTrap(e)) return { message: trapMessage(), fatal: true };
  return { message: e instanceof Error ? e.message : String(e), fatal: false };
}
