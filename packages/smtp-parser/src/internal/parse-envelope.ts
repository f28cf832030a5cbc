import type { CommandIssue, EnvelopeArgument, EsmtpParameter } from '../command';
import { decodeXtext } from '../xtext';

const KEYWORD = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** Index of the `>` closing a path that starts at `start` (a `<`), skipping quoted strings. */
function closingBracket(text: string, start: number): number {
  let quoted = false;
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '>') return i;
  }
  return -1;
}

/** Index of the `@` separating local part and domain (the last one outside quotes). */
function atSign(mailbox: string): number {
  let quoted = false;
  let at = -1;
  for (let i = 0; i < mailbox.length; i++) {
    const ch = mailbox[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '@') at = i;
  }
  return at;
}

function applyParameter(envelope: EnvelopeArgument, parameter: EsmtpParameter): boolean {
  const { keyword, value } = parameter;
  switch (keyword) {
    case 'SIZE':
      if (value === undefined || !/^\d{1,15}$/.test(value)) return false;
      envelope.size = Number(value);
      return true;
    case 'BODY':
      if (value === undefined) return false;
      envelope.body = value.toUpperCase();
      return true;
    case 'SMTPUTF8':
      envelope.smtputf8 = true;
      return value === undefined;
    case 'RET':
      if (value === undefined) return false;
      envelope.ret = value.toUpperCase();
      return true;
    case 'ENVID': {
      const decoded = value === undefined ? undefined : decodeXtext(value);
      if (decoded === undefined) return false;
      envelope.envid = decoded;
      return true;
    }
    case 'NOTIFY':
      if (value === undefined || value === '') return false;
      envelope.notify = value.toUpperCase().split(',');
      return true;
    case 'ORCPT': {
      const semi = value?.indexOf(';') ?? -1;
      const decoded = semi > 0 ? decodeXtext(value!.slice(semi + 1)) : undefined;
      if (decoded === undefined) return false;
      envelope.orcpt = { addressType: value!.slice(0, semi), address: decoded };
      return true;
    }
    default:
      return true;
  }
}

/**
 * Parses what follows `MAIL FROM:` or `RCPT TO:` into an address and its
 * ESMTP parameters. Pushes RFC violations into `issues`; returns `undefined`
 * when no path can be found at all.
 */
export function parseEnvelope(text: string, issues: CommandIssue[]): EnvelopeArgument | undefined {
  let rest = text;
  if (rest.startsWith(' ')) {
    issues.push('space-before-path');
    rest = rest.replace(/^ +/, '');
  }
  let path: string;
  if (rest.startsWith('<')) {
    const close = closingBracket(rest, 0);
    if (close < 0) {
      issues.push('invalid-path');
      return undefined;
    }
    path = rest.slice(1, close);
    rest = rest.slice(close + 1);
  } else {
    issues.push('missing-brackets');
    const space = rest.indexOf(' ');
    path = space < 0 ? rest : rest.slice(0, space);
    rest = space < 0 ? '' : rest.slice(space);
    if (path === '') {
      issues.push('invalid-path');
      return undefined;
    }
  }
  const sourceRoute: string[] = [];
  if (path.startsWith('@')) {
    const colon = path.indexOf(':');
    if (colon < 0) {
      issues.push('invalid-path');
      return undefined;
    }
    for (const hop of path.slice(0, colon).split(',')) sourceRoute.push(hop.replace(/^@/, ''));
    path = path.slice(colon + 1);
  }
  const at = atSign(path);
  const envelope: EnvelopeArgument = {
    address: path,
    localPart: at < 0 ? path : path.slice(0, at),
    domain: at < 0 ? '' : path.slice(at + 1),
    quoted: path.startsWith('"'),
    utf8: /[^\x00-\x7f]/.test(path),
    sourceRoute,
    parameters: [],
  };
  if (rest !== '' && !rest.startsWith(' ')) issues.push('invalid-parameter');
  for (const word of rest.split(' ')) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    const keyword = eq < 0 ? word : word.slice(0, eq);
    const parameter = {
      keyword: keyword.toUpperCase(),
      value: eq < 0 ? undefined : word.slice(eq + 1),
    };
    envelope.parameters.push(parameter);
    if (!KEYWORD.test(keyword) || !applyParameter(envelope, parameter)) {
      if (!issues.includes('invalid-parameter')) issues.push('invalid-parameter');
    }
  }
  return envelope;
}
