import { describe, expect, it } from 'vitest';
import { randomBytes, toHex, utf8 } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import {
  newChain,
  openGroupMessage,
  sealGroupMessage,
  SenderKeyError,
  senderKeyProof,
  senderKeyProofValid,
  type SenderChain,
} from '../../protocol/group/senderKey.js';

const group = toHex(randomBytes(16));

function reason(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof SenderKeyError) return e.reason;
    throw e;
  }
  throw new Error('opened');
}

describe('sender keys', () => {
  const bob = ed25519KeyPair();
  const bobId = toHex(bob.publicKey);

  it('opens in order and out of order, each index once', () => {
    let mine = newChain(randomBytes);
    const given: SenderChain = { ...mine };
    const sealed = ['a', 'b', 'c'].map((t) => {
      const s = sealGroupMessage(group, bob, mine, utf8(t));
      mine = s.chain;
      return s.sealed;
    });
    let held = given;
    const open = (i: number) => {
      const o = openGroupMessage(group, bobId, held, sealed[i]!);
      held = o.chain;
      return new TextDecoder().decode(o.plain);
    };
    expect(open(2)).toBe('c');
    expect(open(0)).toBe('a');
    expect(open(1)).toBe('b');
    expect(reason(() => open(1))).toBe('USED');
  });

  it('a member cannot pass off a message as another’s, and a later key opens nothing earlier', () => {
    const carol = ed25519KeyPair();
    const chain = newChain(randomBytes);
    const { sealed, chain: after } = sealGroupMessage(group, carol, chain, utf8('I am Bob'));
    // Carol's message claimed as Bob's: his key does not verify it.
    expect(reason(() => openGroupMessage(group, bobId, chain, sealed))).toBe('BAD_SIGNATURE');
    // The chain as it stands after the message cannot go back to it.
    expect(reason(() => openGroupMessage(group, toHex(carol.publicKey), after, sealed))).toBe('USED');
    // Another group's id does not open it either.
    expect(
      reason(() => openGroupMessage(toHex(randomBytes(16)), toHex(carol.publicKey), chain, sealed)),
    ).toBe('BAD_SIGNATURE');
  });

  it('a sender key is proven by its member', () => {
    const chain = newChain(randomBytes);
    const proof = senderKeyProof(group, bob, chain);
    expect(senderKeyProofValid(group, bobId, chain, proof)).toBe(true);
    expect(senderKeyProofValid(group, toHex(ed25519KeyPair().publicKey), chain, proof)).toBe(false);
    expect(senderKeyProofValid(group, bobId, { ...chain, chainKey: toHex(randomBytes(32)) }, proof)).toBe(
      false,
    );
  });
});
