import { describe, expect, it } from 'vitest';
import {
  aeadDecrypt,
  aeadEncrypt,
  nobleXchacha,
  xchachaOpen,
  xchachaSeal,
} from '../../protocol/crypto/aead.js';
import { fromHex, randomBytes, toHex, utf8 } from '../../protocol/crypto/bytes.js';
import { CryptoError } from '../../protocol/crypto/errors.js';
import { hkdf, hmacSha256 } from '../../protocol/crypto/kdf.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

describe('XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha-03 §A.3.1)', () => {
  const key = fromHex('808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f');
  const nonce = fromHex('404142434445464748494a4b4c4d4e4f5051525354555657');
  const aad = fromHex('50515253c0c1c2c3c4c5c6c7');
  const plaintext = utf8(
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.",
  );
  const expected =
    'bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e' +
    'c0875924c1c7987947deafd8780acf49';

  it('fast path reproduces the vector', () => {
    expect(toHex(xchachaSeal(key, nonce, plaintext, aad))).toBe(expected);
    expect(xchachaOpen(key, nonce, fromHex(expected), aad)).toEqual(plaintext);
  });

  it('reference (noble) reproduces the vector', () => {
    expect(toHex(nobleXchacha.seal(key, nonce, plaintext, aad))).toBe(expected);
  });

  it('fast path and reference agree on random inputs, both directions', () => {
    for (let i = 0; i < 100; i++) {
      const k = randomBytes(32);
      const n = randomBytes(24);
      const p = randomBytes(i * 7);
      const a = randomBytes(i % 5);
      const sealed = xchachaSeal(k, n, p, a);
      expect(toHex(sealed)).toBe(toHex(nobleXchacha.seal(k, n, p, a)));
      expect(toHex(nobleXchacha.open(k, n, sealed, a))).toBe(toHex(p));
    }
  });

  it('refuses any flipped bit, wrong aad, wrong key, truncation', () => {
    const box = aeadEncrypt(key, plaintext, aad);
    expect(aeadDecrypt(key, box, aad)).toEqual(plaintext);
    for (let i = 0; i < box.length; i += 7) {
      const bad = box.slice();
      bad[i]! ^= 0x01;
      expect(() => aeadDecrypt(key, bad, aad)).toThrow(CryptoError);
    }
    expect(() => aeadDecrypt(key, box, utf8('other'))).toThrowError(/authentication failed/);
    expect(() => aeadDecrypt(randomBytes(32), box, aad)).toThrow(CryptoError);
    expect(() => aeadDecrypt(key, box.subarray(0, 30), aad)).toThrow(CryptoError);
    expect(() => aeadEncrypt(new Uint8Array(16), plaintext)).toThrowError(/32 bytes/);
  });
});

describe('HKDF-SHA256 (RFC 5869) and HMAC-SHA256 (RFC 4231)', () => {
  it('RFC 5869 test case 1', () => {
    const okm = hkdf(
      new Uint8Array(22).fill(0x0b),
      fromHex('000102030405060708090a0b0c'),
      fromHex('f0f1f2f3f4f5f6f7f8f9'),
      42,
    );
    expect(toHex(okm)).toBe(
      '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865',
    );
  });

  it('RFC 4231 test case 2', () => {
    expect(toHex(hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('agrees with @noble/hashes', () => {
    const ikm = randomBytes(32);
    const salt = randomBytes(32);
    expect(toHex(hkdf(ikm, salt, 'x', 64))).toBe(toHex(nobleHkdf(sha256, ikm, salt, utf8('x'), 64)));
  });
});
