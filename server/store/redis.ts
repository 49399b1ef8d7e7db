/**
 * The Redis store (ioredis), standalone or Cluster.
 *
 * Keys (PREFIX is --redis-prefix, empty by default; the braces are Cluster hash
 * tags, so everything of one queue lives in one slot):
 *   PREFIXmsg:{LOOKUP}       sorted set: message id → arrival time in µs (made strictly
 *                            increasing per queue, so order is arrival order)
 *   PREFIXmsgdata:{LOOKUP}   hash: message id → encoded PackedUserMessage
 *   PREFIXsnd:{LOOKUP}       the queue's registered sender keys (32-byte keys, concatenated);
 *                            absent while the queue is open
 *   PREFIXnonce:{N}          a request nonce (store-wide replay detection), TTL of the clock window
 *   PREFIXrate:{BUCKET}      a token bucket: a source address (a:ADDR) or a destination queue (q:LOOKUP)
 *   PREFIXinv:ID             hash: an invitation, expiring a grace period after its expiry
 *   PREFIXroute:{LOOKUP}     the instance id of the relay process holding the queue's
 *                            subscription (a session or a held pull), with a TTL
 * Every queue operation is one Lua script on one slot, so it is atomic. Queue keys
 * carry a TTL of the retention time from the last post, and every script prunes
 * the messages of its queue that passed retention: no store-wide scan is needed.
 *
 * Wake-ups are routed to the process holding the queue, never broadcast, with no channel
 * per queue: each relay process subscribes once to its own channel PREFIXproc:{INSTANCE}
 * (sharded pub/sub in a Cluster: SSUBSCRIBE/SPUBLISH, ioredis `shardedSubscribers`), and a
 * process watching a queue (a session's subscription or a held pull; see watch) writes
 * the queue's route, PREFIXroute:{LOOKUP} = its instance id (~90 B of Redis per watched
 * queue against ~270 B for a subscribed channel; `npm run bench`'s fleet row measures it).
 * The POST script reads the route in the queue's slot as it stores the message and returns
 * the owner; the relay that took the post publishes the queue's lookup to the owner's
 * channel — nothing when it is itself the owner, nothing when nobody holds the queue. A
 * post therefore costs at most one publish, whatever the number of relay processes, and
 * Redis holds one channel per process, not per queue.
 * The newest watcher owns a route (a reconnect lands on another process: its SET
 * overwrites). A route outlives its last watcher by a little (a client pulls again right
 * away), is deleted then if it is still this process's, and expires (ROUTE_TTL_MS, renewed
 * while watched) if the process dies. After a subscriber reconnect (a Redis restart, a
 * Cluster failover, which can lose routing writes not yet replicated), every route this
 * process holds is written again and every waiter re-checks its queues (wake-ups may have
 * been lost while it was away).
 *
 * Failure: no offline queue and a command timeout, so a command fails fast while
 * Redis is away (→ StoreUnavailableError → STORE_UNAVAILABLE); ioredis reconnects
 * by itself and the next request succeeds.
 */
import { Redis, Cluster, type RedisOptions, type ClusterOptions } from 'ioredis';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { StoreUnavailableError } from '../errors.js';
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

const PRUNE = `
local function prune(z, h, cutoff)
  while true do
    local old = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. cutoff, 'LIMIT', 0, 500)
    if #old == 0 then return end
    redis.call('ZREM', z, unpack(old))
    redis.call('HDEL', h, unpack(old))
    if #old < 500 then return end
  end
end
`;

