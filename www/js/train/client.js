// The page's side of the training worker: the page's worker protocol (../worker-protocol.js) with
// the Train worker's script. Each request becomes a promise of its reply; a run's progress goes to
// the `onProgress` of its "start" request. After a trap, or a worker that failed outright, every
// request still waiting is rejected (kind "engine-restarted"), `onRestart(message)` hears it, and
// the next request goes to a fresh worker, which has no trainer until it is configured again.
// No maths and no DOM here.

import { WorkerClient } from "../worker-protocol.js";
import { language, t } from "../i18n/i18n.js";

/** The worker, told the page's language so that the engine's messages match the page. */
const workerUrl = () => new URL(`./worker.js?lang=${language()}`, import.meta.url);

/** The Train worker's client; `createWorker` makes the worker (tests pass a fake one). */
export function trainerClient(onRestart, { createWorker = () => new Worker(workerUrl(), { type: "module" }) } = {}) {
  return new WorkerClient({ createWorker, name: t("worker.training-name"), onRestart });
}
