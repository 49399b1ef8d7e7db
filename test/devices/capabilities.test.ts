/**
 * Devices announce what they apply (devices/capabilities.ts): a sibling that does not take a
 * kind is never sent it — changes go one by one to a sibling without "batch", a kind it lacks
 * is not fanned out to it, and a directed send of it is refused — while one that never
 * announced (an older build) takes what builds before announcements took.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  canReceive,
  DEVICE_PROTOCOL_VERSION,
  MY_CAPABILITIES,
} from '../../main/core/devices/capabilities.js';
import { announcedKinds } from '../../main/core/devices/handlers.js';
import { toDbMessage } from '../../main/core/messenger/dbMessage.js';
import { mergeSyncRows } from '../../main/core/messenger/syncRows.js';
import { contactOn, link, queuedFor, type Kit, useKits } from './kit.js';

const kits = useKits('desktop', 'laptop', 'old-laptop');
let a: Kit;
let b: Kit;
let c: Kit;
beforeEach(() => ([a, b, c] = kits as [Kit, Kit, Kit]));

const msg = (peerUid: string, i: number) =>
  toDbMessage({
    peerUid,
    uuid: `u${i}`,
    outbound: false,
    type: 'text',
    text: `m${i}`,
    state: 'received',
    sentAt: i,
  });

describe('capabilities', () => {
  it('every kind this build announces has a handler', () => {
    expect(announcedKinds()).toEqual([...MY_CAPABILITIES]);
  });

  it('cards carry the announcement; a sibling without "batch" gets one message per change, one with it a batch', async () => {
    const { bOnA } = await link(a, b, {
      b: { version: DEVICE_PROTOCOL_VERSION, capabilities: ['msg', 'status'] },
    });
    const { bOnA: cOnA } = await link(a, c);
    expect(bOnA.protocolVersion).toBe(DEVICE_PROTOCOL_VERSION);
    expect(canReceive(bOnA, 'batch')).toBe(false);
    expect(canReceive(cOnA, 'batch')).toBe(true);
    const x = await contactOn(a);
    for (let i = 0; i < 5; i++)
      a.core.db.outbox.enqueue(a.ds.fanOut({ type: 'msg', peerUid: x.uid, dbMessage: msg(x.uid, i) }));
    mergeSyncRows(a.core, a.core.db.outbox.due(Date.now(), 100));
    expect(queuedFor(a, bOnA.uid).map((q) => q.payload.syncType)).toEqual([
      'msg',
      'msg',
      'msg',
      'msg',
      'msg',
    ]);
    expect(queuedFor(a, cOnA.uid).map((q) => q.payload.syncType)).toEqual(['batch']);
  });

  it('a kind a sibling did not announce is not fanned out to it, and a directed send of it is refused', async () => {
    const { bOnA } = await link(a, b, { b: { version: 1, capabilities: ['msg'] } });
    const x = await contactOn(a);
    expect(a.ds.fanOut({ type: 'peer_update', peer: x })).toHaveLength(0);
    expect(a.ds.fanOut({ type: 'msg', peerUid: x.uid, dbMessage: msg(x.uid, 1) })).toHaveLength(1);
    expect(() => a.ds.send(bOnA, 'handover', {})).toThrow(/does not take "handover"/);
  });

  it('a device that never announced (an older build) is treated as taking what older builds took', async () => {
    const { bOnA } = await link(a, b, { b: { version: 0, capabilities: [] } });
    expect(bOnA.capabilities).toBeNull();
    expect(canReceive(bOnA, 'batch')).toBe(true);
    expect(canReceive(bOnA, 'device_caps')).toBe(true);
    expect(canReceive(bOnA, 'a_kind_from_the_future')).toBe(false);
  });
});
