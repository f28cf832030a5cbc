import { isIPv6 } from 'node:net';

/** Round-robin over the configured source addresses, per address family. */
export class EgressPool {
  readonly addresses: readonly string[];
  #next = 0;

  constructor(addresses: readonly string[]) {
    this.addresses = addresses;
  }

  /** The next pool address of the destination's family, or `undefined` (kernel's choice). */
  pick(destinationAddress: string): string | undefined {
    // No pool (the common case): no address parsing per session.
    if (this.addresses.length === 0) return undefined;
    const v6 = isIPv6(destinationAddress);
    const candidates = this.addresses.filter((address) => isIPv6(address) === v6);
    if (candidates.length === 0) return undefined;
    const address = candidates[this.#next % candidates.length];
    this.#next++;
    return address;
  }
}
