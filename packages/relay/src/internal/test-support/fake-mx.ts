import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TLSSocket } from 'node:tls';

/** Behaviour of a {@link FakeMx}. */
export interface FakeMxOptions {
  /** EHLO keywords after the first line (default PIPELINING, 8BITMIME). */
  capabilities?: string[];
  /** Key and certificate: STARTTLS is then offered unless `capabilities` says otherwise. */
  tls?: { key: string; cert: string };
  /** Bytes written in plaintext right after the 220 to STARTTLS (injection test). */
  injectAfterStarttls?: string;
  /** Answer STARTTLS with 220 and then break the handshake. */
  brokenTls?: boolean;
  /** A reply to no command, written right after the EHLO reply (a broken MX). */
  unsolicitedAfterEhlo?: string;
  /** Never answer STARTTLS (an MX that hangs there). */
  silentStarttls?: boolean;
  /** Reply to each RCPT (default 250). */
  rcptReply?: (address: string) => string;
  /** Reply to the end of data (default 250 2.0.0 Ok: queued). */
  dataEndReply?: string;
  /** Close the connection after this many body bytes. */
  closeAfterBodyBytes?: number;
  /** Stop reading once DATA is accepted (a stalled MX, for backpressure tests). */
  stallAfterData?: boolean;
  /** Write multi-line replies one line per write. */
  splitReplyLines?: boolean;
}

/** A message the fake MX received. */
export interface ReceivedMessage {
  sender: string;
  recipients: string[];
  /** Body bytes as on the wire (dot-stuffed), without the final `.` line. */
  body: Buffer;
  tls: boolean;
}

/** A scripted SMTP server on 127.0.0.1 for relay tests. */
export interface FakeMx {
  port: number;
  messages: ReceivedMessage[];
  /** Every command line received, per connection, with `tls:` prefix once encrypted. */
  commands: string[];
  connections: number;
  close(): Promise<void>;
}

/** Creates a throw-away self-signed certificate with openssl (CN and SAN `name`). */
export function makeCertificate(name = 'mx.example.test'): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warp-relay-cert-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
      '-days',
      '2',
      '-subj',
      `/CN=${name}`,
      '-addext',
      `subjectAltName=DNS:${name}`,
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(join(dir, 'key.pem'), 'utf8'),
    cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
  };
}

function serve(socket: Socket, options: FakeMxOptions, state: FakeMx, encrypted: boolean): void {
  let buffer = Buffer.alloc(0);
  let inData = false;
  let bdatLeft = 0;
  let bdatLast = false;
  let body: Buffer[] = [];
  let bodyBytes = 0;
  let sender = '';
  let recipients: string[] = [];
  const write = (text: string) => {
    if (options.splitReplyLines) for (const line of text.split(/(?<=\r\n)/)) socket.write(line);
    else socket.write(text);
  };
  const finish = () => {
    state.messages.push({ sender, recipients, body: Buffer.concat(body), tls: encrypted });
    body = [];
    bodyBytes = 0;
    sender = '';
    recipients = [];
  };
  const ehlo = () => {
    const caps = options.capabilities ?? [
      'PIPELINING',
      '8BITMIME',
      ...(options.tls && !encrypted ? ['STARTTLS'] : []),
    ];
    const lines = ['mx.example.test', ...caps.filter((c) => !(encrypted && c === 'STARTTLS'))];
    return lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}\r\n`).join('');
  };
  const onData = (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      if (bdatLeft > 0) {
        const take = Math.min(bdatLeft, buffer.length);
        body.push(buffer.subarray(0, take));
        buffer = buffer.subarray(take);
        bdatLeft -= take;
        if (bdatLeft > 0) return;
        if (bdatLast) finish();
        write(bdatLast ? '250 2.0.0 Ok: queued\r\n' : '250 2.0.0 chunk received\r\n');
        continue;
      }
      if (inData) {
        const end = buffer.indexOf('\r\n.\r\n');
        const keep = end === -1 ? Math.max(0, buffer.length - 4) : end + 2;
        body.push(buffer.subarray(0, keep));
        bodyBytes += keep;
        if (options.closeAfterBodyBytes !== undefined && bodyBytes >= options.closeAfterBodyBytes) {
          socket.destroy();
          return;
        }
        if (end === -1) {
          buffer = buffer.subarray(keep);
          return;
        }
        buffer = buffer.subarray(end + 5);
        inData = false;
        finish();
        write(`${options.dataEndReply ?? '250 2.0.0 Ok: queued'}\r\n`);
        continue;
      }
      const lf = buffer.indexOf('\n');
      if (lf === -1) return;
      const line = buffer
        .subarray(0, lf + 1)
        .toString('latin1')
        .replace(/\r?\n$/, '');
      buffer = buffer.subarray(lf + 1);
      state.commands.push(encrypted ? `tls:${line}` : line);
      const verb = line.split(' ')[0]?.toUpperCase();
      if (verb === 'EHLO') write(ehlo() + (options.unsolicitedAfterEhlo ?? ''));
      else if (verb === 'HELO') write('250 mx.example.test\r\n');
      else if (verb === 'MAIL') {
        sender = /<([^>]*)>/.exec(line)?.[1] ?? '';
        write('250 2.1.0 Ok\r\n');
      } else if (verb === 'RCPT') {
        const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
        const answer = options.rcptReply?.(address) ?? '250 2.1.5 Ok';
        if (answer.startsWith('2')) recipients.push(address);
        write(`${answer}\r\n`);
      } else if (verb === 'DATA') {
        if (recipients.length === 0) write('554 5.5.1 Error: no valid recipients\r\n');
        else {
          inData = true;
          write('354 End data with <CR><LF>.<CR><LF>\r\n');
          if (options.stallAfterData) {
            socket.pause();
            return;
          }
        }
      } else if (verb === 'BDAT') {
        const [, size, last] = line.split(' ');
        bdatLeft = Number(size);
        bdatLast = last?.toUpperCase() === 'LAST';
      } else if (verb === 'RSET') write('250 2.0.0 Ok\r\n');
      else if (verb === 'NOOP') write('250 2.0.0 Ok\r\n');
      else if (verb === 'QUIT') {
        socket.end('221 2.0.0 Bye\r\n');
        return;
      } else if (verb === 'STARTTLS' && options.tls && !encrypted && options.silentStarttls) {
        return;
      } else if (verb === 'STARTTLS' && options.tls && !encrypted) {
        socket.write(`220 2.0.0 Ready to start TLS\r\n${options.injectAfterStarttls ?? ''}`);
        socket.removeListener('data', onData);
        if (options.brokenTls) {
          socket.once('data', () => socket.end('this is not TLS\r\n'));
          return;
        }
        const secure = new TLSSocket(socket, {
          isServer: true,
          key: options.tls.key,
          cert: options.tls.cert,
        });
        secure.on('error', () => {});
        serve(secure, options, state, true);
        return;
      } else write('502 5.5.2 Error: command not recognized\r\n');
    }
  };
  socket.on('data', onData);
  socket.on('error', () => {});
}

/** Starts a fake MX on 127.0.0.1 (random port). */
export async function startFakeMx(options: FakeMxOptions = {}): Promise<FakeMx> {
  const sockets = new Set<Socket>();
  const state: FakeMx = {
    port: 0,
    messages: [],
    commands: [],
    connections: 0,
    close: async () => {},
  };
  const server: Server = createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.write('220 mx.example.test ESMTP fake\r\n');
    serve(socket, options, state, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.port = (server.address() as AddressInfo).port;
  state.close = () =>
    new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}
