import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import {
  createHookBus,
  type HookBus,
  type LoadPluginOptions,
  loadPlugins,
  NOTICE_CHANNELS,
  type NoticeEvent,
  type SessionEvent,
} from '@warp/hooks';
import { getOriginalDestination } from '@warp/original-dst';
import { createRelay, type Relay, type RelayTimeouts } from '@warp/relay';
import { createPrivacyFilter } from '@warp/store-sql';
import { type Logger, pino } from 'pino';
import { chooseIo } from './internal/choose-io';
import { DEFAULT_LISTEN, parseHostPort } from './listen-address';
import type { PluginEntry, WarpdConfig } from './warpd-config';
import { WarpdError } from './warpd-error';

/** A running daemon. */
export interface Daemon {
  relay: Relay;
  bus: HookBus;
  logger: Logger;
  /** Bound addresses, as `host:port`. */
  addresses: string[];
  /** Graceful stop: relay first (sessions finish until the grace period), then plugins flush. */
  stop(): Promise<void>;
}

/** Options of {@link startDaemon}. */
export interface StartDaemonOptions {
  /** Directory that relative plugin paths resolve against (the config file's). */
  configPath?: string;
  /** Where logs go (default stdout). */
  logDestination?: NodeJS.WritableStream;
}

const SECONDS: Record<keyof NonNullable<WarpdConfig['timeouts']>, keyof RelayTimeouts> = {
  connect: 'connectMs',
  greeting: 'greetingMs',
  command: 'commandMs',
  dataInit: 'dataInitMs',
  dataBlock: 'dataBlockMs',
  dataEnd: 'dataEndMs',
  clientIdle: 'clientIdleMs',
  tlsHandshake: 'tlsHandshakeMs',
};

function timeoutsOf(config: WarpdConfig): Partial<RelayTimeouts> {
  const timeouts: Partial<RelayTimeouts> = {};
  for (const [key, seconds] of Object.entries(config.timeouts ?? {})) {
    timeouts[SECONDS[key as keyof typeof SECONDS]] = (seconds as number) * 1000;
  }
  return timeouts;
}

/**
 * Plugins when the configuration has no `plugins` key: every event stored in
 * the embedded SQLite database `warp.sqlite` in the working directory
 * (`@warp/plugin-sqlite`). `"plugins": []` turns storage off.
 */
export const DEFAULT_PLUGINS: readonly PluginEntry[] = [
  { use: '@warp/plugin-sqlite', options: { path: 'warp.sqlite' } },
];

/**
 * How warpd finds plugin modules, for `run` and `check-config` alike: paths
 * relative to the configuration file, package names from warpd's own
 * dependencies (also for a worker thread, which needs the module's URL).
 */
export function pluginLoadOptions(configPath: string | undefined): LoadPluginOptions {
  return {
    baseDir: configPath ? dirname(configPath) : process.cwd(),
    importModule: (specifier) => import(specifier),
    resolveModule: (specifier) => import.meta.resolve(specifier),
  };
}

// The bus reports slow, failing and overflowing plugins on diagnostics
// channels; without this an operator would never see them.
function logNotices(logger: Logger): () => void {
  const subscriptions = Object.values(NOTICE_CHANNELS).map((notices) => {
    const onNotice = (notice: unknown) => logger.warn({ notice }, (notice as NoticeEvent).type);
    notices.subscribe(onNotice);
    return () => notices.unsubscribe(onNotice);
  });
  return () => {
    for (const unsubscribe of subscriptions) unsubscribe();
  };
}

// Events reach people through plugins; the log adds only sessions that
// ended in an error (and every event at debug level).
function logEvent(logger: Logger, event: SessionEvent): void {
  if (event.type === 'session.closed' && event.error) logger.warn({ event }, event.type);
  else logger.debug({ event }, event.type);
}

/**
 * Starts warpd from a validated configuration: plugins and hook bus, relay,
 * listeners. Destinations come from SO_ORIGINAL_DST (`@warp/original-dst`)
 * unless `fixedDestination` is set.
 */
