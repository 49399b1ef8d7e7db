/**
 * Finding 2 (device channels): a channel between two of my devices used to be minted by a
 * third — the one pairing the newcomer — which held both ends' private keys and could
 * drain that channel's queues. Now each end generates its own keys; the device that
 * introduces them passes on only a public card.
 */
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { OutboxItem } from '../../main/core/storage/messageDb.js';
import { createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

/** Every plaintext `m` queues from now on. */
function recordQueued(m: Messenger): Uint8Array[] {
  const seen: Uint8Array[] = [];
  const enqueue = m.db.outbox.enqueue.bind(m.db.outbox);
  m.db.outbox.enqueue = (items: OutboxItem[]) => {
    for (const i of items) seen.push(i.plain);
    enqueue(items);
  };
  return seen;
}

const contains = (haystack: Uint8Array, needle: Uint8Array) =>
  Buffer.from(haystack).includes(Buffer.from(needle));

describe('device channels', () => {
  const env = useEnv();

  it('the device that introduces two others never holds either end’s private keys', async () => {
    const a = await createProfile(env, 'dc-a');
    const b = await createBlankDevice(env, 'dc-b');
    const c = await createBlankDevice(env, 'dc-c');
    try {
      await pairDevices(a, b);
      const queuedByA = recordQueued(a);
      await pairDevices(a, c);
      await settle(a, b, c, a, b, c);
      const bToC = b.deviceSync.deviceById(c.identity.uid)!;
      const cToB = c.deviceSync.deviceById(b.identity.uid)!;
      expect(bToC.pairing?.confirmed && cToB.pairing?.confirmed).toBe(true);
      const secrets = [bToC, cToB].flatMap((d) => [
        d.myIdentity.privateKey,
        d.myEncryption.privateKey,
        d.myLookup.privateKey,
      ]);
      for (const plain of queuedByA) for (const s of secrets) expect(contains(plain, s)).toBe(false);
      // nor any other private key: whatever A queued holds no JSON "priv" that is not zero
      const privs = queuedByA.flatMap((p) =>
        [
          ...Buffer.from(p)
            .toString('latin1')
            .matchAll(/"priv":"([A-Za-z0-9+/=]+)"/g),
        ].map((m) => m[1]!),
      );
      expect(privs.filter((k) => Buffer.from(k, 'base64').some((x) => x !== 0))).toEqual([]);
      expect(queuedByA.length).toBeGreaterThan(0);
      // and the channel works both ways
      await b.updateProfile({ status: 'from b' });
      await settle(b, c, a);
      expect(c.identity.status).toBe('from b');
      await c.updateProfile({ status: 'from c' });
      await settle(c, b, a);
      expect(b.identity.status).toBe('from c');
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });
});
