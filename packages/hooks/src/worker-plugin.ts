import { Worker } from 'node:worker_threads';
import type { EventType, WarpEvent } from './events';
import { API_VERSION } from './events';
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
  return new Worker(
    `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); })`,
    { eval: true, workerData, execArgv },
  );
}

function revive(error: SerializedError): Error {
  return Object.assign(new Error(error.message), { name: error.name, code: error.code });
}

type Loaded = Extract<FromWorker, { type: 'loaded' }>;

/**
 * One plugin in its own worker thread, seen by the bus as an ordinary
 * observer: `onEvents` posts the batch and resolves when the worker has
 * handled it (so the bus's queue, batching, drop counting and slow notices
 * apply unchanged). A worker that dies is started again (module loaded and
 * `init` called anew) and the batch it was handling is handed over once
 * more; failures inside the worker arrive as the plugin's own reports.
 */
class PluginWorker {
  readonly #spec: PluginWorkerSpec;
  #worker: Worker | undefined;
  #context: PluginContext | undefined;
  #waiting: { resolve(message: FromWorker): void; reject(error: Error): void } | undefined;
  #closed = false;

  constructor(spec: PluginWorkerSpec) {
    this.#spec = spec;
  }

  /** Starts the worker; resolves with what the module's plugin declares. */
  async start(): Promise<Loaded> {
    const worker = spawn(this.#spec);
    this.#worker = worker;
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'report') this.#context?.report(revive(message.error));
      else this.#settle(message);
    });
    let failure: Error | undefined;
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#worker = undefined;
      const why = failure ? `: ${failure.message}` : ` (exit code ${code})`;
      this.#fail(
        new WarpError(
          'WARP_ERR_HOOKS_WORKER_EXITED',
          `[warp] [hooks] the worker thread of plugin "${this.#spec.use}" ended${why}`,
          { cause: failure },
        ),
      );
    });
    const loaded = await this.#next();
    // An idle worker does not keep the process alive (`warpd check-config`
    // loads plugins and exits); #call holds it while a request is out.
    worker.unref();
    if (loaded.type === 'loaded') return loaded;
    await worker.terminate();
    if (loaded.type === 'load-failed') throw revive(loaded.error);
    throw loadFailed(this.#spec.use, `worker answered ${loaded.type} while loading`);
  }

  /** Stops the worker without `close`: for a plugin that was never started. */
  async terminate(): Promise<void> {
    this.#closed = true;
    await this.#worker?.terminate();
  }

  plugin(loaded: Loaded): Plugin {
    return {
      name: loaded.name,
      apiVersion: API_VERSION,
      ...(loaded.events ? { events: loaded.events as readonly EventType[] } : {}),
      init: async (context) => {
        this.#context = context;
        await this.#call({ type: 'init', nodeId: context.nodeId });
      },
      close: async () => {
        this.#closed = true;
        if (!this.#worker) return;
        const worker = this.#worker;
        await this.#call({ type: 'close' });
        await worker.terminate();
      },
      hooks: {
        onEvents: async (events: readonly WarpEvent[]) => {
          try {
            await this.#deliver(events);
          } catch (error) {
            if ((error as WarpError).code !== 'WARP_ERR_HOOKS_WORKER_EXITED' || this.#closed)
              throw error;
            // The worker died on this batch: said, and a new one gets it once more.
            this.#context?.report(error);
            await this.#deliver(events);
          }
        },
      },
    };
  }

  async #deliver(events: readonly WarpEvent[]): Promise<void> {
    if (!this.#worker) {
      await this.start();
      if (this.#context) await this.#call({ type: 'init', nodeId: this.#context.nodeId });
    }
    await this.#call({ type: 'events', events });
  }

  /** Sends one request and waits for its answer (one at a time: the bus never overlaps them). */
  async #call(message: ToWorker): Promise<void> {
    const worker = this.#worker;
    if (!worker) throw new Error(`the worker of plugin "${this.#spec.use}" is not running`);
    const answer = this.#next();
    worker.ref();
    worker.postMessage(message);
    try {
      const reply = await answer;
      if (reply.type === 'failed') throw revive(reply.error);
    } finally {
      worker.unref();
    }
  }

  #next(): Promise<FromWorker> {
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  #settle(message: FromWorker): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.resolve(message);
  }

  #fail(error: Error): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.reject(error);
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
