/**
 * Serialises async work per key: ratchet operations of one peer never interleave
 * (two encrypts racing on one chain would reuse a message key).
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Whether nobody holds or waits for `key` (synchronous work may then act as its holder). */
  idle(key: string): boolean {
    return !this.tails.has(key);
  }

  /**
   * Resolves true once every one of `keys` is idle at the same moment (the caller then acts
   * as their holder for as long as it stays synchronous), false after `waits` rounds of
   * waiting. Nothing is held while waiting, so this never joins a lock-order cycle.
   */
  async whenIdle(keys: string[], waits = 20): Promise<boolean> {
    for (let round = 0; ; round++) {
      const busy = keys.filter((k) => !this.idle(k));
      if (!busy.length) return true;
      if (round === waits) return false;
      await Promise.all(busy.map((k) => this.run(k, () => Promise.resolve())));
      await new Promise((r) => setImmediate(r));
    }
  }
}