// KEYS: queue, data, senders, route. ARGV: max length (secured), now µs, cutoff µs, ttl ms,
// check-only flag, max length (open), then id, bytes pairs. Returns {n, owner}: n the number of
// new messages (stored, or that would be), or -1 when the queue would overflow; owner the
// instance id holding the queue's route when messages were stored (false otherwise), read in
// the same round trip (the route is in the queue's slot).
const POST = `${PRUNE}
local z, h = KEYS[1], KEYS[2]
prune(z, h, ARGV[3])
local max = tonumber(ARGV[1])
if redis.call('EXISTS', KEYS[3]) == 0 then max = tonumber(ARGV[6]) end
local seen, fresh = {}, {}
for i = 7, #ARGV, 2 do
  local id = ARGV[i]
  if not seen[id] then
    seen[id] = true
    if not redis.call('ZSCORE', z, id) then fresh[#fresh + 1] = i end
  end
end
if #fresh == 0 then return {0, false} end
if redis.call('ZCARD', z) + #fresh > max then return {-1, false} end
if ARGV[5] == '1' then return {#fresh, false} end
local score = tonumber(ARGV[2])
local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) >= score then score = tonumber(last[2]) + 1 end
for _, i in ipairs(fresh) do
  redis.call('ZADD', z, string.format('%.0f', score), ARGV[i])
  redis.call('HSET', h, ARGV[i], ARGV[i + 1])
  score = score + 1
end
redis.call('PEXPIRE', z, ARGV[4])
redis.call('PEXPIRE', h, ARGV[4])
return {#fresh, redis.call('GET', KEYS[4])}
`;

// KEYS: route. ARGV: instance. Deletes the route only while it is still this instance's.
const UNROUTE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

// KEYS: queue, data. ARGV: max, cutoff µs. Returns {queue length, id, score, bytes, id, score, bytes...}.
const FETCH = `${PRUNE}
local z, h = KEYS[1], KEYS[2]
prune(z, h, ARGV[2])
local out = { redis.call('ZCARD', z) }
if out[1] == 0 then return out end
local ids = redis.call('ZRANGE', z, 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
local names = {}
for i = 1, #ids, 2 do names[#names + 1] = ids[i] end
local data = redis.call('HMGET', h, unpack(names))
for i = 1, #names do
  if data[i] then
    out[#out + 1] = names[i]
    out[#out + 1] = ids[2 * i]
    out[#out + 1] = data[i]
  end
end
return out
`;

// KEYS: queue, data. ARGV: ids. Returns how many were removed.
const ACK = `
local n = redis.call('ZREM', KEYS[1], unpack(ARGV))
redis.call('HDEL', KEYS[2], unpack(ARGV))
return n
`;

// KEYS: bucket. ARGV: now ms, rate per s, burst, count. Returns 1 taken, 0 too few tokens (none taken).
const TAKE = `
local rate, burst, now = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[1])
local need = math.min(tonumber(ARGV[4]), burst)
local b = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local ok = tokens >= need
if ok then tokens = tokens - need end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', ARGV[1])
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
if ok then return 1 end
return 0
`;

