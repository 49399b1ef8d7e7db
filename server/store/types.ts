/**
 * The store contract every relay store implements (Redis standalone, Redis Cluster,
 * embedded SQLite), proven by one shared test suite (test/server/storeContract.ts).
 *
 * Queues are addressed by the hex of a lookup public key. A message is kept under
 * its content-derived id (idempotent posts) with its arrival time; queue order is
 * arrival order. A message leaves its queue only when acknowledged, or when it is
 * older than the retention time. Every method either does what it says or throws
 * StoreUnavailableError: never a false success.
 *
 * A queue is open until its owner registers sender keys for it (setSenders); then it
 * is secured: the server accepts only messages signed by one of those keys, and the
 * store bounds it by `maxQueueLength` instead of the (small) `openQueueLength`.
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

export interface SenderKeys {
  /** Hex of the queue's lookup key. */
  lookup: string;
  /** Ed25519 public keys, 32 bytes each. */
  keys: Uint8Array[];
}

export interface Invitation {
  id: string;
  blob: Uint8Array;
  /** Unix ms. */
  expiresAt: number;
  ownerKey: Uint8Array;
}

export interface WatchHandle {
  routed: Promise<boolean>;
  release(): void;
}

export interface StoreStats {
  queues: number;
  messages: number;
}

export interface RelayStore {
  readonly kind: 'embedded' | 'redis' | 'redis-cluster';

  /**
   * Records a request nonce for `ttlMs`. False when it is already recorded, whoever
   * sent it: replay detection is store-wide, not per device or address.
   */
  useNonce(nonce: string, now: number, ttlMs: number): Promise<boolean>;

  /**
   * Takes `count` tokens from the bucket named `key` (a source address, a destination
   * queue); false, taking nothing, when it holds fewer. A count above the burst asks
   * for a full bucket. Buckets are shared by every store instance on one backend.
   */
  takeTokens(key: string, count: number, now: number, rate: RateLimit): Promise<boolean>;

  /** The registered sender keys of those named queues that are secured (absent: open). */
  senders(lookups: string[], now: number): Promise<Map<string, Uint8Array[]>>;

  /** Sets (replaces) the sender keys of queues, kept for `ttlMs` from now. */
  setSenders(items: SenderKeys[], now: number, ttlMs: number): Promise<void>;

  /**
   * Queues a batch. All-or-nothing per queue; when any queue of the batch would pass
   * its bound (`maxQueueLength` when secured, `openQueueLength` while open) the batch
   * is refused and (barring a concurrent post racing for the same room) nothing is
   * stored. A message whose id is already queued is kept as it is.
   */
  post(
    messages: NewMessage[],
    now: number,
    maxQueueLength: number,
    retentionMs: number,
    openQueueLength?: number,
  ): Promise<PostOutcome>;

  /** Up to `max` messages, oldest first, across the given queues. Unknown and empty queues look alike. */
  fetch(lookups: string[], max: number, now: number, retentionMs: number): Promise<FetchResult>;

  /**
   * Removes acknowledged messages; returns how many were removed (a repeated ack removes
   * nothing). A fetch called after an ack (even before the ack's promise settles) sees it.
   */
  ack(items: { lookup: string; ids: string[] }[]): Promise<number>;

  queueLength(lookup: string): Promise<number>;

  /** Totals for metrics (may be approximate on large Redis deployments). */
  stats(): Promise<StoreStats>;

  /** Stores an invitation; false when the id is taken. */
  putInvitation(inv: Invitation, now: number): Promise<boolean>;
  getInvitation(id: string): Promise<Invitation | null>;
  deleteInvitation(id: string): Promise<boolean>;

  /** Removes messages past retention, expired invitations, sender keys and nonces; returns messages removed. */
  prune(now: number, retentionMs: number): Promise<number>;

  /**
   * Calls `listener` with the queues that got messages: for posts made through this
   * instance, and for posts made through any other instance sharing this backend (other
   * processes) to queues this instance watches; with `null` when wake-ups may have been
   * missed (a pub/sub reconnect): every waiter re-checks.
   */
  onWake(listener: (lookups: string[] | null) => void): void;

  /**
   * Routes the wake-ups of these queues to this instance (a held pull watches its
   * queues), whichever instance the post goes through. `routed` resolves true once they
   * are (a post after that wakes this instance), false when that could not be set up in
   * time (the caller then re-reads on its own). Call `release` once when done waiting.
   * A store serving one process only may do nothing here.
   */
  watch(lookups: string[]): WatchHandle;

  /** Wake-ups received from other instances, and queues watched now (for metrics). */
  wakeStats(): { received: number; watched: number };

  /** Resolves when the backend answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Invitations stay readable (as EXPIRED) this long after their expiry, then are pruned. */
export const INVITATION_GRACE_MS = 24 * 3600_000;

/** Sender keys are kept as one blob of 32-byte keys (the Redis store does the same). */
export function joinKeys(keys: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(keys.length * 32);
  keys.forEach((k, i) => out.set(k, i * 32));
  return out;
}
export function splitKeys(blob: Uint8Array): Uint8Array[] {
  const keys: Uint8Array[] = [];
  for (let i = 0; i + 32 <= blob.length; i += 32) keys.push(blob.slice(i, i + 32));
  return keys;
}
