/** The plan's testing strategy, items 1 and 2: payload round-trip and the dedup store lifecycle. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DedupStore } from '../../main/core/devices/dedupStore.js';
import {
  decodePayload,
  contactFromSummary,
  decodePeerData,
  decodeProfile,
  encodePeerData,
  encodeProfile,
} from '../../main/core/devices/payloads.js';
import { newIdentity } from '../../main/core/identity/identity.js';
import { createInvitation } from '../../main/core/peers/invitation.js';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { fakeServerRef } from '../helpers/relay.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';

describe('DeviceSyncPayload (plan testing strategy 1)', () => {
  it('round-trips every field, and travels as a device_sync UserMessage', () => {
    const payload = {
      syncType: 'msg',
      peerUid: 'p1',
      dbMessage: {
        outbound: true,
        type: 'text',
        text: 'hi',
        status: { uuid: 'u1', sent: 1_790_000_000_000 },
        state: 'sent',
      },
      dedupId: 'd1',
      peerData: randomBytes(10),
      identityData: randomBytes(3),
      forwardPayload: randomBytes(5),
      forwardPeerUid: 'p2',
      deviceId: 'dev',
      progressDone: 3,
      progressTotal: 9,
      history: [{ peerUid: 'p1', dbMessage: { text: 'old' } }],
    };
    const um = decodeStrict(
      meow.UserMessage,
      'UserMessage',
      encode(meow.UserMessage, { type: 'device_sync', appdata: encode(meow.DeviceSyncPayload, payload) }),
    );
    const back = decodePayload(um);
    expect(back.syncType).toBe('msg');
    expect(back.dbMessage?.status?.sent).toBe(1_790_000_000_000);
    expect(back.history[0]?.dbMessage?.text).toBe('old');
    expect(encode(meow.DeviceSyncPayload, back)).toEqual(encode(meow.DeviceSyncPayload, payload));
    expect(() => decodePayload(meow.UserMessage.create({ type: 'text' }))).toThrowError(/device_sync/);
  });

  it('peer_update carries no private or symmetric key and no ratchet; the profile never the root or device keys', () => {
    const server = fakeServerRef('http://127.0.0.1:1', '');
    const id = newIdentity({ nickname: 'A', deviceName: 'd', servers: [server] });
    const { peer } = createInvitation(id, { name: 'X', type: 'contact' });
    expect(peer.drState).not.toBeNull();
    const bytes = encodePeerData(peer, id.uid);
    const text = Buffer.from(bytes).toString();
    const secrets = [peer.myIdentity, peer.myEncryption, peer.myLookup, peer.drKp]
      .map((k) => k.privateKey)
      .concat([peer.symKey, peer.drRootKey]);
    for (const k of secrets) expect(text).not.toContain(Buffer.from(k).toString('base64'));
    const summary = decodePeerData(bytes);
    expect(summary).toMatchObject({ uid: peer.uid, name: 'X', primaryDeviceId: id.uid });
    const onSibling = contactFromSummary(summary, { device: 'dev', pending: null });
    for (const k of [onSibling.myIdentity, onSibling.myEncryption, onSibling.myLookup, onSibling.drKp])
      expect(k.privateKey.every((b) => b === 0)).toBe(true);
    expect(onSibling.drState).toBeNull();
    const profile = encodeProfile({ nickname: 'A', avatar: '', status: 's', version: id.profileVersion });
    expect(Object.keys(JSON.parse(Buffer.from(profile).toString()) as object).sort()).toEqual([
      'avatar',
      'nickname',
      'status',
      'version',
    ]);
    expect(decodeProfile(profile).nickname).toBe('A');
  });
});

describe('dedup store (plan testing strategy 2)', () => {
  it('seen / mark / prune lifecycle, durable across reopen', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meow-dedup-'));
    try {
      const path = join(dir, 'devicesync.db');
      const s = new DedupStore(path);
      expect(s.isSeen('a')).toBe(false);
      expect(s.markSeen('a', 1_000)).toBe(true);
      expect(s.markSeen('a', 2_000)).toBe(false);
      expect(s.isSeen('a')).toBe(true);
      s.markSeen('b', 50_000);
      s.close();
      const again = new DedupStore(path);
      expect(again.isSeen('a')).toBe(true);
      expect(again.prune(10_000, 30_000)).toBe(1); // 'a' (seen at 1 s) is older than 20 s before 30 s
      expect(again.isSeen('a')).toBe(false);
      expect(again.isSeen('b')).toBe(true);
      again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
