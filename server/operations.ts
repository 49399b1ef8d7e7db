/**
 * The six operations of an opened request (post, pull, ack, secure, close, invitation):
 * every check that can refuse the request runs before anything is written, so a
 * refused request leaves the queues as they were.
 *
 * Sender authorization: a queue whose owner registered sender keys (secure) takes a
 * message only when its PackedUserMessage signature — the sender's own signature,
 * which every client already makes — verifies under one of those keys; an open
 * queue (an invitation's, before its answer) takes anyone's, up to the small
 * open-queue bound. Posts are rate-limited per destination queue, after the sender
 * check (so strangers cannot spend a queue's budget).
 */
import { randomBytes, toBase64Url, toHex } from '../protocol/crypto/bytes.js';
import { verify } from '../protocol/crypto/curves.js';
import { signedPart } from '../protocol/wire/packing.js';
import {
  MAX_SENDER_KEYS,
  messageId,
  operationDigest,
  verifyKeyProof,
  type ProofOp,
  type RequestContext,
} from '../protocol/wire/serverProtocol.js';
import { encode, meow } from '../protocol/wire/proto.js';
import type { Limits } from './config.js';
import { RelayFailure } from './errors.js';
import type { Metrics } from './metrics.js';
import type { FetchResult, NewMessage, RelayStore, WatchHandle } from './store/types.js';
import type { WaiterRegistry } from './waiters.js';

/** Messages per pull when the client does not say. */
export const DEFAULT_PULL_MESSAGES = 100;
const MESSAGE_ID = /^[0-9a-f]{32}$/;
const INVITATION_ID = /^[A-Za-z0-9_-]{8,64}$/;

export type Operation = 'post' | 'pull' | 'ack' | 'secure' | 'close' | 'invitation';

/** Sender keys stay registered this long after the owner last set them (clients refresh them). */
export const SENDER_TTL_MIN_MS = 7 * 24 * 3600_000;

export interface OperationContext {
  store: RelayStore;
  limits: Limits;
  serverKey: Uint8Array;
  /** What the request's proofs are bound to. */
  request: RequestContext;
  waiters: WaiterRegistry;
  metrics: Metrics;
  /** Aborted when the client goes away (a held pull stops waiting). */
  signal: AbortSignal;
  /**
   * Settles when the request's nonce is recorded (rejects REPLAYED for a replay).
   * An operation may read before it, but writes and answers only after it.
   */
  admitted: Promise<void>;
}

/** Which operation a request carries; exactly one is allowed. */
export function operationOf(m: meow.ToServerMessage): Operation {
  if (m.deviceMessages.length)
    throw new RelayFailure('UNSUPPORTED', 'device_messages is never used: send device sync as messages');
  const ops: Operation[] = [];
  if (m.messages.length) ops.push('post');
  if (m.pull) ops.push('pull');
  if (m.ack && !m.pull) ops.push('ack'); // a pull may carry an ack (of what the last pull returned)
  if (m.secure) ops.push('secure');
  if (m.close) ops.push('close');
  if (m.invitation) ops.push('invitation');
  if (ops.length !== 1)
    throw new RelayFailure('MALFORMED', `a request carries exactly one operation (found ${ops.length})`);
  return ops[0]!;
}

export async function runOperation(
  op: Operation,
  m: meow.ToServerMessage,
  ctx: OperationContext,
): Promise<meow.IFromServerMessage> {
  try {
    const reply = await dispatch(op, m, ctx);
    await ctx.admitted;
    return reply;
  } catch (e) {
    await ctx.admitted; // a replay is refused as REPLAYED, whatever else is wrong with it
    throw e;
  }
}

function dispatch(
  op: Operation,
  m: meow.ToServerMessage,
  ctx: OperationContext,
): Promise<meow.IFromServerMessage> {
  switch (op) {
    case 'post':
      return post(m, ctx);
    case 'pull':
      return pull(m, ctx);
    case 'ack':
      return ack(m, ctx);
    case 'secure':
      return secure(m, ctx);
    case 'close':
      return close(m, ctx);
    case 'invitation':
      return invitation(m, ctx);
  }
}

