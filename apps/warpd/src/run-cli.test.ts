import { mkdtempSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli';
import { startDaemon, warpdVersion } from './run-daemon';

async function cli(args: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

function configFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'warpd-test-')), 'warpd.json');
  writeFileSync(path, content);
  return path;
}

describe('warpd cli', () => {
  it('prints its version', async () => {
    expect(await cli(['--version'])).toEqual({ code: 0, out: `${warpdVersion()}\n`, err: '' });
  });

  it('prints NAT rules for the configuration', async () => {
    const result = await cli(['rules', '--config', configFile('{"rules":{"mtaUser":"postfix"}}')]);
    expect(result.code).toBe(0);
    expect(result.out).toContain('--uid-owner postfix -j REDIRECT --to-ports 10025');
  });

  it('check-config reports every error with path, expected and found, and exits 1', async () => {
    const result = await cli([
      'check-config',
      '-c',
      configFile('{"listen":["nowhere"],"tls":{"policy":"maybe"}}'),
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('has 2 error(s)');
    expect(result.err).toMatch(/listen\[0\]: expected .*, found "nowhere"/);
    expect(result.err).toMatch(/tls\.policy: expected .*, found "maybe"/);
  });

  it('check-config rejects invalid JSON and accepts a valid file', async () => {
    expect((await cli(['check-config', '-c', configFile('{ nope')])).err).toContain(
      'is not valid JSON',
    );
    expect(await cli(['check-config', '-c', configFile('{"tls":{"policy":"off"}}')])).toMatchObject(
      { code: 0 },
    );
  });

  it('check-config finds plugins as run does: a relative path from the configuration file', async () => {
    const config = configFile('{"plugins":[{"use":"./observer.mjs"}]}');
    writeFileSync(
      join(dirname(config), 'observer.mjs'),
      "export default () => ({ name: 'observer', apiVersion: 1, hooks: { onEvent() {} } });\n",
    );
    expect(await cli(['check-config', '-c', config])).toMatchObject({ code: 0 });
  });

  it('check-config accepts io native where the addon loads', async () => {
    expect(await cli(['check-config', '-c', configFile('{"io":"native"}')])).toMatchObject({
      code: 0,
    });
  });

  it('exits 2 on an unknown command', async () => {
    expect(await cli(['launch'])).toMatchObject({ code: 2 });
  });
});

describe('startDaemon', () => {
  it.each([
    [undefined, 'native'],
    ['node', 'node'],
  ] as const)(
    'relays to a fixed destination with io %s (%s sockets), logs JSON and stops gracefully',
    async (io, used) => {
      const mx = createServer((socket) => {
        socket.write('220 mx.example.test ESMTP\r\n');
        socket.on('data', (chunk) => {
          if (chunk.toString().startsWith('QUIT')) socket.end('221 2.0.0 Bye\r\n');
        });
      });
      await new Promise<void>((resolve) => mx.listen(0, '127.0.0.1', resolve));
      const mxPort = (mx.address() as AddressInfo).port;
      const lines: string[] = [];
      const log = new Writable({
        write(chunk, _encoding, done) {
          lines.push(...chunk.toString().trim().split('\n'));
          done();
        },
      });
      const daemon = await startDaemon(
        {
          listen: ['127.0.0.1:0'],
          fixedDestination: `127.0.0.1:${mxPort}`,
          log: { level: 'debug' },
          plugins: [],
          ...(io ? { io } : {}),
        },
        { logDestination: log },
      );
      const port = Number(daemon.addresses[0]?.split(':')[1]);
      const client = connect({ host: '127.0.0.1', port });
      let received = '';
      client.on('data', (chunk) => {
        received += chunk.toString();
        if (received.endsWith('ESMTP\r\n')) client.write('QUIT\r\n');
      });
      await new Promise((resolve) => client.on('close', resolve));
      await daemon.stop();
      mx.close();
      expect(received).toBe('220 mx.example.test ESMTP\r\n221 2.0.0 Bye\r\n');
      const parsed = lines.map(
        (line) => JSON.parse(line) as { msg: string; nodeId: string; io?: string },
      );
      expect(parsed.find((l) => l.msg === 'warpd listening')?.io).toBe(used);
      expect(parsed.map((l) => l.msg)).toEqual(
        expect.arrayContaining([
          'warpd listening',
          'session.opened',
          'session.closed',
          'warpd stopped',
        ]),
      );
    },
  );
});
