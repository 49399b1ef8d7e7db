/**
 * X25519 and Ed25519 behind one small interface with two interchangeable
 * backends: @noble/curves (portable reference) and Node's built-in crypto
 * (OpenSSL, 15–30× faster here). Both produce identical bytes; tests prove it.
 *
 * @example
 *   const alice = x25519KeyPair();
 *   const bob = x25519KeyPair();
 *   x25519(alice.privateKey, bob.publicKey); // === x25519(bob.privateKey, alice.publicKey)
 */
import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  hash,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto';
import { ed25519 as nobleEd, x25519 as nobleX } from '@noble/curves/ed25519.js';
import { bytesEqual, fromHex, randomBytes, toHex } from './bytes.js';
import { CryptoError, requireLength } from './errors.js';

export const KEY_LENGTH = 32;
export const SIGNATURE_LENGTH = 64;

export interface KeyPair {
  publicKey: Uint8Array;
  privateKey: Uint8Array;
}

export interface CurveBackend {
  readonly name: 'node' | 'noble';
  x25519Generate(): KeyPair;
  x25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /**
   * `ownPublic`, when the caller has it, lets a backend skip re-deriving it; `oneTime`
   * says `publicKey` will not be seen again (nothing to keep for it).
   */
  x25519(
    privateKey: Uint8Array,
    publicKey: Uint8Array,
    ownPublic?: Uint8Array,
    oneTime?: boolean,
  ): Uint8Array;
  ed25519Generate(): KeyPair;
  ed25519PublicKey(seed: Uint8Array): Uint8Array;
  ed25519Sign(seed: Uint8Array, message: Uint8Array, ownPublic?: Uint8Array): Uint8Array;
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}

export const nobleBackend: CurveBackend = {
  name: 'noble',
  x25519Generate: () => {
    const privateKey = randomBytes(KEY_LENGTH);
    return { privateKey, publicKey: nobleX.getPublicKey(privateKey) };
  },
  x25519PublicKey: (priv) => nobleX.getPublicKey(priv),
  x25519: (priv, pub) => nobleX.getSharedSecret(priv, pub),
  ed25519Generate: () => {
    const privateKey = randomBytes(KEY_LENGTH);
    return { privateKey, publicKey: nobleEd.getPublicKey(privateKey) };
  },
  ed25519PublicKey: (seed) => nobleEd.getPublicKey(seed),
  ed25519Sign: (seed, msg) => nobleEd.sign(msg, seed),
  ed25519Verify: (pub, msg, sig) => {
    try {
      return nobleEd.verify(sig, msg, pub, { zip215: false });
    } catch {
      return false;
    }
  },
};

// OpenSSL needs KeyObjects. Importing raw keys as JWK is ~10× cheaper than through
// the DER (PKCS#8) decoders.
//
// Key generation never goes through `generateKeyPairSync` + JWK export: on Node 20
// a JWK export holds the key's mutex while it allocates, the allocation can run a
// GC, and the GC's weak callback destroys the KeyGenJob that made the key, whose
// destructor takes the same mutex: the process freezes for good (test/crypto/
// keygenStress.test.ts catches it). Instead a private key is 32 random bytes
// (X25519 clamps; Ed25519 uses them as the seed), imported once, and its public
// key is derived without any JWK export: X25519 by a DH with the base point,
// Ed25519 from an SPKI DER export (which holds no lock while it allocates).
type Curve = 'X25519' | 'Ed25519';
const PKCS8_PREFIX: Record<Curve, Uint8Array> = {
  Ed25519: fromHex('302e020100300506032b657004220420'),
  X25519: fromHex('302e020100300506032b656e04220420'),
};
const SPKI_PREFIX_LENGTH = 12;
const b64u = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

