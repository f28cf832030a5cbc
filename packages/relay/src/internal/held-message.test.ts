import { describe, expect, it } from 'vitest';
import { dotStuffed, dotUnstuffer, HeldMessage } from './held-message';

const stuffedText = '..a\r\nb\r\n..\r\n...c\r\nd.\r\n';
const plainText = '.a\r\nb\r\n.\r\n..c\r\nd.\r\n';

async function collect(chunks: string[]): Promise<string> {
  async function* source() {
    for (const chunk of chunks) yield Buffer.from(chunk, 'latin1');
  }
  const out: Buffer[] = [];
  for await (const chunk of dotStuffed(source())) out.push(chunk);
  return Buffer.concat(out).toString('latin1');
}

describe('dotUnstuffer', () => {
  it('removes one leading dot per line at every split point', () => {
    for (let split = 0; split <= stuffedText.length; split++) {
      const unstuff = dotUnstuffer();
      const out = Buffer.concat([
        unstuff(Buffer.from(stuffedText.slice(0, split), 'latin1')),
        unstuff(Buffer.from(stuffedText.slice(split), 'latin1')),
      ]);
      expect(out.toString('latin1'), `split at ${split}`).toBe(plainText);
    }
  });
});

describe('dotStuffed', () => {
  it('stuffs every line-leading dot at every split point and ends with a dot line', async () => {
    for (let split = 0; split <= plainText.length; split++)
      expect(await collect([plainText.slice(0, split), plainText.slice(split)])).toBe(
        `${stuffedText}.\r\n`,
      );
  });

  it('adds the CRLF a last line lacks', async () => {
    expect(await collect(['a\r\n.b'])).toBe('a\r\n..b\r\n.\r\n');
    expect(await collect([])).toBe('.\r\n');
  });
});

describe('HeldMessage', () => {
  it('spools a large message to a file and gives it back unstuffed', async () => {
    const held = new HeldMessage();
    const line = `.${'x'.repeat(998)}\r\n`;
    for (let i = 0; i < 2000; i++) held.write(Buffer.from(`.${line}`, 'latin1'));
    const message = await held.finish();
    expect(message.location).not.toBe('memory');
    expect(message.size).toBe(2000 * line.length);
    const bytes = Buffer.from(await message.bytes());
    expect(bytes.subarray(0, line.length).toString('latin1')).toBe(line);
    await message.dispose();
  });
});
