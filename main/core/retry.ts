/**
 * How the core waits before trying again, in one place: exponential backoff with jitter
 * (sends and pulls that failed), an abortable sleep, and a relay call retried as the relay
 * asked when it said RATE_LIMITED.
 *
 * @example
 *   await sleep(backoff(attempts, 500, 30_000), signal);
 */
import { MINUTE_MS } from './durations.js';
import { isRelayError } from './relay.js';

/** The default ceiling of a retry's wait (Messenger's retryCeilingMs). */
export const MAX_BACKOFF_MS = 5 * MINUTE_MS;

/** base·2^attempts with ±25 % jitter, never beyond `max` (the ceiling holds after the jitter). */
export function backoff(attempts: number, base = 1000, max = MAX_BACKOFF_MS): number {
  return Math.round(Math.min(max, doubling(attempts, base, Infinity) * (0.75 + Math.random() * 0.5)));
}

/** base·2^n without jitter, capped at `max` (n beyond 20 counts as 20). */
export function doubling(n: number, base: number, max: number): number {
  return Math.min(max, base * 2 ** Math.min(Math.max(0, n), 20));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** Retries a relay call the relay asked us to slow down for (RATE_LIMITED), waiting as told. */
export async function retryWhileRateLimited<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await call();
    } catch (e) {
      const wait = (e as { retryAfterMs?: number }).retryAfterMs;
      if (!isRelayError(e) || e.code !== 'RATE_LIMITED' || i >= attempts) throw e;
      await sleep(wait ?? 1000);
    }
  }
}
