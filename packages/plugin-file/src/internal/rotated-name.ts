import { basename, dirname, join } from 'node:path';

/** `events.jsonl` rotated at `2026-11-28T12:00:05Z` -> `events.20261128T120005Z.jsonl` (plus `.1`, `.2` on clashes). */
export function rotatedName(path: string, at: Date, attempt = 0): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  const suffix = attempt === 0 ? '' : `.${attempt}`;
  return join(dirname(path), `${stem}.${stamp}${suffix}${ext}`);
}

/** Whether `name` (a file name in the same directory) is a rotated copy of `path`. */
export function isRotatedName(path: string, name: string): boolean {
  const base = basename(path);
  const dot = base.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [base.slice(0, dot), base.slice(dot)] : [base, ''];
  return name.startsWith(`${stem}.`) && name.endsWith(ext) && /\.\d{8}T\d{6}Z(\.\d+)?/.test(name);
}
