import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { quietLog, sendSession, startFakeMx } from './internal/fake-mx';
import { startDaemon } from './run-daemon';

const startDir = process.cwd();
afterEach(() => process.chdir(startDir));

describe('warpd default store', () => {
  it('stores every session in warp.sqlite in the working directory when no plugins are configured', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'warpd-default-store-'));
    process.chdir(workDir);
    const mx = await startFakeMx();
    const daemon = await startDaemon(
      { listen: ['127.0.0.1:0'], fixedDestination: `127.0.0.1:${mx.port}` },
      { logDestination: quietLog },
    );
    await sendSession(Number(daemon.addresses[0]?.split(':')[1]), []);
    await daemon.stop();
    mx.server.close();

    const db = new Database(join(workDir, 'warp.sqlite'), { readonly: true });
    const sessions = db.prepare('select count(*) as n from sessions').get() as { n: number };
    db.close();
    expect(sessions.n).toBe(1);
  });
});