async function post(
  m: meow.ToServerMessage,
  { store, limits, metrics, admitted }: OperationContext,
): Promise<meow.IFromServerMessage> {
  const messages = m.messages as meow.PackedUserMessage[];
  if (m.messages.length > limits.maxMessagesPerPost)
    throw new RelayFailure(
      'TOO_MANY_MESSAGES',
      `a post carries at most ${limits.maxMessagesPerPost} messages`,
    );
  // Decoded messages carry every field (protobuf defaults), whatever the interface types say.
  const batch: NewMessage[] = messages.map((msg, index) => {
    if (msg.destination.length !== 32)
      throw new RelayFailure('MALFORMED', 'message destination must be a 32-byte lookup key', index);
    if (!msg.payload.length) throw new RelayFailure('MALFORMED', 'message payload is empty', index);
    if (msg.signature.length !== 64)
      throw new RelayFailure('MALFORMED', 'message signature must be 64 bytes', index);
    const bytes = encode(meow.PackedUserMessage, msg);
    if (bytes.length > limits.maxMessageBytes)
      throw new RelayFailure(
        'MESSAGE_TOO_LARGE',
        `message is ${bytes.length} bytes; the bound is ${limits.maxMessageBytes}`,
        index,
      );
    return { lookup: toHex(msg.destination), id: messageId(bytes), bytes };
  });
  const now = Date.now();
  const lookups = [...new Set(batch.map((b) => b.lookup))];
  const senders = await store.senders(lookups, now);
  messages.forEach((msg, index) => {
    const keys = senders.get(batch[index]!.lookup);
    if (!keys) return; // an open queue
    if (isClosed(keys))
      throw new RelayFailure('GONE', 'the destination queue was closed by its owner', index);
    const signed = signedPart(msg.destination, msg.payload);
    if (!keys.some((k) => verify(k, signed, msg.signature)))
      throw new RelayFailure(
        'NOT_AUTHORIZED',
        'the destination queue takes messages only from the senders its owner registered',
        index,
      );
  });
  await admitted;
  if (limits.queueRatePerSec > 0) {
    const rate = { perSec: limits.queueRatePerSec, burst: limits.queueBurst };
    for (const lookup of lookups) {
      const count = batch.filter((b) => b.lookup === lookup).length;
      if (!(await store.takeTokens(`q:${lookup}`, count, now, rate)))
        throw new RelayFailure(
          'RATE_LIMITED',
          `more than ${limits.queueRatePerSec} messages per second into one queue`,
          batch.findIndex((b) => b.lookup === lookup),
          Math.max(1, Math.ceil(Math.min(count, limits.queueBurst) / limits.queueRatePerSec)),
        );
    }
  }
  const outcome = await store.post(
    batch,
    now,
    limits.maxQueueLength,
    limits.retentionMs,
    Math.min(limits.openQueueLength, limits.maxQueueLength),
  );
  if (!outcome.ok) {
    const secured = senders.has(outcome.full);
    throw new RelayFailure(
      'QUEUE_FULL',
      secured
        ? `the destination queue holds its maximum of ${limits.maxQueueLength} messages`
        : `the destination queue holds ${limits.openQueueLength} messages, the bound until its owner registers a sender`,
      batch.findIndex((b) => b.lookup === outcome.full),
    );
  }
  metrics.counters.posted += outcome.added;
  return { posted: batch.map((b) => ({ id: b.id })) };
}

function checkProofs(
  op: ProofOp,
  proofs: (meow.IKeyProof | null | undefined)[],
  digest: Uint8Array,
  ctx: OperationContext,
  covered?: Set<string>,
): string[] {
  if (!proofs.length) throw new RelayFailure('MALFORMED', `a ${op} names at least one lookup key`);
  if (proofs.length > ctx.limits.maxKeysPerPull)
    throw new RelayFailure('TOO_MANY_KEYS', `a ${op} names at most ${ctx.limits.maxKeysPerPull} lookup keys`);
  return proofs.map((p, index) => {
    const key = p?.lookupKey;
    // A key whose proof this request already verified (a pulled queue, in a pull's ack).
    if (covered && key?.length === 32 && covered.has(toHex(key))) return toHex(key);
    if (!verifyKeyProof(op, p, digest))
      throw new RelayFailure('BAD_PROOF', 'missing or invalid proof for a lookup key', index);
    return toHex(key!);
  });
}