// KEYS: invitation. ARGV: blob, expires at, owner, expire-key-at. Returns 1 stored, 0 id taken.
const PUT_INVITATION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'blob', ARGV[1], 'exp', ARGV[2], 'owner', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
return 1
`;

/** How long a queue's route outlives its last watcher. */
const WATCH_LINGER_MS = 10_000;
/** A route's TTL (a process that died leaves routes behind); renewed while watched. */
export const ROUTE_TTL_MS = 24 * 3600_000;
const ROUTE_RENEW_MS = ROUTE_TTL_MS / 4;
/** How often the subscriber connection checks the Cluster's slots (a failover's longest wake-up gap). */
const SUBSCRIBER_SLOTS_REFRESH_MS = 2000;
/** How long a pull waits for its route before it falls back to re-reading. */
const WATCH_TIMEOUT_MS = 3000;

interface Watch {
  count: number;
  ready: Promise<boolean>;
  linger: NodeJS.Timeout | undefined;
}

type Arg = string | number | Buffer;
interface Scripts {
  meowPost(
    z: string,
    h: string,
    senders: string,
    route: string,
    ...args: Arg[]
  ): Promise<[number, string | null]>;
  meowUnroute(route: string, instance: string): Promise<number>;
  meowFetchBuffer(z: string, h: string, max: number, cutoff: string): Promise<(Buffer | number)[]>;
  meowAck(z: string, h: string, ...ids: string[]): Promise<number>;
  meowTake(bucket: string, now: number, rate: number, burst: number, count: number): Promise<number>;
  meowPutInvitation(key: string, blob: Buffer, exp: number, owner: Buffer, keyExp: number): Promise<number>;
}
type Client = (Redis | Cluster) & Scripts;

function define(client: Redis | Cluster): Client {
  client.defineCommand('meowPost', { numberOfKeys: 4, lua: POST });
  client.defineCommand('meowUnroute', { numberOfKeys: 1, lua: UNROUTE });
  client.defineCommand('meowFetch', { numberOfKeys: 2, lua: FETCH });
  client.defineCommand('meowAck', { numberOfKeys: 2, lua: ACK });
  client.defineCommand('meowTake', { numberOfKeys: 1, lua: TAKE });
  client.defineCommand('meowPutInvitation', { numberOfKeys: 1, lua: PUT_INVITATION });
  return client as Client;
}

const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const bytesOf = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export type RedisTarget = { kind: 'redis'; url: string } | { kind: 'redis-cluster'; urls: string[] };

export interface RedisStoreOptions {
  prefix?: string;
  /** How long to wait for Redis at start before giving up. */
  connectTimeoutMs?: number;
  /** Per-command timeout: a command that hangs (Redis stopped, not closed) fails after this. */
  commandTimeoutMs?: number;
  /** Connection-level errors, for logging (they repeat while Redis is away). */
  onError?: (err: Error) => void;
  /** How long a queue's route outlives its last watcher (default 10 s). */
  watchLingerMs?: number;
}

function clusterNodes(urls: string[]): { nodes: { host: string; port: number }[]; password?: string } {
  let password: string | undefined;
  const nodes = urls.map((u) => {
    const url = new URL(u.includes('://') ? u : `redis://${u}`);
    if (url.password) password = decodeURIComponent(url.password);
    return { host: url.hostname, port: Number(url.port || 6379) };
  });
  return { nodes, ...(password ? { password } : {}) };
}

