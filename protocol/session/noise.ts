/**
 * The handshake of a relay session: Noise NK (Noise_NK_25519_ChaChaPoly_SHA256, revision
 * 34), the client knowing the relay's static X25519 key in advance (the pinned ServerCard):
 *
 *   <- s                 (pre-message: the pinned server key)
 *   ...
 *   -> e, es             (client ephemeral; payload sealed under DH(e, S): only the holder
 *                         of S can read it, so a wrong pinned key fails right here)
 *   <- e, ee             (server ephemeral; payload sealed under DH(e, S) and DH(e, e'):
 *                         proves the server holds S, and the session keys are forward secret)
 *
 * Split() gives one key per direction. The device is not a Noise static key (it is an
 * Ed25519 signing key): it signs the final handshake hash inside the first transport frame
 * (protocol/session/auth.ts), so it is proven once per session and hidden from the path.
 * Every step is the Noise specification's; docs/relay-protocol.md gives the argument.
 *
 * @example
 *   const c = clientStart(serverKey);               // c.message → server
 *   const s = serverRespond(serverStatic, c.message); // s.message → client; s.keys
 *   const keys = clientFinish(c, s.message);          // same keys, same transcript hash
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { concat, utf8 } from '../crypto/bytes.js';
import { x25519, x25519KeyPair, type KeyPair } from '../crypto/curves.js';
import { hkdf, sha256 } from '../crypto/kdf.js';

export const NOISE_PROTOCOL = 'Noise_NK_25519_ChaChaPoly_SHA256';
/** Mixed into the transcript before anything else: a session of another protocol never matches. */
export const SESSION_PROLOGUE = 'meow/session/v1';
const TAG = 16;
const EMPTY = new Uint8Array(0);
/** Handshake messages are an ephemeral key and a sealed (empty) payload. */
export const HANDSHAKE_MESSAGE_LENGTH = 32 + TAG;

export class HandshakeError extends Error {
  override readonly name = 'HandshakeError';
  constructor(
    /** WRONG_SERVER_KEY: the client's message was not made for this server's key. */
    readonly code: 'MALFORMED' | 'WRONG_SERVER_KEY' | 'BAD_SERVER',
    message: string,
  ) {
    super(message);
  }
}

/** The result of a handshake: one key per direction and the transcript hash (the session's name). */
export interface SessionKeys {
  /** Seals client → server frames. */
  clientToServer: Uint8Array;
  /** Seals server → client frames. */
  serverToClient: Uint8Array;
  /** The final handshake hash: every signature made inside the session covers it. */
  transcript: Uint8Array;
}

/** ChaCha20-Poly1305 (RFC 8439) with Noise's nonce: 4 zero bytes ‖ the 64-bit counter, little-endian. */
export function noiseNonce(n: number | bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(n), true);
  return nonce;
}

export function chachaSeal(
  key: Uint8Array,
  n: number | bigint,
  ad: Uint8Array,
  plain: Uint8Array,
): Uint8Array {
  const c = createCipheriv('chacha20-poly1305', key, noiseNonce(n), { authTagLength: TAG });
  c.setAAD(ad, { plaintextLength: plain.length });
  const body = c.update(plain);
  c.final();
  return concat(body, c.getAuthTag());
}

