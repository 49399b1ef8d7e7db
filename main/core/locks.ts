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

  /** Whether nobody holds or waits for `key`. */
  private idle(key: string): boolean {
    return !this.tails.has(key);
  }

  /**
   * Runs `fn` once every one of `keys` is free at the same moment, with nothing held while
   * waiting (so this never joins a lock-order cycle). `fn` is synchronous — the type refuses
   * a promise — so no other holder of those keys can run until it returns: that is what
   * holding them would guarantee, and an `await` slipped into it cannot break it. Resolves
   * null, without running `fn`, when the keys did not come free together within `waits` rounds.
   */
  async whileFree<T>(keys: string[], fn: () => Sync<T>, waits = 20): Promise<T | null> {
    for (let round = 0; ; round++) {
      const busy = keys.filter((k) => !this.idle(k));
      if (!busy.length) return fn();
      if (round === waits) return null;
      await Promise.all(busy.map((k) => this.run(k, () => Promise.resolve())));
      await new Promise((r) => setImmediate(r));
    }
  }
}

/** A value that is not a promise: what a synchronous critical section returns. */
export type Sync<T> = T extends PromiseLike<unknown> ? never : T;

export type ChannelKind = 'peer' | 'device';

/** The lock of one channel: a contact's ('peer') or one of my devices' ('device'). */
export function channelLock(kind: ChannelKind, uid: string): string {
  return `${kind}/${uid}`;
}

export const contactLock = (uid: string): string => channelLock('peer', uid);
export const deviceLock = (uid: string): string => channelLock('device', uid);
export const OUTBOX_LOCK = 'outbox';
