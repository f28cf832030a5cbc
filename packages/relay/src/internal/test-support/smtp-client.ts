import { connect, type Socket } from 'node:net';

/** A line-level SMTP test client: send raw bytes, await whole replies. */
export interface TestClient {
  socket: Socket;
  send(text: string | Buffer): void;
  /** The next complete reply (all its lines joined with CRLF, final CRLF included). */
  reply(): Promise<string>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
  /** Everything received so far. */
  received(): string;
}

/** Connects to 127.0.0.1:`port`. */
export async function connectClient(port: number): Promise<TestClient> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let all = '';
  let consumed = 0;
  const waiters: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    all += chunk.toString('latin1');
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<void>((resolve) =>
    socket.on('close', () => {
      for (const wake of waiters.splice(0)) wake();
      resolve();
    }),
  );
  socket.on('error', () => {});
  const nextReply = (): string | undefined => {
    const rest = all.slice(consumed);
    const match = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(rest);
    if (!match) return undefined;
    consumed += match[0].length;
    return match[0];
  };
  return {
    socket,
    closed,
    send: (text) => socket.write(text),
    received: () => all,
    reply: async () => {
      for (;;) {
        const found = nextReply();
        if (found !== undefined) return found;
        if (socket.destroyed || socket.readableEnded)
          throw new Error(`connection closed; received so far: ${JSON.stringify(all)}`);
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}
