import { describe, expect, it } from 'vitest';
import { encodeFields, randomBytes, utf8 } from '../../protocol/crypto/bytes.js';
import { x25519KeyPair } from '../../protocol/crypto/curves.js';
import {
  canSend,
  initReceiver,
  initSender,
  MAX_SKIP,
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetState,
} from '../../protocol/ratchet/doubleRatchet.js';
import { RatchetError } from '../../protocol/ratchet/errors.js';
import { decodeHeader, encodeHeader, HEADER_LENGTH } from '../../protocol/ratchet/header.js';
import { kdfCounters } from '../../protocol/ratchet/kdf.js';
import { deserializeRatchet, serializeRatchet } from '../../protocol/ratchet/stateJson.js';

const AD = encodeFields('t');

function pair() {
  const sk = randomBytes(32);
  const bobPair = x25519KeyPair();
  return { alice: initSender(sk, bobPair.publicKey), bob: initReceiver(sk, bobPair) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof RatchetError) return e.code;
    throw e;
  }
  return 'OK';
}

describe('Double Ratchet', () => {
  it('the card owner (Bob) cannot send until the answering side (Alice) has sent', () => {
    let { alice, bob } = pair();
    expect(canSend(bob)).toBe(false);
    expect(code(() => ratchetEncrypt(bob, utf8('x'), AD))).toBe('NO_SENDING_CHAIN');
    const m = ratchetEncrypt(alice, utf8('hello'), AD);
    alice = m.state;
    bob = ratchetDecrypt(bob, m.header, m.ciphertext, AD).state;
    expect(canSend(bob)).toBe(true);
    const r = ratchetEncrypt(bob, utf8('hi back'), AD);
    expect(new TextDecoder().decode(ratchetDecrypt(alice, r.header, r.ciphertext, AD).plaintext)).toBe(
      'hi back',
    );
  });

  it('refuses a replay as a duplicate, leaving state unchanged', () => {
    const { alice, bob } = pair();
    const m = ratchetEncrypt(alice, utf8('once'), AD);
    const bob1 = ratchetDecrypt(bob, m.header, m.ciphertext, AD).state;
    const before = serializeRatchet(bob1);
    expect(code(() => ratchetDecrypt(bob1, m.header, m.ciphertext, AD))).toBe('DUPLICATE');
    expect(serializeRatchet(bob1)).toBe(before);
  });

  it('refuses a replay from an earlier DH step as a duplicate', () => {
    let { alice, bob } = pair();
    const first = ratchetEncrypt(alice, utf8('1'), AD);
    alice = first.state;
    bob = ratchetDecrypt(bob, first.header, first.ciphertext, AD).state;
    const reply = ratchetEncrypt(bob, utf8('2'), AD);
    bob = reply.state;
    alice = ratchetDecrypt(alice, reply.header, reply.ciphertext, AD).state;
    const next = ratchetEncrypt(alice, utf8('3'), AD);
    bob = ratchetDecrypt(bob, next.header, next.ciphertext, AD).state;
    expect(code(() => ratchetDecrypt(bob, first.header, first.ciphertext, AD))).toBe('DUPLICATE');
  });

  it('a header beyond MAX_SKIP is refused before any key is derived', () => {
    let { alice, bob } = pair();
    const m = ratchetEncrypt(alice, utf8('a'), AD);
    alice = m.state;
    bob = ratchetDecrypt(bob, m.header, m.ciphertext, AD).state;
    const next = ratchetEncrypt(alice, utf8('b'), AD);
    const h = decodeHeader(next.header);
    const forged = encodeHeader({ ...h, n: MAX_SKIP + 10 });
    const before = serializeRatchet(bob);
    const steps = { ...kdfCounters };
    expect(code(() => ratchetDecrypt(bob, forged, next.ciphertext, AD))).toBe('TOO_MANY_SKIPPED');
    expect(kdfCounters).toEqual(steps);
    expect(serializeRatchet(bob)).toBe(before);
    // on a new DH step, a PN or N beyond the bound too
    const forgedNew = encodeHeader({ dh: x25519KeyPair().publicKey, pn: MAX_SKIP + 5, n: 0 });
    expect(code(() => ratchetDecrypt(bob, forgedNew, next.ciphertext, AD))).toBe('TOO_MANY_SKIPPED');
    const forgedNew2 = encodeHeader({ dh: x25519KeyPair().publicKey, pn: 1, n: MAX_SKIP + 1 });
    expect(code(() => ratchetDecrypt(bob, forgedNew2, next.ciphertext, AD))).toBe('TOO_MANY_SKIPPED');
    expect(kdfCounters).toEqual(steps);
    // exactly at the bound is accepted
    let a = alice;
    const sent: ReturnType<typeof ratchetEncrypt>[] = [];
    for (let i = 0; i <= MAX_SKIP; i++) {
      const e = ratchetEncrypt(a, utf8(`m${i}`), AD);
      a = e.state;
      sent.push(e);
    }
    const last = sent[MAX_SKIP]!; // n = 1 + MAX_SKIP, nr = 1: skips exactly MAX_SKIP
    const res = ratchetDecrypt(bob, last.header, last.ciphertext, AD);
    expect(res.state.skipped).toHaveLength(MAX_SKIP);
  });

  it('the skipped-key store is capped and expires old keys', () => {
    let { alice, bob } = pair();
    const m = ratchetEncrypt(alice, utf8('a'), AD);
    alice = m.state;
    bob = ratchetDecrypt(bob, m.header, m.ciphertext, AD).state;
    const sent: ReturnType<typeof ratchetEncrypt>[] = [];
    for (let i = 0; i < 30; i++) {
      const e = ratchetEncrypt(alice, utf8(`m${i}`), AD);
      alice = e.state;
      sent.push(e);
    }
    const now = 1_000_000;
    const r = ratchetDecrypt(bob, sent[29]!.header, sent[29]!.ciphertext, AD, { now, maxSkippedKeys: 10 });
    expect(r.state.skipped).toHaveLength(10);
    // the newest 10 skipped keys (19..28) were kept
    expect(code(() => ratchetDecrypt(r.state, sent[5]!.header, sent[5]!.ciphertext, AD, { now }))).toBe(
      'DUPLICATE',
    );
    expect(ratchetDecrypt(r.state, sent[20]!.header, sent[20]!.ciphertext, AD, { now }).plaintext).toEqual(
      utf8('m20'),
    );
    // after the TTL they are gone
    expect(
      code(() =>
        ratchetDecrypt(r.state, sent[20]!.header, sent[20]!.ciphertext, AD, {
          now: now + 1000,
          skippedKeyTtlMs: 500,
        }),
      ),
    ).toBe('DUPLICATE');
  });

  it('a malformed header is refused with a typed error', () => {
    const { bob } = pair();
    expect(code(() => ratchetDecrypt(bob, new Uint8Array(HEADER_LENGTH - 1), new Uint8Array(32), AD))).toBe(
      'MALFORMED_HEADER',
    );
    const h = new Uint8Array(HEADER_LENGTH);
    h[0] = 9;
    expect(code(() => ratchetDecrypt(bob, h, new Uint8Array(32), AD))).toBe('MALFORMED_HEADER');
  });

  it('state JSON round-trips without loss and rejects garbage', () => {
    let { alice, bob } = pair();
    for (let i = 0; i < 5; i++) {
      const e = ratchetEncrypt(alice, utf8(`${i}`), AD);
      alice = e.state;
      if (i !== 2) bob = ratchetDecrypt(bob, e.header, e.ciphertext, AD).state;
    }
    const json = serializeRatchet(bob);
    const back: RatchetState = deserializeRatchet(json);
    expect(back).toEqual(bob);
    expect(serializeRatchet(back)).toBe(json);
    expect(() => deserializeRatchet('{')).toThrowError(/not valid JSON/);
    expect(() => deserializeRatchet(JSON.stringify({ ...JSON.parse(json), ns: -1 }))).toThrow(RatchetError);
    expect(() => deserializeRatchet(JSON.stringify({ ...JSON.parse(json), rk: 'AAAA' }))).toThrow(
      RatchetError,
    );
  });
});
