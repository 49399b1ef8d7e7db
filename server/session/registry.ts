/**
 * Which session holds each subscribed queue, in this process. A queue has one owner: a
 * newer subscription takes it from an older one (a reconnect overlapping its old
 * connection; two of my devices never share a queue), and the older one is told
 * (SessionEvent.taken). Wake-ups of the store go to the owner only.
 */
export interface Subscriber {
  /** The queue now belongs to another session: stop pushing it here. */
  lose(lookup: string): void;
  /** These queues (or all, `null`) may have new messages. */
  wake(lookups: string[] | null): void;
}

export class SubscriptionRegistry {
  private readonly owners = new Map<string, Subscriber>();
  private readonly sessions = new Set<Subscriber>();

  get size(): number {
    return this.owners.size;
  }
  get sessionCount(): number {
    return this.sessions.size;
  }

  add(s: Subscriber): void {
    this.sessions.add(s);
  }

  /** `s` owns `lookup` from now on; the previous owner, if another, loses it. */
  claim(s: Subscriber, lookup: string): void {
    const before = this.owners.get(lookup);
    this.owners.set(lookup, s);
    if (before && before !== s) before.lose(lookup);
  }

  release(s: Subscriber, lookup: string): void {
    if (this.owners.get(lookup) === s) this.owners.delete(lookup);
  }

  remove(s: Subscriber, lookups: Iterable<string>): void {
    for (const l of lookups) this.release(s, l);
    this.sessions.delete(s);
  }

  wake(lookups: string[] | null): void {
    if (lookups === null) {
      for (const s of this.sessions) s.wake(null);
      return;
    }
    let by: Map<Subscriber, string[]> | null = null;
    for (const l of lookups) {
      const s = this.owners.get(l);
      if (!s) continue;
      by ??= new Map();
      const list = by.get(s);
      if (list) list.push(l);
      else by.set(s, [l]);
    }
    if (by) for (const [s, ls] of by) s.wake(ls);
  }

  all(): Iterable<Subscriber> {
    return this.sessions;
  }
}