export class RedisStore implements RelayStore {
  readonly kind: 'redis' | 'redis-cluster';
  private readonly client: Client;
  private readonly sub: Redis | Cluster;
  private readonly prefix: string;
  private readonly instance = toHex(randomBytes(8));
  private readonly listeners: ((lookups: string[] | null) => void)[] = [];
  private readonly watches = new Map<string, Watch>();
  private readonly lingerMs: number;
  private wakesReceived = 0;
  private wakesSent = 0;
  private renewTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(target: RedisTarget, opts: RedisStoreOptions) {
    this.kind = target.kind;
    this.prefix = opts.prefix ?? '';
    this.lingerMs = opts.watchLingerMs ?? WATCH_LINGER_MS;
    const redisOptions: RedisOptions = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 3000,
      connectTimeout: 3000,
      enableAutoPipelining: true,
      retryStrategy: (times) => Math.min(50 * times, 1000),
    };
    const onError = (e: Error) => opts.onError?.(e);
    if (target.kind === 'redis') {
      const main = new Redis(target.url, redisOptions);
      this.client = define(main);
      this.sub = main.duplicate({
        enableOfflineQueue: true,
        enableAutoPipelining: false,
        commandTimeout: undefined,
      });
    } else {
      const { nodes, password } = clusterNodes(target.urls);
      const { retryStrategy: _perNode, enableOfflineQueue: _queue, ...nodeOptions } = redisOptions;
      const clusterOptions: ClusterOptions = {
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
        // Reconnect to a node that went away and came back with the same slots
        // (ioredis' default is to wait for a MOVED that never comes).
        clusterNodeRetryStrategy: (times) => Math.min(100 * times, 1000),
        redisOptions: { ...nodeOptions, ...(password ? { password } : {}) },
      };
      this.client = define(new Cluster(nodes, clusterOptions));
      this.sub = new Cluster(nodes, {
        ...clusterOptions,
        enableOfflineQueue: true,
        enableAutoPipelining: false,
        shardedSubscribers: true,
        // A failover moves slots while the old master stays up (now a replica, which drops
        // the shard-channel subscriptions of those slots): only a slots refresh tells the
        // subscribers to follow, after which they subscribe again and waiters re-check.
        slotsRefreshInterval: SUBSCRIBER_SLOTS_REFRESH_MS,
        redisOptions: { ...clusterOptions.redisOptions, commandTimeout: undefined },
      });
    }
    this.client.on('error', onError);
    this.sub.on('error', onError);
  }

  /** Connects (waiting up to connectTimeoutMs for Redis) and subscribes to wake-ups. */
  static async open(target: RedisTarget, opts: RedisStoreOptions = {}): Promise<RedisStore> {
    const store = new RedisStore(target, opts);
    try {
      await store.start(opts.connectTimeoutMs ?? 10_000);
    } catch (e) {
      store.client.disconnect();
      store.sub.disconnect();
      throw e;
    }
    return store;
  }

  private async start(timeoutMs: number): Promise<void> {
    const where = this.kind === 'redis' ? 'Redis' : 'Redis Cluster';
    await waitReady(this.client, timeoutMs, where);
    await waitReady(this.sub, timeoutMs, where);
    const own = this.procChannel(this.instance);
    const onMessage = (channel: string, payload: string) => {
      if (channel !== own) return;
      this.wakesReceived++;
      this.emit(payload.split(','));
    };
    // After a reconnect (ioredis subscribes again by itself): routes written again (a failover
    // or a Redis restart may have lost them), and waiters re-check (wake-ups may have been lost).
    const rejoin = () => {
      this.reroute();
      this.emit(null);
    };
    if (this.kind === 'redis') {
      this.sub.on('message', onMessage);
      await this.sub.subscribe(own);
      this.sub.on('ready', rejoin);
    } else {
      this.sub.on('smessage', onMessage);
      await this.sub.ssubscribe(own);
      this.sub.on('subscribersReady', rejoin);
      this.sub.on('+subscriber', rejoin);
    }
    this.renewTimer = setInterval(() => this.reroute(), ROUTE_RENEW_MS);
    this.renewTimer.unref();
  }

  /** A relay process's wake-up channel (its hash tag puts it in one slot of its own). */
  private procChannel(instance: string): string {
    return `${this.prefix}proc:{${instance}}`;
  }

  private routeKey(lookup: string): string {
    return `${this.prefix}route:{${lookup}}`;
  }

  private setRoute(lookup: string): Promise<unknown> {
    return this.client.set(this.routeKey(lookup), this.instance, 'PX', ROUTE_TTL_MS);
  }

  /** Writes every route this process holds again (renewal, or after a reconnect). */
  private reroute(): void {
    if (this.closed) return;
    for (const lookup of this.watches.keys()) this.setRoute(lookup).catch(() => undefined);
  }

  watch(lookups: string[]): WatchHandle {
    if (this.closed) return { routed: Promise.resolve(false), release: () => undefined };
    const held = lookups.map((l) => [l, this.watchOne(l)] as const);
    let released = false;
    return {
      routed: Promise.all(held.map(([, w]) => w.ready)).then((r) => r.every(Boolean)),
      release: () => {
        if (released) return;
        released = true;
        for (const [lookup, w] of held) this.release(lookup, w);
      },
    };
  }

  private watchOne(lookup: string): Watch {
    const held = this.watches.get(lookup);
    if (held) {
      held.count++;
      clearTimeout(held.linger);
      held.linger = undefined;
      return held;
    }
    const routing = this.setRoute(lookup);
    const w: Watch = { count: 1, ready: Promise.resolve(false), linger: undefined };
    let timer: NodeJS.Timeout | undefined;
    w.ready = Promise.race([
      routing.then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), WATCH_TIMEOUT_MS))),
    ]).then((ok) => {
      clearTimeout(timer);
      // Not routed in time: forget it (the next watch tries again), and drop the route
      // should the write still come through.
      if (!ok && this.watches.get(lookup) === w) {
        this.watches.delete(lookup);
        routing.then(
          () => !this.watches.has(lookup) && this.unroute(lookup),
          () => undefined,
        );
      }
      return ok;
    });
    this.watches.set(lookup, w);
    return w;
  }

  private release(lookup: string, w: Watch): void {
    if (--w.count > 0 || this.watches.get(lookup) !== w) return;
    clearTimeout(w.linger);
    w.linger = setTimeout(() => {
      if (this.watches.get(lookup) !== w || w.count > 0) return;
      this.watches.delete(lookup);
      this.unroute(lookup);
    }, this.lingerMs);
    w.linger.unref();
  }

  private unroute(lookup: string): void {
    if (this.closed) return;
    this.client.meowUnroute(this.routeKey(lookup), this.instance).catch(() => undefined);
  }

  wakeStats(): { received: number; watched: number; sent: number } {
    return { received: this.wakesReceived, watched: this.watches.size, sent: this.wakesSent };
  }

  private key(kind: 'msg' | 'msgdata' | 'snd', lookup: string): string {
    return `${this.prefix}${kind}:{${lookup}}`;
  }

  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreUnavailableError('store is closed');
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        // A slot moved (a Cluster failover or resharding) and ioredis could not follow it
        // by itself (autopipelined commands of several slots): the command did not run,
        // so after a slots refresh it runs again, once or twice.
        if (this.client instanceof Cluster && attempt < 2 && /^(MOVED|ASK) /.test((e as Error).message)) {
          await this.refreshSlots();
          continue;
        }
        throw new StoreUnavailableError(`redis ${what}: ${(e as Error).message}`, { cause: e });
      }
    }
  }

  private refreshing: Promise<void> | null = null;
  private refreshSlots(): Promise<void> {
    this.refreshing ??= new Promise<void>((resolve) =>
      (this.client as Cluster).refreshSlotsCache(() => {
        this.refreshing = null;
        resolve();
      }),
    );
    return this.refreshing;
  }

  useNonce(nonce: string, _now: number, ttlMs: number): Promise<boolean> {
    return this.call('useNonce', async () => {
      const r = await this.client.set(`${this.prefix}nonce:{${nonce}}`, '1', 'PX', ttlMs, 'NX');
      return r === 'OK';
    });
  }

  takeTokens(key: string, count: number, now: number, rate: RateLimit): Promise<boolean> {
    return this.call('takeTokens', async () => {
      const r = await this.client.meowTake(
        `${this.prefix}rate:{${key}}`,
        now,
        rate.perSec,
        rate.burst,
        count,
      );
      return r === 1;
    });
  }

  senders(lookups: string[]): Promise<Map<string, Uint8Array[]>> {
    return this.call('senders', async () => {
      const blobs = await Promise.all(lookups.map((l) => this.client.getBuffer(this.key('snd', l))));
      const out = new Map<string, Uint8Array[]>();
      blobs.forEach((b, i) => {
        if (b) out.set(lookups[i]!, splitKeys(bytesOf(b)));
      });
      return out;
    });
  }

  setSenders(items: SenderKeys[], _now: number, ttlMs: number): Promise<void> {
    return this.call('setSenders', async () => {
      await Promise.all(
        items.map((it) => this.client.set(this.key('snd', it.lookup), buf(joinKeys(it.keys)), 'PX', ttlMs)),
      );
    });
  }

  post(
    messages: NewMessage[],
    now: number,
    maxQueueLength: number,
    retentionMs: number,
    openQueueLength = maxQueueLength,
  ): Promise<PostOutcome> {
    const byQueue = new Map<string, NewMessage[]>();
    for (const m of messages) {
      const list = byQueue.get(m.lookup);
      if (list) list.push(m);
      else byQueue.set(m.lookup, [m]);
    }
    const nowUs = now * 1000;
    const cutoffUs = String((now - retentionMs) * 1000);
    const run = (lookup: string, list: NewMessage[], checkOnly: boolean) => {
      const args: Arg[] = [
        maxQueueLength,
        String(nowUs),
        cutoffUs,
        retentionMs,
        checkOnly ? '1' : '0',
        openQueueLength,
      ];
      for (const m of list) args.push(m.id, checkOnly ? '' : buf(m.bytes));
      return this.client.meowPost(
        this.key('msg', lookup),
        this.key('msgdata', lookup),
        this.key('snd', lookup),
        this.routeKey(lookup),
        ...args,
      );
    };
    return this.call('post', async () => {
      const queues = [...byQueue];
      if (queues.length > 1) {
        // Several queues (several slots): check them all first so a full one refuses the whole batch.
        const checks = await Promise.all(queues.map(([l, list]) => run(l, list, true)));
        const full = checks.findIndex(([n]) => n < 0);
        if (full >= 0) return { ok: false, full: queues[full]![0] };
      }
      const results = await Promise.all(queues.map(([l, list]) => run(l, list, false)));
      const full = results.findIndex(([n]) => n < 0);
      if (full >= 0) return { ok: false, full: queues[full]![0] };
      const added = results.reduce((a, [n]) => a + n, 0);
      // This process's own waiters are woken for every queue that got messages (a route
      // being written in this instant is not read back yet); other owners through their channel.
      this.emit(queues.filter((_, i) => results[i]![0] > 0).map(([l]) => l));
      const owners = new Map<string, string[]>();
      results.forEach(([n, owner], i) => {
        if (n <= 0 || !owner || owner === this.instance) return;
        const list = owners.get(owner);
        if (list) list.push(queues[i]![0]);
        else owners.set(owner, [queues[i]![0]]);
      });
      this.notify(owners);
      return { ok: true, added };
    });
  }

  /**
   * Wakes the other processes holding queues that got messages, through their channels (one
   * publish per owner). A lost publish delays the push until the owner's next re-check (a
   * reconnect, the client's next subscription); the post is stored and answered either way.
   */
  private notify(owners: Map<string, string[]>): void {
    for (const [owner, lookups] of owners) {
      this.wakesSent++;
      const channel = this.procChannel(owner);
      (this.kind === 'redis'
        ? this.client.publish(channel, lookups.join(','))
        : (this.client as Cluster).spublish(channel, lookups.join(','))
      ).catch(() => undefined);
    }
  }

  fetch(lookups: string[], max: number, now: number, retentionMs: number): Promise<FetchResult> {
    const cutoffUs = String((now - retentionMs) * 1000);
    return this.call('fetch', async () => {
      if (lookups.length === 1) {
        // One queue: one script reads up to `max` and the queue's length (one round trip).
        const lookup = lookups[0]!;
        const reply = await this.client.meowFetchBuffer(
          this.key('msg', lookup),
          this.key('msgdata', lookup),
          max,
          cutoffUs,
        );
        const messages = this.decodeFetch(lookup, reply);
        return { messages, more: (reply[0] as number) > max };
      }
      // Lengths first (cheap; an empty long-poll round costs only this), then read each
      // queue's share of `max`, so a pull of many keys never reads more than it returns.
      const lengths = await Promise.all(lookups.map((l) => this.client.zcard(this.key('msg', l))));
      const plan: [string, number][] = [];
      let room = max;
      let more = false;
      lookups.forEach((l, i) => {
        const n = Math.min(lengths[i]!, room);
        if (n > 0) plan.push([l, n]);
        if (lengths[i]! > n) more = true;
        room -= n;
      });
      if (!plan.length) return { messages: [], more: false };
      const replies = await Promise.all(
        plan.map(([l, n]) =>
          this.client.meowFetchBuffer(this.key('msg', l), this.key('msgdata', l), n, cutoffUs),
        ),
      );
      const messages: QueuedMessage[] = [];
      replies.forEach((reply, q) => {
        const [lookup, n] = plan[q]!;
        messages.push(...this.decodeFetch(lookup, reply));
        if ((reply[0] as number) > n) more = true;
      });
      return { messages, more };
    });
  }

  /** The messages of a FETCH reply: {queue length, id, score, bytes, id, score, bytes...}. */
  private decodeFetch(lookup: string, reply: (Buffer | number)[]): QueuedMessage[] {
    const messages: QueuedMessage[] = [];
    for (let i = 1; i + 2 < reply.length; i += 3) {
      const score = Number((reply[i + 1] as Buffer).toString('latin1'));
      messages.push({
        lookup,
        id: (reply[i] as Buffer).toString('latin1'),
        arrivedAt: Math.floor(score / 1000),
        bytes: bytesOf(reply[i + 2] as Buffer),
      });
    }
    return messages;
  }

  ack(items: { lookup: string; ids: string[] }[]): Promise<number> {
    return this.call('ack', async () => {
      const counts = await Promise.all(
        items
          .filter((it) => it.ids.length > 0)
          .map((it) =>
            this.client.meowAck(this.key('msg', it.lookup), this.key('msgdata', it.lookup), ...it.ids),
          ),
      );
      return counts.reduce((a, b) => a + b, 0);
    });
  }

  queueLength(lookup: string): Promise<number> {
    return this.call('queueLength', () => this.client.zcard(this.key('msg', lookup)));
  }

  stats(): Promise<StoreStats> {
    return this.call('stats', async () => {
      const nodes: Redis[] = this.client instanceof Cluster ? this.client.nodes('master') : [this.client];
      let queues = 0;
      let messages = 0;
      for (const node of nodes) {
        let cursor = '0';
        do {
          const [next, keys] = await node.scan(cursor, 'MATCH', `${this.prefix}msg:{*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) {
            const sizes = await Promise.all(keys.map((k) => node.zcard(k)));
            queues += sizes.filter((n) => n > 0).length;
            messages += sizes.reduce((a, b) => a + b, 0);
          }
        } while (cursor !== '0');
      }
      return { queues, messages };
    });
  }

  putInvitation(inv: Invitation): Promise<boolean> {
    return this.call('putInvitation', async () => {
      const r = await this.client.meowPutInvitation(
        `${this.prefix}inv:${inv.id}`,
        buf(inv.blob),
        inv.expiresAt,
        buf(inv.ownerKey),
        inv.expiresAt + INVITATION_GRACE_MS,
      );
      return r === 1;
    });
  }

  getInvitation(id: string): Promise<Invitation | null> {
    return this.call('getInvitation', async () => {
      const [blob, exp, owner] = await this.client.hmgetBuffer(
        `${this.prefix}inv:${id}`,
        'blob',
        'exp',
        'owner',
      );
      if (!blob || !exp || !owner) return null;
      return { id, blob: bytesOf(blob), expiresAt: Number(exp.toString('latin1')), ownerKey: bytesOf(owner) };
    });
  }

  deleteInvitation(id: string): Promise<boolean> {
    return this.call(
      'deleteInvitation',
      async () => (await this.client.del(`${this.prefix}inv:${id}`)) === 1,
    );
  }

  /** Nothing to do store-wide: every queue script prunes its queue, and keys carry TTLs. */
  prune(): Promise<number> {
    return Promise.resolve(0);
  }

  onWake(listener: (lookups: string[] | null) => void): void {
    this.listeners.push(listener);
  }

  private emit(lookups: string[] | null): void {
    for (const l of this.listeners) l(lookups);
  }

  ping(): Promise<void> {
    return this.call('ping', async () => {
      await this.client.ping();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.renewTimer);
    for (const w of this.watches.values()) clearTimeout(w.linger);
    this.watches.clear();
    await Promise.all(
      [this.sub, this.client].map(async (c) => {
        try {
          await c.quit();
        } catch {
          c.disconnect();
        }
      }),
    );
  }
}

async function waitReady(client: Redis | Cluster, timeoutMs: number, where: string): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    let last: Error | undefined;
    const onError = (e: Error) => (last = e);
    const timer = setTimeout(() => {
      cleanup();
      reject(
        new StoreUnavailableError(
          `cannot reach ${where} within ${timeoutMs} ms${last ? `: ${last.message}` : ''}`,
        ),
      );
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
    };
    client.on('ready', onReady);
    client.on('error', onError);
  });
}