export async function startDaemon(
  config: WarpdConfig,
  options: StartDaemonOptions = {},
): Promise<Daemon> {
  const nodeId = config.nodeId ?? hostname();
  // Applied once here, before the bus, so no plugin (file, Slack, stores) ever
  // sees more than the configured capture level; throws on a bad combination.
  const privacy = createPrivacyFilter(config.privacy);
  const logger = pino(
    {
      level: config.log?.level ?? 'info',
      base: { nodeId },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.logDestination ?? process.stdout,
  );
  const stopLoggingNotices = logNotices(logger);
  // Before the plugins: io native without its addon fails with nothing to undo.
  const io = chooseIo(config.io ?? 'auto', logger);
  const entries = config.plugins ?? DEFAULT_PLUGINS;
  const plugins = await loadPlugins(entries, pluginLoadOptions(options.configPath));
  const inWorkers = plugins.filter((_, i) => entries[i]?.worker).map((plugin) => plugin.name);
  const bus = createHookBus({ nodeId, plugins });
  await bus.init();
  const fixed = config.fixedDestination ? parseHostPort(config.fixedDestination) : undefined;
  const relay = createRelay({
    nodeId,
    resolveDestination: fixed
      ? () => ({ address: fixed.host, port: fixed.port })
      : (socket) => getOriginalDestination(socket),
    events: {
      emit: (event) => {
        const visible = privacy(event) as SessionEvent;
        bus.emit(visible);
        logEvent(logger, visible);
      },
      // What the plugins observe and the log shows: the relay builds nothing else.
      types: logger.isLevelEnabled('debug')
        ? undefined
        : new Set<SessionEvent['type']>([...bus.types, 'session.closed']),
    },
    egress: config.egress ?? [],
    selectEgress: bus.has('selectEgress') ? (context) => bus.selectEgress(context) : undefined,
    // Only when a plugin implements them: beforeRelay holds every message and
    // hides CHUNKING, which nobody should pay for without asking.
    beforeMail: bus.has('beforeMail') ? (context) => bus.beforeMail(context) : undefined,
    beforeRcpt: bus.has('beforeRcpt') ? (context) => bus.beforeRcpt(context) : undefined,
    beforeRelay: bus.has('beforeRelay') ? (context) => bus.beforeRelay(context) : undefined,
    tls: config.tls?.policy ?? 'opportunistic',
    tlsOptions: config.tls?.caFile ? { ca: readFileSync(config.tls.caFile) } : undefined,
    tlsBrokenTtlMs: (config.tls?.brokenTtlSeconds ?? 3600) * 1000,
    relayBdat: config.relayBdat ?? true,
    io: io.use,
    maxSessions: config.maxSessions ?? 1000,
    timeouts: timeoutsOf(config),
    // The relay keeps only what the privacy level shows: nothing at envelope.
    capture: {
      level: config.privacy?.capture ?? 'envelope',
      maxContentBytes: config.privacy?.maxContentBytes,
    },
  });
  const addresses: string[] = [];
  for (const listen of config.listen ?? [DEFAULT_LISTEN]) {
    const { host, port } = parseHostPort(listen);
    try {
      const bound = await relay.listen(port, host);
      addresses.push(
        bound.family === 'IPv6'
          ? `[${bound.address}]:${bound.port}`
          : `${bound.address}:${bound.port}`,
      );
    } catch (error) {
      await relay.close({ graceMs: 0 });
      await bus.close();
      stopLoggingNotices();
      throw new WarpdError(
        'WARP_ERR_WARPD_LISTEN_FAILED',
        `cannot listen on ${listen}: ${(error as Error).message}${(error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? '; is another warpd running?' : ''}`,
        error,
      );
    }
  }
  logger.info(
    {
      addresses,
      plugins: bus.plugins,
      pluginWorkers: inWorkers,
      tls: config.tls?.policy ?? 'opportunistic',
      io: io.name,
    },
    'warpd listening',
  );
  const graceMs = (config.shutdownGraceSeconds ?? 30) * 1000;
  return {
    relay,
    bus,
    logger,
    addresses,
    stop: async () => {
      logger.info({ sessions: relay.sessionCount, graceMs }, 'warpd stopping');
      await relay.close({ graceMs });
      await bus.close();
      stopLoggingNotices();
      logger.info('warpd stopped');
    },
  };
}

/** warpd's version, from its package.json. */
export function warpdVersion(): string {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
