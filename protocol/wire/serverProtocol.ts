/**
 * Client ↔ relay protocol, both sides of it (the server imports this module too):
 *
 *   request body  = SignedRequest{version 2, sealed = seal(server X25519 key, RequestEnvelope)}
 *                   RequestEnvelope{device_key, message = ToServerMessage, signature}
 *   reply body    = ServerReply{sealed = seal(request.reply_key, FromServerMessage)} or ServerReply{error}
 *
 * Nothing of a request is readable on the way (the device key travels sealed); the
 * device signature covers ("meow/req/v2", server key, message). Pulls, acks, sender
 * registrations and invitation deletes carry, per lookup (or owner) key, a proof: a
 * signature by that key over ("meow/proof/v2", op, digest), where the digest is a
 * SHA-256 over the WHOLE request: server key, device key, reply key, timestamp,
 * nonce, and every field of the operation (all its lookup keys, acked ids, sender
 * keys). A proof therefore cannot be moved to another request, another device key,
 * another reply key or other ids; the server also remembers every nonce of its
 * clock window, whoever sent it (replay detection is global).
 *
 * v1 requests (device key and signature in clear, proofs over the timestamp and
 * nonce only) are refused with UNSUPPORTED.
 */
import { encodeFields, randomBytes, u32be, u64be } from '../crypto/bytes.js';
import { sign, verify, wipePrivateKey, x25519KeyPair, type KeyPair } from '../crypto/curves.js';
import { sha256 } from '../crypto/kdf.js';
import { open, seal } from '../crypto/sealedBox.js';
import { decodeStrict, encode, meow } from './proto.js';

/** Requests whose timestamp is further than this from the server's clock are refused. */
export const CLOCK_WINDOW_MS = 2 * 60 * 1000;
export const NONCE_LENGTH = 16;
export const PROTOCOL_VERSION = 2;
/** Sender keys one queue may have registered at once (old and new during a rotation). */
export const MAX_SENDER_KEYS = 4;

export type ProofOp = 'pull' | 'ack' | 'secure' | 'close' | 'invitation-delete';

