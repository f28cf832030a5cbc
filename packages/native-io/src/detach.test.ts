// detach(): the STARTTLS hand-over of a NativeSocket to net.Socket and Node's tls.
import { execFileSync, spawn } from 'node:child_process';
import { fstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closeAfterEach,
  connectedNative,
  nativePair,
  netServer,
  next,
  randomPayload,
  readAll,
  sleep,
} from './internal/test-support';
import { connectNative, type NativeSocket } from './native-socket';

const opened = closeAfterEach();

let scratch: string;
let certificate: { key: string; cert: string };

beforeAll(() => {
  // A throw-away self-signed certificate for localhost.
  scratch = mkdtempSync(join(tmpdir(), 'warp-native-io-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      join(scratch, 'key.pem'),
      '-out',
      join(scratch, 'cert.pem'),
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  certificate = {
    key: readFileSync(join(scratch, 'key.pem'), 'utf8'),
    cert: readFileSync(join(scratch, 'cert.pem'), 'utf8'),
  };
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** What the STARTTLS server saw, in order: plaintext lines, then `tls:` data. */
interface StartTlsServer {
  port: number;
  seen: string[];
  /** Resolves once the server's `220 ready` reply is in the client's kernel. */
  replied: Promise<void>;
}

/**
 * A plaintext server that switches to TLS at `STARTTLS` (through a
 * tls.Server), then answers each TLS read with `secure:` and the bytes.
 */
async function startTlsServer(): Promise<StartTlsServer> {
  const seen: string[] = [];
  let replied: () => void = () => {};
  const repliedPromise = new Promise<void>((resolve) => {
    replied = resolve;
  });
  const tlsServer = createTlsServer(certificate, (secure) => {
    opened(secure);
    secure.on('data', (chunk: Buffer) => {
      seen.push(`tls:${chunk}`);
      secure.write(`secure:${chunk}`);
    });
    secure.on('end', () => secure.end());
  });
  const { port } = await netServer(opened, (socket) => {
    let text = '';
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      for (let end = text.indexOf('\r\n'); end >= 0; end = text.indexOf('\r\n')) {
        const line = text.slice(0, end);
        text = text.slice(end + 2);
        seen.push(line);
        if (line !== 'STARTTLS') continue;
        socket.removeListener('data', onData);
        socket.pause();
        socket.write('220 ready\r\n', () => replied());
        tlsServer.emit('connection', socket);
        return;
      }
    };
    socket.on('data', onData);
  });
  return { port, seen, replied: repliedPromise };
}

/** Reads from `socket` until `text` has come, and stops reading there. */
async function readUntil(socket: NativeSocket | Socket, text: string): Promise<string> {
  let got = '';
  await new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      got += chunk.toString('latin1');
      if (!got.includes(text)) return;
      socket.removeListener('data', onData);
      socket.pause();
      resolve();
    };
    socket.on('data', onData);
    socket.resume();
  });
  return got;
}

/** TLS over `socket` (verifying the certificate for localhost); resolves at secureConnect. */
async function upgrade(socket: Socket): Promise<TLSSocket> {
  const secure = opened(
    tlsConnect({ socket, servername: 'localhost', ca: certificate.cert, host: 'localhost' }),
  );
  await next(secure, 'secureConnect');
  return secure;
}

