// The page's side of the Lab worker: runs one job at a time and can always stop it. It speaks the
// page's worker protocol (../worker-protocol.js): a job is one request, its progress messages move
// the bar, and Cancel asks the worker first (it stops between two steps); if it has not answered
// within CANCEL_GRACE_MS, the worker is terminated and a fresh one started, so a Cancel always
// works. A trap replaces the worker too, and the job ends with the plain message.

import { ERROR_KIND, WorkerClient } from "../worker-protocol.js";
import { CANCEL_GRACE_MS } from "./config.js";
import { language, t } from "../i18n/i18n.js";

/** The worker, told the page's language so that the engine's messages match the page. */
const workerUrl = () => new URL(`./worker.js?lang=${language()}`, import.meta.url);

export class LabClient {
  /**
   * `onBusy(kind | null)` is called when a job starts (with its kind) and when it ends.
   * `createWorker` makes the worker (tests pass a fake one).
   */
  constructor(onBusy = () => {}, { createWorker = () => new Worker(workerUrl(), { type: "module" }) } = {}) {
    this.onBusy = onBusy;
    this.worker = new WorkerClient({ createWorker, name: t("worker.lab-name") });
    /** The running job's request (a promise with its `id`), or null. */
    this.job = null;
  }

  get busy() {
    return this.job !== null;
  }

  /**
   * Runs job `kind` with `settings`; `onProgress(done, total, label)` while it runs. Resolves to
   * `{ value }`, `{ error }` (the engine's message) or `{ cancelled: true }`. Refuses (resolves
   * to an error) while another job runs.
   */
  async run(kind, settings, onProgress = () => {}) {
    if (this.job) return { error: t("lab.busy") };
    const job = this.worker.request(kind, { settings }, { onProgress: (m) => onProgress(m.done, m.total, m.label) });
    this.job = job;
    this.onBusy(kind);
    try {
      return { value: await job };
    } catch (e) {
      return e.kind === ERROR_KIND.cancelled ? { cancelled: true } : { error: e.message };
    } finally {
      this.job = null;
      this.onBusy(null);
    }
  }

  /** Stops the running job, if any (see the top of this file). */
  cancel() {
    if (this.job) this.worker.cancel(this.job.id, CANCEL_GRACE_MS);
  }
}
