/**
 * Deleting a contact (issue 24, finding 5): gone from this device and my other device (a
 * "contact_delete" change), with its conversation and channel keys; its queues are closed at
 * the relay by the device that drives it, so what the contact still sends reaches nobody of
 * mine; a change a sibling made meanwhile (a rename crossing the deletion) does not bring the
 * contact back.
 */
import { describe, expect, it } from 'vitest';
import { deleteContact } from '../../main/core/messenger/deleteContact.js';
import { searchIndexOf } from '../../main/core/messenger/searchIndex.js';
import { aliceWithLaptopAndBob, settle, useEnv, useOpen } from '../core/harness.js';

describe('deleting a contact', () => {
  const env = useEnv();
  const open = useOpen();

  it('goes on all my devices, with its conversation and keys; its queues are closed', async () => {
    const { a, s, bob } = await aliceWithLaptopAndBob(env, open, 'delc');
    const bobUid = a.findContact('Bob-delc').uid;
    await bob.send('Alice-delc', 'remember me by findme');
    await settle(a, s, bob);
    for (const m of [a, s]) {
      await searchIndexOf(m).ready;
      expect(m.messages(bobUid)).toHaveLength(1);
    }

    // The laptop renames Bob while the desktop deletes him: the rename crosses the deletion.
    await s.updateContact(bobUid, { name: 'Bobby' });
    await deleteContact(a.core, bobUid, true);
    await settle(a, s, bob);

    for (const m of [a, s]) {
      expect(m.peers.get(bobUid)).toBeUndefined();
      expect(m.contacts().map((c) => c.uid)).not.toContain(bobUid);
      expect(m.db.messages.list(bobUid)).toEqual([]);
      expect(m.db.messages.summary(bobUid).count).toBe(0);
      expect(searchIndexOf(m).search('findme')).toEqual([]);
    }

    // Bob is not told; what he sends now is refused at the relay and reaches none of my devices.
    await bob.send('Alice-delc', 'anyone there?');
    await settle(a, s, bob);
    for (const m of [a, s]) {
      expect(m.peers.get(bobUid)).toBeUndefined();
      expect(m.db.messages.list(bobUid)).toEqual([]);
    }
    const last = bob.messages('Alice-delc').at(-1)!;
    expect(last.text).toBe('anyone there?');
    expect(['delivered', 'read']).not.toContain(last.state);
    // the queue Bob writes to is closed: the relay refused his message (GONE)
    const aliceOnBob = bob.findContact('Alice-delc').uid;
    expect(
      bob.db.outbox
        .forPeer('peer', aliceOnBob)
        .map((r) => r.lastError)
        .join(' '),
    ).toMatch(/GONE/);
  }, 120_000);
});
