/**
 * Removes EHLO keywords from a reply's lines and re-emits it with correct
 * `250-`/`250 ` continuation (RFC 5321 4.2.1), whichever line went. A
 * stand-in for `@warp/ehlo-rewriter` until that package lands.
 */
export function stripCapabilities(lines: readonly string[], remove: ReadonlySet<string>): Buffer {
  const kept = lines.filter((line, index) => {
    if (index === 0) return true;
    const keyword = line.slice(4).split(' ', 1)[0]?.toUpperCase() ?? '';
    return !remove.has(keyword);
  });
  const out = kept.map((line, index) => {
    const separator = index === kept.length - 1 ? ' ' : '-';
    return `${line.slice(0, 3)}${separator}${line.slice(4)}\r\n`;
  });
  return Buffer.from(out.join(''), 'latin1');
}

/** Whether an EHLO reply lists `keyword` (case-insensitive). */
export function hasCapability(lines: readonly string[], keyword: string): boolean {
  return lines.some(
    (line, index) => index > 0 && line.slice(4).split(' ', 1)[0]?.toUpperCase() === keyword,
  );
}
