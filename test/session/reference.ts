/**
 * A second, independent derivation of the session handshake for the tests: the Noise NK
 * steps written out flat from the specification on @noble primitives (no code shared with
 * protocol/session/noise.ts, which runs on Node's OpenSSL).
 */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';

const enc = (s: string) => new TextEncoder().encode(s);
const cat = (...p: Uint8Array[]) => {
  const out = new Uint8Array(p.reduce((n, x) => n + x.length, 0));
  let o = 0;
  for (const x of p) {
    out.set(x, o);
    o += x.length;
  }
  return out;
};
/** Noise's HKDF(ck, ikm) with two outputs, from HMAC as the specification writes it. */
function noiseHkdf(ck: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const temp = hmac(sha256, ck, ikm);
  const o1 = hmac(sha256, temp, Uint8Array.of(1));
  const o2 = hmac(sha256, temp, cat(o1, Uint8Array.of(2)));
  return [o1, o2];
}
const nonce = (n: number) => {
  const b = new Uint8Array(12);
  b[4] = n; // little-endian counter; handshakes use 0 only
  return b;
};

export function referenceHandshake(
  serverPriv: Uint8Array,
  clientEphPriv: Uint8Array,
  serverEphPriv: Uint8Array,
): { message1: Uint8Array; message2: Uint8Array; c2s: Uint8Array; s2c: Uint8Array; transcript: Uint8Array } {
  const S = x25519.getPublicKey(serverPriv);
  const e = x25519.getPublicKey(clientEphPriv);
  const re = x25519.getPublicKey(serverEphPriv);
  let h: Uint8Array = enc('Noise_NK_25519_ChaChaPoly_SHA256');
  let ck: Uint8Array = h;
  h = sha256(cat(h, enc('meow/session/v1')));
  h = sha256(cat(h, S));
  h = sha256(cat(h, e));
  let k: Uint8Array;
  [ck, k] = noiseHkdf(ck, x25519.getSharedSecret(clientEphPriv, S));
  const c1 = chacha20poly1305(k, nonce(0), h).encrypt(new Uint8Array(0));
  h = sha256(cat(h, c1));
  h = sha256(cat(h, re));
  [ck, k] = noiseHkdf(ck, x25519.getSharedSecret(clientEphPriv, re));
  const c2 = chacha20poly1305(k, nonce(0), h).encrypt(new Uint8Array(0));
  h = sha256(cat(h, c2));
  const [c2s, s2c] = noiseHkdf(ck, new Uint8Array(0));
  return { message1: cat(e, c1), message2: cat(re, c2), c2s, s2c, transcript: h };
}

/** A transport frame as the reference reads it: counter ‖ ChaChaPoly(nonce = counter LE, aad = counter BE). */
export function referenceFrame(key: Uint8Array, counter: number, plain: Uint8Array): Uint8Array {
  const header = new Uint8Array(8);
  new DataView(header.buffer).setBigUint64(0, BigInt(counter), false);
  const n = new Uint8Array(12);
  new DataView(n.buffer).setBigUint64(4, BigInt(counter), true);
  return cat(header, chacha20poly1305(key, n, header).encrypt(plain));
}
