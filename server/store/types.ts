/**
 * The store contract every relay store implements (Redis standalone, Redis Cluster,
 * embedded SQLite), proven by one shared test suite (test/server/storeContract.ts).
 *
 * Queues are addressed by the hex of a lookup public key. A message is kept under
 * its content-derived id (idempotent posts) with its arrival time; queue order is
 * arrival order. A message leaves its queue only when acknowledged, or when it is
 * older than the retention time. Every method either does what it says or throws
 * StoreUnavailableError: never a false success.
 */

export interface NewMessage {
  /** Hex of the destination lookup key. */
  lookup: string;
  id: string;
  /** The encoded PackedUserMessage. */
  bytes: Uint8Array;
}

export interface QueuedMessage extends NewMessage {
  /** Unix ms. */
  arrivedAt: number;
}

export type PostOutcome =
  | { ok: true; /** messages newly stored (re-posts of queued ids are not counted) */ added: number }
  | {
      ok: false;
      /** a queue that would exceed its bound; nothing of the batch was stored for it */ full: string;
    };

export interface FetchResult {
  messages: QueuedMessage[];
  /** More messages wait in these queues than were returned. */
  more: boolean;
}

export interface RateLimit {
  perSec: number;
  burst: number;
}

export type Admission = 'ok' | 'replayed' | 'rate_limited';

export interface Invitation {
  id: string;
  blob: Uint8Array;
  /** Unix ms. */
  expiresAt: number;
  ownerKey: Uint8Array;
}

export interface StoreStats {
  queues: number;
  messages: number;
}

export interface RelayStore {
  readonly kind: 'embedded' | 'redis' | 'redis-cluster';

  /**
   * Admission of an authenticated request: refuses a nonce this device already used
   * (remembered for `nonceTtlMs`), then takes a token from the device's bucket.
   * A refused request records nothing.
   */
  admit(
    device: string,
    nonce: string,
    now: number,
    nonceTtlMs: number,
    rate: RateLimit | null,
  ): Promise<Admission>;

  /**
   * Queues a batch. All-or-nothing per queue; when any queue of the batch would pass
   * `maxQueueLength` the batch is refused and (barring a concurrent post racing for
   * the same room) nothing is stored. A message whose id is already queued is kept as it is.
   */
  post(
    messages: NewMessage[],
    now: number,
    maxQueueLength: number,
    retentionMs: number,
  ): Promise<PostOutcome>;

  /** Up to `max` messages, oldest first, across the given queues. Unknown and empty queues look alike. */
  fetch(lookups: string[], max: number, now: number, retentionMs: number): Promise<FetchResult>;

  /** Removes acknowledged messages; returns how many were removed (a repeated ack removes nothing). */
  ack(items: { lookup: string; ids: string[] }[]): Promise<number>;

  queueLength(lookup: string): Promise<number>;

  /** Totals for metrics (may be approximate on large Redis deployments). */
  stats(): Promise<StoreStats>;

  /** Stores an invitation; false when the id is taken. */
  putInvitation(inv: Invitation, now: number): Promise<boolean>;
  getInvitation(id: string): Promise<Invitation | null>;
  deleteInvitation(id: string): Promise<boolean>;

  /** Removes messages past retention, expired invitations and old nonces; returns messages removed. */
  prune(now: number, retentionMs: number): Promise<number>;

  /**
   * Calls `listener` with the queues that got messages, for posts made through any
   * store instance sharing this backend (other processes included); with `null`
   * when wake-ups may have been missed (a pub/sub reconnect): every waiter re-checks.
   */
  onWake(listener: (lookups: string[] | null) => void): void;

  /** Resolves when the backend answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Invitations stay readable (as EXPIRED) this long after their expiry, then are pruned. */
export const INVITATION_GRACE_MS = 24 * 3600_000;
