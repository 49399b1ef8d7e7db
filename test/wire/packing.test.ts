import { describe, expect, it } from 'vitest';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import type { RatchetState } from '../../protocol/ratchet/doubleRatchet.js';
import { serializeRatchet } from '../../protocol/ratchet/stateJson.js';
import {
  packUserMessage,
  unpackUserMessage,
  UnpackError,
  type ChannelKeys,
} from '../../protocol/wire/packing.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import { channel } from './channel.js';

const text = (t: string): meow.IUserMessage => ({ type: 'text', text: t, status: { uuid: t, sent: 1 } });

function layerOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UnpackError) return e.layer;
    throw e;
  }
  return 'none';
}

describe('message packing through the four layers', () => {
  it('round-trips both ways', () => {
    const c = channel();
    const p = packUserMessage(c.aKeys, c.aRatchet, text('hello'));
    const wire = decodeStrict(meow.PackedUserMessage, 'PackedUserMessage', p.bytes);
    const u = unpackUserMessage(c.bKeys, c.bRatchet, wire);
    expect(u.message.text).toBe('hello');
    const back = packUserMessage(c.bKeys, u.ratchet, text('hi'));
    expect(unpackUserMessage(c.aKeys, p.ratchet, back.packed).message.text).toBe('hi');
  });

  it('a flipped byte in any layer is refused, names its layer, and the next valid message still decrypts', () => {
    const c = channel();
    let aR: RatchetState = c.aRatchet;
    let bR: RatchetState = c.bRatchet;
    // Establish the session first so later ratchet tampering hits a live chain.
    const first = packUserMessage(c.aKeys, aR, text('first'));
    aR = first.ratchet;
    bR = unpackUserMessage(c.bKeys, bR, first.packed).ratchet;

    const cases: {
      name: string;
      expect: string;
      mutate: (m: meow.IPackedUserMessage, keys: ChannelKeys) => void;
    }[] = [
      { name: 'destination', expect: 'destination', mutate: (m) => void (m.destination![0]! ^= 1) },
      { name: 'signature', expect: 'signature', mutate: (m) => void (m.signature![10]! ^= 1) },
      { name: 'sealed box', expect: 'signature', mutate: (m) => void (m.payload![5]! ^= 1) },
      // Re-sign after tampering so the inner layers are reached.
      { name: 'sealed box (re-signed)', expect: 'sealed', mutate: (m) => void (m.payload![5]! ^= 1) },
      { name: 'symmetric layer (re-signed)', expect: 'symmetric', mutate: () => undefined },
      { name: 'ratchet header (re-signed)', expect: 'ratchet', mutate: () => undefined },
      { name: 'ratchet ciphertext (re-signed)', expect: 'ratchet', mutate: () => undefined },
    ];
    for (const tc of cases) {
      const before = serializeRatchet(bR);
      const p = packUserMessage(c.aKeys, aR, text(tc.name));
      aR = p.ratchet; // the sender moved on: the tampered copy is "lost"
      const m = meow.PackedUserMessage.decode(p.bytes);
      if (tc.name.endsWith('(re-signed)')) {
        const forged = forgeInner(c, p, tc.name);
        if (forged) m.payload = forged;
        else tc.mutate(m, c.aKeys);
        m.signature = resign(c.aKeys, m);
      } else {
        tc.mutate(m, c.aKeys);
      }
      expect(
        layerOf(() => unpackUserMessage(c.bKeys, bR, m)),
        tc.name,
      ).toBe(tc.expect);
      expect(serializeRatchet(bR), tc.name).toBe(before);
    }
    const next = packUserMessage(c.aKeys, aR, text('still works'));
    expect(unpackUserMessage(c.bKeys, bR, next.packed).message.text).toBe('still works');
  });

  it('refuses a message from a stranger even if addressed correctly', () => {
    const c = channel();
    const stranger = { ...c.aKeys, myIdentity: ed25519KeyPair() };
    const p = packUserMessage(stranger, c.aRatchet, text('x'));
    expect(layerOf(() => unpackUserMessage(c.bKeys, c.bRatchet, p.packed))).toBe('signature');
  });

  it('an invitation answer is verified against the key it carries', () => {
    const c = channel();
    const card: meow.IContactCard = { name: 'A', contactPublicKey: c.aKeys.myIdentity.publicKey };
    const p = packUserMessage(c.aKeys, c.aRatchet, { type: 'invitation_answer', invitation: card });
    const bKeys = { ...c.bKeys, contactPublicKey: null };
    const u = unpackUserMessage(bKeys, c.bRatchet, p.packed, { signerKey: 'from-invitation' });
    expect(u.message.invitation?.name).toBe('A');
    // the same answer claiming another key fails
    const liar = packUserMessage(c.aKeys, c.aRatchet, {
      type: 'invitation_answer',
      invitation: { name: 'A', contactPublicKey: ed25519KeyPair().publicKey },
    });
    expect(
      layerOf(() => unpackUserMessage(bKeys, c.bRatchet, liar.packed, { signerKey: 'from-invitation' })),
    ).toBe('signature');
  });
});

