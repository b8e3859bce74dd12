// Offline use of the static build (scripts/build-static.sh, www/sw.js): registers the service
// worker that caches the page, both wasm modules and the digits file.
//
// Only in a build, whose index.html carries <meta name="cnn-playground-build">: served from www/ by
// the dev server, the page registers nothing, so every reload during development gets the files as
// they are on disk; a worker left on the origin by a build served there before is unregistered.
// The worker's address and scope are relative to this module, so the build works from any sub-path.

const BASE = new URL("../", import.meta.url);

/**
 * Registers (in a build) or removes (otherwise) the page's service worker. Never throws: without
 * it the page works as before, only not offline, so a refusal (e.g. a private window) goes to the
 * console as a warning.
 */
export async function registerOffline() {
  if (!("serviceWorker" in navigator)) return;
  const build = document.querySelector("meta[name=cnn-playground-build]")?.content;
  try {
    if (build) {
      await navigator.serviceWorker.register(new URL("sw.js", BASE), { scope: BASE.href });
    } else {
      await (await navigator.serviceWorker.getRegistration(BASE.href))?.unregister();
    }
  } catch (e) {
    console.warn(`Offline use is not available in this browser: ${e instanceof Error ? e.message : e}`);
  }
}
