import { Worker } from 'node:worker_threads';
import type { EventType, WarpEvent } from './events';
import { API_VERSION } from './events';
import { REPORT_BATCH_FAILURE, type ReportBatchFailure } from './internal/batch-failure';
import type { FromWorker, SerializedError, ToWorker } from './internal/plugin-worker-protocol';
import { loadFailed } from './load-plugin';
import type { Plugin, PluginContext } from './plugin';
import { WarpError } from './warp-error';

/** What {@link startPluginWorker} needs: the entry's `use`, its module URL and options. */
export interface PluginWorkerSpec {
  readonly use: string;
  readonly moduleUrl: string;
  readonly options: unknown;
}

/**
 * The worker's entry: next to the bundle that holds this code (`dist/`), or
 * the TypeScript source when running from source (tests), through tsx.
 */
function spawn(spec: PluginWorkerSpec): Worker {
  const here = import.meta.url;
  const workerData = { moduleUrl: spec.moduleUrl, options: spec.options, use: spec.use };
  // The host's flags, less the one a worker refuses (a host started with `-e`).
  const execArgv = process.execArgv.filter((flag) => !flag.startsWith('--input-type'));
  if (!here.endsWith('.ts'))
    return new Worker(new URL('./plugin-worker.js', here), { workerData, execArgv });
  const entry = JSON.stringify(new URL('./internal/plugin-worker.ts', here).href);
  // Resolved here: an eval'd worker resolves bare names from the working directory.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return new Worker(
    `import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); })`,
    { eval: true, workerData, execArgv },
  );
}

function revive(error: SerializedError): Error {
  return Object.assign(new Error(error.message), { name: error.name, code: error.code });
}

type Loaded = Extract<FromWorker, { type: 'loaded' }>;

/**
 * Events wait in the relay's thread at most this long before they cross to
 * the worker together: each `postMessage` wakes the worker and its answer
 * wakes the relay's thread, which cost more than cloning a few dozen events.
 */
const LINGER_MS = 20;
/** Or they cross as soon as this many wait. */
const POST_AT = 1024;
/**
 * Events handed to the worker and not yet handled, above which `onEvents`
 * waits: the bus's queue (and its drop counting) then takes over.
 */
const MAX_IN_FLIGHT = 16_384;

/** A request to the worker, kept until the worker answers it. */
interface Request {
  readonly message: ToWorker;
  /** Events it carries (0 for init and close). */
  readonly count: number;
  /** Already handed to a worker that died on it. */
  retried: boolean;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * One plugin in its own worker thread, seen by the bus as an ordinary
 * observer. `onEvents` takes a batch at once: events gather for up to
 * {@link LINGER_MS} and cross to the worker in one message, and the worker
 * handles messages one at a time, in order. Above {@link MAX_IN_FLIGHT}
 * unhandled events `onEvents` waits, so the bus's queue, drop counting and
 * slow notices apply. A batch the worker's plugin throws on is reported as
 * that plugin's `plugin.failed`. A worker that dies is started again (module
 * loaded and `init` called anew) and gets every unanswered batch once more,
 * the one it died on included; a batch that kills two workers is reported
 * and given up.
 */
class PluginWorker {
  readonly #spec: PluginWorkerSpec;
  #worker: Worker | undefined;
  /** The worker is loaded and initialised: requests may be posted. */
  #ready = false;
  #context: PluginContext | undefined;
  #starting: { resolve(message: FromWorker): void; reject(error: Error): void } | undefined;
  /** Every request not yet answered, in order; the first #posted went to the current worker. */
  #requests: Request[] = [];
  #posted = 0;
  /** Events of #requests plus #pending. */
  #inFlight = 0;
  #pending: WarpEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #spaceWaiters: (() => void)[] = [];
  #closed = false;

  constructor(spec: PluginWorkerSpec) {
    this.#spec = spec;
  }

  /** Starts a worker; resolves with what the module's plugin declares. */
  async start(): Promise<Loaded> {
    const worker = spawn(this.#spec);
    this.#worker = worker;
    const loading = new Promise<FromWorker>((resolve, reject) => {
      this.#starting = { resolve, reject };
    });
    worker.on('message', (message: FromWorker) => this.#onMessage(message));
    let failure: Error | undefined;
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#ready = false;
      const why = failure ? `: ${failure.message}` : ` (exit code ${code})`;
      this.#onExit(
        new WarpError(
          'WARP_ERR_HOOKS_WORKER_EXITED',
          `[warp] [hooks] the worker thread of plugin "${this.#spec.use}" ended${why}`,
          { cause: failure },
        ),
      );
    });
    const loaded = await loading;
    // An idle worker does not keep the process alive (`warpd check-config`
    // loads plugins and exits); #pump holds it while a request is out.
    worker.unref();
    if (loaded.type === 'loaded') return loaded;
    this.#worker = undefined;
    await worker.terminate();
    if (loaded.type === 'load-failed') throw revive(loaded.error);
    throw loadFailed(this.#spec.use, `worker answered ${loaded.type} while loading`);
  }

  /** Stops the worker without `close`: for a plugin that was never started. */
  async terminate(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = undefined;
    await worker?.terminate();
  }

