// The static build's second half (scripts/build-static.sh runs it after the wasm build):
//   node scripts/build-static.mjs OUT_DIR
// copies www/ (the page, its modules, both wasm modules, the digits file) into OUT_DIR and adds
// what offline use needs:
// - sw.js starts with the precache list, `self.PRECACHE = { version, files }`: every file of the
//   folder (relative paths) and a version, the hash of all their contents. A new build with any
//   file changed has another sw.js, so the browser installs it and it replaces the old cache.
// - index.html gets `<meta name="cnn-playground-build" content="VERSION">`; main.js registers the
//   service worker only when it sees it, so the page served from www/ by the dev server has none.
// Every URL the page uses is relative, so the folder works from any sub-path of any host.
import { createHash } from "node:crypto";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const WWW = join(ROOT, "www");
/** The first line of a built sw.js: how a previous build is recognised before it is replaced. */
const MANIFEST_START = "self.PRECACHE = ";
/** Written by the build, so not precached: the browser keeps the service worker itself. */
const NOT_PRECACHED = new Set(["sw.js"]);

function fail(message) {
  console.error(`error: ${message}`);
  process.exit(1);
}

/** Every file under `dir` (relative paths with "/", sorted), leaving out dot files. */
function filesUnder(dir, prefix = "") {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    if (name.startsWith(".")) continue;
    const path = join(dir, name);
    const rel = prefix ? `${prefix}/${name}` : name;
    if (statSync(path).isDirectory()) out.push(...filesUnder(path, rel));
    else out.push(rel);
  }
  return out;
}

const [outArg, ...extra] = process.argv.slice(2);
if (!outArg || extra.length) fail("usage: node scripts/build-static.mjs OUT_DIR");
const out = resolve(outArg);

// Never write into the sources or over the project, and never delete a folder this build did not make.
const inside = (a, b) => a === b || a.startsWith(b + sep);
if (inside(out, WWW) || inside(ROOT, out)) fail(`${out} is the project or part of www/: choose another folder (default dist/)`);
for (const pkg of ["pkg/cnn_playground.js", "pkg/cnn_playground_bg.wasm", "pkg-lab/cnn_playground.js", "pkg-lab/cnn_playground_bg.wasm"]) {
  if (!existsSync(join(WWW, pkg))) fail(`www/${pkg} is missing: run ./scripts/build-static.sh without --no-build (or ./scripts/build-wasm.sh)`);
}
if (existsSync(out)) {
  if (!statSync(out).isDirectory()) fail(`${out} is a file, not a folder`);
  const previous = join(out, "sw.js");
  const isBuild = existsSync(previous) && readFileSync(previous, "utf8").startsWith(MANIFEST_START);
  if (readdirSync(out).length > 0 && !isBuild) fail(`${out} is not empty and not a previous static build: choose another folder or empty it`);
  rmSync(out, { recursive: true, force: true });
}

cpSync(WWW, out, { recursive: true, filter: (src) => !relative(WWW, src).split(sep).some((part) => part.startsWith(".")) });

const files = filesUnder(out).filter((f) => !NOT_PRECACHED.has(f));
const hash = createHash("sha256");
for (const f of files) hash.update(`${f}\0`).update(createHash("sha256").update(readFileSync(join(out, f))).digest()).update("\0");
hash.update(readFileSync(join(out, "sw.js")));
const version = hash.digest("hex").slice(0, 16);

const indexPath = join(out, "index.html");
const index = readFileSync(indexPath, "utf8");
const csp = /<meta http-equiv="Content-Security-Policy"[^>]*>\n/;
if (!csp.test(index)) fail("www/index.html has no Content-Security-Policy <meta> line to put the build's <meta> after");
writeFileSync(indexPath, index.replace(csp, (line) => `${line}  <meta name="cnn-playground-build" content="${version}">\n`));

const swPath = join(out, "sw.js");
writeFileSync(swPath, `${MANIFEST_START}${JSON.stringify({ version, files })};\n${readFileSync(swPath, "utf8")}`);

const bytes = files.reduce((sum, f) => sum + statSync(join(out, f)).size, 0);
console.log(`Wrote ${out}: ${files.length} files (${(bytes / 1e6).toFixed(1)} MB) precached by sw.js, version ${version}.`);
console.log("Upload the folder as it is; any static host serves it, from any sub-path.");
