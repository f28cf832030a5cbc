import { Worker } from 'node:worker_threads';
import type { EventType, WarpEvent } from './events';
import { API_VERSION } from './events';
import type { FromWorker, SerializedError, ToWorker } from './internal/plugin-worker-protocol';
import {
  HANDED_OVER,
  type HandedOver,
  REPORT_BATCH_FAILURE,
  type ReportBatchFailure,
} from './internal/stand-in';
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
  return new Worker(`import(${tsx}).then((tsx) => { tsx.register(); return import(${entry}); })`, {
    eval: true,
    workerData,
    execArgv,
  });
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

/** After a worker that could not be started, the next try waits this long. */
const RESTART_PAUSE_MS = 1_000;
/** Workers in a row that die while loading before what waits is given up. */
const LOAD_DEATHS = 3;

/** A request to the worker, kept until the worker answers it. */
interface Request {
  readonly message: ToWorker;
  /** Events it carries (0 for init and close). */
  readonly count: number;
  /** The `init` a restart puts first (the plugin's own `init` is not). */
  readonly restartInit: boolean;
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
 * slow notices apply; the bus's close waits for what the worker holds
 * ({@link HANDED_OVER}). A batch the worker's plugin throws on is reported
 * as that plugin's `plugin.failed`. A worker that dies is started again
 * (module loaded and `init` called anew) and gets every unanswered batch once
 * more, the one it died on included. Every death counts against the first
 * unanswered batch: a batch that two workers died on is reported and given
 * up, so a plugin that always dies cannot restart forever.
 */
class PluginWorker {
  readonly #spec: PluginWorkerSpec;
  #worker: Worker | undefined;
  /** The current worker has loaded its plugin: requests may be posted. */
  #ready = false;
  #context: PluginContext | undefined;
  #starting: { resolve(message: FromWorker): void; reject(error: Error): void } | undefined;
  #restarting = false;
  #restartNotBefore = 0;
  /** The current worker has answered a request since it started. */
  #progress = false;
  /** Restarted workers in a row that died while loading. */
  #loadDeaths = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  /** Every request not yet answered, in order; the first #posted went to the current worker. */
  #requests: Request[] = [];
  #posted = 0;
  /** Events of #requests plus #pending. */
  #inFlight = 0;
  #pending: WarpEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #spaceWaiters: (() => void)[] = [];
  #settledWaiters: (() => void)[] = [];
  #closed = false;

  constructor(spec: PluginWorkerSpec) {
    this.#spec = spec;
  }

