/**
 * Session resets, below the messenger (the whole case with two profiles and a relay:
 * test/reliability/staleBackup.test.ts): the detection digest tells a redelivery from a
 * reused message key; a reset's two ends derive one ratchet; collisions and replays resolve
 * the same way on both sides.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { x25519KeyPair } from '../../protocol/crypto/curves.js';
import { sessionSignal } from '../../main/core/receive/sessionReset.js';
import type { ContactChannel, Peer } from '../../main/core/peers/peer.js';
import {
  acceptReset,
  decideReset,
  rememberReset,
  resetPending,
  startReset,
} from '../../main/core/peers/session.js';
import { MessageDb, RATCHET_SLOTS_KEPT } from '../../main/core/storage/messageDb.js';
import { ratchetDecrypt, ratchetEncrypt } from '../../protocol/ratchet/doubleRatchet.js';
import { decodeRatchetState, encodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { encodeFields } from '../../protocol/crypto/bytes.js';
import { packUserMessage, unpackUserMessage, UnpackError } from '../../protocol/wire/packing.js';
import { channel } from '../wire/channel.js';
import { notice } from '../../shared/notices.js';

const text = (t: string) => ({ type: 'text', text: t, status: { uuid: t, sent: 1 } });

function refusal(fn: () => unknown): UnpackError {
  try {
    fn();
  } catch (e) {
    if (e instanceof UnpackError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('the detection digest', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('a slot received again with the same ciphertext is a duplicate; with another ciphertext, a stale ratchet', () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-slots-'));
    const db = new MessageDb(join(dir, 'messages.db'), randomBytes(32));
    try {
      const peer = {
        uid: 'bob',
        type: 'contact',
        state: 'active',
        session: { epoch: 0, resets: [], mine: null },
      } as unknown as Peer;
      const c = channel();
      // Alice sends; then a copy of her older state sends again from the same point.
      const first = packUserMessage(c.aKeys, c.aRatchet, text('original'));
      const reused = packUserMessage(c.aKeys, c.aRatchet, text('from the restored copy'));
      const got = unpackUserMessage(c.bKeys, c.bRatchet, first.packed);
      expect(got.slot).toBeDefined();
      db.channels.noteSlot(peer.uid, got.slot!.slot, got.slot!.digest);

      const again = refusal(() => unpackUserMessage(c.bKeys, got.ratchet, first.packed));
      expect(again.ratchetCode).toBe('DUPLICATE');
      expect(sessionSignal(db, peer, again)).toBeNull();

      const stale = refusal(() => unpackUserMessage(c.bKeys, got.ratchet, reused.packed));
      expect(stale.ratchetCode).toBe('DUPLICATE');
      expect(stale.slot!.slot).toBe(got.slot!.slot);
      expect(sessionSignal(db, peer, stale)).toBe('stale');

      // A slot never recorded (forgotten, or before this feature) stays a duplicate: no false reset.
      expect(sessionSignal(db, { ...peer, uid: 'carol' }, stale)).toBeNull();
    } finally {
      db.close();
    }
  });

  it('keeps about the last RATCHET_SLOTS_KEPT slots per contact', () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-slots-'));
    const db = new MessageDb(join(dir, 'messages.db'), randomBytes(32));
    try {
      const n = RATCHET_SLOTS_KEPT + 300;
      db.atomically(() => {
        for (let i = 0; i < n; i++) db.channels.noteSlot('p', `k/${i}`, 'd');
        db.channels.noteSlot('other', 'k/0', 'd');
      });
      expect(db.channels.slotDigest('p', 'k/0')).toBeUndefined();
      expect(db.channels.slotDigest('p', `k/${n - 1}`)).toBe('d');
      expect(db.channels.slotDigest('other', 'k/0')).toBe('d');
      const kept = (
        db.db.prepare("SELECT count(*) AS c FROM ratchet_slots WHERE peer_uid = 'p'").get() as { c: number }
      ).c;
      expect(kept).toBeGreaterThanOrEqual(RATCHET_SLOTS_KEPT);
      expect(kept).toBeLessThanOrEqual(RATCHET_SLOTS_KEPT + 100);
    } finally {
      db.close();
    }
  });

  it('a signed message the ratchet cannot open, another session, and a reset are told apart', () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-slots-'));
    const db = new MessageDb(join(dir, 'messages.db'), randomBytes(32));
    try {
      const peer = {
        uid: 'bob',
        type: 'contact',
        state: 'active',
        session: { epoch: 2, resets: [], mine: null },
      } as unknown as Peer;
      const c = channel();
      const other = channel(); // a ratchet the receiver does not share, under the same channel keys
      const foreign = packUserMessage(c.aKeys, other.aRatchet, text('x'), 2);
      expect(
        sessionSignal(
          db,
          peer,
          refusal(() => unpackUserMessage(c.bKeys, c.bRatchet, foreign.packed, { epoch: 2 })),
        ),
      ).toBe('stale');
      const old = packUserMessage(c.aKeys, c.aRatchet, text('y'), 1);
      expect(
        sessionSignal(
          db,
          peer,
          refusal(() => unpackUserMessage(c.bKeys, c.bRatchet, old.packed, { epoch: 2 })),
        ),
      ).toBe('older');
      const newer = packUserMessage(c.aKeys, c.aRatchet, text('z'), 3);
      expect(
        sessionSignal(
          db,
          peer,
          refusal(() => unpackUserMessage(c.bKeys, c.bRatchet, newer.packed, { epoch: 2 })),
        ),
      ).toBe('newer');
      // A device channel or an open invitation never resets.
      expect(
        sessionSignal(
          db,
          { ...peer, type: 'device' } as unknown as Peer,
          refusal(() => unpackUserMessage(c.bKeys, c.bRatchet, foreign.packed, { epoch: 2 })),
        ),
      ).toBeNull();
    } finally {
      db.close();
    }
  });
});

/** Both ends of a contact channel, as far as a reset needs them. */
function ends(): { alice: ContactChannel; bob: ContactChannel } {
  const sym = randomBytes(32);
  const a = x25519KeyPair();
  const b = x25519KeyPair();
  const base = {
    type: 'contact',
    state: 'active',
    session: { epoch: 0, resets: [], mine: null },
    drState: null,
  };
  return {
    alice: {
      ...base,
      uid: 'bob',
      myEncryption: a,
      contactEncryption: b.publicKey,
      symKey: sym,
    } as unknown as ContactChannel,
    bob: {
      ...base,
      uid: 'alice',
      myEncryption: b,
      contactEncryption: a.publicKey,
      symKey: sym,
    } as unknown as ContactChannel,
  };
}

