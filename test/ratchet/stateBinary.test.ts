import { describe, expect, it } from 'vitest';
import { encodeFields, randomBytes, utf8 } from '../../protocol/crypto/bytes.js';
import { x25519KeyPair } from '../../protocol/crypto/curves.js';
import {
  initReceiver,
  initSender,
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetState,
} from '../../protocol/ratchet/doubleRatchet.js';
import { RatchetError } from '../../protocol/ratchet/errors.js';
import {
  decodeRatchetState,
  encodeRatchetState,
  ratchetStateFromJson,
  ratchetStateToJson,
} from '../../protocol/ratchet/stateBinary.js';
import { serializeRatchet } from '../../protocol/ratchet/stateJson.js';

const AD = encodeFields('t');

/** Bob after DH turns both ways and a lost message: every optional part of a state is set. */
function busyStates(): { alice: RatchetState; bob: RatchetState } {
  const sk = randomBytes(32);
  const bobPair = x25519KeyPair();
  let alice = initSender(sk, bobPair.publicKey);
  let bob = initReceiver(sk, bobPair);
  for (let turn = 0; turn < 3; turn++) {
    for (let i = 0; i < 4; i++) {
      const e = ratchetEncrypt(alice, utf8(`a${turn}.${i}`), AD);
      alice = e.state;
      if (i !== 1) bob = ratchetDecrypt(bob, e.header, e.ciphertext, AD).state; // one lost each turn
    }
    const r = ratchetEncrypt(bob, utf8(`b${turn}`), AD);
    bob = r.state;
    alice = ratchetDecrypt(alice, r.header, r.ciphertext, AD).state;
  }
  return { alice, bob };
}

function badState(bytes: Uint8Array): string {
  try {
    decodeRatchetState(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(RatchetError);
    expect((e as RatchetError).code).toBe('BAD_STATE');
    return (e as Error).message;
  }
  throw new Error('decoded');
}

describe('ratchet state, binary', () => {
  it('round-trips without loss, keeps working, and is smaller than its JSON', () => {
    const { alice, bob } = busyStates();
    expect(bob.skipped.length).toBeGreaterThan(0);
    expect(bob.previousDhr.length).toBeGreaterThan(0);
    const bytes = encodeRatchetState(bob);
    const back = decodeRatchetState(bytes);
    expect(back).toEqual(bob);
    expect(encodeRatchetState(back)).toEqual(bytes);
    expect(bytes.length).toBeLessThan(serializeRatchet(bob).length);
    // The decoded state still talks to the other side.
    const e = ratchetEncrypt(alice, utf8('after'), AD);
    expect(new TextDecoder().decode(ratchetDecrypt(back, e.header, e.ciphertext, AD).plaintext)).toBe(
      'after',
    );
    // A fresh receiver (no chains, no remote key) too.
    const fresh = initReceiver(randomBytes(32), x25519KeyPair());
    expect(decodeRatchetState(encodeRatchetState(fresh))).toEqual(fresh);
  });

  it('reads a state stored as JSON by earlier versions, and gives the JSON back for records', () => {
    const { bob } = busyStates();
    const json = serializeRatchet(bob);
    const stored = utf8(json); // what channel_state held before (sealed utf8 of the JSON)
    expect(decodeRatchetState(stored)).toEqual(bob);
    expect(decodeRatchetState(ratchetStateFromJson(json))).toEqual(bob);
    expect(ratchetStateToJson(stored)).toBe(json);
    expect(ratchetStateToJson(encodeRatchetState(bob))).toBe(json);
  });

  it('refuses garbage with a RatchetError that says what is wrong', () => {
    const { bob } = busyStates();
    const good = encodeRatchetState(bob);
    expect(badState(new Uint8Array(0))).toMatch(/too short/);
    expect(badState(good.subarray(0, 40))).toMatch(/too short/);
    expect(badState(good.subarray(0, good.length - 1))).toMatch(/previous keys do not match/);
    expect(badState(Uint8Array.from([...good, 0]))).toMatch(/previous keys do not match/);
    const version = good.slice();
    version[0] = 9;
    expect(badState(version)).toMatch(/unknown version 9/);
    const flags = good.slice();
    flags[1] = 0x80;
    expect(badState(flags)).toMatch(/unknown flags/);
    // A count far beyond the bytes there is refused before anything is allocated for it.
    const at = 2 + 3 * 32 + 3 * 32 + 12; // bob has dhr, cks and ckr
    const count = good.slice();
    new DataView(count.buffer).setUint32(at, 0xffffffff);
    expect(badState(count)).toMatch(/skipped keys do not fit/);
    const time = good.slice();
    new DataView(time.buffer).setFloat64(at + 4 + 32 + 4 + 32, -1);
    expect(badState(time)).toMatch(/not a time/);
    expect(badState(utf8('{'))).toMatch(/not valid JSON/);
    for (let i = 0; i < 200; i++) badState(randomBytes(1 + (i % 300)));
  });
});
