import { ed25519KeyPair, x25519KeyPair, type KeyPair } from '../../protocol/crypto/curves.js';
import { sha256 } from '../../protocol/crypto/kdf.js';
import { utf8 } from '../../protocol/crypto/bytes.js';

/** Deterministic key pairs for known-answer tests: seed i → X25519 private key sha256("kat/i"). */
export function fixedKeys(label: string): () => KeyPair {
  let i = 0;
  return () => x25519KeyPair(sha256(utf8(`${label}/${i++}`)));
}

export function fixedEd25519(label: string): KeyPair {
  return ed25519KeyPair(sha256(utf8(label)));
}

/** A tiny seeded PRNG (mulberry32) so property runs are reproducible from their seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
