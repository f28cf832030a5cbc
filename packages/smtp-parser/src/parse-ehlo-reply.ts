import type { Reply } from './reply';

/** One extension line of an EHLO reply. */
export interface EhloExtension {
  /** Upper-cased keyword (`PIPELINING`, `SIZE`, `AUTH`...). */
  keyword: string;
  /** Parameters after the keyword, as written. */
  parameters: string[];
  /** Index of the line in `reply.lines`. */
  line: number;
}

/** An EHLO reply, parsed. */
export interface EhloReply {
  /** The domain the server greets with (first word of the first line). */
  domain: string;
  /** The rest of the first line after the domain. */
  greeting: string;
  /** Keyword -> parameters; the first line naming a keyword wins. */
  capabilities: Map<string, string[]>;
  /** Every extension line in order (duplicates included). */
  extensions: EhloExtension[];
}

/**
 * Parses a 250 reply to EHLO into the greeting domain and a capability map.
 * Returns `undefined` for any other code.
 *
 * @example
 * const ehlo = parseEhloReply(reply);
 * ehlo?.capabilities.has('STARTTLS');
 * ehlo?.capabilities.get('SIZE'); // ['35882577']
 */
export function parseEhloReply(reply: Reply): EhloReply | undefined {
  if (reply.code !== 250) return undefined;
  const [first = '', ...others] = reply.lines.map((line) => line.text);
  const space = first.indexOf(' ');
  const result: EhloReply = {
    domain: space < 0 ? first : first.slice(0, space),
    greeting: space < 0 ? '' : first.slice(space + 1),
    capabilities: new Map(),
    extensions: [],
  };
  others.forEach((text, index) => {
    const [keyword = '', ...parameters] = text.split(' ').filter((word) => word !== '');
    if (keyword === '') return;
    const extension = { keyword: keyword.toUpperCase(), parameters, line: index + 1 };
    result.extensions.push(extension);
    if (!result.capabilities.has(extension.keyword)) {
      result.capabilities.set(extension.keyword, parameters);
    }
  });
  return result;
}
