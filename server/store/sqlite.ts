/**
 * The embedded store: the relay contract on one SQLite file (better-sqlite3, WAL).
 * A post is durable before the client hears "stored" (a sender drops its copy on that
 * answer), in groups: the posts of one event-loop turn share one transaction (nonces are
 * grouped the same way), and the write-ahead log is then flushed to disk by an
 * fdatasync on the thread pool (see WalSync) — the work SQLite's synchronous=FULL does
 * at each commit, but off the event loop, so requests keep being opened and checked
 * while the disk works, and every commit made meanwhile shares the next flush. Acks,
 * nonces and pruning are not waited for (in WAL mode still safe against a process
 * crash; a power cut can at worst redeliver an acked message or forget a nonce).
 * Wake-ups and rate buckets are in-process: the embedded store serves one server process.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { WalSync, type SyncFn } from './walSync.js';
import { dirname } from 'node:path';
import { StoreUnavailableError } from '../errors.js';
import { TokenBuckets } from './tokenBuckets.js';
import {
  INVITATION_GRACE_MS,
  joinKeys,
  splitKeys,
  type FetchResult,
  type Invitation,
  type NewMessage,
  type PostOutcome,
  type QueuedMessage,
  type RateLimit,
  type RelayStore,
  type SenderKeys,
  type StoreStats,
  type WatchHandle,
} from './types.js';

/** Numbered schema steps; `PRAGMA user_version` records how many have run. */
const MIGRATIONS: string[] = [
  `CREATE TABLE messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     lookup TEXT NOT NULL,
     id TEXT NOT NULL,
     arrived_at INTEGER NOT NULL,
     bytes BLOB NOT NULL,
     UNIQUE (lookup, id)
   );
   CREATE INDEX messages_queue ON messages (lookup, seq);
   CREATE INDEX messages_arrived ON messages (arrived_at);
   CREATE TABLE nonces (
     device TEXT NOT NULL,
     nonce TEXT NOT NULL,
     expires_at INTEGER NOT NULL,
     PRIMARY KEY (device, nonce)
   ) WITHOUT ROWID;
   CREATE INDEX nonces_expiry ON nonces (expires_at);
   CREATE TABLE invitations (
     id TEXT PRIMARY KEY,
     blob BLOB NOT NULL,
     expires_at INTEGER NOT NULL,
     owner_key BLOB NOT NULL
   );
   CREATE INDEX invitations_expiry ON invitations (expires_at);`,
  // 2: replay detection store-wide (a nonce, whoever sent it); sender keys per queue.
  `DROP TABLE nonces;
   CREATE TABLE nonces (
     nonce TEXT PRIMARY KEY,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX nonces_expiry ON nonces (expires_at);
   CREATE TABLE senders (
     lookup TEXT PRIMARY KEY,
     keys BLOB NOT NULL,
     expires_at INTEGER NOT NULL
   ) WITHOUT ROWID;
   CREATE INDEX senders_expiry ON senders (expires_at);`,
];

interface PendingPost {
  messages: NewMessage[];
  now: number;
  maxQueueLength: number;
  retentionMs: number;
  openQueueLength: number;
  resolve: (o: PostOutcome) => void;
  reject: (e: Error) => void;
}

interface MessageRow {
  lookup: string;
  id: string;
  arrived_at: number;
  bytes: Buffer;
}

function asBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export class SqliteStore implements RelayStore {
  readonly kind = 'embedded' as const;
  private readonly db: Database.Database;
  private readonly light: Database.Database;
  private readonly listeners: ((lookups: string[] | null) => void)[] = [];
  /** One set of buckets per rate (addresses and queues refill at their own pace). */
  private readonly buckets = new Map<string, TokenBuckets>();
  private closed = false;
  /** Posts waiting for the next group commit (see flush). */
  private readonly pending: PendingPost[] = [];
  private flushing: NodeJS.Immediate | null = null;
  private readonly pendingNonces: {
    nonce: string;
    now: number;
    ttlMs: number;
    resolve: (fresh: boolean) => void;
    reject: (e: Error) => void;
  }[] = [];
  private noncesFlushing: NodeJS.Immediate | null = null;
  private readonly stmt;
  /** Makes what is committed durable: posts, sender keys and invitations wait for it. */
  private readonly wal: WalSync;

  /** `sync` stands in for fdatasync in tests (to hold a flush, or count them). */
  constructor(
    readonly path: string,
    opts: { sync?: SyncFn } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // Commits write the log; WalSync flushes it before anyone is told (see the top).
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
    this.light = new Database(path);
    this.light.pragma('synchronous = NORMAL');
    this.light.pragma('busy_timeout = 5000');
    this.wal = new WalSync(`${path}-wal`, opts.sync);
    const db = this.db;
    const light = this.light;
    this.stmt = {
      count: db.prepare<[string, number], { n: number }>(
        'SELECT count(*) AS n FROM messages WHERE lookup = ? AND arrived_at >= ?',
      ),
      has: db.prepare<[string, string], { one: number }>(
        'SELECT 1 AS one FROM messages WHERE lookup = ? AND id = ?',
      ),
      insert: db.prepare<[string, string, number, Uint8Array]>(
        'INSERT OR IGNORE INTO messages (lookup, id, arrived_at, bytes) VALUES (?, ?, ?, ?)',
      ),
      fetch: db.prepare<[string, number, number], MessageRow>(
        'SELECT lookup, id, arrived_at, bytes FROM messages WHERE lookup = ? AND arrived_at >= ? ORDER BY seq LIMIT ?',
      ),
      length: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM messages WHERE lookup = ?'),
      stats: db.prepare<[], { queues: number; messages: number }>(
        'SELECT count(DISTINCT lookup) AS queues, count(*) AS messages FROM messages',
      ),
      ack: light.prepare<[string, string]>('DELETE FROM messages WHERE lookup = ? AND id = ?'),
      // Inserts a new nonce, or renews one whose time ran out; no change: a replay.
      nonceUse: light.prepare<[string, number, number]>(
        `INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)
         ON CONFLICT (nonce) DO UPDATE SET expires_at = excluded.expires_at WHERE nonces.expires_at <= ?`,
      ),
      senders: db.prepare<[string, number], { keys: Buffer }>(
        'SELECT keys FROM senders WHERE lookup = ? AND expires_at > ?',
      ),
      sendersSet: db.prepare<[string, Uint8Array, number]>(
        'INSERT OR REPLACE INTO senders (lookup, keys, expires_at) VALUES (?, ?, ?)',
      ),
      invPut: db.prepare<[string, Uint8Array, number, Uint8Array]>(
        'INSERT OR IGNORE INTO invitations (id, blob, expires_at, owner_key) VALUES (?, ?, ?, ?)',
      ),
      invGet: db.prepare<[string], { id: string; blob: Buffer; expires_at: number; owner_key: Buffer }>(
        'SELECT id, blob, expires_at, owner_key FROM invitations WHERE id = ?',
      ),
      invDelete: light.prepare<[string]>('DELETE FROM invitations WHERE id = ?'),
      pruneMessages: light.prepare<[number]>('DELETE FROM messages WHERE arrived_at < ?'),
      pruneNonces: light.prepare<[number]>('DELETE FROM nonces WHERE expires_at <= ?'),
      pruneSenders: light.prepare<[number]>('DELETE FROM senders WHERE expires_at <= ?'),
      pruneInvitations: light.prepare<[number]>('DELETE FROM invitations WHERE expires_at < ?'),
    };
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > MIGRATIONS.length)
      throw new Error(
        `${this.path}: schema version ${version} is newer than this server (${MIGRATIONS.length})`,
      );
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]!);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  /** Runs `fn`, turning SQLite failures (disk full, I/O error, closed) into StoreUnavailableError. */
  private run<T>(fn: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    try {
      return Promise.resolve(fn());
    } catch (e) {
      return Promise.reject(new StoreUnavailableError(`sqlite: ${(e as Error).message}`, { cause: e }));
    }
  }

  /**
   * Nonces are written in groups too: the requests of one event-loop turn record theirs in
   * one transaction (a nonce twice in a group: the second is the replay), and each request
   * goes on once its nonce is written.
   */
  useNonce(nonce: string, now: number, ttlMs: number): Promise<boolean> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    return new Promise<boolean>((resolve, reject) => {
      this.pendingNonces.push({ nonce, now, ttlMs, resolve, reject });
      this.noncesFlushing ??= setImmediate(() => this.flushNonces());
    });
  }

  private flushNonces(): void {
    this.noncesFlushing = null;
    const group = this.pendingNonces.splice(0);
    if (!group.length) return;
    let fresh: boolean[];
    try {
      if (this.closed) throw new Error('store is closed');
      fresh = this.light.transaction(() =>
        group.map((n) => this.stmt.nonceUse.run(n.nonce, n.now + n.ttlMs, n.now).changes === 1),
      )();
    } catch (e) {
      const err = new StoreUnavailableError(`sqlite: ${(e as Error).message}`, { cause: e });
      for (const n of group) n.reject(err);
      return;
    }
    group.forEach((n, i) => n.resolve(fresh[i]!));
  }

  takeTokens(key: string, count: number, now: number, rate: RateLimit): Promise<boolean> {
    return this.run(() => {
      const kind = `${rate.perSec}/${rate.burst}`;
      let b = this.buckets.get(kind);
      if (!b) this.buckets.set(kind, (b = new TokenBuckets()));
      return b.take(key, now, rate, count);
    });
  }

  senders(lookups: string[], now: number): Promise<Map<string, Uint8Array[]>> {
    return this.run(() => {
      const out = new Map<string, Uint8Array[]>();
      for (const lookup of lookups) {
        const row = this.stmt.senders.get(lookup, now);
        if (row) out.set(lookup, splitKeys(asBytes(row.keys)));
      }
      return out;
    });
  }

  setSenders(items: SenderKeys[], now: number, ttlMs: number): Promise<void> {
    return this.run(() =>
      this.db.transaction(() => {
        for (const it of items) this.stmt.sendersSet.run(it.lookup, joinKeys(it.keys), now + ttlMs);
      })(),
    ).then(() => this.durable());
  }

  /** Resolves once everything committed so far is on disk. */
  private durable(): Promise<void> {
    return this.wal
      .flush()
      .catch((e: Error) =>
        Promise.reject(new StoreUnavailableError(`sqlite: flushing the log: ${e.message}`, { cause: e })),
      );
  }

  post(
    messages: NewMessage[],
    now: number,
    maxQueueLength: number,
    retentionMs: number,
    openQueueLength = maxQueueLength,
  ): Promise<PostOutcome> {
    if (this.closed) return Promise.reject(new StoreUnavailableError('store is closed'));
    return new Promise<PostOutcome>((resolve, reject) => {
      this.pending.push({ messages, now, maxQueueLength, retentionMs, openQueueLength, resolve, reject });
      this.flushing ??= setImmediate(() => void this.flush());
    });
  }

  /**
   * Group commit: the posts that arrived during one turn of the event loop are written
   * in one transaction, and one flush of the log (shared with every other commit made
   * while the previous flush ran) makes all of them durable before any is answered or
   * wakes a pull. Each post is still all-or-nothing on its own: its bound checks see
   * the posts before it in the group, and a refused post writes nothing. A failure of
   * the transaction fails every post of the group (none was stored); a failed flush
   * fails them too (they may be stored: a re-post of the same bytes is harmless).
   */
  private flush(): Promise<void> {
    this.flushing = null;
    const group = this.pending.splice(0);
    if (!group.length) return Promise.resolve();
    let outcomes: PostOutcome[];
    try {
      if (this.closed) throw new Error('store is closed');
      outcomes = this.db.transaction(() => group.map((p) => this.postOne(p)))();
    } catch (e) {
      const err = new StoreUnavailableError(`sqlite: ${(e as Error).message}`, { cause: e });
      for (const p of group) p.reject(err);
      return Promise.resolve();
    }
    // Subscribers are woken at the commit, before the flush: what is committed survives a
    // crash of this process (it is in the kernel's page cache), and the flush, often the
    // slowest step of a post (milliseconds on a busy disk), stays out of the delivery path.
    // Only a machine crash before the flush could lose a message already pushed: the
    // recipient has it, the sender, unanswered, posts the same bytes again (same id), and
    // the recipient drops the copy by id. The sender's answer still waits for the flush.
    const woken = new Set<string>();
    group.forEach((p, i) => {
      const o = outcomes[i]!;
      if (o.ok && o.added > 0) for (const m of p.messages) woken.add(m.lookup);
    });
    if (woken.size) this.emit([...woken]);
    return this.durable().then(
      () => group.forEach((p, i) => p.resolve(outcomes[i]!)),
      (e: Error) => {
        for (const p of group) p.reject(e);
      },
    );
  }

  private postOne(p: PendingPost): PostOutcome {
    const { messages, now } = p;
    const cutoff = now - p.retentionMs;
    const fresh = new Map<string, Set<string>>();
    for (const m of messages) {
      if (this.stmt.has.get(m.lookup, m.id)) continue;
      let ids = fresh.get(m.lookup);
      if (!ids) fresh.set(m.lookup, (ids = new Set()));
      ids.add(m.id);
    }
    for (const [lookup, ids] of fresh) {
      const bound = this.stmt.senders.get(lookup, now) ? p.maxQueueLength : p.openQueueLength;
      if (this.stmt.count.get(lookup, cutoff)!.n + ids.size > bound) return { ok: false, full: lookup };
    }
    let added = 0;
    for (const m of messages) added += this.stmt.insert.run(m.lookup, m.id, now, m.bytes).changes;
    return { ok: true, added };
  }

  fetch(lookups: string[], max: number, now: number, retentionMs: number): Promise<FetchResult> {
    const cutoff = now - retentionMs;
    return this.run(() => {
      const messages: QueuedMessage[] = [];
      let more = false;
      for (const lookup of lookups) {
        const left = max - messages.length;
        if (left <= 0) {
          more ||= this.stmt.count.get(lookup, cutoff)!.n > 0;
          continue;
        }
        const rows = this.stmt.fetch.all(lookup, cutoff, left + 1);
        if (rows.length > left) more = true;
        for (const r of rows.slice(0, left))
          messages.push({ lookup: r.lookup, id: r.id, arrivedAt: r.arrived_at, bytes: asBytes(r.bytes) });
      }
      return { messages, more };
    });
  }

  ack(items: { lookup: string; ids: string[] }[]): Promise<number> {
    return this.run(() =>
      this.light.transaction(() => {
        let n = 0;
        for (const { lookup, ids } of items) for (const id of ids) n += this.stmt.ack.run(lookup, id).changes;
        return n;
      })(),
    );
  }

  queueLength(lookup: string): Promise<number> {
    return this.run(() => this.stmt.length.get(lookup)!.n);
  }

  stats(): Promise<StoreStats> {
    return this.run(() => {
      const r = this.stmt.stats.get()!;
      return { queues: r.queues, messages: r.messages };
    });
  }

  putInvitation(inv: Invitation): Promise<boolean> {
    return this.run(
      () => this.stmt.invPut.run(inv.id, inv.blob, inv.expiresAt, inv.ownerKey).changes === 1,
    ).then(async (stored) => {
      if (stored) await this.durable();
      return stored;
    });
  }

  getInvitation(id: string): Promise<Invitation | null> {
    return this.run(() => {
      const r = this.stmt.invGet.get(id);
      return r
        ? { id: r.id, blob: asBytes(r.blob), expiresAt: r.expires_at, ownerKey: asBytes(r.owner_key) }
        : null;
    });
  }

  deleteInvitation(id: string): Promise<boolean> {
    return this.run(() => this.stmt.invDelete.run(id).changes === 1);
  }

  prune(now: number, retentionMs: number): Promise<number> {
    return this.run(() =>
      this.light.transaction(() => {
        const n = this.stmt.pruneMessages.run(now - retentionMs).changes;
        this.stmt.pruneNonces.run(now);
        this.stmt.pruneSenders.run(now);
        this.stmt.pruneInvitations.run(now - INVITATION_GRACE_MS);
        return n;
      })(),
    );
  }

  onWake(listener: (lookups: string[] | null) => void): void {
    this.listeners.push(listener);
  }

  /** Every post goes through this one instance: its wake-ups are all local. */
  watch(): WatchHandle {
    return { routed: Promise.resolve(true), release: () => undefined };
  }
  wakeStats(): { received: number; watched: number } {
    return { received: 0, watched: 0 };
  }

  private emit(lookups: string[]): void {
    for (const l of this.listeners) l(lookups);
  }

  ping(): Promise<void> {
    return this.run(() => {
      this.db.prepare('SELECT 1').get();
    });
  }

  private closing: Promise<void> | null = null;

  /** Writes what was accepted, waits for its flush, closes the file (a second call waits for the first). */
  close(): Promise<void> {
    return (this.closing ??= this.closeOnce());
  }

  private async closeOnce(): Promise<void> {
    if (this.noncesFlushing) {
      clearImmediate(this.noncesFlushing);
      this.flushNonces();
    }
    let last: Promise<void> = Promise.resolve();
    if (this.flushing) {
      clearImmediate(this.flushing);
      last = this.flush(); // posts already accepted are written (or refused) before the file closes
    }
    this.closed = true;
    await last;
    await this.wal.close(); // after the last flush, which waits for any flush in flight
    this.light.close();
    this.db.close();
  }
}
