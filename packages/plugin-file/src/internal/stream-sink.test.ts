import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { StreamSink } from './stream-sink';

describe('StreamSink', () => {
  it('writes lines to the stream', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const sink = new StreamSink(stream);
    await sink.open();
    await sink.write('{"a":1}\n');
    await sink.close();
    expect(chunks.join('')).toBe('{"a":1}\n');
  });

  it('turns a stream error into a coded error instead of crashing', async () => {
    const broken = new Writable({
      write: (_chunk, _encoding, callback) =>
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })),
    });
    const sink = new StreamSink(broken);
    await sink.open();
    await expect(sink.write('{"a":1}\n')).rejects.toMatchObject({ code: 'WARP_ERR_FILE_WRITE' });
    await expect(sink.write('{"a":2}\n')).rejects.toMatchObject({ code: 'WARP_ERR_FILE_WRITE' });
    await sink.close();
  });
});
