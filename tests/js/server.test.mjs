// scripts/server.mjs answers every request, whatever its address or method, and keeps serving:
// malformed percent-encoding, paths that try to leave www/, NUL bytes, very long addresses and
// methods other than GET and HEAD each get a status, and a normal GET works after each of them.

import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { connect } from "node:net";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../../scripts/server.mjs", import.meta.url));
let child;
let port;

before(async () => {
  child = spawn(process.execPath, [SERVER, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  port = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve(Number(m[1]));
    });
    child.on("exit", (code) => reject(new Error(`the server exited (${code}): ${out}`)));
  });
});

after(() => child.kill());

/**
 * Sends `method target` byte for byte (no client library normalises it) and resolves to the
 * status code, the headers (lower-case names) and the body of the answer.
 */
function raw(method, target) {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks = [];
    socket.on("data", (c) => chunks.push(c));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const [head, ...rest] = text.split("\r\n\r\n");
      const [status, ...lines] = head.split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => {
        const i = l.indexOf(":");
        return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()];
      }));
      resolve({ status: Number(status.split(" ")[1]), headers, body: rest.join("\r\n\r\n") });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`, "latin1");
  });
}

/** The page itself, which must still be served after every odd request. */
async function stillServes() {
  const r = await raw("GET", "/");
  assert.equal(r.status, 200);
  assert.match(r.body, /<!doctype html>/i);
}

const CASES = [
  // Malformed percent-encoding
  ["GET", "/%E0%A4%A", 400],
  ["GET", "/%", 400],
  ["GET", "/%zz/index.html", 400],
  // Paths that try to leave www/ (the URL parser resolves plain and %2e dots; an encoded slash is
  // only decoded afterwards, and the root check refuses what it yields)
  ["GET", "/../Cargo.toml", 404],
  ["GET", "/%2e%2e/Cargo.toml", 404],
  ["GET", "/..%2fCargo.toml", 403],
  ["GET", "/js/..%2f..%2fCargo.toml", 403],
  ["GET", "/%2e%2e%2f%2e%2e%2fCargo.toml", 403],
  ["GET", "/..%5c..%5cCargo.toml", 404],
  // Absolute paths stay inside www/
  ["GET", "/etc/passwd", 404],
  ["GET", "//etc/passwd", 404],
  ["GET", "/%2fetc%2fpasswd", 404],
  ["GET", "http://127.0.0.1/../Cargo.toml", 404],
  // NUL bytes
  ["GET", "/index.html%00.png", 400],
  ["GET", "/%00", 400],
  // Long addresses: under Node's header limit a 404, over it a 431
  ["GET", `/${"a".repeat(8000)}`, 404],
  ["GET", `/${"a".repeat(100_000)}`, 431],
  // Methods
  ["POST", "/index.html", 405],
  ["OPTIONS", "/", 405],
  ["PUT", "/index.html", 405],
  ["DELETE", "/index.html", 405],
];

for (const [method, target, status] of CASES) {
  const shown = target.length > 60 ? `${target.slice(0, 40)}… (${target.length} characters)` : target;
  test(`${method} ${shown} → ${status}, and the server still serves the page`, async () => {
    const r = await raw(method, target);
    assert.equal(r.status, status);
    if (status === 405) assert.equal(r.headers.allow, "GET, HEAD");
    if (status !== 431) assert.equal(r.headers["x-content-type-options"], "nosniff");
    assert.doesNotMatch(r.body, /\[package\]|root:/, "no file outside www/ is served");
    await stillServes();
  });
}

test("a HEAD request gets the headers of the file and no body", async () => {
  const r = await raw("HEAD", "/index.html");
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-type"], "text/html; charset=utf-8");
  assert.equal(r.body, "");
});

test("every file is served with its type, nosniff and the cross-origin isolation headers", async () => {
  const r = await raw("GET", "/js/state.js");
  assert.equal(r.status, 200);
  assert.equal(r.headers["content-type"], "text/javascript; charset=utf-8");
  assert.equal(r.headers["x-content-type-options"], "nosniff");
  assert.equal(r.headers["cross-origin-opener-policy"], "same-origin");
  assert.equal(r.headers["cross-origin-embedder-policy"], "require-corp");
});