  plugin(loaded: Loaded): Plugin {
    return {
      name: loaded.name,
      apiVersion: API_VERSION,
      ...(loaded.events ? { events: loaded.events as readonly EventType[] } : {}),
      init: async (context) => {
        this.#context = context;
        this.#ready = true;
        await this.#send({ type: 'init', nodeId: context.nodeId }, 0);
      },
      close: async () => {
        this.#flush();
        try {
          if (this.#worker || this.#requests.length > 0) await this.#send({ type: 'close' }, 0);
        } finally {
          await this.terminate();
        }
      },
      hooks: {
        onEvents: (events: readonly WarpEvent[]) => {
          for (const event of events) this.#pending.push(event);
          this.#inFlight += events.length;
          if (this.#pending.length >= POST_AT) this.#flush();
          else this.#timer ??= setTimeout(() => this.#flush(), LINGER_MS);
          if (this.#inFlight < MAX_IN_FLIGHT) return undefined;
          return new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
        },
      },
    };
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const events = this.#pending;
    this.#pending = [];
    this.#inFlight -= events.length; // #send counts them again
    // Failures of a batch are reported when they come (#onMessage, #onExit).
    this.#send({ type: 'events', events }, events.length).catch(() => {});
  }

  #send(message: ToWorker, count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#requests.push({ message, count, retried: false, resolve, reject });
      this.#inFlight += count;
      this.#pump();
    });
  }

  /** Posts the requests the current worker has not seen yet. */
  #pump(): void {
    const worker = this.#worker;
    if (!worker) {
      if (!this.#closed && this.#requests.length > 0) this.#restart();
      return;
    }
    if (!this.#ready) return;
    if (this.#posted < this.#requests.length) worker.ref();
    while (this.#posted < this.#requests.length) {
      worker.postMessage(this.#requests[this.#posted++]!.message);
    }
  }

  #onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'report':
        this.#context?.report(revive(message.error));
        return;
      case 'loaded':
      case 'load-failed': {
        const starting = this.#starting;
        this.#starting = undefined;
        starting?.resolve(message);
        return;
      }
      case 'done':
      case 'failed': {
        const request = this.#requests.shift();
        if (!request) return;
        this.#posted--;
        this.#answered(request);
        if (message.type === 'done') request.resolve();
        else if (request.message.type === 'events') {
          this.#reportBatch(revive(message.error), request.message.events);
          request.resolve();
        } else request.reject(revive(message.error));
        if (this.#requests.length === 0) this.#worker?.unref();
      }
    }
  }

  #answered(request: Request): void {
    this.#inFlight -= request.count;
    if (this.#inFlight >= MAX_IN_FLIGHT / 2 || this.#spaceWaiters.length === 0) return;
    for (const resolve of this.#spaceWaiters.splice(0)) resolve();
  }

  #reportBatch(error: Error, events: readonly WarpEvent[]): void {
    const report = (this.#context as { [REPORT_BATCH_FAILURE]?: ReportBatchFailure } | undefined)?.[
      REPORT_BATCH_FAILURE
    ];
    if (report) report(error, events[0]);
    else this.#context?.report(error);
  }

  /** The worker died: its unanswered requests go to a new one (a batch at most twice). */
  #onExit(error: WarpError): void {
    const starting = this.#starting;
    this.#starting = undefined;
    starting?.reject(error);
    this.#posted = 0;
    if (this.#closed) {
      this.#failAll(error);
      return;
    }
    this.#context?.report(error);
    const head = this.#requests[0];
    if (head && head.message.type !== 'events') {
      // init or close: the caller hears of it (as when the worker dies loading).
      this.#requests.shift();
      this.#answered(head);
      head.reject(error);
    } else if (head?.retried) {
      this.#requests.shift();
      this.#answered(head);
      this.#reportBatch(
        new WarpError(
          'WARP_ERR_HOOKS_WORKER_EXITED',
          `[warp] [hooks] the worker thread of plugin "${this.#spec.use}" ended twice on the same ${head.count} events; they are given up`,
          { cause: error },
        ),
        head.message.type === 'events' ? head.message.events : [],
      );
      head.resolve();
    } else if (head) head.retried = true;
    if (this.#requests.length > 0) this.#restart();
  }

  /** A new worker, initialised as the last one was, then the waiting requests. */
  #restart(): void {
    if (this.#worker || this.#closed) return;
    this.start()
      .then(() => {
        const context = this.#context;
        if (context && this.#requests[0]?.message.type !== 'init') {
          // Before anything that waits: the plugin is initialised first.
          this.#requests.unshift({
            message: { type: 'init', nodeId: context.nodeId },
            count: 0,
            retried: true,
            resolve: () => {},
            reject: (error) => this.#context?.report(error),
          });
        }
        this.#ready = true;
        this.#pump();
      })
      .catch((error: Error) => {
        this.#context?.report(error);
        this.#failAll(error);
      });
  }

  /** No worker will take these: events are reported given up, init and close fail. */
  #failAll(error: Error): void {
    for (const request of this.#requests.splice(0)) {
      this.#answered(request);
      if (request.message.type === 'events') {
        this.#reportBatch(error, request.message.events);
        request.resolve();
      } else request.reject(error);
    }
  }
}

/**
 * Loads a plugin module in a worker thread and returns the plugin the bus
 * registers in its place (see {@link PluginSpec.worker}).
 *
 * @throws WarpError `WARP_ERR_HOOKS_LOAD_FAILED` when the module cannot be
 * loaded there or its plugin has deciders (they answer on the relay's path).
 */
export async function startPluginWorker(spec: PluginWorkerSpec): Promise<Plugin> {
  const worker = new PluginWorker(spec);
  const loaded = await worker.start();
  if (loaded.deciders.length > 0) {
    await worker.terminate();
    throw loadFailed(
      spec.use,
      `implements ${loaded.deciders.join(', ')}, which answer on the relay's path and cannot run in a worker; remove "worker": true`,
    );
  }
  return worker.plugin(loaded);
}
