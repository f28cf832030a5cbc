import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverAll, labMessage } from '../src/deliveries';
import { type Lab, startLab } from '../src/lab';
import { queryStore, SQLITE_PLUGIN_BUNDLE } from '../src/warpd-process';

let lab: Lab;

beforeAll(async () => {
  lab = await startLab();
}, 300_000);

afterAll(async () => {
  await lab?.stop();
});

describe.each([
  ['in the relay thread', false],
  ['in a worker thread', true],
])('lab: warpd stores real Postfix mail in SQLite %s', (where, worker) => {
  it('has every session with its TLS result, transaction, recipients and exchanges, and no content', async () => {
    const path = join(lab.dir, `warp-${worker ? 'worker' : 'thread'}.sqlite`);
    await lab.warpd.stop();
    await lab.restartWarpd({
      plugins: [
        { use: SQLITE_PLUGIN_BUNDLE, options: { path }, ...(worker ? { worker: true } : {}) },
      ],
    });
    // The store runs where the entry says (warpd names the plugins in workers).
    const listening = lab.warpd.logs().find((l) => l.msg === 'warpd listening') ?? {};
    const names = listening.plugins as string[];
    expect(listening.pluginWorkers).toEqual(worker ? names : []);
    const marker = `body marker ${where}`;
    await deliverAll(lab, [
      { body: labMessage(`stored ${where} 1`, `${marker} one\n`) },
      {
        body: labMessage(`stored ${where} 2`, `${marker} two\n`, 'a@example.net, b@example.net'),
        to: ['a@example.net', 'b@example.net'],
      },
    ]);
    // SIGTERM: warpd lets the store write what it holds before it exits.
    expect(await lab.warpd.stop()).toBe(0);

    const sessions = queryStore(path, 'select * from sessions');
    const transactions = queryStore(path, 'select * from transactions');
    const recipients = queryStore(path, 'select * from recipients');
    const exchanges = queryStore(path, 'select * from exchanges');
    expect(transactions.map((t) => [t.sender, t.outcome, t.reply_code])).toEqual([
      ['sender@example.org', 'delivered', 250],
      ['sender@example.org', 'delivered', 250],
    ]);
    expect(recipients.map((r) => [r.address, r.reply_code]).sort()).toEqual([
      ['a@example.net', 250],
      ['b@example.net', 250],
      ['rcpt@example.net', 250],
    ]);
    const carrying = new Set(transactions.map((t) => t.session_id));
    for (const session of sessions.filter((s) => carrying.has(s.session_id))) {
      expect(session.tls_protocol).toMatch(/^TLSv1\.[23]$/);
      expect(session.destination_port).toBe(25);
      expect(session.close_reason).not.toBeNull();
    }
    const verbs = new Set(exchanges.map((e) => e.verb));
    for (const verb of ['EHLO', 'MAIL', 'RCPT', 'DATA', '.']) expect(verbs).toContain(verb);
    // Capture level envelope (the default): not a byte of the bodies anywhere.
    const everything = JSON.stringify([sessions, transactions, recipients, exchanges]);
    expect(everything).toContain('sender@example.org');
    expect(everything).not.toContain('body marker');
    await lab.restartWarpd({ plugins: [] });
  });
});