const AD = encodeFields('test');

describe('a session reset', () => {
  it('its two ends derive one ratchet: the receiver answers first, then both ways', () => {
    const { alice, bob } = ends();
    const started = startReset(bob);
    expect(started.peer.session.epoch).toBe(1);
    expect(resetPending(started.peer)).toBe(true); // Bob's sends wait for the answer
    expect(decideReset(alice, started.reset)).toBe('accept');
    const taken = acceptReset(alice, started.reset);
    expect(taken.session.epoch).toBe(1);
    const ack = ratchetEncrypt(decodeRatchetState(taken.drState!), new Uint8Array([1]), AD);
    const opened = ratchetDecrypt(decodeRatchetState(started.peer.drState!), ack.header, ack.ciphertext, AD);
    expect([...opened.plaintext]).toEqual([1]);
    const reply = ratchetEncrypt(opened.state, new Uint8Array([2]), AD);
    expect([...ratchetDecrypt(ack.state, reply.header, reply.ciphertext, AD).plaintext]).toEqual([2]);
    expect(resetPending({ ...started.peer, drState: encodeRatchetState(opened.state) })).toBe(false);
  });

  it('a replayed reset is refused, and one from a side behind my epoch is answered with a newer one', () => {
    const { alice, bob } = ends();
    const started = startReset(bob);
    const taken = acceptReset(alice, started.reset);
    // Again on the side that took it: answered again on the current session (a crash may have lost the answer), nothing reset.
    expect(decideReset(taken, started.reset)).toBe('answer');
    // An older one, replayed after a newer reset: ignored.
    const later = startReset({ ...started.peer, session: { ...started.peer.session, mine: null } });
    const takenLater = acceptReset(taken, later.reset);
    expect(takenLater.session.epoch).toBe(2);
    expect(decideReset(takenLater, started.reset)).toBe('ignore');
    // Alice restored from before that reset starts her own at epoch 1: Bob, at 1 already, counters.
    const stale = startReset(alice);
    const bobUp = { ...started.peer, session: { ...started.peer.session, mine: null } };
    expect(decideReset(bobUp, stale.reset)).toBe('counter');
    // Malformed keys are never taken.
    expect(decideReset(alice, { epoch: 5, ephemeralKey: new Uint8Array(3) })).toBe('ignore');
  });

  it('is told to the person in one sentence naming the contact', () => {
    expect(notice('SESSION_RESET', { contact: 'Bob' }).text).toBe(
      "Your conversation with Bob was re-secured: one of your devices or Bob's was restored from an older copy, so its keys were out of step. Messages sent meanwhile may be missing.",
    );
  });

  it('two resets crossing at one epoch converge on the one with the lower ephemeral key', () => {
    const { alice, bob } = ends();
    const fromA = startReset(alice);
    const fromB = startReset(bob);
    const aLower = toHex(fromA.reset.ephemeralKey!) < toHex(fromB.reset.ephemeralKey!);
    expect(decideReset(fromA.peer, fromB.reset)).toBe(aLower ? 'lose' : 'accept');
    expect(decideReset(fromB.peer, fromA.reset)).toBe(aLower ? 'accept' : 'lose');
    // The winner remembers the loser: replayed once its session is up, it is only ignored.
    const [winner, loser] = aLower ? [fromA, fromB] : [fromB, fromA];
    const won = rememberReset(winner.peer, loser.reset);
    const remembered = { ...won, session: { ...won.session, mine: null } };
    expect(remembered.session.resets.at(-1)).toBe(toHex(winner.reset.ephemeralKey!));
    expect(decideReset(remembered, loser.reset)).toBe('ignore');
  });
});
