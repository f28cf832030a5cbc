import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { run, runIn } from './run-command';

// Only what the lab uses, unchrooted (column 5 "n"): the config directory is
// not a chroot jail.
const MASTER_CF = `
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`;

/** A Postfix instance with its own configuration directory, queue and log. */
export interface PostfixInstance {
  dir: string;
  ns: string;
  /** Everything Postfix logged so far. */
  log(): string;
  /** `postqueue -p` output. */
  queue(): Promise<string>;
  /** Whether the queue is empty. */
  queueEmpty(): Promise<boolean>;
  stop(): Promise<void>;
}

/** The role-specific part of main.cf. */
export type PostfixRole = (
  | { role: 'sender'; relayhost: string }
  | { role: 'mx'; listen: string; domain: string; cert: { key: string; cert: string } | null }
) & {
  /** Extra main.cf lines, after the lab's own (a later line wins). */
  settings?: readonly string[];
  /** IPv6 too (`inet_protocols = all`); default IPv4 only. */
  ipv6?: boolean;
};

function mainCf(dir: string, role: PostfixRole, uid: number, gid: number): string {
  const common = [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/queue`,
    `data_directory = ${dir}/data`,
    `maillog_file = ${dir}/maillog`,
    `maillog_file_prefixes = ${dir}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `inet_protocols = ${role.ipv6 ? 'all' : 'ipv4'}`,
    'alias_maps =',
    'alias_database =',
    'biff = no',
    'message_size_limit = 80000000',
    'smtp_tls_loglevel = 1',
    'smtpd_tls_loglevel = 1',
    // Retry deferred mail within seconds (fault tests), not minutes.
    'queue_run_delay = 1s',
    'minimal_backoff_time = 1s',
    'maximal_backoff_time = 2s',
  ];
  if (role.role === 'sender') {
    // Willing to use TLS: that it never does shows warp hid STARTTLS from it.
    return [
      ...common,
      'myhostname = sender.example.org',
      'myorigin = example.org',
      'mydestination =',
      'inet_interfaces = loopback-only',
      `relayhost = ${role.relayhost}`,
      // One connection at a time: a backlog is then sent as several
      // transactions over one cached connection (conn_use=N), as in production.
      'smtp_destination_concurrency_limit = 1',
      'initial_destination_concurrency = 1',
      // On-demand caching only kicks in when a backlog exists at delivery
      // time, which depends on timing; caching this destination always makes
      // "several transactions on one connection" deterministic.
      `smtp_connection_cache_destinations = ${role.relayhost}`,
      'smtp_connection_cache_time_limit = 10s',
      'smtp_tls_security_level = may',
      ...(role.settings ?? []),
    ].join('\n');
  }
  const tls = role.cert
    ? [
        `smtpd_tls_cert_file = ${role.cert.cert}`,
        `smtpd_tls_key_file = ${role.cert.key}`,
        'smtpd_tls_security_level = may',
        'smtpd_tls_received_header = yes',
      ]
    : ['smtpd_tls_security_level = none'];
  return [
    ...common,
    'myhostname = mx.example.net',
    'mydestination =',
    `inet_interfaces = ${role.listen}`,
    'mynetworks = 127.0.0.0/8',
    `virtual_mailbox_domains = ${role.domain}`,
    `virtual_mailbox_base = ${dir}/mail`,
    'virtual_mailbox_maps = static:inbox/',
    `virtual_uid_maps = static:${uid}`,
    `virtual_gid_maps = static:${gid}`,
    'virtual_minimum_uid = 1',
    'virtual_mailbox_limit = 0',
    ...tls,
    ...(role.settings ?? []),
  ].join('\n');
}

function postfixIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postfix:'));
  if (!line)
    throw new Error(
      '[warp] [lab] no "postfix" user: install postfix (tooling/system-deps/install.sh)',
    );
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Writes a configuration directory for `role` under `dir` and starts Postfix in namespace `ns`. */
export async function startPostfix(
  ns: string,
  dir: string,
  role: PostfixRole,
): Promise<PostfixInstance> {
  const { uid, gid } = postfixIds();
  mkdirSync(join(dir, 'queue'), { recursive: true, mode: 0o755 });
  for (const sub of ['data', 'mail']) {
    mkdirSync(join(dir, sub), { recursive: true });
    chownSync(join(dir, sub), uid, gid);
  }
  const master =
    role.role === 'mx'
      ? `smtp      inet  n       -       n       -       -       smtpd\n${MASTER_CF}`
      : MASTER_CF;
  writeFileSync(join(dir, 'main.cf'), `${mainCf(dir, role, uid, gid)}\n`);
  writeFileSync(join(dir, 'master.cf'), master);
  await runIn(ns, 'postfix', ['-c', dir, 'start']);
  const logPath = join(dir, 'maillog');
  const instance: PostfixInstance = {
    dir,
    ns,
    log: () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : ''),
    queue: async () => (await runIn(ns, 'postqueue', ['-c', dir, '-p'])).stdout,
    queueEmpty: async () => (await instance.queue()).includes('Mail queue is empty'),
    stop: async () => {
      // postfix(1) checks inet_interfaces, so it only works inside the
      // namespace; if that is gone, stop the master by its pid file.
      await runIn(ns, 'postfix', ['-c', dir, 'stop']).catch(() => {
        const pidFile = join(dir, 'queue', 'pid', 'master.pid');
        if (!existsSync(pidFile)) return;
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
        } catch {
          // Already gone.
        }
      });
    },
  };
  return instance;
}

/** Asks the instance to retry its deferred mail now (`postqueue -f`). */
export async function flush(instance: PostfixInstance): Promise<void> {
  await runIn(instance.ns, 'postqueue', ['-c', instance.dir, '-f']);
}

/** Changes main.cf settings (`postconf -e`) and reloads the instance. */
export async function reconfigure(
  instance: PostfixInstance,
  settings: readonly string[],
): Promise<void> {
  await runIn(instance.ns, 'postconf', ['-c', instance.dir, '-e', ...settings]);
  await runIn(instance.ns, 'postfix', ['-c', instance.dir, 'reload']);
}

/** Pids of processes named `name` (e.g. `smtpd`) running in network namespace `ns`. */
export async function processesIn(ns: string, name: string): Promise<number[]> {
  const { stdout } = await run('ip', ['netns', 'pids', ns]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

/** Submits a message with this instance's sendmail (`-C dir`), as root. */
export async function submit(
  instance: PostfixInstance,
  sender: string,
  recipients: readonly string[],
  message: Buffer,
): Promise<void> {
  await runIn(
    instance.ns,
    'sendmail',
    ['-C', instance.dir, '-f', sender, '-i', '--', ...recipients],
    { input: message },
  );
}

/** Names of the files in the MX's Maildir (`mail/inbox/new`); not in delivery order. */
export function deliveredNames(instance: PostfixInstance): string[] {
  const dir = join(instance.dir, 'mail', 'inbox', 'new');
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Contents of the delivered files, optionally only those not in `except`. */
export function deliveredFiles(
  instance: PostfixInstance,
  except: ReadonlySet<string> = new Set(),
): Buffer[] {
  const dir = join(instance.dir, 'mail', 'inbox', 'new');
  return deliveredNames(instance)
    .filter((name) => !except.has(name))
    .map((name) => readFileSync(join(dir, name)));
}
