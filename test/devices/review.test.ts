/**
 * Regressions from a review of the core: races that could roll a ratchet back or revive
 * an unlinked device, a message that could wedge a queue, a flood on an invitation queue,
 * receipts about the wrong messages, contact profile changes that never reached siblings.
 */
import { pairingViews } from '../../main/core/service/views.js';
import { describe, expect, it } from 'vitest';
import { createInvitation } from '../../main/core/peers/invitation.js';
import { channelKeys } from '../../main/core/peers/peer.js';
import { decodeRatchetState, encodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { packUserMessage } from '../../protocol/wire/packing.js';

import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { DEFAULT_LIMITS } from '../../server/config.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  keysOfLinkHolder,
  pairDevices,
  settle,
  useEnv,
} from '../core/harness.js';

describe('review regressions', () => {
  const env = useEnv('embedded');

  it('profile and contact changes racing with sends never roll a ratchet back', async () => {
    const a = await createProfile(env, 'race-a');
    const x = await createProfile(env, 'race-x');
    const b = await createBlankDevice(env, 'race-b');
    try {
      await befriend(a, x);
      await pairDevices(a, b);
      const xUid = a.findContact('race-x').uid;
      const sends = (async () => {
        for (let i = 0; i < 30; i++) {
          await a.send(xUid, `m${i}`);
          await a.flushOutbox();
        }
      })();
      const edits = (async () => {
        for (let i = 0; i < 10; i++) {
          await a.updateProfile({ status: `s${i}` });
          await b.updateContact(xUid, { name: `X${i}` });
          await settle(b, a);
        }
      })();
      await Promise.all([sends, edits]);
      await settle(a, x, a, b);
      const got = x
        .messages(a.identity.nickname)
        .filter((m) => !m.outbound)
        .map((m) => m.text);
      expect(got).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
      expect(env.logs.filter((l) => l.includes('refused a message') && l.includes('DUPLICATE'))).toEqual([]);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });

  it('an unlinked device stays unlinked even when a send to it was in flight', async () => {
    const a = await createProfile(env, 'unl-a');
    const b = await createBlankDevice(env, 'unl-b');
    try {
      await pairDevices(a, b);
      const sending = (async () => {
        for (let i = 0; i < 10; i++) await a.updateProfile({ status: `s${i}` }).then(() => a.flushOutbox());
      })();
      await a.deviceSync.unlink(b.identity.uid);
      await sending;
      await a.sync();
      expect(a.deviceSync.siblings()).toEqual([]);
      expect(a.devices.all().every((d) => d.unlinked)).toBe(true);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('a bad pairing answer is refused and logged; the queue keeps flowing', async () => {
    const n = await createBlankDevice(env, 'pa-n');
    const x = await createProfile(env, 'pa-x');
    const a = await createProfile(env, 'pa-a');
    try {
      await befriend(a, x);
      const { device } = await n.pairing.init();
      // an answer for another invitation, packed on the pairing channel by someone holding the link
      const card = createInvitation(n.identity, { name: '', type: 'device' }).card;
      const { keys, ratchet } = keysOfLinkHolder(device);
      const bogus = packUserMessage(keys, ratchet, {
        type: 'invitation_answer',
        invitation: { ...card, contactPublicKey: keys.myIdentity.publicKey, invitationId: 'f'.repeat(32) },
      });
      await env.relay.client().post([bogus.packed]);
      const before = env.logs.length;
      await n.sync();
      await n.sync(); // would throw again forever if the message wedged the queue
      expect(env.logs.slice(before).some((l) => l.includes('refused a pairing answer'))).toBe(true);
      expect(pairingViews(n)[0]!.phase).toBe('waiting');
    } finally {
      await Promise.all([n.close(), x.close(), a.close()]);
    }
  });

  it('a flood on an unanswered invitation cannot crowd out real contacts', async () => {
    const a = await createProfile(env, 'fl-a');
    const x = await createProfile(env, 'fl-x');
    try {
      await befriend(a, x);
      const { peer: invited } = await a.invite('Mallory');
      // someone holding the link posts 250 valid-looking texts before (or instead of) answering
      const holder = keysOfLinkHolder(invited);
      const keys = holder.keys;
      let r = holder.ratchet;
      const junk = [];
      for (let i = 0; i < 250; i++) {
        const p = packUserMessage(keys, r, {
          type: 'text',
          text: `junk ${i}`,
          status: { uuid: randomBytes(8).join(''), sent: 1 },
        });
        r = p.ratchet;
        junk.push(p.packed);
      }
      // The relay holds only a few messages on a queue nobody registered a sender for yet.
      const refusals: string[] = [];
      for (let i = 0; i < junk.length; i += 10)
        await env.relay
          .client()
          .post(junk.slice(i, i + 10))
          .catch((e: { code: string }) => refusals.push(e.code));
      expect(new Set(refusals)).toEqual(new Set(['QUEUE_FULL']));
      expect(await env.relay.store.queueLength(toHex(invited.myLookup.publicKey))).toBeLessThanOrEqual(
        DEFAULT_LIMITS.openQueueLength,
      );
      await x.send(a.identity.nickname, 'real message');
      await settle(x);
      const done = await a.sync(); // returns (does not loop on "more")
      expect(done.received).toBeGreaterThan(0);
      expect(a.messages('fl-x').map((m) => m.text)).toEqual(['real message']);
    } finally {
      await Promise.all([a.close(), x.close()]);
    }
  });

  it("a contact's receipt cannot mark its own messages read; its profile change reaches my other devices", async () => {
    const a = await createProfile(env, 'ack-a');
    const x = await createProfile(env, 'ack-x');
    const b = await createBlankDevice(env, 'ack-b');
    try {
      await befriend(a, x);
      await pairDevices(a, b);
      const fromX = await x.send('ack-a', 'unread please');
      await settle(x, a, b);
      // X sends a receipt claiming its own message was read
      const xPeer = x.findContact('ack-a');
      const ratchet = decodeRatchetState(xPeer.drState!);
      const p = packUserMessage(channelKeys(xPeer), ratchet, {
        type: 'ack',
        acks: [{ uuid: fromX.uuid, received: 1, processed: 2 }],
      });
      await x.peers.put({ ...xPeer, drState: encodeRatchetState(p.ratchet) });
      await env.relay.client().post([p.packed]);
      await x.updateProfile({ nickname: 'Xavier Renamed', status: 'new status' });
      await settle(x, a, b);
      const xUid = a.findContact('ack-x').uid;
      for (const m of [a, b]) {
        expect(m.db.messages.summaries().find((s) => s.peerUid === xUid)?.unread).toBe(1);
        const c = m.findContact(xUid);
        expect([c.contactName, c.status]).toEqual(['Xavier Renamed', 'new status']);
      }
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });
});