import { aeadDecrypt, aeadEncrypt } from '../../protocol/crypto/aead.js';
import { encodeFields } from '../../protocol/crypto/bytes.js';
import { sign } from '../../protocol/crypto/curves.js';
import { open, seal } from '../../protocol/crypto/sealedBox.js';
import { signedPart } from '../../protocol/wire/packing.js';

function resign(keys: ChannelKeys, m: meow.IPackedUserMessage): Uint8Array {
  return sign(keys.myIdentity, signedPart(m.destination!, m.payload!));
}

/** Rebuilds the payload with one inner layer tampered, as an attacker holding the outer keys could. */
function forgeInner(
  c: ReturnType<typeof channel>,
  p: { bytes: Uint8Array },
  name: string,
): Uint8Array | null {
  if (!name.startsWith('symmetric') && !name.startsWith('ratchet')) return null;
  const m = meow.PackedUserMessage.decode(p.bytes);
  const dest = m.destination;
  const sym = open(c.bKeys.myEncryption, m.payload, dest);
  if (name.startsWith('symmetric')) {
    sym[sym.length - 3]! ^= 1;
    return seal(c.aKeys.contactEncryption, sym, dest);
  }
  const rmBytes = aeadDecrypt(c.bKeys.symKey, sym, encodeFields('meow/sym/v1'));
  const rm = meow.RatchetMessage.decode(rmBytes);
  if (name.includes('header')) rm.header[40]! ^= 1;
  else rm.ciphertext[0]! ^= 1;
  const sym2 = aeadEncrypt(c.bKeys.symKey, encode(meow.RatchetMessage, rm), encodeFields('meow/sym/v1'));
  return seal(c.aKeys.contactEncryption, sym2, dest);
}

describe('nothing in a packed message rides along unread', () => {
  it('a ratchet message with an unknown field (a flipped tag on its epoch) is refused', () => {
    const c = channel();
    const p = packUserMessage(c.aKeys, c.aRatchet, { type: 'text', text: 'hi' }, 0);
    const m = meow.PackedUserMessage.decode(p.bytes);
    const sym = open(c.bKeys.myEncryption, m.payload, m.destination);
    const rmBytes = aeadDecrypt(c.bKeys.symKey, sym, encodeFields('meow/sym/v1'));
    // epoch 7 under field number 15 instead of 3: a field this version does not know
    const tampered = new Uint8Array([...rmBytes, (15 << 3) | 0, 7]);
    const sym2 = aeadEncrypt(c.bKeys.symKey, tampered, encodeFields('meow/sym/v1'));
    const payload = seal(c.aKeys.contactEncryption, sym2, m.destination);
    const forged: meow.IPackedUserMessage = {
      destination: m.destination,
      payload,
      signature: new Uint8Array(0),
    };
    forged.signature = resign(c.aKeys, forged);
    expect(() => unpackUserMessage(c.bKeys, c.bRatchet, forged)).toThrow(/unknown field 15/);
    // the untampered message still opens
    expect(unpackUserMessage(c.bKeys, c.bRatchet, p.packed).message.text).toBe('hi');
  });
});
