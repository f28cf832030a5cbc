/** What the rows of a session repeat, so queries need no join. */
export interface SessionState {
  egressAddress: string | null;
  mxHost: string | null;
  destDomain: string | null;
  senderDomain: string | null;
}

/**
 * Per-session state the writer keeps between batches, bounded: the oldest
 * sessions are forgotten first (their later rows then lack the repeated
 * columns, which the `sessions` row still has).
 */
export class SessionMemo {
  readonly #sessions = new Map<string, SessionState>();
  readonly #limit: number;

  constructor(limit = 100_000) {
    this.#limit = limit;
  }

  /** Start remembering a session. */
  open(nodeId: string, sessionId: string, egressAddress: string): void {
    this.get(nodeId, sessionId).egressAddress = egressAddress;
  }

  /** The state of a session (created empty when unknown). */
  get(nodeId: string, sessionId: string): SessionState {
    const key = `${nodeId}\u0000${sessionId}`;
    let state = this.#sessions.get(key);
    if (state === undefined) {
      state = { egressAddress: null, mxHost: null, destDomain: null, senderDomain: null };
      this.#sessions.set(key, state);
      if (this.#sessions.size > this.#limit) {
        const oldest = this.#sessions.keys().next().value;
        if (oldest !== undefined) this.#sessions.delete(oldest);
      }
    }
    return state;
  }

  /** Forget a closed session. */
  close(nodeId: string, sessionId: string): void {
    this.#sessions.delete(`${nodeId}\u0000${sessionId}`);
  }

  /** How many sessions are remembered. */
  get size(): number {
    return this.#sessions.size;
  }
}
