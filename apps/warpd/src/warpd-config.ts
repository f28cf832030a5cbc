import type { tags } from 'typia';

/** A `host:port` listen address; IPv6 in brackets (`[::1]:10025`). */
export type ListenAddress = string & tags.Pattern<'^(\\[[0-9a-fA-F:.]+\\]|[0-9.]+):[0-9]{1,5}$'>;

/** A plugin entry: a package name or a path, and its options. */
export interface PluginEntry {
  /** Package name (`@warp/plugin-file`) or path relative to the config file. */
  use: string;
  /** Options for the plugin's factory (the plugin validates them). */
  options?: unknown;
  /**
   * Run the plugin in its own worker thread (observers such as stores and
   * notifiers; not plugins with deciders). Its work then uses another core
   * than the relay's.
   */
  worker?: boolean;
}

/**
 * warpd's configuration file (JSON). Every field is optional; unknown keys
 * are errors (typos must not pass silently).
 *
 * @example
 * ```json
 * { "listen": ["127.0.0.1:10025"], "tls": { "policy": "opportunistic" },
 *   "rules": { "mtaUser": "postfix" },
 *   "plugins": [{ "use": "@warp/plugin-file", "options": { "path": "/var/log/warp/events.jsonl" } }] }
 * ```
 */
export interface WarpdConfig {
  /** Addresses to listen on (default `["127.0.0.1:10025"]`; add `[::1]:10025` for IPv6 REDIRECT). */
  listen?: ListenAddress[] & tags.MinItems<1>;
  /** Node id in events and logs (default: the host name). */
  nodeId?: string & tags.MinLength<1>;
  /** Source addresses towards the MX (one, or a pool); default: the kernel's choice. */
  egress?: (string & (tags.Format<'ipv4'> | tags.Format<'ipv6'>))[];
  tls?: {
    /** `opportunistic` (default), `required` or `off`. */
    policy?: 'opportunistic' | 'required' | 'off';
    /** How long an MX stays marked TLS-broken after a failed handshake (default 3600). */
    brokenTtlSeconds?: number & tags.Minimum<0>;
    /** Extra CA certificates (PEM file) trusted when verifying MX certificates. */
    caFile?: string;
  };
  /** Keep CHUNKING and relay BDAT by octet count (default true). */
  relayBdat?: boolean;
  /**
   * How sockets are made: `native` (`@warp/native-io`: libuv without Node's
   * streams, less CPU per message), `node` (Node's `net`), or `auto`
   * (default: native, and node with a warning when the addon does not load).
   * TLS towards the MX is Node's `tls` either way.
   */
  io?: 'auto' | 'native' | 'node';
  /** Sessions above which new connections get `421 4.3.2` (default 1000). */
  maxSessions?: number & tags.Type<'uint32'> & tags.Minimum<1>;
  /** Timeouts in seconds; defaults follow RFC 5321 4.5.3.2. */
  timeouts?: {
    connect?: number & tags.Minimum<1>;
    greeting?: number & tags.Minimum<1>;
    command?: number & tags.Minimum<1>;
    dataInit?: number & tags.Minimum<1>;
    dataBlock?: number & tags.Minimum<1>;
    dataEnd?: number & tags.Minimum<1>;
    clientIdle?: number & tags.Minimum<1>;
    tlsHandshake?: number & tags.Minimum<1>;
  };
  /** Seconds sessions get to finish on SIGTERM/SIGINT before `421` (default 30). */
  shutdownGraceSeconds?: number & tags.Minimum<0>;
  log?: {
    /** pino level (default `info`). */
    level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
  /** Inputs of `warpd rules`. */
  rules?: {
    /** User whose outbound port-25 connections are redirected (default `postfix`). */
    mtaUser?: string & tags.MinLength<1>;
    /** Port the MTA connects to (default 25). */
    smtpPort?: number & tags.Type<'uint32'> & tags.Minimum<1> & tags.Maximum<65535>;
  };
  /**
   * A fixed destination instead of SO_ORIGINAL_DST (test setups without NAT).
   * `host:port`.
   */
  fixedDestination?: ListenAddress;
  /**
   * What of the mail every plugin may see (applied once, before the hook bus).
   * Default: envelope only (commands, replies, addresses; never content),
   * addresses kept, AUTH exchanges always redacted.
   */
  privacy?: {
    /**
     * `envelope` (default), `headers` (plus `headerAllowlist`), `full`. The
     * relay captures (and buffers) only what this level shows.
     */
    capture?: 'envelope' | 'headers' | 'full';
    /**
     * Bytes of message content kept per message at `capture: "full"`
     * (default 1048576); a longer message is cut (`contentTruncated`).
     */
    maxContentBytes?: number & tags.Type<'uint32'>;
    /** `keep` (default), `hash` (keyed HMAC of the local part; needs `hashKey`), `domain-only`. */
    addresses?: 'keep' | 'hash' | 'domain-only';
    /** HMAC key for `addresses: "hash"`; keep it secret and stable. */
    hashKey?: string & tags.MinLength<16>;
    /** Headers kept at `headers` level (default `["Message-ID"]`). */
    headerAllowlist?: string[];
  };
  /** Plugins, in order (observers and deciders). */
  plugins?: PluginEntry[];
}