/** Opens, or returns null when the box does not authenticate. */
export function chachaOpen(
  key: Uint8Array,
  n: number | bigint,
  ad: Uint8Array,
  sealed: Uint8Array,
): Uint8Array | null {
  if (sealed.length < TAG) return null;
  const d = createDecipheriv('chacha20-poly1305', key, noiseNonce(n), { authTagLength: TAG });
  d.setAAD(ad, { plaintextLength: sealed.length - TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const body = d.update(sealed.subarray(0, sealed.length - TAG));
  try {
    d.final();
  } catch {
    return null;
  }
  return new Uint8Array(body);
}

/** Noise's SymmetricState (ck, h, k, n), SHA-256 and ChaChaPoly. */
class Symmetric {
  ck: Uint8Array;
  h: Uint8Array;
  private k: Uint8Array | null = null;
  private n = 0;

  constructor() {
    // The protocol name is exactly HASHLEN (32) bytes: h is the name itself.
    this.h = utf8(NOISE_PROTOCOL);
    this.ck = this.h;
    this.mixHash(utf8(SESSION_PROLOGUE));
  }
  mixHash(data: Uint8Array): void {
    this.h = sha256(concat(this.h, data));
  }
  mixKey(ikm: Uint8Array): void {
    // Noise's HKDF(ck, ikm, 2) is RFC 5869 HKDF with salt ck and empty info.
    const out = hkdf(ikm, this.ck, EMPTY, 64);
    this.ck = out.slice(0, 32);
    this.k = out.slice(32, 64);
    this.n = 0;
  }
  encryptAndHash(plain: Uint8Array): Uint8Array {
    const sealed = chachaSeal(this.k!, this.n++, this.h, plain);
    this.mixHash(sealed);
    return sealed;
  }
  decryptAndHash(sealed: Uint8Array): Uint8Array | null {
    const plain = chachaOpen(this.k!, this.n, this.h, sealed);
    if (!plain) return null;
    this.n++;
    this.mixHash(sealed);
    return plain;
  }
  split(): { first: Uint8Array; second: Uint8Array } {
    const out = hkdf(EMPTY, this.ck, EMPTY, 64);
    return { first: out.slice(0, 32), second: out.slice(32, 64) };
  }
}

export interface ClientHandshake {
  /** The first handshake message, for the server. */
  message: Uint8Array;
  readonly state: Symmetric;
  readonly ephemeral: KeyPair;
}

/** Client: `-> e, es` toward the pinned server key. `ephemeral` is for test vectors only. */
export function clientStart(serverKey: Uint8Array, ephemeral: KeyPair = x25519KeyPair()): ClientHandshake {
  const state = new Symmetric();
  state.mixHash(serverKey);
  state.mixHash(ephemeral.publicKey);
  state.mixKey(x25519(ephemeral, serverKey));
  const sealed = state.encryptAndHash(EMPTY);
  return { message: concat(ephemeral.publicKey, sealed), state, ephemeral };
}

/** Server: reads `-> e, es`, answers `<- e, ee`; the session keys are ready. */
export function serverRespond(
  server: KeyPair,
  message: Uint8Array,
  ephemeral: KeyPair = x25519KeyPair(),
): { message: Uint8Array; keys: SessionKeys } {
  if (message.length !== HANDSHAKE_MESSAGE_LENGTH)
    throw new HandshakeError('MALFORMED', `a handshake message is ${HANDSHAKE_MESSAGE_LENGTH} bytes`);
  const state = new Symmetric();
  state.mixHash(server.publicKey);
  const re = message.slice(0, 32);
  state.mixHash(re);
  let es: Uint8Array;
  try {
    es = x25519(server, re, true);
  } catch (e) {
    throw new HandshakeError('MALFORMED', `client ephemeral key: ${(e as Error).message}`);
  }
  state.mixKey(es);
  if (!state.decryptAndHash(message.slice(32)))
    throw new HandshakeError('WRONG_SERVER_KEY', 'the handshake was made for another server key');
  state.mixHash(ephemeral.publicKey);
  state.mixKey(x25519(ephemeral, re, true));
  const sealed = state.encryptAndHash(EMPTY);
  const { first, second } = state.split();
  return {
    message: concat(ephemeral.publicKey, sealed),
    keys: { clientToServer: first, serverToClient: second, transcript: state.h },
  };
}

/** Client: reads `<- e, ee`; the server proved it holds the pinned key. */
export function clientFinish(hs: ClientHandshake, message: Uint8Array): SessionKeys {
  if (message.length !== HANDSHAKE_MESSAGE_LENGTH)
    throw new HandshakeError('MALFORMED', `a handshake message is ${HANDSHAKE_MESSAGE_LENGTH} bytes`);
  const { state } = hs;
  const re = message.slice(0, 32);
  state.mixHash(re);
  try {
    state.mixKey(x25519(hs.ephemeral, re, true));
  } catch (e) {
    throw new HandshakeError('BAD_SERVER', `server ephemeral key: ${(e as Error).message}`);
  }
  if (!state.decryptAndHash(message.slice(32)))
    throw new HandshakeError('BAD_SERVER', 'the server did not prove it holds the pinned key');
  const { first, second } = state.split();
  return { clientToServer: first, serverToClient: second, transcript: state.h };
}
