import { type ChildProcess, spawn } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { EXIM_BINARY, eximBaseConfig, eximIds } from './exim-sender';
import { runIn } from './run-command';

/** An Exim MX: STARTTLS in the middle of its EHLO reply, PIPECONNECT and CHUNKING offered. */
export interface EximMx {
  address: string;
  /** Message files delivered (Maildir `new`). */
  delivered(): Buffer[];
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Exim as an MX on `address` in namespace `ns`. With `-C` Exim drops
 * root, so it listens on 2525 and a PREROUTING DNAT maps port 25 to it.
 */
export async function startEximMx(
  ns: string,
  dir: string,
  address: string,
  cert: { key: string; cert: string },
): Promise<EximMx> {
  const { uid, gid } = await eximIds();
  const spool = join(dir, 'spool');
  const maildir = join(dir, 'maildir');
  for (const path of [dir, spool, maildir]) {
    mkdirSync(path, { recursive: true });
    chownSync(path, uid, gid);
  }
  for (const file of [cert.key, cert.cert]) chmodSync(file, 0o644);
  const config = join(dir, 'exim.conf');
  writeFileSync(
    config,
    `${eximBaseConfig(spool, 'exim-mx.example.net')}
daemon_smtp_ports = 2525
local_interfaces = ${address}
tls_advertise_hosts = *
tls_certificate = ${cert.cert}
tls_privatekey = ${cert.key}
chunking_advertise_hosts = *
pipelining_connect_advertise_hosts = *
domainlist local_domains = example.net
acl_smtp_rcpt = check_rcpt
begin acl
check_rcpt:
  accept domains = +local_domains
  deny
begin routers
local:
  driver = accept
  domains = +local_domains
  transport = to_maildir
begin transports
to_maildir:
  driver = appendfile
  directory = ${maildir}
  maildir_format
  delivery_date_add
  envelope_to_add
  return_path_add
begin retry
* * F,1h,1m
`,
  );
  await runIn(ns, 'ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  await runIn(ns, 'iptables', [
    '-t',
    'nat',
    '-A',
    'PREROUTING',
    '-d',
    address,
    '-p',
    'tcp',
    '--dport',
    '25',
    '-j',
    'DNAT',
    '--to-destination',
    `${address}:2525`,
  ]);
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns, EXIM_BINARY, '-C', config, '-bdf', '-odi'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const logPath = join(spool, 'mainlog');
  const deadline = Date.now() + 20_000;
  while (!(existsSync(logPath) && readFileSync(logPath, 'utf8').includes('daemon started'))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      throw new Error(
        `[warp] [lab] Exim MX did not start: ${existsSync(join(spool, 'paniclog')) ? readFileSync(join(spool, 'paniclog'), 'utf8') : '(no panic log)'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    address,
    delivered: () => {
      const dirNew = join(maildir, 'new');
      return existsSync(dirNew)
        ? readdirSync(dirNew).map((name) => readFileSync(join(dirNew, name)))
        : [];
    },
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
