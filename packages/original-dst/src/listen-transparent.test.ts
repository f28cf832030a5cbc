// Argument checks that need no root; TPROXY itself is exercised in
// listen-transparent.netns.test.ts.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listenTransparent } from './listen-transparent';

describe('listenTransparent', () => {
  it.each([
    ['a host name', 'localhost', 10025],
    ['a port above 65535', '127.0.0.1', 70_000],
    ['a negative port', '::1', -1],
    ['a fractional port', '127.0.0.1', 25.5],
  ])('refuses %s', async (_, host, port) => {
    const server = createServer();
    await expect(listenTransparent(server, { host, port })).rejects.toMatchObject({
      code: 'WARP_ERR_ORIGINAL_DST_INVALID_ARGUMENT',
      message: expect.stringContaining(`cannot listen on ${host} port ${port}`),
    });
    expect(server.listening).toBe(false);
  });
});
