/** The plan's testing strategy, items 3 and 4, as written there (two devices of one identity, a real relay). */
import { describe, expect, it } from 'vitest';
import { toDbMessage } from '../../main/core/messenger/dbMessage.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

describe('plan testing strategy 3 and 4', () => {
  const env = useEnv('embedded');

  it('3: a message sent on DeviceA is in DeviceB’s DB; the same dedup_id again creates no duplicate row', async () => {
    const a = await createProfile(env, 's3a');
    const x = await createProfile(env, 's3x');
    const b = await createBlankDevice(env, 's3b');
    try {
      await befriend(a, x);
      await pairDevices(a, b);
      const sent = await a.send('s3x', 'sent on A');
      await settle(a, b);
      const onB = b.messages('s3x');
      expect(onB.map((m) => [m.uuid, m.text, m.outbound, m.synced])).toEqual([
        [sent.uuid, 'sent on A', true, true],
      ]);
      // the same DeviceSyncPayload (same dedup_id) delivered again, in a freshly packed message
      const ds = a.deviceSync;
      const toB = ds.siblings()[0]!;
      const payload = {
        syncType: 'msg',
        peerUid: sent.peerUid,
        dbMessage: toDbMessage(sent),
        dedupId: 'plan-3-dedup',
      };
      a.db.outbox.enqueue([ds.send(toB, 'msg', payload), ds.send(toB, 'msg', payload)]);
      await settle(a, b);
      expect(b.messages('s3x')).toHaveLength(1);
      expect(b.deviceSync.dedup.isSeen('plan-3-dedup')).toBe(true);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });

  it('4: DeviceA receives a peer message; DeviceB gets the sync and stores it correctly', async () => {
    const a = await createProfile(env, 's4a');
    const x = await createProfile(env, 's4x');
    const b = await createBlankDevice(env, 's4b');
    try {
      await befriend(a, x);
      await pairDevices(a, b);
      const fromX = await x.send('s4a', 'from the contact');
      await settle(x, a, b);
      const onA = a.messages('s4x')[0]!;
      const onB = b.messages('s4x')[0]!;
      expect(onB).toMatchObject({
        uuid: fromX.uuid,
        text: 'from the contact',
        outbound: false,
        state: 'received',
        sentAt: fromX.sentAt,
        receivedAt: onA.receivedAt,
        synced: true,
      });
      expect(onA.synced).toBe(false);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });
});