/** What a request is bound to, besides its operation. */
export interface RequestContext {
  serverKey: Uint8Array;
  deviceKey: Uint8Array;
  replyKey: Uint8Array;
  timestamp: number;
  nonce: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/**
 * The digest every proof of a request signs: the request context and every field of
 * its one operation. Signatures are left out (they are what signs it); anything else
 * that differs between two requests gives another digest.
 *
 * @example
 *   const digest = operationDigest(ctx, { ack: { items: [{ key: { lookupKey }, ids }] } });
 */
export function operationDigest(ctx: RequestContext, m: meow.IToServerMessage): Uint8Array {
  const parts: (Uint8Array | string)[] = [
    'meow/op/v2',
    ctx.serverKey,
    ctx.deviceKey,
    ctx.replyKey,
    u64be(ctx.timestamp),
    ctx.nonce,
  ];
  const key = (p: meow.IKeyProof | null | undefined) => p?.lookupKey ?? EMPTY;
  const ackParts = (ack: meow.IAckRequest) =>
    parts.push('ack', ...(ack.items ?? []).map((it) => encodeFields(key(it.key), ...(it.ids ?? []))));
  if (m.pull) {
    parts.push(
      'pull',
      u32be(m.pull.timeoutMs ?? 0),
      u32be(m.pull.maxMessages ?? 0),
      ...(m.pull.keys ?? []).map(key),
    );
    // A pull may carry the ack of what the previous pull returned (one request, not two).
    if (m.ack) ackParts(m.ack);
  } else if (m.ack) {
    ackParts(m.ack);
  } else if (m.secure) {
    parts.push(
      'secure',
      ...(m.secure.queues ?? []).map((q) => encodeFields(key(q.key), ...(q.senderKeys ?? []))),
    );
  } else if (m.close) {
    parts.push('close', ...(m.close.keys ?? []).map(key));
  } else if (m.invitation) {
    parts.push('invitation', u32be(m.invitation.op ?? 0), m.invitation.id ?? '');
  } else {
    parts.push('none');
  }
  return sha256(encodeFields(...parts));
}

function proofMessage(op: ProofOp, digest: Uint8Array): Uint8Array {
  return encodeFields('meow/proof/v2', op, digest);
}

/** A proof that the holder of `key` makes the request whose digest is `digest`. */
export function makeKeyProof(op: ProofOp, key: KeyPair, digest: Uint8Array): meow.IKeyProof {
  return { lookupKey: key.publicKey, signature: sign(key, proofMessage(op, digest)) };
}

export function verifyKeyProof(
  op: ProofOp,
  proof: meow.IKeyProof | null | undefined,
  digest: Uint8Array,
): boolean {
  const key = proof?.lookupKey;
  const sig = proof?.signature;
  if (!key || key.length !== 32 || !sig) return false;
  return verify(key, proofMessage(op, digest), sig);
}

/**
 * Signs the proofs of an operation in place: every KeyProof of `m` whose lookup key
 * belongs to one of `keys` gets its signature over the digest of the whole request.
 * Build the operation with unsigned proofs (`{ lookupKey }`), then call this.
 */
export function signProofs(ctx: RequestContext, m: meow.IToServerMessage, keys: KeyPair[]): void {
  const digest = operationDigest(ctx, m);
  const byKey = new Map(keys.map((k) => [Buffer.from(k.publicKey).toString('hex'), k]));
  const signOne = (op: ProofOp, p: meow.IKeyProof | null | undefined) => {
    const k = p?.lookupKey && byKey.get(Buffer.from(p.lookupKey).toString('hex'));
    if (p && k) p.signature = makeKeyProof(op, k, digest).signature!;
  };
  const pulled = new Set<string>();
  for (const p of m.pull?.keys ?? []) {
    signOne('pull', p);
    if (p.lookupKey) pulled.add(Buffer.from(p.lookupKey).toString('hex'));
  }
  for (const it of m.ack?.items ?? []) {
    // In a pull, an acked queue that is pulled too is covered by its pull proof.
    if (!(it.key?.lookupKey && pulled.has(Buffer.from(it.key.lookupKey).toString('hex'))))
      signOne('ack', it.key);
  }
  for (const q of m.secure?.queues ?? []) signOne('secure', q.key);
  for (const p of m.close?.keys ?? []) signOne('close', p);
}

/**
 * The operation of a pull, proofs signed. With `ack`, the same request first acknowledges
 * those ids (what the previous pull returned): an acked queue that is also pulled needs no
 * proof of its own — the pull's proof by that key covers the whole request, acked ids
 * included — so each key signs once per request.
 */
export function pullOperation(
  ctx: RequestContext,
  lookups: KeyPair[],
  opts: { timeoutMs?: number; maxMessages?: number; ack?: { lookup: KeyPair; ids: string[] }[] } = {},
): meow.IToServerMessage {
  const m: meow.IToServerMessage = {
    pull: {
      keys: lookups.map((l) => ({ lookupKey: l.publicKey })),
      timeoutMs: opts.timeoutMs ?? 0,
      maxMessages: opts.maxMessages ?? 0,
    },
  };
  const ack = (opts.ack ?? []).filter((it) => it.ids.length);
  if (ack.length)
    m.ack = { items: ack.map((it) => ({ key: { lookupKey: it.lookup.publicKey }, ids: it.ids })) };
  const pulled = new Set(lookups.map((l) => Buffer.from(l.publicKey).toString('hex')));
  signProofs(ctx, m, [
    ...lookups,
    ...ack.map((it) => it.lookup).filter((l) => !pulled.has(Buffer.from(l.publicKey).toString('hex'))),
  ]);
  return m;
}

/** The operation of an ack, proofs signed (they cover every id of every item). */
export function ackOperation(
  ctx: RequestContext,
  items: { lookup: KeyPair; ids: string[] }[],
): meow.IToServerMessage {
  const m: meow.IToServerMessage = {
    ack: { items: items.map((it) => ({ key: { lookupKey: it.lookup.publicKey }, ids: it.ids })) },
  };
  signProofs(
    ctx,
    m,
    items.map((it) => it.lookup),
  );
  return m;
}

/** The operation that sets the sender keys of my queues, proofs signed. */
export function secureOperation(
  ctx: RequestContext,
  queues: { lookup: KeyPair; senders: Uint8Array[] }[],
): meow.IToServerMessage {
  const m: meow.IToServerMessage = {
    secure: {
      queues: queues.map((q) => ({ key: { lookupKey: q.lookup.publicKey }, senderKeys: q.senders })),
    },
  };
  signProofs(
    ctx,
    m,
    queues.map((q) => q.lookup),
  );
  return m;
}

/** The operation that closes queues of mine for good (a rotation retired them), proofs signed. */
export function closeOperation(ctx: RequestContext, lookups: KeyPair[]): meow.IToServerMessage {
  const m: meow.IToServerMessage = { close: { keys: lookups.map((k) => ({ lookupKey: k.publicKey })) } };
  signProofs(ctx, m, lookups);
  return m;
}

/** The operation that deletes a stored invitation, signed by its owner key. */
export function invitationDeleteOperation(
  ctx: RequestContext,
  id: string,
  owner: KeyPair,
): meow.IToServerMessage {
  const m: meow.IToServerMessage = { invitation: { op: meow.InvitationOp.INVITATION_DELETE, id } };
  m.invitation!.ownerSignature = makeKeyProof('invitation-delete', owner, operationDigest(ctx, m)).signature!;
  return m;
}

function requestSignedPart(serverKey: Uint8Array, message: Uint8Array): Uint8Array {
  return encodeFields('meow/req/v2', serverKey, message);
}
const REQUEST_AAD = encodeFields('meow/req/v2');
function replyAad(nonce: Uint8Array): Uint8Array {
  return encodeFields('meow/reply/v1', nonce);
}

export interface SealedRequest {
  body: Uint8Array;
  replyKey: KeyPair;
  nonce: Uint8Array;
  timestamp: number;
}

/**
 * The HTTP body of a complete ToServerMessage (timestamp, nonce, reply key and server
 * key already set): signed by `device`, the device key and the message sealed together.
 * `ephemeral` is the sealed box's one-time key (sealRequest passes the reply key).
 */
export function sealMessage(
  serverKey: Uint8Array,
  device: KeyPair,
  message: meow.IToServerMessage,
  ephemeral?: KeyPair,
): Uint8Array {
  const bytes = encode(meow.ToServerMessage, meow.ToServerMessage.create(message));
  const envelope = encode(meow.RequestEnvelope, {
    deviceKey: device.publicKey,
    message: bytes,
    signature: sign(device, requestSignedPart(serverKey, bytes)),
  });
  return encode(meow.SignedRequest, {
    version: PROTOCOL_VERSION,
    sealed: seal(serverKey, envelope, REQUEST_AAD, ephemeral),
  });
}

/**
 * Builds a request. `build` receives what the request is bound to (timestamp, nonce,
 * reply key, device and server keys), so proofs can sign the digest of the whole
 * request, and returns the operation fields of the ToServerMessage.
 *
 * The reply key is also the one-time key the request is sealed with, which saves a key
 * generation per request (a third of the client's public-key work on a request). Safe:
 * it is fresh per request and used in two Diffie-Hellmans with two different keys (the
 * server's long-term key for the request, the reply sealer's ephemeral for the reply), so
 * the two boxes get unrelated keys and nonces; its public half, now readable at the head
 * of the request box, is a random one-time value that names nothing. The server also
 * imports it once per request instead of twice (the reply is sealed to the key it opened
 * the request with). Requests made with a separate reply key are opened as before.
 *
 * @example
 *   const req = sealRequest(serverKey, device, (ctx) => pullOperation(ctx, [lookup], { timeoutMs: 0 }));
 */
export function sealRequest(
  serverKey: Uint8Array,
  device: KeyPair,
  build: (ctx: RequestContext) => meow.IToServerMessage,
  now = Date.now(),
): SealedRequest {
  const nonce = randomBytes(NONCE_LENGTH);
  const replyKey = x25519KeyPair();
  const ctx: RequestContext = {
    serverKey,
    deviceKey: device.publicKey,
    replyKey: replyKey.publicKey,
    timestamp: now,
    nonce,
  };
  const message: meow.IToServerMessage = {
    ...build(ctx),
    timestamp: now,
    nonce,
    replyKey: replyKey.publicKey,
    serverKey,
  };
  return { body: sealMessage(serverKey, device, message, replyKey), replyKey, nonce, timestamp: now };
}

export type RequestRefusal = 'MALFORMED' | 'BAD_SIGNATURE' | 'NOT_FOR_THIS_SERVER' | 'STALE' | 'UNSUPPORTED';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: RequestRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface OpenedRequest {
  deviceKey: Uint8Array;
  message: meow.ToServerMessage;
  /** What the proofs of this request must be bound to. */
  context: RequestContext;
}

/** Server side: checks the envelope and opens it. Nonce replay is the caller's (store-wide) check. */
export function openRequest(server: KeyPair, body: Uint8Array, now = Date.now()): OpenedRequest {
  let signed: meow.SignedRequest;
  try {
    signed = decodeStrict(meow.SignedRequest, 'SignedRequest', body);
  } catch (e) {
    throw new ProtocolError('MALFORMED', (e as Error).message);
  }
  if (signed.version !== PROTOCOL_VERSION) {
    if (signed.version === 0 && signed.deviceKey.length)
      throw new ProtocolError(
        'UNSUPPORTED',
        'protocol v1 requests are no longer accepted (their proofs could be replayed): upgrade the client',
      );
    throw new ProtocolError('MALFORMED', `unknown request version ${signed.version}`);
  }
  if (signed.sealed.length === 0 || signed.deviceKey.length || signed.signature.length) {
    throw new ProtocolError('MALFORMED', 'a v2 request carries only its sealed envelope');
  }
  let plain: Uint8Array;
  try {
    plain = open(server, signed.sealed, REQUEST_AAD);
  } catch {
    throw new ProtocolError('NOT_FOR_THIS_SERVER', 'request is not sealed to this server');
  }
  let envelope: meow.RequestEnvelope;
  try {
    envelope = decodeStrict(meow.RequestEnvelope, 'RequestEnvelope', plain);
  } catch (e) {
    throw new ProtocolError('MALFORMED', (e as Error).message);
  }
  if (envelope.deviceKey.length !== 32 || envelope.message.length === 0) {
    throw new ProtocolError('MALFORMED', 'request lacks a device key or a message');
  }
  if (
    !verify(envelope.deviceKey, requestSignedPart(server.publicKey, envelope.message), envelope.signature)
  ) {
    throw new ProtocolError('BAD_SIGNATURE', 'device signature does not verify');
  }
  let message: meow.ToServerMessage;
  try {
    message = decodeStrict(meow.ToServerMessage, 'ToServerMessage', envelope.message);
  } catch (e) {
    throw new ProtocolError('MALFORMED', (e as Error).message);
  }
  if (message.nonce.length !== NONCE_LENGTH || message.replyKey.length !== 32) {
    throw new ProtocolError('MALFORMED', 'request lacks a nonce or a reply key');
  }
  if (Math.abs(now - message.timestamp) > CLOCK_WINDOW_MS) {
    throw new ProtocolError('STALE', 'request timestamp is outside the server clock window');
  }
  const deviceKey = new Uint8Array(envelope.deviceKey);
  return {
    deviceKey,
    message,
    context: {
      serverKey: server.publicKey,
      deviceKey,
      replyKey: message.replyKey,
      timestamp: Number(message.timestamp),
      nonce: message.nonce,
    },
  };
}

/** Server side: seals a reply to the key the request carried. */
export function sealReply(
  replyKey: Uint8Array,
  requestNonce: Uint8Array,
  reply: meow.IFromServerMessage,
): Uint8Array {
  const plain = encode(meow.FromServerMessage, { ...reply, timestamp: Date.now(), requestNonce });
  return encode(meow.ServerReply, { sealed: seal(replyKey, plain, replyAad(requestNonce)) });
}

/**
 * Server side: seals replies like sealReply, but with an ephemeral key shared by the
 * replies of a short period (at most `maxAgeMs` and `maxUses` replies), which saves a
 * key generation — a third of a reply's public-key work — per request. The bytes on the
 * wire are the same sealed box: a client cannot tell the difference.
 *
 * Why it is safe: a sealed box's key and nonce come from X25519(ephemeral, reply key)
 * and both public keys, so two replies under one ephemeral differ as long as their
 * reply keys differ. Clients make a fresh reply key per request; a reply key seen
 * again under the current ephemeral (a client that reuses one) gets a fresh ephemeral
 * first, so no key and nonce are ever used twice. Forward secrecy of replies holds per
 * period: the ephemeral private key is wiped when it is replaced.
 */
export class ReplySealer {
  private eph: KeyPair | null = null;
  private born = 0;
  private readonly used = new Set<string>();

