import { type Lab, waitFor } from './lab';
import { deliveredFiles, deliveredNames, submit } from './postfix-instance';

let counter = 0;

/**
 * A small RFC 5322 message from sender@example.org with a unique Message-ID
 * (LF line ends, as sendmail takes it). Declare `7bit` where the MX offers no
 * 8BITMIME: Postfix converts an `8bit` message to quoted-printable then.
 */
export function labMessage(
  subject: string,
  body: string,
  to = 'rcpt@example.net',
  transferEncoding: '7bit' | '8bit' = '8bit',
): Buffer {
  counter++;
  return Buffer.from(
    `From: sender@example.org\nTo: ${to}\nSubject: ${subject}\nDate: Sat, 28 Nov 2026 12:00:00 +0000\nMessage-ID: <lab-${process.pid}-${counter}@example.org>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: ${transferEncoding}\n\n${body}`,
    'utf8',
  );
}

/**
 * Submits each message to the lab's sending Postfix, waits until the MX has
 * one new file per recipient and the sender's queue is empty, and returns
 * the new files (in no particular order).
 */
export async function deliverAll(
  lab: Lab,
  messages: ReadonlyArray<{ body: Buffer; to?: string[] }>,
): Promise<Buffer[]> {
  // Maildir names do not sort in delivery order: compare sets of names.
  const seen = new Set(deliveredNames(lab.mx));
  let expected = 0;
  for (const m of messages) {
    const to = m.to ?? ['rcpt@example.net'];
    expected += to.length;
    await submit(lab.sender, 'sender@example.org', to, m.body);
  }
  await waitFor(
    `${expected} deliveries at the MX`,
    () => deliveredNames(lab.mx).length >= seen.size + expected,
    90_000,
  );
  await waitFor('an empty sender queue', () => lab.sender.queueEmpty());
  return deliveredFiles(lab.mx, seen);
}

/** Whether a delivered file ends with the submitted message, byte for byte (the MX only prepends headers). */
export function endsWith(file: Buffer | undefined, original: Buffer): boolean {
  return !!file && file.subarray(file.length - original.length).equals(original);
}
