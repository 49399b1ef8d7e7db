/**
 * Finding 7: private keys were cached in a map keyed by their own hex, so `wipe` could
 * never erase them. Now the cache is keyed by a keyed hash, and wiping a key zeroes its
 * bytes and drops its handle.
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/crypto/bytes.js';
import {
  ed25519KeyPair,
  keyCacheForTests,
  sign,
  wipePrivateKey,
  x25519,
  x25519KeyPair,
} from '../../protocol/crypto/curves.js';

describe('wiping private keys', () => {
  it('no cache entry names a private key; a wiped key is zeroed and its handle dropped', () => {
    // keys loaded "from storage" (fresh arrays), so they go through the by-value cache
    const ed = ed25519KeyPair(new Uint8Array(ed25519KeyPair().privateKey));
    const xk = x25519KeyPair(new Uint8Array(x25519KeyPair().privateKey));
    sign(ed, new Uint8Array([1, 2, 3]));
    x25519(xk, x25519KeyPair().publicKey);
    const cache = keyCacheForTests();
    for (const k of [ed.privateKey, xk.privateKey]) {
      expect(cache.holds(k)).toBe(true);
      expect(cache.ids.some((id) => id.includes(toHex(k)))).toBe(false);
    }
    const copy = new Uint8Array(ed.privateKey);
    wipePrivateKey(ed);
    wipePrivateKey(xk.privateKey);
    expect(ed.privateKey.every((b) => b === 0)).toBe(true);
    expect(xk.privateKey.every((b) => b === 0)).toBe(true);
    expect(keyCacheForTests().holds(copy)).toBe(false);
  });
});
