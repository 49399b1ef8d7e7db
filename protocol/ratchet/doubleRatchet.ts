/**
 * Double Ratchet (Signal specification, revision 4) over X25519, HKDF-SHA256,
 * HMAC-SHA256 and XChaCha20-Poly1305, with the encoded header as associated data.
 *
 * States are immutable values: `ratchetEncrypt` / `ratchetDecrypt` return a new
 * state and never touch the one passed in, so a refused message leaves the
 * caller's state byte-identical and the caller persists the new state before the
 * ciphertext leaves or the plaintext is acknowledged.
 *
 * Roles: the contact card's owner plays Bob (`initReceiver`, with the DR key pair
 * published in its card); the answering side plays Alice (`initSender`) and sends first.
 *
 * @example
 *   let alice = initSender(sharedSecret, bobDr.publicKey);
 *   let bob = initReceiver(sharedSecret, bobDr);
 *   const sent = ratchetEncrypt(alice, utf8('hi'), ad); alice = sent.state;
 *   const got = ratchetDecrypt(bob, sent.header, sent.ciphertext, ad); bob = got.state;
 */
import { bytesEqual, encodeFields, toHex } from '../crypto/bytes.js';
import { xchachaOpen, xchachaSeal } from '../crypto/aead.js';
import { x25519, x25519KeyPair, type KeyPair } from '../crypto/curves.js';
import { CryptoError, requireLength } from '../crypto/errors.js';
import { RatchetError } from './errors.js';
import { decodeHeader, encodeHeader } from './header.js';
import { kdfChain, kdfRoot, messageCipherKeys } from './kdf.js';

/** Most message keys one message may make us skip (spec's MAX_SKIP). */
export const MAX_SKIP = 1000;
/** Most skipped message keys a session keeps; the oldest go first. */
export const MAX_SKIPPED_KEYS = 2000;
/** Skipped keys older than this are dropped: such a message is treated as lost. */
export const SKIPPED_KEY_TTL_MS = 30 * 24 * 3600 * 1000;
/** Recent remote ratchet keys remembered to tell a replay from garbage. */
const PREVIOUS_REMOTE_KEYS = 16;

export interface SkippedKey {
  dh: string; // hex of the remote ratchet public key
  n: number;
  mk: Uint8Array;
  at: number; // unix ms when skipped
}

export interface RatchetState {
  readonly dhs: KeyPair;
  readonly dhr: Uint8Array | null;
  readonly rk: Uint8Array;
  readonly cks: Uint8Array | null;
  readonly ckr: Uint8Array | null;
  readonly ns: number;
  readonly nr: number;
  readonly pn: number;
  readonly skipped: readonly SkippedKey[];
  readonly previousDhr: readonly string[];
}

export interface RatchetOptions {
  /** Source of new ratchet key pairs (fixed in known-answer tests). */
  generateKeyPair?: () => KeyPair;
  now?: number;
  maxSkip?: number;
  maxSkippedKeys?: number;
  skippedKeyTtlMs?: number;
}

function fail(code: ConstructorParameters<typeof RatchetError>[0], message: string): never {
  throw new RatchetError(code, message);
}

function dh(pair: KeyPair, publicKey: Uint8Array): Uint8Array {
  try {
    return x25519(pair, publicKey);
  } catch (e) {
    if (e instanceof CryptoError) fail('DECRYPT_FAILED', `bad ratchet public key: ${e.message}`);
    throw e;
  }
}

/** Alice: the answering side, which knows Bob's ratchet public key and sends first. */
export function initSender(
  sharedSecret: Uint8Array,
  remoteRatchetPublic: Uint8Array,
  opts: RatchetOptions = {},
): RatchetState {
  requireLength(sharedSecret, 32, 'ratchet shared secret');
  const dhs = (opts.generateKeyPair ?? x25519KeyPair)();
  const { rootKey, chainKey } = kdfRoot(sharedSecret, dh(dhs, remoteRatchetPublic));
  return {
    dhs,
    dhr: remoteRatchetPublic.slice(),
    rk: rootKey,
    cks: chainKey,
    ckr: null,
    ns: 0,
    nr: 0,
    pn: 0,
    skipped: [],
    previousDhr: [],
  };
}

/** Bob: the card owner, whose ratchet key pair was published in the card. */
export function initReceiver(sharedSecret: Uint8Array, ownRatchetPair: KeyPair): RatchetState {
  requireLength(sharedSecret, 32, 'ratchet shared secret');
  return {
    dhs: ownRatchetPair,
    dhr: null,
    rk: sharedSecret.slice(),
    cks: null,
    ckr: null,
    ns: 0,
    nr: 0,
    pn: 0,
    skipped: [],
    previousDhr: [],
  };
}

/** True once this side may send (Bob must first receive Alice's opening message). */
export function canSend(state: RatchetState): boolean {
  return state.cks !== null;
}

function aad(ad: Uint8Array, header: Uint8Array): Uint8Array {
  return encodeFields(ad, header);
}

export interface Encrypted {
  state: RatchetState;
  header: Uint8Array;
  ciphertext: Uint8Array;
}

export function ratchetEncrypt(state: RatchetState, plaintext: Uint8Array, ad: Uint8Array): Encrypted {
  if (!state.cks) fail('NO_SENDING_CHAIN', 'cannot send before the other side has sent its first message');
  const { chainKey, messageKey } = kdfChain(state.cks);
  const header = encodeHeader({ dh: state.dhs.publicKey, pn: state.pn, n: state.ns });
  const { key, nonce } = messageCipherKeys(messageKey);
  const ciphertext = xchachaSeal(key, nonce, plaintext, aad(ad, header));
  return { state: { ...state, cks: chainKey, ns: state.ns + 1 }, header, ciphertext };
}

