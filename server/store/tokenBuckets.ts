/** In-memory token buckets, one per source address or destination queue (the embedded store's rate limits). */
import type { RateLimit } from './types.js';

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  /**
   * Takes `count` tokens (a count above the burst asks for a full bucket) for `key`;
   * false when the bucket holds fewer (nothing is taken).
   */
  take(key: string, now: number, rate: RateLimit, count = 1): boolean {
    this.sweep(now, rate);
    const need = Math.min(count, rate.burst);
    const b = this.buckets.get(key) ?? { tokens: rate.burst, at: now };
    const tokens = Math.min(rate.burst, b.tokens + (Math.max(0, now - b.at) * rate.perSec) / 1000);
    if (tokens < need) {
      this.buckets.set(key, { tokens, at: now });
      return false;
    }
    this.buckets.set(key, { tokens: tokens - need, at: now });
    return true;
  }

  /** Forgets buckets that have refilled (they equal a fresh one). */
  private sweep(now: number, rate: RateLimit): void {
    const refillMs = (rate.burst / rate.perSec) * 1000;
    if (now - this.lastSweep < Math.max(10_000, refillMs)) return;
    this.lastSweep = now;
    for (const [k, b] of this.buckets) if (now - b.at >= refillMs) this.buckets.delete(k);
  }
}
