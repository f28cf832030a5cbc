/** A parsed `host:port` (IPv6 host without brackets). */
export interface HostPort {
  host: string;
  port: number;
}

/** Parses `127.0.0.1:10025` or `[::1]:10025` (already validated by the config schema). */
export function parseHostPort(text: string): HostPort {
  const colon = text.lastIndexOf(':');
  const host = text.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  return { host, port: Number(text.slice(colon + 1)) };
}

/** The default listen address: loopback, port 10025. */
export const DEFAULT_LISTEN = '127.0.0.1:10025';
