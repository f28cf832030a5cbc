// Argument and errno handling that needs no root; real NAT is exercised in
// get-original-destination.netns.test.ts.
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getOriginalDestination } from './get-original-destination';

const scratch = mkdtempSync(join(tmpdir(), 'warp-odst-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Accepts one connection on a unix socket and hands the accepted socket over. */
async function acceptedUnixSocket(): Promise<{ socket: Socket; server: Server; client: Socket }> {
  const path = join(scratch, `s${Date.now()}.sock`);
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const client = connect(path);
  return { socket: await accepted, server, client };
}

describe('getOriginalDestination', () => {
  it.each([-1, 1.5, Number.NaN, 2 ** 31])('refuses %s as a file descriptor', (fd) => {
    expect(() => getOriginalDestination(fd)).toThrow(
      expect.objectContaining({ code: 'WARP_ERR_ORIGINAL_DST_INVALID_ARGUMENT' }),
    );
  });

  it('refuses a destroyed socket, which has no file descriptor', async () => {
    const { socket, server, client } = await acceptedUnixSocket();
    socket.destroy();
    client.destroy();
    server.close();
    expect(() => getOriginalDestination(socket)).toThrow(
      expect.objectContaining({
        code: 'WARP_ERR_ORIGINAL_DST_INVALID_ARGUMENT',
        message: expect.stringContaining('connection event'),
      }),
    );
  });

  it('reports ENOTSOCK for a file descriptor that is a file', () => {
    const fd = openSync(join(scratch, 'file'), 'w');
    try {
      expect(() => getOriginalDestination(fd)).toThrow(
        expect.objectContaining({
          code: 'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED',
          errno: 'ENOTSOCK',
          syscall: 'getsockname',
        }),
      );
    } finally {
      closeSync(fd);
    }
  });

  it('reports EBADF for a closed file descriptor', () => {
    const fd = openSync(join(scratch, 'closed'), 'w');
    closeSync(fd);
    expect(() => getOriginalDestination(fd)).toThrow(
      expect.objectContaining({ code: 'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED', errno: 'EBADF' }),
    );
  });

  it('reports EAFNOSUPPORT for a unix-domain socket', async () => {
    const { socket, server, client } = await acceptedUnixSocket();
    try {
      expect(() => getOriginalDestination(socket)).toThrow(
        expect.objectContaining({
          code: 'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED',
          errno: 'EAFNOSUPPORT',
          message: expect.stringContaining('only IPv4 and IPv6 TCP sockets'),
        }),
      );
    } finally {
      socket.destroy();
      client.destroy();
      server.close();
    }
  });
});