describe('NativeSocket.detach', () => {
  it('hands a connection to net.Socket for a real TLS handshake, bytes in order', async () => {
    const server = await startTlsServer();
    const client = await connectedNative(opened, server.port);
    const closes: unknown[] = [];
    client.on('close', (hadError) => closes.push(hadError));
    client.write('EHLO client.example\r\n');
    client.write('STARTTLS\r\n');
    expect(await readUntil(client, '\r\n')).toBe('220 ready\r\n');

    const plain = opened(client.detach());
    expect(client.destroyed).toBe(true);
    expect(client._handle).toBeNull();
    expect(client.write('too late')).toBe(false);

    const secure = await upgrade(plain);
    expect(secure.authorized).toBe(true);
    const reply = readAll(secure);
    const secureClosed = next(secure, 'close');
    secure.write('after detach, ');
    await sleep(10);
    secure.end('and the last bytes');
    const text = (await reply).toString();
    expect(text.replace(/secure:/g, '')).toBe('after detach, and the last bytes');
    expect(server.seen[0]).toBe('EHLO client.example');
    expect(server.seen[1]).toBe('STARTTLS');
    expect(
      server.seen
        .slice(2)
        .map((entry) => entry.replace(/^tls:/, ''))
        .join(''),
    ).toBe('after detach, and the last bytes');
    expect(server.seen.slice(2).every((entry) => entry.startsWith('tls:'))).toBe(true);

    await secureClosed;
    await sleep(50);
    expect(closes).toEqual([]); // the detached NativeSocket emits no close
  });

  it('leaves bytes it has not read in the kernel for the net.Socket', async () => {
    const server = await startTlsServer();
    const client = await connectedNative(opened, server.port);
    client.write('STARTTLS\r\n');
    await server.replied; // `220 ready` waits, unread, in this side's kernel
    const plain = opened(client.detach());
    expect(await readUntil(plain, '\r\n')).toBe('220 ready\r\n');
    const secure = await upgrade(plain);
    const reply = readAll(secure);
    secure.end('hello');
    expect((await reply).toString()).toBe('secure:hello');
    expect(server.seen).toEqual(['STARTTLS', 'tls:hello']);
  });

  it('throws EBUSY while bytes wait to be written, and detaches once they drained', async () => {
    const { client, accepted } = await nativePair(opened);
    // The peer does not read yet: writes queue.
    const written: Buffer[] = [];
    for (let more = true; more; ) {
      const piece = randomPayload(64 * 1024);
      written.push(piece);
      more = client.write(piece);
    }
    expect(client.writableLength).toBeGreaterThan(0);
    expect(() => client.detach()).toThrow(
      expect.objectContaining({ code: 'EBUSY', syscall: 'detach' }),
    );
    // Refused, it is still the same working socket.
    expect(client.destroyed).toBe(false);
    expect(client._handle?.fd).toBeGreaterThanOrEqual(0);

    const received = readAll(accepted);
    await next(client, 'drain');
    const plain = opened(client.detach());
    const after = randomPayload(300_000);
    plain.end(after);
    const all = await received;
    expect(all.equals(Buffer.concat([...written, after]))).toBe(true);
  });

  it('throws on a socket that is closed', async () => {
    const { client } = await nativePair(opened);
    client.destroy();
    expect(() => client.detach()).toThrow('detach: the socket is closed');
    await next(client, 'close');
    expect(() => client.detach()).toThrow('detach: the socket is closed');
  });

  it('gives the net.Socket a close-on-exec fd: a child process does not inherit the connection', async () => {
    const { client } = await nativePair(opened);
    const plain = opened(client.detach());
    const fd = (plain as unknown as { _handle: { fd: number } })._handle.fd;
    const inode = fstatSync(fd).ino;
    const child = spawn('sleep', ['10'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => child.once('spawn', resolve));
      const links = readdirSync(`/proc/${child.pid}/fd`).map((entry) => {
        try {
          return readlinkSync(`/proc/${child.pid}/fd/${entry}`);
        } catch {
          return '';
        }
      });
      expect(links).not.toContain(`socket:[${inode}]`);
    } finally {
      child.kill();
    }
  });

  it('refuses while connecting and after end(), instead of cancelling either', async () => {
    const { port } = await netServer(opened, (socket) => socket.resume());
    const connecting = opened(connectNative({ host: '127.0.0.1', port }));
    expect(() => connecting.detach()).toThrow('detach: the socket is still connecting');
    await next(connecting, 'connect');
    connecting.end();
    expect(() => connecting.detach()).toThrow('detach: the socket was ended');
  });

  it('keeps allowHalfOpen on the net.Socket it returns', async () => {
    const { client, accepted } = await nativePair(opened, { client: { allowHalfOpen: true } });
    const plain = opened(client.detach());
    expect(plain.allowHalfOpen).toBe(true);
    const fromPlain = readAll(accepted);
    accepted.end('server done');
    const got = readAll(plain);
    expect((await got).toString()).toBe('server done');
    plain.end('still writing after the peer ended');
    expect((await fromPlain).toString()).toBe('still writing after the peer ended');
  });
});
