/**
 * Issue 20, finding 3: a thief holding the old lookup key of a contact's queue (a copy of an
 * ex-primary, taken while it drove the contact) is online first and pulls-and-deletes
 * everything that lands there — before the hand-back, between the rotation it brings and the
 * contact reading it, and after. The old queue is closed
 * at the relay once the rotation is out (posts to it: GONE; pulls: nothing; no sender can be
 * registered again), and the contact sends again to the new queue whatever it had put there:
 * A receives every message once.
 */
import { describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { KeyPair } from '../../protocol/crypto/curves.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import type { Peer } from '../../main/core/peers/peer.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

const inbound = (m: Messenger, contact: string) =>
  m
    .messages(contact)
    .filter((x) => !x.outbound)
    .map((x) => x.text);

describe.each(['embedded', 'redis'] as const)(
  'a thief online first on the old queue takes nothing from me (%s store)',
  (kind) => {
    const env = useEnv(kind);

    it('at the hand-back the old queue is closed as the rotation goes out; the contact re-sends what the thief took', async () => {
      const a = await createProfile(env, 'oq-a');
      const x = await createProfile(env, 'oq-x');
      const b = await createBlankDevice(env, 'oq-b');
      const thief = env.relay.client();
      const taken: string[] = [];
      /** The thief's loop: pull the old queue and delete what it holds. */
      const drain = async (lookup: KeyPair) => {
        const got = await thief.pull([lookup], { timeoutMs: 0 });
        if (got.messages.length)
          await thief.ack([{ lookup, ids: got.messages.map((m) => m.id) }]).catch(() => undefined);
        taken.push(...got.messages.map((m) => m.id));
      };
      try {
        await befriend(a, x);
        await x.send('oq-a', 'hello');
        await settle(x, a);
        await pairDevices(a, b);
        const uid = a.findContact('oq-x').uid;
        await b.deviceSync.requestPrimary(uid);
        await settle(b, a, x, b, a, x); // b drives x (and rotates its keys as it takes it)
        const stolen: Peer = structuredClone(b.peers.get(uid)!); // the thief copies b's folder

        // the thief is online first: what x sends to the queue it knows is gone before anyone pulls
        await x.send('oq-a', 'taken while b drove x');
        await x.flushOutbox();
        await drain(stolen.myLookup);
        expect(taken.length).toBeGreaterThan(0);

        // b hands x back to a, which rotates x's keys; x has not read that yet
        await a.deviceSync.requestPrimary(uid);
        await settle(a, b, a, b);
        expect(a.peers.get(uid)!.myLookup.publicKey).not.toEqual(stolen.myLookup.publicKey);
        await a.flushOutbox(); // the rotation goes out
        await x.send('oq-a', 'written before reading the rotation');
        await x.flushOutbox();
        await drain(stolen.myLookup);
        await a.sync(); // a's next pull closes the old queue at the relay
        await drain(stolen.myLookup);
        await x.send('oq-a', 'posted to the closed queue');
        await x.flushOutbox(); // refused GONE: it waits in x's outbox
        await drain(stolen.myLookup);

        // the closed queue: nothing to pull, nothing can be posted, no sender can be registered again
        expect((await thief.pull([stolen.myLookup], { timeoutMs: 0 })).messages).toEqual([]);
        await expect(
          thief.post([
            { destination: stolen.myLookup.publicKey, payload: randomBytes(64), signature: randomBytes(64) },
          ]),
        ).rejects.toMatchObject({ code: 'GONE' });
        expect(await thief.secure([{ lookup: stolen.myLookup, senders: [ed25519KeyPair().publicKey] }])).toBe(
          0,
        );

        await settle(x, a, x, a, x, a);
        const got = inbound(a, uid);
        for (const t of [
          'hello',
          'taken while b drove x',
          'written before reading the rotation',
          'posted to the closed queue',
        ])
          expect(got.filter((g) => g === t)).toEqual([t]);
        expect(x.db.outbox.size()).toBe(0);
      } finally {
        await Promise.all([a.close(), x.close(), b.close()]);
      }
    });
  },
);
