/**
 * The four operations of an opened request (post, pull, ack, invitation): every
 * check that can refuse the request runs before anything is written, so a refused
 * request leaves the queues as they were.
 */
import { randomBytes, toBase64Url, toHex } from '../main/crypto/bytes.js';
import { messageId, verifyKeyProof, type ProofOp } from '../main/wire/serverProtocol.js';
import { encode, meow } from '../main/wire/proto.js';
import type { Limits } from './config.js';
import { RelayFailure } from './errors.js';
import type { Metrics } from './metrics.js';
import type { NewMessage, RelayStore } from './store/types.js';
import type { WaiterRegistry } from './waiters.js';

/** Messages per pull when the client does not say. */
export const DEFAULT_PULL_MESSAGES = 100;
const MESSAGE_ID = /^[0-9a-f]{32}$/;
const INVITATION_ID = /^[A-Za-z0-9_-]{8,64}$/;

export type Operation = 'post' | 'pull' | 'ack' | 'invitation';

export interface OperationContext {
  store: RelayStore;
  limits: Limits;
  serverKey: Uint8Array;
  waiters: WaiterRegistry;
  metrics: Metrics;
  /** Aborted when the client goes away (a held pull stops waiting). */
  signal: AbortSignal;
}

/** Which operation a request carries; exactly one is allowed. */
export function operationOf(m: meow.ToServerMessage): Operation {
  if (m.deviceMessages.length)
    throw new RelayFailure('UNSUPPORTED', 'device_messages is never used: send device sync as messages');
  const ops: Operation[] = [];
  if (m.messages.length) ops.push('post');
  if (m.pull) ops.push('pull');
  if (m.ack) ops.push('ack');
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
  switch (op) {
    case 'post':
      return post(m, ctx);
    case 'pull':
      return pull(m, ctx);
    case 'ack':
      return ack(m, ctx);
    case 'invitation':
      return invitation(m, ctx);
  }
}

async function post(
  m: meow.ToServerMessage,
  { store, limits, metrics }: OperationContext,
): Promise<meow.IFromServerMessage> {
  if (m.messages.length > limits.maxMessagesPerPost)
    throw new RelayFailure(
      'TOO_MANY_MESSAGES',
      `a post carries at most ${limits.maxMessagesPerPost} messages`,
    );
  // Decoded messages carry every field (protobuf defaults), whatever the interface types say.
  const batch: NewMessage[] = (m.messages as meow.PackedUserMessage[]).map((msg, index) => {
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
  const outcome = await store.post(batch, Date.now(), limits.maxQueueLength, limits.retentionMs);
  if (!outcome.ok) {
    throw new RelayFailure(
      'QUEUE_FULL',
      `the destination queue holds its maximum of ${limits.maxQueueLength} messages`,
      batch.findIndex((b) => b.lookup === outcome.full),
    );
  }
  metrics.counters.posted += outcome.added;
  return { posted: batch.map((b) => ({ id: b.id })) };
}

function checkProofs(
  op: ProofOp,
  proofs: (meow.IKeyProof | null | undefined)[],
  m: meow.ToServerMessage,
  ctx: OperationContext,
): string[] {
  if (!proofs.length) throw new RelayFailure('MALFORMED', `a ${op} names at least one lookup key`);
  if (proofs.length > ctx.limits.maxKeysPerPull)
    throw new RelayFailure('TOO_MANY_KEYS', `a ${op} names at most ${ctx.limits.maxKeysPerPull} lookup keys`);
  return proofs.map((p, index) => {
    if (!verifyKeyProof(op, p, ctx.serverKey, m.timestamp, m.nonce))
      throw new RelayFailure('BAD_PROOF', 'missing or invalid proof for a lookup key', index);
    return toHex(p!.lookupKey!);
  });
}

async function pull(m: meow.ToServerMessage, ctx: OperationContext): Promise<meow.IFromServerMessage> {
  const { store, limits, waiters, metrics, signal } = ctx;
  const req = m.pull as meow.PullRequest;
  const lookups = [...new Set(checkProofs('pull', req.keys, m, ctx))];
  const max = Math.min(req.maxMessages || DEFAULT_PULL_MESSAGES, limits.maxPullMessages);
  const deadline = Date.now() + Math.min(req.timeoutMs, limits.maxPollMs);

  const waiter = waiters.register(lookups);
  const onAbort = () => waiter.fire('abort');
  signal.addEventListener('abort', onAbort);
  try {
    for (;;) {
      waiter.clear();
      const got = await store.fetch(lookups, max, Date.now(), limits.retentionMs);
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
        return { messages, more: got.more || messages.length < got.messages.length };
      }
      const reason = await waiter.next(deadline - Date.now());
      if (reason !== 'wake') return { messages: [], more: false };
    }
  } finally {
    signal.removeEventListener('abort', onAbort);
    waiters.unregister(waiter);
  }
}

async function ack(m: meow.ToServerMessage, ctx: OperationContext): Promise<meow.IFromServerMessage> {
  const items = (m.ack as meow.AckRequest).items as meow.AckItem[];
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
    m,
    ctx,
  );
  items.forEach((it, index) => {
    if (!it.ids.every((id) => MESSAGE_ID.test(id)))
      throw new RelayFailure('MALFORMED', 'not a message id', index);
  });
  const acked = await ctx.store.ack(items.map((it, i) => ({ lookup: lookups[i]!, ids: it.ids })));
  ctx.metrics.counters.acked += acked;
  return { acked };
}

async function invitation(
  m: meow.ToServerMessage,
  { store, limits, serverKey }: OperationContext,
): Promise<meow.IFromServerMessage> {
  const req = m.invitation as meow.InvitationRequest;
  const now = Date.now();
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
      if (!verifyKeyProof('invitation-delete', proof, serverKey, m.timestamp, m.nonce))
        throw new RelayFailure('BAD_PROOF', 'missing or invalid owner signature');
      await store.deleteInvitation(req.id);
      return { invitation: { id: req.id } };
    }
    default:
      throw new RelayFailure('MALFORMED', 'unknown invitation operation');
  }
}
