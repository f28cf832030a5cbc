import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';

/** A log destination that drops everything (tests). */
export const quietLog = new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * A minimal MX on 127.0.0.1 for tests: greets, accepts MAIL/RCPT, answers
 * QUIT, and records every command line it received.
 */
export function startFakeMx(): Promise<{ server: Server; port: number; received: string[] }> {
  const received: string[] = [];
  const server = createServer((socket) => {
    socket.write('220 mx.example.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      for (const line of chunk.toString().split('\r\n').filter(Boolean)) {
        received.push(line);
        if (line.startsWith('QUIT')) socket.end('221 2.0.0 Bye\r\n');
        else socket.write('250 2.1.0 Ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, received }),
    ),
  );
}

/** Connects to `port`, sends `lines` one by one after each reply, then QUIT; resolves on close. */
export function sendSession(port: number, lines: string[]): Promise<string> {
  const client = connect({ host: '127.0.0.1', port });
  const pending = [...lines, 'QUIT'];
  let received = '';
  client.on('data', (chunk) => {
    received += chunk.toString();
    const next = pending.shift();
    if (next !== undefined) client.write(`${next}\r\n`);
  });
  return new Promise((resolve) => client.on('close', () => resolve(received)));
}
