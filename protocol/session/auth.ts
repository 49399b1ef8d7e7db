/**
 * What is signed inside a session. Both signatures cover the session's transcript hash
 * (the final Noise handshake hash), which no other session shares: a proof seen in one
 * session is worthless in any other, and nothing in a session needs a nonce or a clock.
 *
 *   device auth  = Ed25519(device key, ("meow/session-auth/v1", transcript hash))   — once per session
 *   subscription = Ed25519(lookup key, ("meow/session-sub/v1", transcript hash))    — once per queue per session
 *
 * Other operations that carry proofs (secure, invitation delete) keep the request proofs of
 * protocol/wire/serverProtocol.ts over `sessionRequestContext`: the transcript hash stands
 * in for the reply key, so those proofs are bound to the session too.
 */
import { encodeFields } from '../crypto/bytes.js';
import { sign, verify, type KeyPair } from '../crypto/curves.js';
import type { meow } from '../wire/proto.js';
import type { RequestContext } from '../wire/serverProtocol.js';

const authMessage = (transcript: Uint8Array) => encodeFields('meow/session-auth/v1', transcript);
const subMessage = (transcript: Uint8Array) => encodeFields('meow/session-sub/v1', transcript);

export function deviceAuth(device: KeyPair, transcript: Uint8Array): meow.ISessionAuth {
  return { deviceKey: device.publicKey, signature: sign(device, authMessage(transcript)) };
}

export function verifyDeviceAuth(
  auth: meow.ISessionAuth | null | undefined,
  transcript: Uint8Array,
): boolean {
  const key = auth?.deviceKey;
  if (!key || key.length !== 32 || auth.signature?.length !== 64) return false;
  return verify(key, authMessage(transcript), auth.signature);
}

export function subscriptionProof(lookup: KeyPair, transcript: Uint8Array): meow.IKeyProof {
  return { lookupKey: lookup.publicKey, signature: sign(lookup, subMessage(transcript)) };
}

export function verifySubscriptionProof(
  proof: meow.IKeyProof | null | undefined,
  transcript: Uint8Array,
): boolean {
  const key = proof?.lookupKey;
  if (!key || key.length !== 32 || proof.signature?.length !== 64) return false;
  return verify(key, subMessage(transcript), proof.signature);
}

/** The RequestContext of a request made inside a session (no clock, no nonce: the frame counter orders it). */
export function sessionRequestContext(
  serverKey: Uint8Array,
  deviceKey: Uint8Array,
  transcript: Uint8Array,
): RequestContext {
  return { serverKey, deviceKey, replyKey: transcript, timestamp: 0, nonce: new Uint8Array(16) };
}
