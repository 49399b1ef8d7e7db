/**
 * Property: two parties exchange 1,000+ messages over a hostile network (drops,
 * reordering, duplication) with many DH turns. Every delivered message decrypts
 * exactly once, duplicates are refused, the skipped-key store stays within its cap,
 * and serialising the state between steps changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { encodeFields, randomBytes, utf8 } from '../../protocol/crypto/bytes.js';
import { x25519KeyPair } from '../../protocol/crypto/curves.js';
import {
  initReceiver,
  initSender,
  MAX_SKIPPED_KEYS,
  ratchetDecrypt,
  ratchetEncrypt,
  type RatchetState,
} from '../../protocol/ratchet/doubleRatchet.js';
import { RatchetError } from '../../protocol/ratchet/errors.js';
import { deserializeRatchet, serializeRatchet } from '../../protocol/ratchet/stateJson.js';
import { prng } from './helpers.js';

const AD = encodeFields('prop');

interface InFlight {
  id: number;
  to: 'A' | 'B';
  header: Uint8Array;
  ciphertext: Uint8Array;
}

function simulate(seed: number, total: number) {
  const rand = prng(seed);
  const sk = randomBytes(32);
  const bobPair = x25519KeyPair();
  const states: Record<'A' | 'B', RatchetState> = {
    A: initSender(sk, bobPair.publicKey),
    B: initReceiver(sk, bobPair),
  };
  const network: InFlight[] = [];
  const decrypted = new Map<number, number>(); // id → times decrypted
  const dropped = new Set<number>();
  let duplicatesRefused = 0;
  let maxSkipped = 0;
  let turns = 0;
  let lastSender: 'A' | 'B' = 'A';
  let bobHasReceived = false;

  const deliver = (m: InFlight) => {
    try {
      const res = ratchetDecrypt(states[m.to], m.header, m.ciphertext, AD);
      expect(new TextDecoder().decode(res.plaintext)).toBe(`msg ${m.id}`);
      states[m.to] = res.state;
      decrypted.set(m.id, (decrypted.get(m.id) ?? 0) + 1);
      if (m.to === 'B') bobHasReceived = true;
    } catch (e) {
      expect(e).toBeInstanceOf(RatchetError);
      const code = (e as RatchetError).code;
      expect(code).toBe('DUPLICATE');
      expect(decrypted.has(m.id)).toBe(true); // only something already decrypted may be refused
      duplicatesRefused++;
    }
    maxSkipped = Math.max(maxSkipped, states.A.skipped.length, states.B.skipped.length);
  };

  for (let id = 0; id < total; id++) {
    // Switch sender in runs, so the conversation has many DH turns.
    let sender: 'A' | 'B' = rand() < 0.25 ? (lastSender === 'A' ? 'B' : 'A') : lastSender;
    if (sender === 'B' && !bobHasReceived) sender = 'A';
    if (sender !== lastSender) turns++;
    lastSender = sender;
    const enc = ratchetEncrypt(states[sender], utf8(`msg ${id}`), AD);
    states[sender] = enc.state;
    const to: 'A' | 'B' = sender === 'A' ? 'B' : 'A';
    const m: InFlight = { id, to, header: enc.header, ciphertext: enc.ciphertext };
    const r = rand();
    if (r < 0.1) dropped.add(id);
    else {
      network.push(m);
      if (r > 0.9) network.push(m); // duplicate
    }
    // Deliver a random in-flight message now and then (reordering).
    while (network.length > 0 && rand() < 0.6) {
      const i = Math.floor(rand() * network.length);
      deliver(network.splice(i, 1)[0]!);
    }
    // Occasionally persist and reload both states: nothing may change.
    if (rand() < 0.02) {
      for (const who of ['A', 'B'] as const) {
        const json = serializeRatchet(states[who]);
        states[who] = deserializeRatchet(json);
        expect(serializeRatchet(states[who])).toBe(json);
      }
    }
  }
  while (network.length > 0) deliver(network.shift()!);
  return { decrypted, dropped, duplicatesRefused, maxSkipped, turns };
}

describe('Double Ratchet under drops, reordering and duplication', () => {
  it.each([1, 2, 3])('seed %i: 1,500 messages, each delivered one decrypts exactly once', (seed) => {
    const total = 1500;
    const r = simulate(seed, total);
    for (let id = 0; id < total; id++) {
      if (r.dropped.has(id)) expect(r.decrypted.has(id)).toBe(false);
      else expect(r.decrypted.get(id)).toBe(1);
    }
    expect(r.duplicatesRefused).toBeGreaterThan(50);
    expect(r.turns).toBeGreaterThan(100);
    expect(r.maxSkipped).toBeLessThanOrEqual(MAX_SKIPPED_KEYS);
    expect(r.maxSkipped).toBeGreaterThan(0);
  });
});
