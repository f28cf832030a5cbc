import type { ReceivedReply } from '@warp/hooks';
import type { FramedReply } from './reply-framer';

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?: |$)/;

/** Turns a framed reply into the event form: code, enhanced status (RFC 3463), text, lines. */
export function toReceivedReply(reply: FramedReply): ReceivedReply {
  let enhanced: string | undefined;
  const text = reply.lines
    .map((line, index) => {
      const rest = line.slice(4);
      const match = ENHANCED.exec(rest);
      if (!match) return rest;
      if (index === 0) enhanced = `${match[1]}.${match[2]}.${match[3]}`;
      return rest.slice(match[0].length);
    })
    .join('\n');
  return enhanced === undefined
    ? { code: reply.code, text, lines: reply.lines }
    : { code: reply.code, enhanced, text, lines: reply.lines };
}
