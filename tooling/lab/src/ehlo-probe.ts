import { runIn } from './run-command';

// Runs inside the namespace (as the given user): greeting, EHLO, QUIT. Prints
// the EHLO reply as a JSON string so CRs survive the trip through stdout.
const PROBE = `
const [host, port] = process.argv.slice(1);
const socket = require('node:net').connect({ host, port: Number(port) });
let received = '';
let stage = 'greeting';
socket.setTimeout(30000, () => { console.error('no reply within 30 s'); process.exit(2); });
socket.on('error', (error) => { console.error(error.message); process.exit(2); });
socket.on('data', (chunk) => {
  received += chunk.toString('latin1');
  if (stage === 'greeting' && /^220 .*\\r\\n/m.test(received)) {
    stage = 'ehlo';
    received = '';
    socket.write('EHLO probe.example.org\\r\\n');
  } else if (stage === 'ehlo' && /^\\d{3} .*\\r\\n/m.test(received)) {
    stage = 'done';
    process.stdout.write(JSON.stringify(received));
    socket.end('QUIT\\r\\n');
  }
});
`;

/**
 * The raw EHLO reply (CRLF line endings kept) a client gets from
 * `host:port`, connecting from namespace `ns`. As `user` (e.g. `postfix`)
 * the connection takes the NAT rule that matches that uid, so it shows what
 * an MTA gets through warpd; as root it reaches the host directly.
 */
export async function probeEhlo(
  ns: string,
  host: string,
  options: { user?: string; port?: number } = {},
): Promise<string> {
  const asUser = options.user
    ? ['setpriv', `--reuid=${options.user}`, `--regid=${options.user}`, '--clear-groups']
    : [];
  const [file, ...args] = [
    ...asUser,
    process.execPath,
    '-e',
    PROBE,
    host,
    String(options.port ?? 25),
  ];
  const { stdout } = await runIn(ns, file as string, args);
  return JSON.parse(stdout) as string;
}

/** The lines of a multi-line reply, without their CRLF. */
export function replyLines(reply: string): string[] {
  return reply.split('\r\n').slice(0, -1);
}
