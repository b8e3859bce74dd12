// The service worker of the static build (scripts/build-static.sh): after one visit, the page works
// offline. The build puts the precache list above this comment, `self.PRECACHE = { version, files }`
// (every file of the folder, relative to this one, and the hash of their contents); main.js
// registers this worker only in a build (its index.html carries the build's <meta>).
//
// - install: every listed file is fetched (revalidated, not from a stale HTTP cache) into the
//   cache `cnn-playground-VERSION`; a file that does not load fails the install, and the worker
//   before (if any) stays.
// - activate: the caches of other versions are deleted. skipWaiting + claim: a new build takes over
//   at the next load instead of waiting for every tab to close; a page open during the switch loads
//   its later modules from the new build, as it would from the host without a service worker.
// - fetch: cache first for the listed files (the cache holds exactly this build's), the network
//   for anything else. The folder's own address (e.g. /course/cnn/) is its index.html.
//
// Served from www/ by the dev server there is no list (main.js does not register it there either):
// a worker left behind by a build once served on the same origin is then replaced by this one,
// which intercepts nothing, deletes the caches and unregisters itself, so development never sees
// stale files.
"use strict";

const PREFIX = "cnn-playground-";
const PRECACHE = self.PRECACHE ?? null;
const BASE = new URL("./", self.location.href);
const CACHE = PRECACHE && `${PREFIX}${PRECACHE.version}`;
const INDEX = new URL("index.html", BASE).href;
const LISTED = new Set((PRECACHE?.files ?? []).map((f) => new URL(f, BASE).href));

self.addEventListener("install", (event) => {
  self.skipWaiting();
  if (!PRECACHE) return;
  event.waitUntil(caches.open(CACHE).then((cache) =>
    cache.addAll(PRECACHE.files.map((f) => new Request(new URL(f, BASE), { cache: "no-cache" })))));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
    }
    if (PRECACHE) await self.clients.claim();
    else await self.registration.unregister();
  })());
});

/** The cache key of a request, or null when the request is not for a listed file. */
function keyOf(request) {
  if (request.method !== "GET") return null;
  const url = new URL(request.url);
  if (request.mode === "navigate" && (url.pathname === BASE.pathname || url.href.split(/[?#]/)[0] === INDEX)) return INDEX;
  url.hash = "";
  // The workers' scripts are asked for with the page's language (`worker.js?lang=ko`): the same file.
  url.searchParams.delete("lang");
  return LISTED.has(url.href) ? url.href : null;
}

self.addEventListener("fetch", (event) => {
  const key = PRECACHE && keyOf(event.request);
  if (!key) return;
  event.respondWith((async () => {
    const hit = await (await caches.open(CACHE)).match(key);
    return hit ?? fetch(event.request);
  })());
});
