/**
 * Typing indicators across Alice's two devices (A primary for Bob, S a sibling) and Bob, over a
 * real relay: typing on either of Alice's devices shows at Bob's, never on Alice's own devices;
 * Bob's typing shows on both of hers; it is rate-limited and nothing of it is stored.
 */
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { fresh, STALE_MS } from '../../main/core/messenger/typing.js';
import { aliceWithLaptopAndBob, settle, useEnv, useOpen } from '../core/harness.js';

describe('typing indicators', () => {
  const env = useEnv('embedded');
  const open = useOpen();

  /** Who each device was told is typing (contact uids → names on that device). */
  function listen(...ms: Messenger[]): Map<Messenger, string[]> {
    const heard = new Map<Messenger, string[]>();
    for (const m of ms) {
      heard.set(m, []);
      m.on('typing', (uid) => heard.get(m)!.push(m.peers.get(uid)!.name));
    }
    return heard;
  }
  const flush = () => new Promise((r) => setImmediate(r));
  const stored = (m: Messenger) => m.db.messages.since(0, Number.MAX_SAFE_INTEGER, 1000).length;

  it('shown to the contact from whichever of my devices I type on, never on mine; not stored', async () => {
    const { a, s, bob } = await aliceWithLaptopAndBob(env, open, 'typing');
    const A = a.identity.nickname;
    const B = bob.identity.nickname;
    const all = () => settle(s, a, bob, a, s, bob);
    await bob.send(A, 'hi');
    await all();
    const before = [a, s, bob].map(stored);
    const heard = listen(a, s, bob);

    // Alice types on her laptop: it reaches Bob through the desktop, which does not show it.
    expect(s.typing(B)).toBe(true);
    expect(s.typing(B)).toBe(false); // (rate-limited: one every few seconds)
    await all();
    await flush();
    expect(heard.get(bob)).toEqual([A]);
    expect(heard.get(a)).toEqual([]);
    expect(heard.get(s)).toEqual([]);

    // Bob types: Alice's desktop hears it and tells her laptop.
    expect(bob.typing(A)).toBe(true);
    await all();
    await flush();
    expect(heard.get(a)).toEqual([B]);
    expect(heard.get(s)).toEqual([B]);
    expect(heard.get(bob)).toEqual([A]); // (not his own)

    // Nothing of it is stored anywhere (no message, no history, no outbox left).
    expect([a, s, bob].map(stored)).toEqual(before);
    for (const m of [a, s, bob]) expect(m.db.outbox.size()).toBe(0);
    // A message sent ends the limit: the next keystroke tells again at once.
    await s.send(B, 'hello');
    expect(s.typing(B)).toBe(true);
  });

  it('a typing that waited in a queue is old news', () => {
    const now = Date.now();
    expect(fresh(now - 1000, now)).toBe(true);
    expect(fresh(now - STALE_MS - 1, now)).toBe(false);
    expect(fresh(now + STALE_MS + 1, now)).toBe(false);
  });
});
