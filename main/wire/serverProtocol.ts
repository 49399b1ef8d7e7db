/**
 * Client ↔ relay protocol, both sides of it (the server imports this module too):
 *
 *   request body  = SignedRequest{device_key, sealed = seal(server X25519 key, ToServerMessage), signature}
 *   reply body    = ServerReply{sealed = seal(request.reply_key, FromServerMessage)} or ServerReply{error}
 *
 * The device signature covers ("meow/req/v1", server key, sealed). Pulls and acks
 * carry, per lookup key, a proof: a signature by that lookup private key over
 * ("meow/proof/v1", op, server key, timestamp, nonce, lookup key), so nobody can
 * drain or probe a queue they do not own, and a captured request cannot be replayed
 * (the server remembers nonces for its clock window).
 */
import { encodeFields, randomBytes, u64be } from '../crypto/bytes.js';
import { sign, verify, x25519KeyPair, type KeyPair } from '../crypto/curves.js';
import { open, seal } from '../crypto/sealedBox.js';
import { decodeStrict, encode, meow } from './proto.js';

/** Requests whose timestamp is further than this from the server's clock are refused. */
export const CLOCK_WINDOW_MS = 2 * 60 * 1000;
export const NONCE_LENGTH = 16;

export type ProofOp = 'pull' | 'ack' | 'invitation-delete';

export function proofMessage(
  op: ProofOp,
  serverKey: Uint8Array,
  timestamp: number,
  nonce: Uint8Array,
  key: Uint8Array,
): Uint8Array {
  return encodeFields('meow/proof/v1', op, serverKey, u64be(timestamp), nonce, key);
}

export function makeKeyProof(
  op: ProofOp,
  lookup: KeyPair,
  serverKey: Uint8Array,
  timestamp: number,
  nonce: Uint8Array,
): meow.IKeyProof {
  return {
    lookupKey: lookup.publicKey,
    signature: sign(lookup, proofMessage(op, serverKey, timestamp, nonce, lookup.publicKey)),
  };
}

export function verifyKeyProof(
  op: ProofOp,
  proof: meow.IKeyProof | null | undefined,
  serverKey: Uint8Array,
  timestamp: number,
  nonce: Uint8Array,
): boolean {
  const key = proof?.lookupKey;
  const sig = proof?.signature;
  if (!key || key.length !== 32 || !sig) return false;
  return verify(key, proofMessage(op, serverKey, timestamp, nonce, key), sig);
}

function requestSignedPart(serverKey: Uint8Array, sealed: Uint8Array): Uint8Array {
  return encodeFields('meow/req/v1', serverKey, sealed);
}
function requestAad(deviceKey: Uint8Array): Uint8Array {
  return encodeFields('meow/req/v1', deviceKey);
}
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
 * Builds a request. `fill` receives the timestamp and nonce so proofs can be made
 * over them, and returns the operation fields of the ToServerMessage.
 */
export function sealRequest(
  serverKey: Uint8Array,
  device: KeyPair,
  fill: (timestamp: number, nonce: Uint8Array) => meow.IToServerMessage,
  now = Date.now(),
): SealedRequest {
  const nonce = randomBytes(NONCE_LENGTH);
  const replyKey = x25519KeyPair();
  const message = meow.ToServerMessage.create({
    ...fill(now, nonce),
    timestamp: now,
    nonce,
    replyKey: replyKey.publicKey,
    serverKey,
  });
  const sealed = seal(serverKey, encode(meow.ToServerMessage, message), requestAad(device.publicKey));
  const signature = sign(device, requestSignedPart(serverKey, sealed));
  const body = encode(meow.SignedRequest, { deviceKey: device.publicKey, sealed, signature });
  return { body, replyKey, nonce, timestamp: now };
}

export type RequestRefusal = 'MALFORMED' | 'BAD_SIGNATURE' | 'NOT_FOR_THIS_SERVER' | 'STALE';

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
}

/** Server side: checks the envelope and opens it. Nonce replay is the caller's (store-wide) check. */
export function openRequest(server: KeyPair, body: Uint8Array, now = Date.now()): OpenedRequest {
  let signed: meow.SignedRequest;
  try {
    signed = decodeStrict(meow.SignedRequest, 'SignedRequest', body);
  } catch (e) {
    throw new ProtocolError('MALFORMED', (e as Error).message);
  }
  if (signed.deviceKey.length !== 32 || signed.sealed.length === 0) {
    throw new ProtocolError('MALFORMED', 'request lacks a device key or a sealed body');
  }
  if (!verify(signed.deviceKey, requestSignedPart(server.publicKey, signed.sealed), signed.signature)) {
    throw new ProtocolError('BAD_SIGNATURE', 'device signature does not verify');
  }
  let plain: Uint8Array;
  try {
    plain = open(server, signed.sealed, requestAad(signed.deviceKey));
  } catch {
    throw new ProtocolError('NOT_FOR_THIS_SERVER', 'request is not sealed to this server');
  }
  let message: meow.ToServerMessage;
  try {
    message = decodeStrict(meow.ToServerMessage, 'ToServerMessage', plain);
  } catch (e) {
    throw new ProtocolError('MALFORMED', (e as Error).message);
  }
  if (message.nonce.length !== NONCE_LENGTH || message.replyKey.length !== 32) {
    throw new ProtocolError('MALFORMED', 'request lacks a nonce or a reply key');
  }
  if (Math.abs(now - message.timestamp) > CLOCK_WINDOW_MS) {
    throw new ProtocolError('STALE', 'request timestamp is outside the server clock window');
  }
  return { deviceKey: new Uint8Array(signed.deviceKey), message };
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
