import { parseEhloReply, type Reply } from '@warp/smtp-parser';

const DASH = 0x2d;
const SPACE = 0x20;

/**
 * Removes EHLO keywords from a 250 reply and re-emits it with correct
 * `250-`/`250 ` continuation (RFC 5321 4.2.1), whichever line went; every
 * other byte stays as the MX sent it. Returns `undefined` when nothing is
 * removed. A stand-in for `@warp/ehlo-rewriter` until that package lands.
 */
export function stripCapabilities(reply: Reply, remove: ReadonlySet<string>): Buffer | undefined {
  const ehlo = parseEhloReply(reply);
  if (!ehlo) return undefined;
  const dropped = new Set(
    ehlo.extensions
      .filter((extension) => remove.has(extension.keyword))
      .map((extension) => extension.line),
  );
  if (dropped.size === 0) return undefined;
  const kept = reply.lines.filter((_, index) => !dropped.has(index));
  return Buffer.concat(
    kept.map((line, index) => {
      const separator = index === kept.length - 1 ? SPACE : DASH;
      if (line.raw[3] === separator || line.raw.length < 4) return line.raw;
      const copy = Buffer.from(line.raw);
      if (copy[3] === DASH || copy[3] === SPACE) copy[3] = separator;
      else return Buffer.concat([copy.subarray(0, 3), Buffer.of(separator), copy.subarray(3)]);
      return copy;
    }),
  );
}

/** Whether a 250 EHLO reply lists `keyword`. */
export function hasCapability(reply: Reply, keyword: string): boolean {
  return parseEhloReply(reply)?.capabilities.has(keyword) ?? false;
}
