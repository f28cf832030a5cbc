import type { Socket } from 'node:net';
import type { Reply, ReplyParser } from '@warp/smtp-parser';
import { RelayError } from '../relay-error';

const TLS_FAILED = {
  code: 421,
  enhanced: '4.7.0',
  text: '[warp] TLS with the MX failed, try again later',
};

/**
 * Reads one reply from `socket` during the STARTTLS exchange, with a
 * deadline. Leaves the socket paused and without the listener, so no byte is
 * lost before the session attaches its own.
 */
export function readReply(
  socket: Socket,
  parser: ReplyParser,
  timeoutMs: number,
  step: string,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      socket.pause();
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
    };
    const fail = (detail: string, cause?: unknown) => {
      cleanup();
      reject(
        new RelayError(
          'WARP_ERR_RELAY_TLS_HANDSHAKE',
          `STARTTLS with the MX failed while ${step}: ${detail}`,
          TLS_FAILED,
          cause,
        ),
      );
    };
    const onData = (chunk: Buffer) => {
      // Whatever follows the first reply in the same read is not a reply to
      // anything warp sent: dropped with the parser's state by the caller.
      for (const event of parser.push(chunk)) {
        if (event.type === 'reply') {
          cleanup();
          resolve(event.reply);
          return;
        }
        if (event.type === 'line-too-long') return fail('reply line too long');
      }
    };
    const onError = (error: Error) => fail(error.message, error);
    const onClose = () => fail('connection closed');
    const timer = setTimeout(() => fail(`no reply within ${timeoutMs} ms`), timeoutMs);
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.resume();
  });
}
