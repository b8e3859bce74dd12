// A tiny static server for www/: no dependencies, 127.0.0.1 only, `.wasm` as application/wasm.
// Usage: node scripts/server.mjs [--port N] [--root DIR]   (port 0 picks a free one)
// It prints "Serving <root> on http://127.0.0.1:<port>/" once listening; the browser tests read that line.
//
// It answers every request and never lets one take it down: a malformed URL is a 400, a path that
// escapes the root a 403, a method other than GET or HEAD a 405 (tests/js/server.test.mjs).
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".bin": "application/octet-stream",
};

/** Sent with every answer: the browser must not guess a type other than the one given. */
const COMMON = { "X-Content-Type-Options": "nosniff" };

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(option("root", join(here, "..", "www")));
const port = Number(option("port", process.env.PORT ?? 8080));

/** A short plain-text answer (errors). */
function plain(res, status, text, headers = {}) {
  res.writeHead(status, { ...COMMON, "Content-Type": "text/plain; charset=utf-8", ...headers }).end(text);
}

/** The file under `root` that `url` names, or { status, text } when it names none it may serve. */
function fileFor(url) {
  let path;
  try {
    path = decodeURIComponent(new URL(url, "http://127.0.0.1").pathname);
  } catch {
    return { status: 400, text: "bad request: the address is not valid percent-encoding" };
  }
  if (path.includes("\0")) return { status: 400, text: "bad request: the address holds a NUL byte" };
  const file = normalize(join(root, path));
  // Refuse anything that escapes the root (e.g. /../Cargo.toml, /%2e%2e/Cargo.toml).
  if (file !== root && !file.startsWith(root + sep)) return { status: 403, text: "forbidden" };
  return { file };
}

async function handle(req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    plain(res, 405, "method not allowed: this server only reads files (GET, HEAD)", { Allow: "GET, HEAD" });
    return;
  }
  const found = fileFor(req.url);
  if (!found.file) {
    plain(res, found.status, found.text);
    return;
  }
  let file = found.file;
  let body;
  try {
    if ((await stat(file)).isDirectory()) file = join(file, "index.html");
    body = await readFile(file);
  } catch {
    plain(res, 404, "not found");
    return;
  }
  res.writeHead(200, {
    ...COMMON,
    "Content-Type": TYPES[extname(file)] ?? "application/octet-stream",
    "Cache-Control": "no-cache",
    // Cross-origin isolation: it gives the workers precise timers (performance.now), which the
    // Lab's naive-vs-fast timings and the training loop's chunks of ~80 ms rely on.
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
  });
  res.end(req.method === "HEAD" ? undefined : body);
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => {
    // Nothing above should throw; if something does, this request fails, not the server.
    if (!res.headersSent) plain(res, 500, "internal error");
    else res.destroy();
  });
});
// A request Node cannot parse (e.g. headers over its size limit) gets its status and a closed socket.
server.on("clientError", (err, socket) => {
  if (!socket.writable) return;
  const status = err.code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
});

server.listen(port, "127.0.0.1", () => {
  console.log(`Serving ${root} on http://127.0.0.1:${server.address().port}/`);
});
