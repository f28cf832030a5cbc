import type { ClientEvent } from '../client-event';
import { CommandParser, type CommandParserOptions } from '../command-parser';
import type { ServerEvent } from '../reply-event';
import { ReplyParser, type ReplyParserOptions } from '../reply-parser';

/** Test support: the ways a stream is cut (whole, each two-piece split, one byte at a time). */
export function* splitings(input: Buffer): Generator<{ name: string; chunks: Buffer[] }> {
  yield { name: 'whole', chunks: [input] };
  for (let at = 1; at < input.length; at++) {
    yield { name: `split at ${at}`, chunks: [input.subarray(0, at), input.subarray(at)] };
  }
  yield { name: 'one byte at a time', chunks: [...input].map((byte) => Buffer.from([byte])) };
}

/**
 * Test support: merges runs of adjacent content events (which depend on how
 * the input was cut) so results of different splittings compare equal.
 */
export function mergeContent(events: ClientEvent[]): ClientEvent[] {
  const out: ClientEvent[] = [];
  for (const event of events) {
    const last = out[out.length - 1];
    if (
      last &&
      (event.type === 'data' || event.type === 'bdat-data') &&
      last.type === event.type &&
      last.offset + last.length === event.offset
    ) {
      out[out.length - 1] = {
        ...last,
        length: last.length + event.length,
        content: Buffer.concat([last.content, event.content]),
      };
    } else if (
      last &&
      event.type === 'bytes-discarded' &&
      last.type === 'bytes-discarded' &&
      last.reason === event.reason &&
      last.offset + last.length === event.offset
    ) {
      out[out.length - 1] = { ...last, length: last.length + event.length };
    } else if ((event.type === 'data' || event.type === 'bdat-data') && event.length === 0) {
      // An empty chunk carries nothing.
    } else {
      out.push(event);
    }
  }
  return out;
}

/** Test support: feeds client chunks; `onCommand` may call `startData()`/`resume()`/`reset()`. */
export function feedClient(
  chunks: Buffer[],
  options: CommandParserOptions = {},
  onEvent?: (parser: CommandParser, event: ClientEvent) => ClientEvent[] | undefined,
): ClientEvent[] {
  const parser = new CommandParser(options);
  const all: ClientEvent[] = [];
  const take = (events: ClientEvent[]): void => {
    for (const event of events) {
      all.push(event);
      const more = onEvent?.(parser, event);
      if (more) take(more);
    }
  };
  for (const chunk of chunks) take(parser.push(chunk));
  return mergeContent(all);
}

/** Test support: feeds server chunks into one {@link ReplyParser}. */
export function feedServer(chunks: Buffer[], options: ReplyParserOptions = {}): ServerEvent[] {
  const parser = new ReplyParser(options);
  return chunks.flatMap((chunk) => parser.push(chunk));
}

/** Test support: a canonical string of events (Buffers as latin1) for fast equality checks. */
export function canonical(events: readonly object[]): string {
  return JSON.stringify(events, (_key, value: unknown) =>
    value &&
    typeof value === 'object' &&
    (value as { type?: unknown }).type === 'Buffer' &&
    'data' in value
      ? Buffer.from((value as { data: number[] }).data).toString('latin1')
      : value,
  );
}
