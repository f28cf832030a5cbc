import type { Socket } from 'node:net';
import { RelayError } from '../relay-error';
import type { FramedReply, ReplyFramer } from './reply-framer';

const TLS_FAILED = {
  code: 421,
  enhanced: '4.7.0',
  text: '[warp] TLS with the MX failed, try again later',
};

/**
 * Reads exactly one reply from `socket` during the STARTTLS exchange, with a
 * deadline. Leaves the socket paused and without the listener, so no byte is
 * lost before the session attaches its own.
 */
export function readReply(
  socket: Socket,
  framer: ReplyFramer,
  timeoutMs: number,
  step: string,
): Promise<FramedReply> {
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
      let replies: FramedReply[];
      try {
        replies = framer.push(chunk);
      } catch (error) {
        fail('reply too long', error);
        return;
      }
      const first = replies[0];
      if (first) {
        cleanup();
        resolve(first);
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
