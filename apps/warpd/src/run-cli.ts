import { parseArgs } from 'node:util';
import { isWarpError } from '@warp/hooks';
// Static, as in run-daemon: a dynamic import of the package would make the
// bundle keep (and initialise) all of @warp/store-sql and kysely, ~3 MiB RSS.
import { createPrivacyFilter } from '@warp/store-sql';
import { firewallRules } from './firewall-rules';
import { loadConfig } from './load-config';
import { DEFAULT_PLUGINS, pluginLoadOptions, startDaemon, warpdVersion } from './run-daemon';
import type { WarpdConfig } from './warpd-config';
import { WarpdError } from './warpd-error';

const USAGE = `usage: warpd <command> [options]

commands:
  run            start the relay (default listen 127.0.0.1:10025)
  check-config   validate the configuration file and its plugins' options
  rules          print the iptables/ip6tables and nft NAT rules for the configuration

options:
  -c, --config <file>   JSON configuration file
  -l, --listen <addr>   listen address host:port (repeatable; overrides the file)
      --tls <policy>    opportunistic | required | off (overrides the file)
      --log-level <l>   pino level (overrides the file)
  -v, --version         print the version
  -h, --help            print this help
`;

/** Where the CLI writes (injectable for tests). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/**
 * Runs the warpd command line; resolves with the exit code. `run` resolves
 * only after SIGTERM/SIGINT and a graceful stop.
 */
export async function runCli(
  argv: string[],
  io: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) },
): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        listen: { type: 'string', short: 'l', multiple: true },
        tls: { type: 'string' },
        'log-level': { type: 'string' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.version) {
      io.out(`${warpdVersion()}\n`);
      return 0;
    }
    const command = positionals[0];
    if (values.help || command === undefined) {
      io.out(USAGE);
      return command === undefined && !values.help ? 2 : 0;
    }
    const config = await loadConfig(values.config);
    const overridden: WarpdConfig = {
      ...config,
      ...(values.listen ? { listen: values.listen } : {}),
      ...(values.tls ? { tls: { ...config.tls, policy: values.tls as 'opportunistic' } } : {}),
      ...(values['log-level'] ? { log: { level: values['log-level'] as 'info' } } : {}),
    };
    switch (command) {
      case 'check-config': {
        const { validateConfig, formatIssues } = await import('./validate-config');
        const result = validateConfig(overridden);
        if (!result.ok)
          throw new WarpdError(
            'WARP_ERR_WARPD_CONFIG_INVALID',
            `invalid options:\n${formatIssues(result.issues)}`,
          );
        createPrivacyFilter(overridden.privacy);
        // What run would refuse at start: io native without its addon.
        if (overridden.io === 'native') (await import('@warp/native-io')).assertNativeIoAvailable();
        const { loadPlugins } = await import('@warp/hooks');
        await loadPlugins(overridden.plugins ?? DEFAULT_PLUGINS, pluginLoadOptions(values.config));
        io.out(`configuration ok${values.config ? `: ${values.config}` : ' (defaults)'}\n`);
        return 0;
      }
      case 'rules':
        io.out(firewallRules(overridden));
        return 0;
      case 'run':
        return await runUntilSignal(overridden, values.config);
      default:
        throw new WarpdError(
          'WARP_ERR_WARPD_USAGE',
          `unknown command "${command}"; run warpd --help`,
        );
    }
  } catch (error) {
    io.err(
      `${isWarpError(error) ? error.message : `[warp] [warpd] ${(error as Error).message}`}\n`,
    );
    return isWarpError(error) && error.code === 'WARP_ERR_WARPD_USAGE' ? 2 : 1;
  }
}

async function runUntilSignal(
  config: WarpdConfig,
  configPath: string | undefined,
): Promise<number> {
  const daemon = await startDaemon(config, configPath ? { configPath } : {});
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      daemon.logger.info({ signal }, 'signal received');
      process.removeListener('SIGTERM', stop);
      process.removeListener('SIGINT', stop);
      void daemon.stop().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  return 0;
}