export interface Decrypted {
  state: RatchetState;
  plaintext: Uint8Array;
}

function openWith(
  messageKey: Uint8Array,
  header: Uint8Array,
  ciphertext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  const { key, nonce } = messageCipherKeys(messageKey);
  try {
    return xchachaOpen(key, nonce, ciphertext, aad(ad, header));
  } catch {
    return fail('DECRYPT_FAILED', 'ratchet message failed authentication');
  }
}

/** Drops expired skipped keys, then the oldest beyond the cap. */
function pruneSkipped(skipped: SkippedKey[], now: number, cap: number, ttl: number): SkippedKey[] {
  let kept = skipped.filter((s) => now - s.at < ttl);
  if (kept.length > cap) kept = kept.slice(kept.length - cap);
  return kept;
}

/** Advances a receiving chain to `until`, collecting skipped keys. Callers check the bound first. */
function skipChain(
  chainKey: Uint8Array | null,
  from: number,
  until: number,
  remote: string,
  now: number,
  out: SkippedKey[],
): Uint8Array | null {
  if (!chainKey) return null;
  let ck = chainKey;
  for (let n = from; n < until; n++) {
    const step = kdfChain(ck);
    out.push({ dh: remote, n, mk: step.messageKey, at: now });
    ck = step.chainKey;
  }
  return ck;
}

export function ratchetDecrypt(
  state: RatchetState,
  headerBytes: Uint8Array,
  ciphertext: Uint8Array,
  ad: Uint8Array,
  opts: RatchetOptions = {},
): Decrypted {
  const header = decodeHeader(headerBytes);
  const now = opts.now ?? Date.now();
  const maxSkip = opts.maxSkip ?? MAX_SKIP;
  const cap = opts.maxSkippedKeys ?? MAX_SKIPPED_KEYS;
  const ttl = opts.skippedKeyTtlMs ?? SKIPPED_KEY_TTL_MS;
  const remote = toHex(header.dh);

  // 1. A key we skipped earlier.
  const skippedIndex = state.skipped.findIndex((s) => s.n === header.n && s.dh === remote);
  if (skippedIndex >= 0) {
    const entry = state.skipped[skippedIndex]!;
    if (now - entry.at >= ttl) fail('DUPLICATE', 'message key expired');
    const plaintext = openWith(entry.mk, headerBytes, ciphertext, ad);
    const skipped = state.skipped.filter((_, i) => i !== skippedIndex);
    return { state: { ...state, skipped: pruneSkipped(skipped, now, cap, ttl) }, plaintext };
  }

  const sameChain = state.dhr !== null && bytesEqual(state.dhr, header.dh);
  if (sameChain) {
    // 2. The current receiving chain.
    if (header.n < state.nr) fail('DUPLICATE', `message ${header.n} was already received`);
    if (header.n - state.nr > maxSkip) {
      fail('TOO_MANY_SKIPPED', `message ${header.n} would skip ${header.n - state.nr} keys (max ${maxSkip})`);
    }
    const newSkipped: SkippedKey[] = [];
    const ck = skipChain(state.ckr, state.nr, header.n, remote, now, newSkipped)!;
    const { chainKey, messageKey } = kdfChain(ck);
    const plaintext = openWith(messageKey, headerBytes, ciphertext, ad);
    return {
      state: {
        ...state,
        ckr: chainKey,
        nr: header.n + 1,
        skipped: pruneSkipped([...state.skipped, ...newSkipped], now, cap, ttl),
      },
      plaintext,
    };
  }

  // 3. A new ratchet key from the other side: DH ratchet step.
  if (state.previousDhr.includes(remote))
    fail('DUPLICATE', 'message from an earlier ratchet step was already received');
  const toSkipOld = state.ckr ? header.pn - state.nr : 0;
  if (toSkipOld < 0) fail('MALFORMED_HEADER', 'previous chain length is below what was already received');
  if (toSkipOld > maxSkip || header.n > maxSkip) {
    fail('TOO_MANY_SKIPPED', `message would skip ${toSkipOld + header.n} keys (max ${maxSkip} per chain)`);
  }
  const newSkipped: SkippedKey[] = [];
  if (state.dhr) skipChain(state.ckr, state.nr, header.pn, toHex(state.dhr), now, newSkipped);
  const recv = kdfRoot(state.rk, dh(state.dhs, header.dh));
  const nextDhs = (opts.generateKeyPair ?? x25519KeyPair)();
  const send = kdfRoot(recv.rootKey, dh(nextDhs, header.dh));
  const ck = skipChain(recv.chainKey, 0, header.n, remote, now, newSkipped)!;
  const { chainKey, messageKey } = kdfChain(ck);
  const plaintext = openWith(messageKey, headerBytes, ciphertext, ad);
  const previousDhr = state.dhr
    ? [...state.previousDhr, toHex(state.dhr)].slice(-PREVIOUS_REMOTE_KEYS)
    : [...state.previousDhr];
  return {
    state: {
      dhs: nextDhs,
      dhr: header.dh,
      rk: send.rootKey,
      cks: send.chainKey,
      ckr: chainKey,
      ns: 0,
      nr: header.n + 1,
      pn: state.ns,
      skipped: pruneSkipped([...state.skipped, ...newSkipped], now, cap, ttl),
      previousDhr,
    },
    plaintext,
  };
}