  /** Starts a worker; resolves with what the module's plugin declares. */
  async start(): Promise<Loaded> {
    const worker = spawn(this.#spec);
    this.#worker = worker;
    this.#ready = false;
    this.#progress = false;
    const loading = new Promise<FromWorker>((resolve, reject) => {
      this.#starting = { resolve, reject };
    });
    worker.on('message', (message: FromWorker) => {
      if (this.#worker === worker) this.#onMessage(message);
    });
    let failure: Error | undefined;
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      this.#ready = false;
      this.#posted = 0;
      const why = failure ? `: ${failure.message}` : ` (exit code ${code})`;
      const error = new WarpError(
        'WARP_ERR_HOOKS_WORKER_EXITED',
        `[warp] [hooks] the worker thread of plugin "${this.#spec.use}" ended${why}`,
        { cause: failure },
      );
      const starting = this.#starting;
      this.#starting = undefined;
      // Dead while loading: whoever started it decides (#restart's catch, or startPluginWorker).
      if (starting) starting.reject(error);
      else this.#died(error);
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

  /** Stops the worker without `close`: for a plugin that was never started, and after close. */
  async terminate(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#restartTimer);
    const worker = this.#worker;
    this.#worker = undefined;
    this.#starting?.reject(new Error(`plugin "${this.#spec.use}" closed while its worker started`));
    this.#starting = undefined;
    await worker?.terminate();
    this.#failAll(
      new WarpError(
        'WARP_ERR_HOOKS_WORKER_EXITED',
        `[warp] [hooks] the worker thread of plugin "${this.#spec.use}" was stopped with work left`,
      ),
    );
  }

  plugin(loaded: Loaded): Plugin {
    const handedOver: HandedOver = {
      busy: () => this.#pending.length > 0 || this.#requests.length > 0,
      held: () => this.#inFlight,
      settled: () => {
        this.#flush();
        if (this.#requests.length === 0) return Promise.resolve();
        return new Promise((resolve) => this.#settledWaiters.push(resolve));
      },
      abandon: () => {
        this.terminate().catch(() => {});
      },
    };
    return {
      name: loaded.name,
      apiVersion: API_VERSION,
      ...(loaded.events ? { events: loaded.events as readonly EventType[] } : {}),
      init: async (context) => {
        this.#context = context;
        if (this.#worker && !this.#starting) this.#ready = true;
        await this.#send({ type: 'init', nodeId: context.nodeId }, 0);
      },
      close: async () => {
        this.#flush();
        try {
          if (!this.#closed && (this.#worker || this.#requests.length > 0))
            await this.#send({ type: 'close' }, 0);
        } finally {
          await this.terminate();
        }
      },
      hooks: {
        onEvents: (events: readonly WarpEvent[]) => {
          // A notice after close (the bus's close reports on other plugins): nothing takes it.
          if (this.#closed) return undefined;
          for (const event of events) this.#pending.push(event);
          this.#inFlight += events.length;
          if (this.#pending.length >= POST_AT) this.#flush();
          else this.#timer ??= setTimeout(() => this.#flush(), LINGER_MS);
          if (this.#inFlight < MAX_IN_FLIGHT) return undefined;
          return new Promise<void>((resolve) => this.#spaceWaiters.push(resolve));
        },
      },
      [HANDED_OVER]: handedOver,
    } as Plugin;
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.length === 0) return;
    const events = this.#pending;
    this.#pending = [];
    this.#inFlight -= events.length; // #send counts them again
    // Failures of a batch are reported when they come (#onMessage, #died).
    this.#send({ type: 'events', events }, events.length).catch(() => {});
  }

  #send(message: ToWorker, count: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#closed) {
        reject(new Error(`plugin "${this.#spec.use}" is closed`));
        return;
      }
      this.#requests.push({ message, count, restartInit: false, retried: false, resolve, reject });
      this.#inFlight += count;
      this.#pump();
    });
  }

  /** Posts the requests the current worker has not seen yet (or starts a worker for them). */
  #pump(): void {
    const worker = this.#worker;
    if (!worker) {
      if (this.#requests.length > 0) this.#restart();
      return;
    }
    if (!this.#ready) return;
    while (this.#posted < this.#requests.length) {
      const request = this.#requests[this.#posted]!;
      try {
        worker.postMessage(request.message);
      } catch (error) {
        // Not cloneable: this request cannot go; the ones after it still can.
        this.#requests.splice(this.#posted, 1);
        this.#answered(request);
        this.#fail(request, error as Error);
        continue;
      }
      this.#posted++;
      // Held while a request is out (#onMessage lets go when none is).
      worker.ref();
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
        this.#progress = true;
        if (request.message.type === 'close') {
          // The worker ends by itself now: that is no failure to report.
          this.#closed = true;
          const worker = this.#worker;
          this.#worker = undefined;
          void worker?.terminate();
        }
        this.#answered(request);
        if (message.type === 'done') request.resolve();
        else this.#fail(request, revive(message.error));
        if (this.#requests.length === 0) this.#worker?.unref();
      }
    }
  }

  /** A request is answered or given up: its events no longer count, waiters may go on. */
  #answered(request: Request): void {
    this.#inFlight -= request.count;
    if (this.#inFlight < MAX_IN_FLIGHT / 2 && this.#spaceWaiters.length > 0) {
      for (const resolve of this.#spaceWaiters.splice(0)) resolve();
    }
    if (this.#requests.length === 0 && this.#settledWaiters.length > 0) {
      for (const resolve of this.#settledWaiters.splice(0)) resolve();
    }
  }

  /** A failed batch is reported as the plugin's own failure; init and close reject. */
  #fail(request: Request, error: Error): void {
    if (request.message.type !== 'events') {
      request.reject(error);
      return;
    }
    this.#reportBatch(error, request.message.events);
    request.resolve();
  }

  #reportBatch(error: Error, events: readonly WarpEvent[]): void {
    const report = (this.#context as { [REPORT_BATCH_FAILURE]?: ReportBatchFailure } | undefined)?.[
      REPORT_BATCH_FAILURE
    ];
    if (report) report(error, events[0]);
    else this.#context?.report(error);
  }

  /** The worker died (or a restart's worker could not be started): blame, then go on. */
  #died(error: Error): void {
    if (this.#closed) {
      this.#failAll(error);
      return;
    }
    this.#context?.report(error);
    // A worker that died before answering anything is not started again at once.
    if (!this.#progress) this.#restartNotBefore = performance.now() + RESTART_PAUSE_MS;
    // A restart's own init is not to blame: the first batch after it is.
    if (this.#requests[0]?.restartInit) this.#dropHead();
    const head = this.#requests[0];
    if (head && head.message.type !== 'events') {
      // The plugin's init or close: its caller hears of it.
      this.#dropHead();
      head.reject(error);
    } else if (head?.retried) {
      this.#dropHead();
      this.#fail(
        head,
        new WarpError(
          'WARP_ERR_HOOKS_WORKER_EXITED',
          `[warp] [hooks] the worker thread of plugin "${this.#spec.use}" ended twice on the same ${head.count} events; they are given up`,
          { cause: error },
        ),
      );
    } else if (head) head.retried = true;
    this.#pump();
  }

  /** Takes the first request out as given up (its events no longer count). */
  #dropHead(): void {
    const head = this.#requests.shift();
    if (head) this.#answered(head);
  }

  /** A new worker, initialised as the last one was, then the waiting requests. */
  #restart(): void {
    if (this.#worker || this.#closed || this.#restarting) return;
    const wait = this.#restartNotBefore - performance.now();
    if (wait > 0) {
      this.#restartTimer ??= setTimeout(() => {
        this.#restartTimer = undefined;
        this.#pump();
      }, wait);
      return;
    }
    this.#restarting = true;
    this.start()
      .then(() => {
        this.#restarting = false;
        this.#loadDeaths = 0;
        const context = this.#context;
        if (context && this.#requests[0]?.message.type !== 'init') {
          // Before anything that waits: the plugin is initialised first.
          this.#requests.unshift({
            message: { type: 'init', nodeId: context.nodeId },
            count: 0,
            restartInit: true,
            retried: false,
            resolve: () => {},
            reject: (error) => this.#context?.report(error),
          });
        }
        this.#ready = true;
        this.#pump();
      })
      .catch((error: Error) => {
        this.#restarting = false;
        this.#restartNotBefore = performance.now() + RESTART_PAUSE_MS;
        if (this.#closed) {
          this.#failAll(error);
          return;
        }
        this.#context?.report(error);
        const died = (error as WarpError).code === 'WARP_ERR_HOOKS_WORKER_EXITED';
        // Dying while loading is no batch's doing: tried again, a few times.
        if (died && ++this.#loadDeaths < LOAD_DEATHS) this.#pump();
        else {
          // The module no longer loads: what waits is given up, and said.
          this.#loadDeaths = 0;
          this.#failAll(error);
        }
      });
  }

  /** No worker will take these: events are reported given up, init and close fail. */
  #failAll(error: Error): void {
    this.#posted = 0;
    for (const request of this.#requests.splice(0)) {
      this.#answered(request);
      this.#fail(request, error);
    }
    const pending = this.#pending;
    this.#pending = [];
    this.#inFlight -= pending.length;
    if (pending.length > 0) this.#reportBatch(error, pending);
    for (const resolve of this.#settledWaiters.splice(0)) resolve();
    for (const resolve of this.#spaceWaiters.splice(0)) resolve();
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
