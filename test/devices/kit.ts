/**
 * The device layer without a relay and without a Messenger: a profile's real stores in a
 * temporary folder (identity, messages.db, peer stores, dedup store), a DeviceSync wired
 * over them through its ports, device channels and contacts made locally by the same
 * invitation code the app uses, and a way to hand one device's outbox row to another's
 * decision and commit — everything the handlers and the handover machine need.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { randomBytes, toBase64 } from '../../protocol/crypto/bytes.js';
import { decodeRatchetState } from '../../protocol/ratchet/stateBinary.js';
import { meow } from '../../protocol/wire/proto.js';
import { myAnnouncement, withCardAnnouncement } from '../../main/core/devices/capabilities.js';
import { DeviceSync } from '../../main/core/devices/deviceSync.js';
import { IdentityFile, newIdentity, type Identity } from '../../main/core/identity/identity.js';
import { IdentityRepository } from '../../main/core/identity/repository.js';
import { createLogger } from '../../main/core/log.js';
import { ProfileCore } from '../../main/core/messenger/profileCore.js';
import { answerInvitation, createInvitation, finalizeInvitation } from '../../main/core/peers/invitation.js';
import { linkedPairing, type ContactChannel, type DeviceChannel } from '../../main/core/peers/peer.js';
import type { ServerRef } from '../../main/core/records.js';
import type { RelayFactory } from '../../main/core/relay.js';
import { commitOne } from '../../main/core/receive/commit.js';
import type { Decision } from '../../main/core/receive/decision.js';
import { MessageDb, type OutboxItem } from '../../main/core/storage/messageDb.js';
import { PASSWORD, TEST_LOG_N } from '../core/harness.js';

const noRelay: RelayFactory = {
  connect: () => {
    throw new Error('no relay in this test');
  },
  fetchCard: () => Promise.reject(new Error('no relay in this test')),
};

/** A server reference nobody listens on (cards need one; nothing is ever sent). */
export const SERVER: ServerRef = {
  url: 'http://127.0.0.1:9',
  publicKey: toBase64(randomBytes(32)),
  signingKey: toBase64(randomBytes(32)),
  name: 'nowhere',
};

export interface Kit {
  name: string;
  core: ProfileCore;
  ds: DeviceSync;
  notices: string[];
  rotations: string[];
  flushes: number;
  identity(): Identity;
  close(): Promise<void>;
}

export async function openKit(dir: string, name: string): Promise<Kit> {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const file = await IdentityFile.create(
    folder,
    newIdentity({ nickname: 'Alice', deviceName: name, servers: [SERVER] }),
    PASSWORD,
    TEST_LOG_N,
  );
  const db = new MessageDb(join(folder, 'messages.db'), file.identity.storageKey);
  const core = new ProfileCore(folder, file, db, createLogger({ level: 'error' }), noRelay, 60_000);
  await core.peers.open();
  await core.devices.open();
  const repo = new IdentityRepository(file);
  const kit: Kit = {
    name,
    core,
    ds: undefined as unknown as DeviceSync,
    notices: [],
    rotations: [],
    flushes: 0,
    identity: () => core.identity,
    async close() {
      kit.ds.close();
      db.close();
      await core.peers.close();
      await core.devices.close();
    },
  };
  kit.ds = new DeviceSync({
    core,
    profile: { change: async (change, owes) => !!(await repo.update(change, owes)) },
    rotation: { rotateChannel: (kind, uid) => !!kit.rotations.push(`${kind}/${uid}`) },
    contacts: {
      find: (ref) => core.peers.get(ref)!,
      list: () => core.peers.all().filter((p) => p.type === 'contact'),
      readLink: () => Promise.reject(new Error('no links in this test')),
    },
    send: { flush: async () => void kit.flushes++ },
  });
  core.hooks = { fanOut: (c, except) => kit.ds.fanOut(c, except), kickSend: () => {}, kickPoll: () => {} };
  core.on('notice', (n: { code: string }) => kit.notices.push(n.code));
  return kit;
}

/** Links `a` and `b` as two confirmed devices of one person (as pairing leaves them). */
export async function link(
  a: Kit,
  b: Kit,
  announce: {
    a?: { version: number; capabilities: string[] };
    b?: { version: number; capabilities: string[] };
  } = {},
): Promise<{ bOnA: DeviceChannel; aOnB: DeviceChannel }> {
  const { peer, card } = createInvitation(a.identity(), {
    name: b.name,
    type: 'device',
    myName: a.name,
    announce: announce.a ?? myAnnouncement(),
  });
  const answered = answerInvitation(b.identity(), card, {
    name: a.name,
    type: 'device',
    myName: b.name,
    announce: announce.b ?? myAnnouncement(),
  });
  const bOnA: DeviceChannel = {
    ...withCardAnnouncement(finalizeInvitation(peer, answered.answer), answered.answer),
    pairing: linkedPairing(b.name),
  };
  const aOnB: DeviceChannel = {
    ...withCardAnnouncement(answered.peer, card),
    pairing: linkedPairing(a.name),
  };
  await a.core.devices.put(bOnA);
  await b.core.devices.put(aOnB);
  return { bOnA, aOnB };
}

/** A contact X that `a` drives (an answered invitation, with a ratchet). */
export async function contactOn(a: Kit, name = 'Xavier'): Promise<ContactChannel> {
  const { peer, card } = createInvitation(a.identity(), { name, type: 'contact' });
  const x = newIdentity({ nickname: name, deviceName: 'x', servers: [SERVER] });
  const { answer } = answerInvitation(x, card, { name: 'Alice', type: 'contact' });
  const contact = finalizeInvitation(peer, answer);
  await a.core.peers.put(contact);
  return contact;
}

/** The device_sync message an outbox row carries. */
export function messageOf(item: OutboxItem): meow.UserMessage {
  return meow.UserMessage.decode(item.plain);
}

/** Delivers a row `from` wrote for `to` (its channel on `to` is `device`): decided and committed there. */
export async function deliver(
  to: Kit,
  device: DeviceChannel,
  item: OutboxItem,
  serverId = `sid-${Math.random()}`,
): Promise<Decision> {
  const current = to.core.devices.get(device.uid)!;
  const step = { peer: current, ratchet: decodeRatchetState(current.drState!), activeAt: Date.now() };
  const d = to.ds.decide(current, messageOf(item), serverId, step);
  await commitOne(to.core, d, (ids) => to.ds.markSeen(ids));
  return d;
}

/** The rows queued for one channel of `kit`, decoded as device_sync payloads. */
export function queuedFor(
  kit: Kit,
  deviceUid: string,
): { item: OutboxItem; payload: meow.DeviceSyncPayload }[] {
  return kit.core.db.outbox.forPeer('device', deviceUid).map((row) => {
    const item: OutboxItem = { channel: 'device', peerUid: deviceUid, plain: row.plain, kind: row.kind };
    return { item, payload: meow.DeviceSyncPayload.decode(messageOf(item).appdata) };
  });
}

/** Fresh kits named `names` before each test of the file, closed and removed after it. */
export function useKits(...names: string[]): Kit[] {
  const kits: Kit[] = [];
  let dir = '';
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-kit-'));
    for (const n of names) kits.push(await openKit(dir, n));
  });
  afterEach(async () => {
    for (const k of kits.splice(0)) await k.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return kits;
}
