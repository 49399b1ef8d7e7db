/**
 * Finding 5: a crash between recording a received message's id and saving the ratchet
 * left that message's key among the skipped keys for 30 days. Now the ratchet, the
 * message and its id commit in one transaction: whatever fails during a receive, the
 * message is there exactly once afterwards and no key is left behind.
 */
import { describe, expect, it } from 'vitest';
import { MeowError } from '../../main/core/errors.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { decodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { befriend, createProfile, openProfile, settle, useEnv } from '../core/harness.js';

const skipped = (m: Messenger, contact: string) =>
  decodeRatchetState(m.findContact(contact).drState!).skipped.length;
const inbound = (m: Messenger, contact: string) =>
  m
    .messages(contact)
    .filter((x) => !x.outbound)
    .map((x) => x.text);

describe('a receive commits the ratchet with the message', () => {
  const env = useEnv();

  it('the peer store failing mid-receive (a crash there) leaves no key among the skipped ones', async () => {
    const a = await createProfile(env, 'rc-a');
    const x = await createProfile(env, 'rc-x');
    try {
      await befriend(a, x);
      await x.send('rc-a', 'warm-up');
      await settle(x, a);
      await a.send('rc-x', 'reply'); // both sides past their first messages: a steady conversation
      await settle(a, x);
      await a.close();

      await x.send('rc-a', 'm1');
      await x.flushOutbox();
      const crashing = await openProfile(env, 'rc-a');
      // the process "dies" the moment it writes the peer store
      const die = () => Promise.reject(new MeowError('DISK_FULL', { what: 'contacts' }));
      crashing.peers.put = die;
      crashing.peers.putRecord = die;
      await crashing.sync().catch(() => undefined);
      await crashing.close();

      await x.send('rc-a', 'm2');
      await x.flushOutbox();
      const after = await openProfile(env, 'rc-a');
      try {
        await settle(after, x);
        expect(inbound(after, 'rc-x')).toEqual(['warm-up', 'm1', 'm2']);
        expect(skipped(after, 'rc-x')).toBe(0);
      } finally {
        await after.close();
      }
    } finally {
      await x.close();
    }
  });

  it('messages.db failing mid-receive rolls the ratchet back with the message: the redelivery decrypts afresh', async () => {
    const a = await createProfile(env, 'rb-a');
    const x = await createProfile(env, 'rb-x');
    try {
      await befriend(a, x);
      await x.send('rb-a', 'warm-up');
      await settle(x, a);
      await a.send('rb-x', 'reply');
      await settle(a, x);
      await x.send('rb-a', 'm1');
      await x.flushOutbox();
      // the receive path stores a message with insertMessageReturning (no read-back)
      const insert = a.db.messages.insertReturning.bind(a.db.messages);
      let failures = 1;
      a.db.messages.insertReturning = (m) => {
        if (failures-- > 0) throw new MeowError('DISK_FULL', { what: 'messages' });
        return insert(m);
      };
      await expect(a.sync()).rejects.toMatchObject({ code: 'DISK_FULL' });
      await x.send('rb-a', 'm2');
      await settle(x, a);
      expect(inbound(a, 'rb-x')).toEqual(['warm-up', 'm1', 'm2']);
      expect(skipped(a, 'rb-x')).toBe(0);
    } finally {
      await Promise.all([a.close(), x.close()]);
    }
  });
});
