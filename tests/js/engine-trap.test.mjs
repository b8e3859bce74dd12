// What the page does when the engine traps: ../../www/js/engine-trap.js. How a client replaces a
// worker that trapped is tested with the worker protocol, in worker-protocol.test.mjs.

import assert from "node:assert/strict";
import { test } from "node:test";
import { describeError, isTrap, TRAP_MESSAGE } from "../../www/js/engine-trap.js";

/** A real trap of a wasm instance: a function whose body is `unreachable`. */
function realTrap() {
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type: () -> ()
    0x03, 0x02, 0x01, 0x00, // one function of that type
    0x07, 0x05, 0x01, 0x01, 0x66, 0x00, 0x00, // export it as "f"
    0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, // body: unreachable, end
  ]);
  const { f } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("the module did not trap");
}

test("a trap or a binding error after one reads as the plain message; an engine error keeps its own", () => {
  const trap = realTrap();
  assert.ok(trap instanceof WebAssembly.RuntimeError);
  assert.deepEqual(describeError(trap), { message: TRAP_MESSAGE, fatal: true });
  const borrowed = new Error("attempted to take ownership of Rust value while it was borrowed");
  assert.deepEqual(describeError(borrowed), { message: TRAP_MESSAGE, fatal: true });
  assert.equal(isTrap(new Error("recursive use of an object detected which would lead to unsafe aliasing in rust")), true);
  const engine = new Error("the batch size must be at least 1, got 0");
  assert.deepEqual(describeError(engine), { message: engine.message, fatal: false });
  assert.deepEqual(describeError("plain text"), { message: "plain text", fatal: false });
  assert.doesNotMatch(TRAP_MESSAGE, /unreachable|RuntimeError|Rust value|borrowed|wasm/);
});