/** Checks an ack's items (ids, bound, proofs): the lookups they name, in order. */
function checkAck(
  ack: meow.AckRequest,
  digest: Uint8Array,
  ctx: OperationContext,
  covered?: Set<string>,
): { lookup: string; ids: string[] }[] {
  const items = ack.items as meow.AckItem[];
  let total = 0;
  for (const it of items) total += it.ids.length;
  if (total > ctx.limits.maxPullMessages)
    throw new RelayFailure(
      'TOO_MANY_MESSAGES',
      `an ack names at most ${ctx.limits.maxPullMessages} message ids`,
    );
  const lookups = checkProofs(
    'ack',
    items.map((it) => it.key),
    digest,
    ctx,
    covered,
  );
  items.forEach((it, index) => {
    if (!it.ids.every((id) => MESSAGE_ID.test(id)))
      throw new RelayFailure('MALFORMED', 'not a message id', index);
  });
  return items.map((it, i) => ({ lookup: lookups[i]!, ids: it.ids }));
}

async function pull(m: meow.ToServerMessage, ctx: OperationContext): Promise<meow.IFromServerMessage> {
  const { store, limits, waiters, metrics, signal } = ctx;
  const req = m.pull as meow.PullRequest;
  const digest = operationDigest(ctx.request, m);
  const named = [...new Set(checkProofs('pull', req.keys, digest, ctx))];
  // A closed queue yields nothing, to its owner or to anyone holding a copy of its key.
  const open = await openLookups(store, named);
  const lookups = open.length ? open : named;
  // The ack it carries: checked before anything is written, applied before the first read.
  const acks = m.ack ? checkAck(m.ack as meow.AckRequest, digest, ctx, new Set(named)) : null;
  const max = Math.min(req.maxMessages || DEFAULT_PULL_MESSAGES, limits.maxPullMessages);
  const deadline = Date.now() + Math.min(req.timeoutMs, limits.maxPollMs);

  const waiter = waiters.register(lookups);
  const onAbort = () => waiter.fire('abort');
  signal.addEventListener('abort', onAbort);
  // Wake-ups of other processes' posts are routed here only while a pull waits here:
  // subscribed before the read that precedes the first wait, so no post is missed.
  let watch: WatchHandle | null = null;
  let routed = false;
  let acked: number | undefined;
  try {
    if (acks) await ctx.admitted;
    if (!open.length) {
      if (acks) acked = await store.ack(acks);
      await ctx.admitted;
      return { messages: [], more: false, acked };
    }
    for (;;) {
      waiter.clear();
      let got: FetchResult;
      if (acks && acked === undefined) {
        // The ack and the first read go out together (one round trip to Redis): a store runs
        // them in call order on each queue, so the read never returns what was just acked.
        const [n, first] = await Promise.all([
          store.ack(acks),
          store.fetch(lookups, max, Date.now(), limits.retentionMs),
        ]);
        acked = n;
        metrics.counters.acked += n;
        got = first;
      } else {
        got = await store.fetch(lookups, max, Date.now(), limits.retentionMs);
      }
      await ctx.admitted;
      if (got.messages.length) {
        let bytes = 0;
        const messages: meow.IDeliveredMessage[] = [];
        for (const q of got.messages) {
          // Keep the reply within the body bound (at least one message always goes).
          if (messages.length && bytes + q.bytes.length > limits.maxBodyBytes) break;
          bytes += q.bytes.length;
          messages.push({
            id: q.id,
            arrivedAt: q.arrivedAt,
            message: meow.PackedUserMessage.decode(q.bytes),
          });
        }
        metrics.counters.delivered += messages.length;
        return { messages, more: got.more || messages.length < got.messages.length, acked };
      }
      const left = deadline - Date.now();
      if (left <= 0 || signal.aborted) return { messages: [], more: false, acked };
      if (!watch) {
        watch = store.watch(lookups);
        routed = await watch.routed;
        continue; // read again: a post may have landed before the wake-ups were routed here
      }
      // Not routed (the subscription failed): re-read every second instead.
      const reason = await waiter.next(routed ? left : Math.min(left, 1000));
      if (reason === 'timeout' && !routed && deadline > Date.now()) continue;
      if (reason !== 'wake') return { messages: [], more: false, acked };
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    waiters.unregister(waiter);
    watch?.release();
  }
}

async function ack(m: meow.ToServerMessage, ctx: OperationContext): Promise<meow.IFromServerMessage> {
  const items = checkAck(m.ack as meow.AckRequest, operationDigest(ctx.request, m), ctx);
  await ctx.admitted;
  const acked = await ctx.store.ack(items);
  ctx.metrics.counters.acked += acked;
  return { acked };
}

async function secure(m: meow.ToServerMessage, ctx: OperationContext): Promise<meow.IFromServerMessage> {
  const queues = (m.secure as meow.SecureRequest).queues as meow.QueueSenders[];
  const lookups = checkProofs(
    'secure',
    queues.map((q) => q.key),
    operationDigest(ctx.request, m),
    ctx,
  );
  if (new Set(lookups).size !== lookups.length)
    throw new RelayFailure('MALFORMED', 'a queue is named twice in one registration');
  queues.forEach((q, index) => {
    if (q.senderKeys.length === 0 || q.senderKeys.length > MAX_SENDER_KEYS)
      throw new RelayFailure(
        'MALFORMED',
        `a queue registers 1 to ${MAX_SENDER_KEYS} sender keys (an empty set would open it again)`,
        index,
      );
    if (!q.senderKeys.every((k) => k.length === 32))
      throw new RelayFailure('MALFORMED', 'a sender key must be a 32-byte Ed25519 key', index);
  });
  const now = Date.now();
  // A closed queue stays closed: whoever kept its key cannot open it again.
  const open = new Set(await openLookups(ctx.store, lookups));
  await ctx.admitted;
  const items = queues
    .map((q, i) => ({ lookup: lookups[i]!, keys: q.senderKeys.map((k) => new Uint8Array(k)) }))
    .filter((it) => open.has(it.lookup));
  if (items.length)
    await ctx.store.setSenders(items, now, Math.max(ctx.limits.retentionMs, SENDER_TTL_MIN_MS));
  return { secured: items.length };
}

/**
 * A closed queue is marked by a sender key no one can sign for (all zeros, refused by every
 * verifier), registered for CLOSED_TTL_MS: the store keeps it like any sender set.
 */
const CLOSED_MARK = new Uint8Array(32);
/** How long a closed queue refuses posts (its owner's contact has long moved to the new one). */
export const CLOSED_TTL_MS = 30 * 24 * 3600_000;

function isClosed(keys: Uint8Array[]): boolean {
  return keys.some((k) => k.length === 32 && k.every((b) => b === 0));
}

/** The lookups of `lookups` not closed. */
async function openLookups(store: RelayStore, lookups: string[]): Promise<string[]> {
  const senders = await store.senders(lookups, Date.now());
  return lookups.filter((l) => !isClosed(senders.get(l) ?? []));
}

/** Closes queues for good (proved by their keys): marked closed first, then emptied. */
async function close(m: meow.ToServerMessage, ctx: OperationContext): Promise<meow.IFromServerMessage> {
  const req = m.close as meow.CloseRequest;
  const lookups = [...new Set(checkProofs('close', req.keys, operationDigest(ctx.request, m), ctx))];
  const now = Date.now();
  await ctx.admitted;
  await ctx.store.setSenders(
    lookups.map((lookup) => ({ lookup, keys: [CLOSED_MARK] })),
    now,
    Math.max(ctx.limits.retentionMs, CLOSED_TTL_MS),
  );
  // Emptied after the mark: a post racing the close is either refused or handed back here.
  // What it held goes to the owner in the reply (within the pull bounds), then is deleted.
  const messages: meow.IDeliveredMessage[] = [];
  let bytes = 0;
  for (;;) {
    const got = await ctx.store.fetch(
      lookups,
      ctx.limits.maxPullMessages,
      Date.now(),
      ctx.limits.retentionMs,
    );
    if (!got.messages.length) break;
    const byLookup = new Map<string, string[]>();
    for (const q of got.messages) {
      byLookup.set(q.lookup, [...(byLookup.get(q.lookup) ?? []), q.id]);
      if (messages.length >= ctx.limits.maxPullMessages || bytes + q.bytes.length > ctx.limits.maxBodyBytes)
        continue;
      bytes += q.bytes.length;
      messages.push({ id: q.id, arrivedAt: q.arrivedAt, message: meow.PackedUserMessage.decode(q.bytes) });
    }
    await ctx.store.ack([...byLookup].map(([lookup, ids]) => ({ lookup, ids })));
  }
  return { closed: lookups.length, messages };
}

async function invitation(
  m: meow.ToServerMessage,
  { store, limits, request, admitted }: OperationContext,
): Promise<meow.IFromServerMessage> {
  const req = m.invitation as meow.InvitationRequest;
  const now = Date.now();
  await admitted; // every invitation operation writes, or reads something only its owner may delete
  switch (req.op) {
    case meow.InvitationOp.INVITATION_PUT: {
      if (!req.blob.length) throw new RelayFailure('MALFORMED', 'invitation blob is empty');
      if (req.blob.length > limits.maxInvitationBytes)
        throw new RelayFailure(
          'MESSAGE_TOO_LARGE',
          `invitation blob is larger than ${limits.maxInvitationBytes} bytes`,
        );
      if (req.ownerKey.length !== 32)
        throw new RelayFailure('MALFORMED', 'invitation owner key must be 32 bytes');
      if (req.expiresAt <= now || req.expiresAt > now + limits.maxInvitationTtlMs)
        throw new RelayFailure(
          'MALFORMED',
          `invitation expiry must be in the future and within ${limits.maxInvitationTtlMs} ms`,
        );
      for (let attempt = 0; attempt < 3; attempt++) {
        const id = toBase64Url(randomBytes(16));
        const stored = await store.putInvitation(
          {
            id,
            blob: new Uint8Array(req.blob),
            expiresAt: req.expiresAt,
            ownerKey: new Uint8Array(req.ownerKey),
          },
          now,
        );
        if (stored) return { invitation: { id, expiresAt: req.expiresAt } };
      }
      throw new RelayFailure('INTERNAL', 'could not allocate an invitation id');
    }
    case meow.InvitationOp.INVITATION_GET: {
      if (!INVITATION_ID.test(req.id)) throw new RelayFailure('MALFORMED', 'not an invitation id');
      const inv = await store.getInvitation(req.id);
      if (!inv) throw new RelayFailure('NOT_FOUND', 'no such invitation');
      if (inv.expiresAt <= now) throw new RelayFailure('EXPIRED', 'the invitation has expired');
      return { invitation: { id: inv.id, blob: inv.blob, expiresAt: inv.expiresAt } };
    }
    case meow.InvitationOp.INVITATION_DELETE: {
      if (!INVITATION_ID.test(req.id)) throw new RelayFailure('MALFORMED', 'not an invitation id');
      const inv = await store.getInvitation(req.id);
      if (!inv) throw new RelayFailure('NOT_FOUND', 'no such invitation');
      const proof = { lookupKey: inv.ownerKey, signature: req.ownerSignature };
      if (!verifyKeyProof('invitation-delete', proof, operationDigest(request, m)))
        throw new RelayFailure('BAD_PROOF', 'missing or invalid owner signature');
      await store.deleteInvitation(req.id);
      return { invitation: { id: req.id } };
    }
    default:
      throw new RelayFailure('MALFORMED', 'unknown invitation operation');
  }
}