// A JWK private key must name its public half, which Node's importer ignores (it
// derives it from `d`). When the caller has no public key yet a placeholder stands
// in; `jwkPlaceholderWorks` checks once, on first use, that this runtime really
// ignores it, and otherwise the slower PKCS#8 import is used.
const PLACEHOLDER_X = b64u(new Uint8Array(KEY_LENGTH));
let jwkPlaceholderOk: boolean | undefined;

function importPrivate(crv: Curve, raw: Uint8Array, pub: Uint8Array | undefined): KeyObject {
  if (pub || jwkPlaceholderWorks()) {
    return createPrivateKey({
      key: { kty: 'OKP', crv, d: b64u(raw), x: pub ? b64u(pub) : PLACEHOLDER_X },
      format: 'jwk',
    });
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX[crv], raw]), format: 'der', type: 'pkcs8' });
}

// Handles of key pairs generated here, found by the identity of their private key
// bytes; a bounded map by value serves keys loaded from storage. The map is keyed by a
// keyed hash of the key, never by the key itself (a string holding a private key could
// not be erased: JS strings are immutable and live until the GC reclaims them).
const generated = new WeakMap<Uint8Array, KeyObject>();
const CACHE_LIMIT = 256;
const keyCache = new Map<string, KeyObject>();
const CACHE_SALT = randomBytes(32);
const idInput = new Uint8Array(64);
idInput.set(CACHE_SALT);
// SHA-256 of a secret salt ‖ the 32-byte key: a keyed hash of a fixed-length input
// (a one-shot hash costs a tenth of an HMAC object here).
const cacheId = (crv: string, raw: Uint8Array) => {
  idInput.set(raw.subarray(0, 32), 32);
  const id = crv + raw.length + hash('sha256', idInput, 'hex');
  idInput.fill(0, 32);
  return id;
};

// The keys of a channel are the same arrays on every message (the peer record's), so a
// handle is first looked for by the array itself: no hashing at all. The entry keeps a
// copy of the bytes it was made from, so an array changed in place is never served a
// stale handle; the copy lives exactly as long as the array it copies.
interface Seen {
  crv: string;
  copy: Uint8Array;
  handle: KeyObject;
}
const seen = new WeakMap<Uint8Array, Seen>();
function bySeen(crv: string, raw: Uint8Array, make: () => KeyObject): KeyObject {
  const s = seen.get(raw);
  if (s && s.crv === crv && bytesEqual(s.copy, raw)) return s.handle;
  const handle = make();
  seen.set(raw, { crv, copy: raw.slice(), handle });
  return handle;
}

