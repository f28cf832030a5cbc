import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { MessageSpool, spoolMessage } from './message-spool';

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

const text = (n: number) => Buffer.from(`${'x'.repeat(n - 2)}\r\n`);

describe('MessageSpool', () => {
  it('keeps a small message in memory and copies written chunks', async () => {
    const spool = new MessageSpool({ memoryLimit: 100 });
    const chunk = Buffer.from('Subject: hi\r\n\r\nbody\r\n');
    await spool.write(chunk);
    chunk.fill(0);
    const message = await spool.finish();
    expect(message.location).toBe('memory');
    expect(Buffer.from(await message.bytes()).toString()).toBe('Subject: hi\r\n\r\nbody\r\n');
    expect(message.size).toBe(21);
  });

  it('moves to a private temporary file above the threshold and deletes it on dispose', async () => {
    const spool = new MessageSpool({ memoryLimit: 1000 });
    const parts = [text(600), text(600), text(5000)];
    for (const part of parts) await spool.write(part);
    const message = await spool.finish();
    expect(message.location).not.toBe('memory');
    expect(((await stat(message.location)).mode & 0o777).toString(8)).toBe('600');
    const expected = Buffer.concat(parts);
    expect((await collect(message.stream())).equals(expected)).toBe(true);
    expect((await collect(message.stream())).equals(expected)).toBe(true);
    expect(Buffer.from(await message.bytes()).equals(expected)).toBe(true);
    expect(message.size).toBe(expected.length);
    await message.dispose();
    await message.dispose();
    expect(existsSync(message.location)).toBe(false);
  });

  it('refuses writes after finish with a coded error', async () => {
    const spool = new MessageSpool();
    await spool.finish();
    await expect(spool.write(Buffer.from('late'))).rejects.toMatchObject({
      code: 'WARP_ERR_HOOKS_SPOOL_FINISHED',
    });
  });

  it('reports a spool directory it cannot write with a coded error', async () => {
    const spool = new MessageSpool({ memoryLimit: 1, directory: '/nonexistent/warp-spool' });
    await expect(spool.write(Buffer.from('too big'))).rejects.toMatchObject({
      code: 'WARP_ERR_HOOKS_SPOOL_WRITE',
    });
  });

  it('removes the temporary file when discarded', async () => {
    const before = (await readdir(tmpdir())).filter((name) => name.startsWith('warp-spool-'));
    const spool = new MessageSpool({ memoryLimit: 10 });
    await spool.write(text(100));
    await spool.discard();
    const after = (await readdir(tmpdir())).filter((name) => name.startsWith('warp-spool-'));
    expect(after.sort()).toEqual(before.sort());
  });
});

describe('spoolMessage', () => {
  it('spools an async iterable and passes bytes through as they are', async () => {
    async function* chunks() {
      yield text(50);
      yield text(50);
    }
    const fromStream = await spoolMessage(chunks(), { memoryLimit: 60 });
    expect(fromStream.location).not.toBe('memory');
    expect(fromStream.size).toBe(100);
    await fromStream.dispose();
    const bytes = Buffer.from('abc');
    expect(await (await spoolMessage(bytes)).bytes()).toBe(bytes);
  });
});
