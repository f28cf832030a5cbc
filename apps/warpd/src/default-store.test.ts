import { mkdtempSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startDaemon } from './run-daemon';

const quietLog = new Writable({ write: (_chunk, _encoding, done) => done() });

function fakeMx(): Promise<Server> {
  const mx = createServer((socket) => {
    socket.write('220 mx.example.test ESMTP\r\n');
    socket.on('data', (chunk) => {
      if (chunk.toString().startsWith('QUIT')) socket.end('221 2.0.0 Bye\r\n');
    });
  });
  return new Promise((resolve) => mx.listen(0, '127.0.0.1', () => resolve(mx)));
}

const startDir = process.cwd();
afterEach(() => process.chdir(startDir));

describe('warpd default store', () => {
  it('stores every session in warp.sqlite in the working directory when no plugins are configured', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'warpd-default-store-'));
    process.chdir(workDir);
    const mx = await fakeMx();
    const daemon = await startDaemon(
      {
        listen: ['127.0.0.1:0'],
        fixedDestination: `127.0.0.1:${(mx.address() as AddressInfo).port}`,
      },
      { logDestination: quietLog },
    );
    const client = connect({ host: '127.0.0.1', port: Number(daemon.addresses[0]?.split(':')[1]) });
    client.on('data', (chunk) => {
      if (chunk.toString().startsWith('220')) client.write('QUIT\r\n');
    });
    await new Promise((resolve) => client.on('close', resolve));
    await daemon.stop();
    mx.close();

    const db = new Database(join(workDir, 'warp.sqlite'), { readonly: true });
    const sessions = db.prepare('select count(*) as n from sessions').get() as { n: number };
    db.close();
    expect(sessions.n).toBe(1);
  });
});
