import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { Writable } from 'node:stream';

/** A log destination that drops everything (tests). */
export const quietLog = new Writable({ write: (_chunk, _encoding, done) => done() });

/**
 * A minimal MX on 127.0.0.1 for tests: greets, accepts MAIL/RCPT and DATA
 * (354, then 250 at the final dot), answers QUIT, and records every command
 * line it received (not message lines) and every message (dot-stuffed, as
 * on the wire, without the final dot line).
 */
export function startFakeMx(): Promise<{
  server: Server;
  port: number;
  received: string[];
  messages: string[];
}> {
  const received: string[] = [];
  const messages: string[] = [];
  const server = createServer((socket) => {
    socket.write('220 mx.example.test ESMTP\r\n');
    let buffered = '';
    let message: string | undefined;
    socket.on('data', (chunk) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\r\n'); end !== -1; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (message !== undefined) {
          if (line !== '.') message += `${line}\r\n`;
          else {
            messages.push(message);
            message = undefined;
            socket.write('250 2.0.0 Ok: queued\r\n');
          }
          continue;
        }
        if (!line) continue;
        received.push(line);
        if (line.startsWith('QUIT')) socket.end('221 2.0.0 Bye\r\n');
        else if (line.toUpperCase() === 'DATA') {
          message = '';
          socket.write('354 End data with <CR><LF>.<CR><LF>\r\n');
        } else socket.write('250 2.1.0 Ok\r\n');
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port, received, messages }),
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
