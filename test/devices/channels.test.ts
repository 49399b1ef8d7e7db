/**
 * Channel rules (DESIGN, "Rules learnt from others' failures"): device_sync and forward
 * are accepted from a paired device's channel only, never from a contact's; a server
 * added on one device reaches the others (server_add); receipts follow each contact's settings.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { channelKeys } from '../../main/core/peers/peer.js';
import { decodeRatchetState, encodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { packUserMessage } from '../../protocol/wire/packing.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import { startRelay } from '../helpers/relay.js';
import { befriend, createBlankDevice, createProfile, pairDevices, settle, useEnv } from '../core/harness.js';

describe('channel rules', () => {
  const env = useEnv('embedded');

  it('a device_sync or forward arriving on a contact channel is refused and logged, and changes nothing', async () => {
    const a = await createProfile(env, 'ca');
    const x = await createProfile(env, 'cx');
    const b = await createBlankDevice(env, 'cb');
    try {
      await befriend(a, x);
      await pairDevices(a, b);
      const A = a.identity.nickname;
      // X (a contact) crafts sync messages that would rename itself and inject a message
      const xPeer = x.findContact(A);
      let ratchet = decodeRatchetState(xPeer.drState!);
      const evil = [
        {
          syncType: 'msg',
          peerUid: a.findContact('cx').uid,
          dbMessage: {
            outbound: true,
            type: 'text',
            text: 'injected',
            status: { uuid: randomUUID(), sent: 1 },
            state: 'sent',
          },
          dedupId: randomUUID(),
        },
        {
          syncType: 'forward',
          forwardPeerUid: a.findContact('cx').uid,
          forwardPayload: encode(meow.UserMessage, { type: 'text', text: 'relay this' }),
          dedupId: randomUUID(),
        },
      ];
      const before = env.logs.length;
      for (const p of evil) {
        const packed = packUserMessage(channelKeys(xPeer), ratchet, {
          type: 'device_sync',
          appdata: encode(meow.DeviceSyncPayload, p),
        });
        ratchet = packed.ratchet;
        await env.relay.client().post([packed.packed]);
      }
      await x.peers.put({ ...xPeer, drState: encodeRatchetState(ratchet) });
      await x.send(A, 'a normal message');
      await settle(x, a, b, x, a);
      const refusals = env.logs.slice(before).filter((l) => l.includes('type contacts may not send'));
      expect(refusals).toHaveLength(2);
      for (const m of [a, b]) expect(m.messages('cx').map((z) => z.text)).toEqual(['a normal message']);
    } finally {
      await Promise.all([a.close(), x.close(), b.close()]);
    }
  });

  it('server_add: a server added on one device reaches the others', async () => {
    const second = await startRelay();
    const a = await createProfile(env, 'sa');
    const b = await createBlankDevice(env, 'sb');
    try {
      await pairDevices(a, b);
      await a.addServer(second.url);
      await expect(a.addServer(second.url)).rejects.toMatchObject({ code: 'SERVER_EXISTS' });
      await settle(a, b);
      expect(b.identity.servers.map((s) => s.url)).toEqual([env.relay.url, second.url]);
      expect(b.identity.servers[1]!.publicKey).toBe(a.identity.servers[1]!.publicKey);
      expect(b.deviceSync.siblings()).toHaveLength(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await second.close();
    }
  });

  it('receipts follow the per-contact settings: no read receipt when switched off', async () => {
    const a = await createProfile(env, 'ra');
    const x = await createProfile(env, 'rx');
    try {
      await befriend(a, x);
      await x.updateContact(a.identity.nickname, { sendProcessingAck: false });
      await a.send('rx', 'read me');
      await settle(a, x);
      await x.markRead(a.identity.nickname);
      await settle(a, x);
      expect(a.messages('rx')[0]!.state).toBe('delivered'); // delivered, never "read"
      await x.updateContact(a.identity.nickname, { sendDeliveryAck: false });
      await a.send('rx', 'and this');
      await settle(a, x);
      expect(a.messages('rx')[1]!.state).toBe('sent');
    } finally {
      await Promise.all([a.close(), x.close()]);
    }
  });
});
