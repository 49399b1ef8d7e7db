import { describe, expect, it } from 'vitest';
import { randomBytes, utf8 } from '../../protocol/crypto/bytes.js';
import { x25519KeyPair } from '../../protocol/crypto/curves.js';
import { CryptoError } from '../../protocol/crypto/errors.js';
import { open, seal, SEALED_BOX_OVERHEAD } from '../../protocol/crypto/sealedBox.js';

describe('sealed box', () => {
  const recipient = x25519KeyPair();

  it('round-trips and adds a fixed overhead', () => {
    const msg = utf8('hello');
    const box = seal(recipient.publicKey, msg, utf8('aad'));
    expect(box.length).toBe(msg.length + SEALED_BOX_OVERHEAD);
    expect(open(recipient, box, utf8('aad'))).toEqual(msg);
  });

  it('two boxes of the same plaintext differ (fresh ephemeral key)', () => {
    const msg = utf8('same');
    expect(seal(recipient.publicKey, msg)).not.toEqual(seal(recipient.publicKey, msg));
  });

  it('refuses the wrong recipient, wrong aad, any flipped byte, truncation', () => {
    const box = seal(recipient.publicKey, randomBytes(100), utf8('a'));
    expect(() => open(x25519KeyPair(), box, utf8('a'))).toThrow(CryptoError);
    expect(() => open(recipient, box, utf8('b'))).toThrow(CryptoError);
    for (let i = 0; i < box.length; i += 5) {
      const bad = box.slice();
      bad[i]! ^= 0x80;
      expect(() => open(recipient, bad, utf8('a'))).toThrow(CryptoError);
    }
    expect(() => open(recipient, box.subarray(0, SEALED_BOX_OVERHEAD - 1))).toThrowError(/too short/);
  });

  it('refuses a low-order ephemeral key with a typed error', () => {
    const box = seal(recipient.publicKey, utf8('x'));
    box.fill(0, 0, 32);
    try {
      open(recipient, box);
      expect.unreachable();
    } catch (e) {
      expect((e as CryptoError).code).toBe('LOW_ORDER_POINT');
    }
  });
});
