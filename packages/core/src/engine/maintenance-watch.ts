import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { ensureDirectory } from '../ensure-directory.js';
import { isDeepStrictEqual } from 'node:util';
import { PassLoop } from '../async/pass-loop.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { nextExpiry, readMaintenance } from '../maintenance/index.js';
import type { MaintenanceEntry, MaintenanceState } from '../maintenance/index.js';

/** Events of one `lighthouse down` (temp file, rename) arrive together; answer within ~50 ms. */
const EVENT_WINDOW = { minMs: 10, maxMs: 50 };
/**
 * Re-read this often even without events: a watch can be lost (the directory replaced, an
 * inotify limit reached). Short enough that a missed event still takes effect within a second.
 */
const SAFETY_POLL_MS = 1_000;

/**
 * Follows the maintenance directory and hands the reporter its state after every change, and
 * when an entry lapses. `fs.watch` on the directory makes `lighthouse down` take effect in tens
 * of milliseconds; a 1 s re-read covers a lost watch; a timer at the next expiry makes an entry
 * lapse by itself, with no command. A corrupt or foreign file is reported (once per change of
 * the problem) and otherwise ignored: it never stops the reporter.
 */
export class MaintenanceWatch {
  private watcher: FSWatcher | undefined;
  /** One read at a time, gathering a burst of events; a failed read is retried with back-off. */
  private readonly reads: PassLoop;
  private poll: NodeJS.Timeout | undefined;
  private expiry: NodeJS.Timeout | undefined;
  private closed = false;
  private reported = new Map<string, string>();
  /** The state the reporter was last told. */
  private delivered: MaintenanceState | undefined;
  /** An entry's expiry passed since then: tell the reporter even if the files are the same. */
  private lapsed = false;
  /** The entries in force at the last read, by target, to log each change once. */
  private inForce = new Map<string, MaintenanceEntry>();
  private lastError: string | undefined;

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
    private readonly onState: (state: MaintenanceState) => void,
  ) {
    this.reads = new PassLoop({
      pass: () => this.read(),
      wait: EVENT_WINDOW,
      backoff: { initialMs: 250, maxMs: SAFETY_POLL_MS },
      onFailure: (error) => {
        const text = describeError(error);
        if (text !== this.lastError)
          this.logger.error('cannot read the maintenance directory; keeping the last state', {
            dir: this.dir,
            error: text,
          });
        this.lastError = text;
      },
    });
  }

  /** Creates the directory if it can, starts watching, and delivers the first state. */
  async start(): Promise<void> {
    await ensureDirectory(this.dir).catch((error: unknown) =>
      this.logger.warn('cannot create the maintenance directory; watching for it', {
        dir: this.dir,
        error: describeError(error),
      }),
    );
    this.rewatch();
    this.poll = setInterval(() => {
      this.rewatch();
      this.reads.request();
    }, SAFETY_POLL_MS);
    const first = this.reads.nextPass().catch(() => undefined); // failures are logged and retried
    this.reads.request();
    await first;
  }

  close(): void {
    this.closed = true;
    this.watcher?.close();
    void this.reads.stop();
    clearInterval(this.poll);
    clearTimeout(this.expiry);
  }

  /** (Re)arms the directory watch when there is none (not created yet, or lost). */
  private rewatch(): void {
    if (this.closed || this.watcher !== undefined) return;
    try {
      this.watcher = watch(this.dir, () => this.reads.request());
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined; // the directory does not exist yet: the poll tries again
    }
  }

  private async read(): Promise<void> {
    if (this.closed) return;
    const state = await readMaintenance(this.dir);
    this.lastError = undefined;
    this.report(state);
    this.logEntries(state);
    if (this.closed) return;
    // The 1 s re-read mostly finds nothing new: tell the reporter only about a change, or when
    // an entry lapsed (the files did not change, but what is in force did).
    if (this.lapsed || !isDeepStrictEqual(state, this.delivered)) {
      this.lapsed = false;
      this.delivered = state;
      this.onState(state);
    }
    this.scheduleExpiry(state);
  }

  /** Logs each problem file once per change of its problem, and when it is fixed. */
  private report(state: MaintenanceState): void {
    const now = new Map(state.issues.map((issue) => [issue.file, issue.problem]));
    for (const [file, problem] of now)
      if (this.reported.get(file) !== problem)
        this.logger.warn(`ignoring a maintenance file: ${problem}`, { file, dir: this.dir });
    this.reported = now;
  }

  /** Logs each entry that came into force, changed, was lifted or lapsed. */
  private logEntries(state: MaintenanceState): void {
    const now = Date.now();
    const next = new Map(
      state.entries
        .filter((entry) => entry.until === undefined || entry.until > now)
        .map((entry) => [`${entry.service}@${entry.port ?? '*'}`, entry]),
    );
    for (const [key, entry] of next) {
      if (isDeepStrictEqual(this.inForce.get(key), entry)) continue;
      this.logger.info(`maintenance: ${entry.mode}`, fieldsOf(entry));
    }
    for (const [key, entry] of this.inForce) {
      if (next.has(key)) continue;
      const lapsed = entry.until !== undefined && entry.until <= now;
      this.logger.info(lapsed ? 'maintenance lapsed' : 'maintenance lifted', fieldsOf(entry));
    }
    this.inForce = next;
  }

  /** Re-reads just after the next entry lapses, so the service comes back by itself. */
  private scheduleExpiry(state: MaintenanceState): void {
    clearTimeout(this.expiry);
    const next = nextExpiry(state.entries, Date.now());
    if (next === undefined || this.closed) return;
    // Timers cap at ~24.8 days; a later expiry is re-planned by the reads in between.
    const delay = Math.min(next - Date.now() + 5, 2 ** 31 - 1);
    this.expiry = setTimeout(
      () => {
        this.lapsed = true;
        this.reads.request();
      },
      Math.max(0, delay),
    );
  }
}

function fieldsOf(entry: MaintenanceEntry): Record<string, unknown> {
  return {
    service: entry.service,
    ...(entry.port === undefined ? {} : { port: entry.port }),
    reason: entry.reason,
    ...(entry.until === undefined ? {} : { until: new Date(entry.until).toISOString() }),
  };
}
