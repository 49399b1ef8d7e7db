/**
 * A conversation's list state and draft across my two devices, against a real relay: pin,
 * archive, mark unread, mute and the draft made on one show on the other; two devices writing
 * the same field end on the latest write on both; the contact learns nothing of it.
 */
import { describe, expect, it } from 'vitest';
import {
  applyState,
  changeState,
  decodeState,
  encodeState,
  stateOf,
} from '../../main/core/messenger/conversationState.js';
import { aliceWithLaptopAndBob, settle, useEnv, useOpen } from '../core/harness.js';

describe('conversation state on my devices', () => {
  const env = useEnv('embedded');
  const open = useOpen();

  async function people(tag: string) {
    const { a, s, bob } = await aliceWithLaptopAndBob(env, open, tag);
    const uid = a.findContact(bob.identity.nickname).uid;
    return { a, s, bob, uid, all: () => settle(a, s, bob, a, s) };
  }

  it('pin, archive, mute and a draft made on one device show on the other; the contact gets nothing', async () => {
    const { a, s, bob, uid, all } = await people('sync');
    await all();
    const bobQueued = bob.db.outbox.size();
    const until = Date.now() + 3600_000;
    changeState(a.core, uid, { pinned: true, mutedUntil: until });
    changeState(s.core, uid, { draft: 'half a thought' });
    await all();
    for (const m of [a, s])
      expect(stateOf(m.core, uid)).toEqual({
        pinned: true,
        archived: false,
        unread: false,
        mutedUntil: until,
        draft: 'half a thought',
      });
    changeState(s.core, uid, { pinned: false, archived: true });
    await all();
    expect(stateOf(a.core, uid)).toMatchObject({ pinned: false, archived: true, draft: 'half a thought' });
    expect(bob.db.outbox.size()).toBe(bobQueued);
    // The draft is sealed at rest like a message.
    const raw = a.db.db.prepare('SELECT body FROM conversation_state').all() as { body: Buffer }[];
    expect(raw.some((r) => r.body.toString('latin1').includes('half a thought'))).toBe(false);
  });

  it('the same draft written on both devices at once: the later write wins on both', async () => {
    const { a, s, uid, all } = await people('race');
    changeState(a.core, uid, { draft: 'from the desk' });
    const t = Date.now();
    while (Date.now() === t); // a later millisecond: the laptop writes last
    changeState(s.core, uid, { draft: 'from the laptop' });
    await all();
    expect(stateOf(a.core, uid).draft).toBe('from the laptop');
    expect(stateOf(s.core, uid).draft).toBe('from the laptop');
  });

  it('an older or repeated change changes nothing; a malformed one is refused', async () => {
    const { a, uid } = await people('order');
    changeState(a.core, uid, { draft: 'newest' });
    const old = { draft: { value: 'older', version: { counter: 1, device: 'x' } } };
    expect(applyState(a.core, uid, old)).toBe(false);
    expect(stateOf(a.core, uid).draft).toBe('newest');
    const back = decodeState(encodeState(uid, old));
    expect(back).toEqual({ peerUid: uid, state: old });
    for (const bad of ['not json', JSON.stringify({ peerUid: uid, state: { pinned: { value: 'yes' } } })])
      expect(() => decodeState(new TextEncoder().encode(bad))).toThrowError(/conv_state/);
    expect(() => changeState(a.core, uid, { mutedUntil: -5 })).toThrowError(/mutedUntil/);
  });
});