function cached(id: string, make: () => KeyObject): KeyObject {
  let key = keyCache.get(id);
  if (key) {
    // Least recently used goes first: a stream of one-time keys (each sealed box's
    // ephemeral key) must not push out the keys used on every message.
    keyCache.delete(id);
    keyCache.set(id, key);
  } else {
    key = make();
    if (keyCache.size >= CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
    keyCache.set(id, key);
  }
  return key;
}
function privateKeyObject(crv: Curve, raw: Uint8Array, pub?: Uint8Array): KeyObject {
  const handle = generated.get(raw);
  if (handle) return handle;
  return bySeen(crv, raw, () => cached(cacheId(crv, raw), () => importPrivate(crv, raw, pub)));
}
const importPublic = (crv: Curve, raw: Uint8Array) =>
  createPublicKey({ key: { kty: 'OKP', crv, x: b64u(raw) }, format: 'jwk' });
/** `oneTime`: a key seen once (a sealed box's ephemeral key): imported, never cached. */
function publicKeyObject(crv: Curve, raw: Uint8Array, oneTime = false): KeyObject {
  if (oneTime) return importPublic(crv, raw);
  return bySeen(crv + 'p', raw, () => cached(cacheId(crv + 'p', raw), () => importPublic(crv, raw)));
}

const X25519_BASE_POINT = (() => {
  const u = new Uint8Array(KEY_LENGTH);
  u[0] = 9;
  return u;
})();
let x25519Base: KeyObject | undefined;
function x25519PublicOf(handle: KeyObject): Uint8Array {
  x25519Base ??= createPublicKey({
    key: { kty: 'OKP', crv: 'X25519', x: b64u(X25519_BASE_POINT) },
    format: 'jwk',
  });
  return new Uint8Array(diffieHellman({ privateKey: handle, publicKey: x25519Base }));
}
function ed25519PublicOf(handle: KeyObject): Uint8Array {
  const spki = createPublicKey(handle).export({ format: 'der', type: 'spki' });
  return new Uint8Array(spki.subarray(SPKI_PREFIX_LENGTH));
}

// RFC 7748 §6.1 and RFC 8032 §7.1 test 1: the private keys and their public keys.
function jwkPlaceholderWorks(): boolean {
  if (jwkPlaceholderOk === undefined) {
    const jwk = (crv: Curve, d: string) =>
      createPrivateKey({ key: { kty: 'OKP', crv, d: b64u(fromHex(d)), x: PLACEHOLDER_X }, format: 'jwk' });
    try {
      jwkPlaceholderOk =
        toHex(
          x25519PublicOf(jwk('X25519', '77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a')),
        ) === '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a' &&
        toHex(
          ed25519PublicOf(jwk('Ed25519', '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')),
        ) === 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
    } catch {
      jwkPlaceholderOk = false;
    }
  }
  return jwkPlaceholderOk;
}

function generate(crv: Curve): KeyPair {
  const privateKey = randomBytes(KEY_LENGTH);
  const handle = importPrivate(crv, privateKey, undefined);
  generated.set(privateKey, handle);
  const publicKey = crv === 'X25519' ? x25519PublicOf(handle) : ed25519PublicOf(handle);
  return { privateKey, publicKey };
}

export const nodeBackend: CurveBackend = {
  name: 'node',
  x25519Generate: () => generate('X25519'),
  x25519PublicKey: (priv) => x25519PublicOf(privateKeyObject('X25519', priv)),
  x25519: (priv, pub, own, oneTime) =>
    new Uint8Array(
      diffieHellman({
        privateKey: privateKeyObject('X25519', priv, own),
        publicKey: publicKeyObject('X25519', pub, oneTime),
      }),
    ),
  ed25519Generate: () => generate('Ed25519'),
  ed25519PublicKey: (seed) => ed25519PublicOf(privateKeyObject('Ed25519', seed)),
  ed25519Sign: (seed, msg, own) =>
    new Uint8Array(nodeSign(null, msg, privateKeyObject('Ed25519', seed, own))),
  ed25519Verify: (pub, msg, sig) => {
    try {
      return nodeVerify(null, msg, publicKeyObject('Ed25519', pub), sig);
    } catch {
      return false;
    }
  },
};

let backend: CurveBackend = nodeBackend;

/** The backend in use (Node's when the runtime has it). */
export function curveBackend(): CurveBackend {
  return backend;
}

/** Swaps the backend (tests compare both; a runtime without OpenSSL uses noble). */
export function setCurveBackend(next: CurveBackend): void {
  backend = next;
}

// Points of small order on Curve25519 (and their non-canonical twins, compared
// with the ignored top bit cleared). A DH with one of them yields a known secret.
const LOW_ORDER_POINTS = [
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0100000000000000000000000000000000000000000000000000000000000000',
  'e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800',
  '5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
].map(fromHex);

function isLowOrder(publicKey: Uint8Array): boolean {
  const masked = new Uint8Array(publicKey);
  masked[31] = masked[31]! & 0x7f;
  return LOW_ORDER_POINTS.some((p) => bytesEqual(p, masked));
}

/** A fresh X25519 key pair, or the pair of a given private key. */
export function x25519KeyPair(privateKey?: Uint8Array): KeyPair {
  if (!privateKey) return backend.x25519Generate();
  requireLength(privateKey, KEY_LENGTH, 'X25519 private key');
  return { privateKey, publicKey: backend.x25519PublicKey(privateKey) };
}

/** Validates an X25519 public key received from someone else. */
export function checkX25519PublicKey(publicKey: Uint8Array): void {
  requireLength(publicKey, KEY_LENGTH, 'X25519 public key');
  if (isLowOrder(publicKey))
    throw new CryptoError('LOW_ORDER_POINT', 'X25519 public key is a low-order point');
}

/**
 * X25519 Diffie-Hellman with my key pair (or bare private key); refuses low-order points and
 * an all-zero result. `oneTime`: `publicKey` is used once (not worth caching a handle for).
 */
export function x25519(own: KeyPair | Uint8Array, publicKey: Uint8Array, oneTime = false): Uint8Array {
  const privateKey = own instanceof Uint8Array ? own : own.privateKey;
  requireLength(privateKey, KEY_LENGTH, 'X25519 private key');
  checkX25519PublicKey(publicKey);
  let shared: Uint8Array;
  try {
    shared = backend.x25519(
      privateKey,
      publicKey,
      own instanceof Uint8Array ? undefined : own.publicKey,
      oneTime,
    );
  } catch {
    // OpenSSL and noble both refuse an all-zero output themselves.
    throw new CryptoError('ZERO_SHARED_SECRET', 'X25519 produced an all-zero shared secret');
  }
  if (shared.every((b) => b === 0)) {
    throw new CryptoError('ZERO_SHARED_SECRET', 'X25519 produced an all-zero shared secret');
  }
  return shared;
}

/** A fresh Ed25519 key pair (privateKey is the 32-byte seed), or the pair of a given seed. */
export function ed25519KeyPair(seed?: Uint8Array): KeyPair {
  if (!seed) return backend.ed25519Generate();
  requireLength(seed, KEY_LENGTH, 'Ed25519 private key');
  return { privateKey: seed, publicKey: backend.ed25519PublicKey(seed) };
}

/** Ed25519 signature (deterministic, RFC 8032) with my key pair (or bare seed). */
export function sign(own: KeyPair | Uint8Array, message: Uint8Array): Uint8Array {
  const seed = own instanceof Uint8Array ? own : own.privateKey;
  requireLength(seed, KEY_LENGTH, 'Ed25519 private key');
  return backend.ed25519Sign(seed, message, own instanceof Uint8Array ? undefined : own.publicKey);
}

/**
 * Verifies an Ed25519 signature. A key of the wrong length is an error (the
 * caller holds a broken record); a bad signature is simply `false`.
 */
export function verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  requireLength(publicKey, KEY_LENGTH, 'Ed25519 public key');
  if (signature.length !== SIGNATURE_LENGTH) return false;
  return backend.ed25519Verify(publicKey, message, signature);
}

/**
 * Erases a private key: its bytes are overwritten with zeros and the OpenSSL handle made
 * from it is dropped from every cache here. What the runtime does not let us erase: the
 * handle's copy inside OpenSSL lives until the garbage collector frees the KeyObject, and
 * any JS string that ever held the key (JSON, base64 in a record being parsed) lives until
 * it is collected. Stores overwrite deleted content where they can (see messageDb.ts).
 */
export function wipePrivateKey(own: KeyPair | Uint8Array): void {
  const raw = own instanceof Uint8Array ? own : own.privateKey;
  generated.delete(raw);
  seen.get(raw)?.copy.fill(0);
  seen.delete(raw);
  for (const crv of ['X25519', 'Ed25519']) keyCache.delete(cacheId(crv, raw));
  raw.fill(0);
}

/** For tests: how many private-key handles are cached, and whether one is for `raw`. */
export function keyCacheForTests(): { size: number; holds(raw: Uint8Array): boolean; ids: string[] } {
  return {
    size: keyCache.size,
    holds: (raw) =>
      generated.has(raw) || seen.has(raw) || ['X25519', 'Ed25519'].some((c) => keyCache.has(cacheId(c, raw))),
    ids: [...keyCache.keys()],
  };
}
