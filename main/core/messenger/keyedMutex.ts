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
}
