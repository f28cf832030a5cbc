/**
 * Remembers MX addresses whose TLS handshake failed, for `ttlMs`, so that
 * under the opportunistic policy the next session to them goes plaintext
 * instead of failing the same way again (and again deferring the mail).
 */
export class TlsBrokenMemory {
  readonly #until = new Map<string, number>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(ttlMs: number, now: () => number = () => performance.now()) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Marks `address` TLS-broken from now for the configured time. */
  remember(address: string): void {
    this.#until.set(address, this.#now() + this.#ttlMs);
  }

  /** Whether `address` is still marked TLS-broken. */
  isBroken(address: string): boolean {
    const until = this.#until.get(address);
    if (until === undefined) return false;
    if (until > this.#now()) return true;
    this.#until.delete(address);
    return false;
  }
}
