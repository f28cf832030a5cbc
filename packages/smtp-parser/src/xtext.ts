const HEX = '0123456789ABCDEF';

/**
 * Decodes RFC 3461 xtext (`+2B` for `+`). Returns `undefined` when the text is
 * not valid xtext (a `+` not followed by two upper-case hex digits, a bare `=`).
 * Non-ASCII characters are kept as they are (RFC 6533 utf-8-addr-xtext).
 *
 * @example decodeXtext('a+2Bb@example.org') // 'a+b@example.org'
 */
export function decodeXtext(text: string): string | undefined {
  if (!text.includes('+')) return /[=\x00-\x20\x7f]/.test(text) ? undefined : text;
  const bytes: number[] = [];
  const raw = Buffer.from(text, 'utf8');
  for (let i = 0; i < raw.length; i++) {
    const byte = raw[i]!;
    if (byte === 0x2b) {
      const hi = HEX.indexOf(String.fromCharCode(raw[i + 1] ?? 0));
      const lo = HEX.indexOf(String.fromCharCode(raw[i + 2] ?? 0));
      if (hi < 0 || lo < 0) return undefined;
      bytes.push(hi * 16 + lo);
      i += 2;
    } else if (byte === 0x3d || byte <= 0x20 || byte === 0x7f) {
      return undefined;
    } else {
      bytes.push(byte);
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * Encodes text as RFC 3461 xtext: `+`, `=`, controls, space and non-ASCII
 * bytes become `+XX`.
 *
 * @example encodeXtext('a+b@example.org') // 'a+2Bb@example.org'
 */
export function encodeXtext(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte > 0x20 && byte < 0x7f && byte !== 0x2b && byte !== 0x3d)
      out += String.fromCharCode(byte);
    else out += `+${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}
