/**
 * Held long-polls: one waiter per pull, registered under each queue it watches.
 * A waiter is registered before the pull first reads its queues, so a post that
 * lands between the read and the wait is never missed (the wake is kept until
 * the waiter asks for it).
 */
export type WakeReason = 'wake' | 'timeout' | 'shutdown' | 'abort';

export class Waiter {
  private pending: WakeReason | null = null;
  private resolve: ((r: WakeReason) => void) | null = null;
  private closed: 'shutdown' | 'abort' | null = null;

  constructor(readonly lookups: readonly string[]) {}

  fire(reason: WakeReason): void {
    if (reason === 'shutdown' || reason === 'abort') this.closed ??= reason;
    if (this.resolve) {
      const r = this.resolve;
      this.resolve = null;
      r(reason);
    } else if (this.pending !== 'shutdown' && this.pending !== 'abort') {
      this.pending = reason;
    }
  }

  /** Waits for a wake-up, at most `ms`. A wake that came since the last call returns at once. */
  next(ms: number): Promise<WakeReason> {
    if (this.closed) return Promise.resolve(this.closed);
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      return Promise.resolve(p);
    }
    if (ms <= 0) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.resolve = null;
        resolve('timeout');
      }, ms);
      this.resolve = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
    });
  }

  /** Forgets a wake-up seen before a fresh read of the queues. */
  clear(): void {
    if (this.pending === 'wake') this.pending = null;
  }
}

export class WaiterRegistry {
  private readonly byQueue = new Map<string, Set<Waiter>>();
  private readonly all = new Set<Waiter>();
  private shuttingDown = false;

  get size(): number {
    return this.all.size;
  }

  register(lookups: readonly string[]): Waiter {
    const w = new Waiter(lookups);
    if (this.shuttingDown) {
      w.fire('shutdown');
      return w;
    }
    this.all.add(w);
    for (const l of lookups) {
      let set = this.byQueue.get(l);
      if (!set) this.byQueue.set(l, (set = new Set()));
      set.add(w);
    }
    return w;
  }

  unregister(w: Waiter): void {
    if (!this.all.delete(w)) return;
    for (const l of w.lookups) {
      const set = this.byQueue.get(l);
      if (!set) continue;
      set.delete(w);
      if (!set.size) this.byQueue.delete(l);
    }
  }

  /** Wakes the waiters of these queues; `null` wakes every waiter. */
  wake(lookups: readonly string[] | null): void {
    if (lookups === null) {
      for (const w of this.all) w.fire('wake');
      return;
    }
    for (const l of lookups) for (const w of this.byQueue.get(l) ?? []) w.fire('wake');
  }

  /** Every held poll answers now (empty), and new ones do not wait. */
  shutdown(): void {
    this.shuttingDown = true;
    for (const w of this.all) w.fire('shutdown');
  }
}
