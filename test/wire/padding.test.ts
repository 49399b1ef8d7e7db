/** Size buckets (ISO/IEC 7816-4 padding) for every packed message, stripped by the receiver. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aeadEncrypt } from '../../protocol/crypto/aead.js';
import { encodeFields, randomBytes } from '../../protocol/crypto/bytes.js';
import { sign } from '../../protocol/crypto/curves.js';
import { seal } from '../../protocol/crypto/sealedBox.js';
import { ratchetEncrypt } from '../../protocol/ratchet/doubleRatchet.js';
import { packUserMessage, signedPart, unpackUserMessage } from '../../protocol/wire/packing.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import {
  pad,
  PADDING_BUCKETS,
  paddedLength,
  PaddingError,
  unpad,
  unpadOrLegacy,
} from '../../protocol/wire/padding.js';
import { channel as twoEnds } from './channel.js';

describe('padding', () => {
  it('pads to the smallest bucket holding the plaintext and a marker byte', () => {
    expect(paddedLength(0)).toBe(256);
    expect(paddedLength(255)).toBe(256);
    expect(paddedLength(256)).toBe(1024);
    expect(paddedLength(1023)).toBe(1024);
    expect(paddedLength(40_000)).toBe(60 * 1024);
    expect(paddedLength(60 * 1024)).toBe(64 * 1024); // above the buckets: 16 KiB steps
    expect(paddedLength(100_000)).toBe(112 * 1024);
  });

  it('round-trips any plaintext, zeros at its end included', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), (plain) => {
        const padded = pad(plain);
        expect(padded.length).toBe(paddedLength(plain.length));
        expect(unpad(padded)).toEqual(plain);
      }),
    );
    const zeros = new Uint8Array(300);
    expect(unpad(pad(zeros))).toEqual(zeros);
  });

  it('refuses bytes not padded to a bucket: wrong length, no marker, non-zero tail, padding past its bucket', () => {
    const good = pad(randomBytes(100));
    expect(() => unpad(good.subarray(0, 255))).toThrow(PaddingError);
    expect(() => unpad(new Uint8Array(256))).toThrow(/marker/);
    const tail = new Uint8Array(good);
    tail[255] = 1; // a non-zero byte after the marker is the last non-zero byte: no marker there
    expect(() => unpad(tail)).toThrow(PaddingError);
    const tooLong = new Uint8Array(1024);
    tooLong[10] = 0x80; // 10 bytes of content belong in the 256-byte bucket
    expect(() => unpad(tooLong)).toThrow(/longer than its bucket/);
  });
});

describe('packed messages are padded', () => {
  function channel() {
    const c = twoEnds();
    return { a: c.aKeys, b: c.bKeys, sender: c.aRatchet, receiver: c.bRatchet };
  }

  it('texts of different lengths in one bucket give payloads of one size; the receiver gets the text back', () => {
    const c = channel();
    let sender = c.sender;
    let receiver = c.receiver;
    const sizes = new Set<number>();
    for (const text of ['', 'ok', 'a'.repeat(100), 'b'.repeat(180), 'receipt']) {
      const p = packUserMessage(c.a, sender, { type: 'text', text });
      sender = p.ratchet;
      sizes.add(p.packed.payload.length);
      const u = unpackUserMessage(c.b, receiver, p.packed);
      receiver = u.ratchet;
      expect(u.message.text).toBe(text);
    }
    expect(sizes.size).toBe(1);
    const big = packUserMessage(c.a, sender, { type: 'text', text: 'c'.repeat(2000) });
    expect(big.packed.payload.length - [...sizes][0]!).toBe(4096 - 256);
  });

  it('every payload size is a bucket plus the overhead of the layers (varint lengths aside)', () => {
    const c = channel();
    let sender = c.sender;
    const overheads = new Set<number>();
    for (const n of [0, 300, 3000, 10_000, 20_000, 40_000]) {
      const p = packUserMessage(c.a, sender, { type: 'text', text: 'x'.repeat(n) });
      sender = p.ratchet;
      const len = p.packed.payload.length;
      const bucket = PADDING_BUCKETS.find((b) => len - b > 0 && len - b < 200)!;
      overheads.add(len - bucket);
    }
    // protobuf length prefixes grow by a byte at 128 and 16 KiB; nothing else varies
    expect(Math.max(...overheads) - Math.min(...overheads)).toBeLessThanOrEqual(2);
  });

  it('a message from a sender that did not pad yet (queued before an upgrade) is still read', () => {
    const c = channel();
    // The four layers exactly as packUserMessage makes them, minus the padding.
    const plain = encode(meow.UserMessage, { type: 'text', text: 'hi' });
    const dr = ratchetEncrypt(c.sender, plain, encodeFields('meow/dr/v1'));
    const ratchetBytes = encode(meow.RatchetMessage, { header: dr.header, ciphertext: dr.ciphertext });
    const sym = aeadEncrypt(c.a.symKey, ratchetBytes, encodeFields('meow/sym/v1'));
    const payload = seal(c.a.contactEncryption, sym, c.a.contactLookupKey);
    const destination = c.a.contactLookupKey;
    const packed = {
      destination,
      payload,
      signature: sign(c.a.myIdentity, signedPart(destination, payload)),
    };
    expect(payload.length).toBeLessThan(200); // no bucket
    expect(unpackUserMessage(c.b, c.receiver, packed).message.text).toBe('hi');
    expect(unpadOrLegacy(plain)).toEqual(plain);
  });
});
