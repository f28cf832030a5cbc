import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runIn } from './run-command';

/** Where tooling/system-deps/exim.sh unpacks Debian's Exim. */
export const EXIM_BINARY = '/opt/warp-exim/usr/sbin/exim4';

/**
 * Unpacks Exim and creates its Debian-exim user (tooling/system-deps/exim.sh)
 * where that has not happened yet. Call it before anything names the user,
 * such as the `--uid-owner Debian-exim` NAT rule.
 */
export async function ensureExim(): Promise<void> {
  if (
    existsSync(EXIM_BINARY) &&
    (await eximIds().then(
      () => true,
      () => false,
    ))
  )
    return;
  await run('bash', [fileURLToPath(new URL('../../system-deps/exim.sh', import.meta.url))], {
    timeoutMs: 300_000,
  });
}

/** Debian-exim's uid and gid: Exim drops to them, so its directories must be theirs. */
export async function eximIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'Debian-exim'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'Debian-exim'])).stdout.trim());
  return { uid, gid };
}

/**
 * The settings every unpacked lab Exim needs: it re-executes itself from
 * `exim_path`, and writes spool and logs as Debian-exim.
 */
export function eximBaseConfig(spool: string, hostname: string): string {
  return `exim_path = ${EXIM_BINARY}
spool_directory = ${spool}
log_file_path = ${spool}/%slog
keep_environment =
exim_user = Debian-exim
exim_group = Debian-exim
primary_hostname = ${hostname}`;
}

/** An Exim used as a sending client only (`exim4 -C <conf> -odf`). */
export interface EximSender {
  ns: string;
  config: string;
  /** Sends one message now (foreground delivery); resolves when Exim is done trying. */
  send(sender: string, recipients: readonly string[], message: Buffer): Promise<void>;
  /** Exim's main log so far. */
  log(): string;
}

/**
 * Writes an Exim client configuration routing everything to `mx` with BDAT
 * whenever the MX offers CHUNKING (Exim's habit: MAIL, RCPT, `BDAT n LAST`,
 * body and QUIT in one write, then a half-close).
 */
export async function createEximSender(ns: string, dir: string, mx: string): Promise<EximSender> {
  await ensureExim();
  const spool = join(dir, 'spool');
  mkdirSync(spool, { recursive: true });
  const { uid, gid } = await eximIds();
  chownSync(spool, uid, gid);
  const config = join(dir, 'exim.conf');
  writeFileSync(
    config,
    `${eximBaseConfig(spool, 'exim-sender.example.org')}
begin routers
to_mx:
  driver = manualroute
  route_list = * ${mx}
  self = send
  transport = to_mx_smtp
begin transports
to_mx_smtp:
  driver = smtp
  port = 25
  hosts_try_chunking = *
  allow_localhost
begin retry
* * F,1h,1m
`,
  );
  return {
    ns,
    config,
    send: async (sender, recipients, message) => {
      await runIn(ns, EXIM_BINARY, ['-C', config, '-odf', '-oi', '-f', sender, ...recipients], {
        input: message,
      });
    },
    log: () =>
      existsSync(join(spool, 'mainlog')) ? readFileSync(join(spool, 'mainlog'), 'utf8') : '',
  };
}
