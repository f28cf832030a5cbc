import type { ReceivedReply } from '@warp/hooks';
import { formatEnhancedStatus, type Reply } from '@warp/smtp-parser';

/** A reply of warp's own, parsed into the same form as a server's. */
export function localReply(code: number, enhanced: string, text: string): Reply {
  const raw = Buffer.from(`${code} ${enhanced} ${text}\r\n`, 'latin1');
  const [klass, subject, detail] = enhanced.split('.').map(Number) as [number, number, number];
  const status = { class: klass, subject, detail };
  return {
    code,
    enhanced: status,
    lines: [{ code, final: true, enhanced: status, text, offset: 0, raw, ending: 'CRLF' }],
    offset: 0,
    length: raw.length,
    issues: [],
  };
}

/** Turns a parsed reply into the event form: code, enhanced status (RFC 3463), text, lines. */
export function toReceivedReply(reply: Reply): ReceivedReply {
  const text = reply.lines.map((line) => line.text).join('\n');
  const lines = reply.lines.map((line) =>
    line.raw.toString('latin1', 0, line.raw.length - (line.ending === 'CRLF' ? 2 : 1)),
  );
  return reply.enhanced
    ? { code: reply.code, enhanced: formatEnhancedStatus(reply.enhanced), text, lines }
    : { code: reply.code, text, lines };
}
