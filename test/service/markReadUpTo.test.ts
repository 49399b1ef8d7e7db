/**
 * Marking read up to a message (what the person scrolled past), not the whole conversation:
 * the rest stays unread; a cursor that is not one is refused; without a bound, all is read.
 */
import { describe, expect, it } from 'vitest';
import { useEnv } from '../core/harness.js';
import { befriendServices, newIdentity } from './helpers.js';

describe('markRead up to a message', () => {
  const env = useEnv();

  it('reads up to the given message only', async () => {
    const alice = await newIdentity(env, 'ra');
    const bob = await newIdentity(env, 'rb');
    try {
      const { bOnA, aOnB } = await befriendServices(alice, bob);
      for (let i = 1; i <= 5; i++) await bob.send(aOnB, `m${i}`);
      for (let i = 0; i < 20; i++) {
        await alice.sync();
        if ((await alice.conversations()).find((c) => c.contact.id === bOnA)?.unread === 5) break;
      }
      const unread = async () => (await alice.conversations()).find((c) => c.contact.id === bOnA)!.unread;
      expect(await unread()).toBe(5);
      const inbound = (await alice.messages(bOnA)).filter((m) => !m.outbound);
      expect(inbound.map((m) => m.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

      expect(await alice.markRead(bOnA, { upTo: inbound[1]!.cursor })).toBe(2);
      expect(await unread()).toBe(3);
      const after = (await alice.messages(bOnA)).filter((m) => !m.outbound);
      expect(after.map((m) => m.seen)).toEqual([true, true, false, false, false]);

      await expect(alice.markRead(bOnA, { upTo: 'nonsense' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
      expect(await unread()).toBe(3);
      expect(await alice.markRead(bOnA)).toBe(3);
      expect(await unread()).toBe(0);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