  constructor(
    private readonly maxAgeMs = 1000,
    private readonly maxUses = 4096,
  ) {}

  seal(replyKey: Uint8Array, requestNonce: Uint8Array, reply: meow.IFromServerMessage): Uint8Array {
    const id = Buffer.from(replyKey.buffer, replyKey.byteOffset, replyKey.byteLength).toString('latin1');
    const now = Date.now();
    if (!this.eph || this.used.has(id) || this.used.size >= this.maxUses || now - this.born > this.maxAgeMs)
      this.rotate(now);
    this.used.add(id);
    const plain = encode(meow.FromServerMessage, { ...reply, timestamp: now, requestNonce });
    return encode(meow.ServerReply, { sealed: seal(replyKey, plain, replyAad(requestNonce), this.eph!) });
  }

  /** Wipes the current ephemeral key (the server is stopping). */
  close(): void {
    if (this.eph) wipePrivateKey(this.eph);
    this.eph = null;
    this.used.clear();
  }

  private rotate(now: number): void {
    this.close();
    this.eph = x25519KeyPair();
    this.born = now;
  }
}

/** Server side: a plain error, for requests that could not be opened. */
export function plainErrorReply(code: meow.ErrorCode, message: string): Uint8Array {
  return encode(meow.ServerReply, { error: { code, message } });
}

/**
 * Client side: opens a reply. Returns the FromServerMessage (whose `error` may be set)
 * or, for a plain error, a FromServerMessage carrying only that error.
 */
export function openReply(request: SealedRequest, body: Uint8Array): meow.FromServerMessage {
  const reply = decodeStrict(meow.ServerReply, 'ServerReply', body);
  if (reply.sealed.length === 0) {
    return meow.FromServerMessage.create({
      error: reply.error ?? { code: meow.ErrorCode.INTERNAL, message: 'empty reply' },
    });
  }
  let plain: Uint8Array;
  try {
    plain = open(request.replyKey, reply.sealed, replyAad(request.nonce));
  } catch {
    throw new ProtocolError('BAD_SIGNATURE', 'reply is not sealed to this request');
  }
  return decodeStrict(meow.FromServerMessage, 'FromServerMessage', plain);
}

/** The bytes a server card's signature covers (the card without its signature). */
export function serverCardSignedPart(card: meow.IServerCard): Uint8Array {
  return encodeFields(
    'meow/server-card/v1',
    card.url ?? '',
    card.publicKey ?? new Uint8Array(0),
    card.signingKey ?? new Uint8Array(0),
    card.name ?? '',
    card.description ?? '',
    // only when set, so cards signed before the field existed still verify
    ...(Number(card.maxBlob ?? 0) > 0 ? [`max_blob=${String(card.maxBlob)}`] : []),
  );
}

export function verifyServerCard(card: meow.IServerCard): boolean {
  const key = card.signingKey;
  if (!key || key.length !== 32 || !card.publicKey || card.publicKey.length !== 32 || !card.cardSignature)
    return false;
  return verify(key, serverCardSignedPart(card), card.cardSignature);
}

/** The server-assigned id of a queued message: derived from its content, so a re-post is idempotent. */
export { messageId } from './messageId.js';
