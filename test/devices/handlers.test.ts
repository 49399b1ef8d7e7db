/**
 * What a sibling's change does here, handler by handler, with the device layer alone: real
 * stores in a temporary folder, no relay, no Messenger (test/devices/kit.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { meow } from '../../protocol/wire/proto.js';
import { toDbMessage } from '../../main/core/messenger/dbMessage.js';
import { syncItem } from '../../main/core/devices/payloads.js';
import { nextVersion } from '../../main/core/records.js';
import { contactOn, deliver, link, type Kit, useKits } from './kit.js';

const kits = useKits('desktop', 'laptop');
let a: Kit;
let b: Kit;
beforeEach(() => ([a, b] = kits as [Kit, Kit]));

describe('device sync handlers', () => {
  it('msg: stored once by its dedup id; a redelivered copy and a repeat are dropped', async () => {
    const { aOnB } = await link(a, b);
    const x = await contactOn(a);
    await deliver(b, aOnB, a.ds.fanOut({ type: 'peer_update', peer: x })[0]!);
    const m = {
      peerUid: x.uid,
      uuid: 'u1',
      outbound: true,
      type: 'text',
      text: 'hi',
      state: 'sent' as const,
      sentAt: 1,
    };
    const row = a.ds.fanOut({ type: 'msg', peerUid: x.uid, dbMessage: toDbMessage(m) })[0]!;
    expect((await deliver(b, aOnB, row, 'one')).kind).toBe('apply');
    expect((await deliver(b, aOnB, row, 'two')).kind).toBe('drop'); // the same change again
    expect(b.core.db.messages.list(x.uid).map((s) => s.text)).toEqual(['hi']);
  });

  it('peer_update: a newer version changes the name, an older one changes nothing, keys never travel', async () => {
    const { aOnB } = await link(a, b);
    const x = await contactOn(a);
    await deliver(b, aOnB, a.ds.fanOut({ type: 'peer_update', peer: x })[0]!);
    const onB = b.core.peers.get(x.uid)!;
    expect(onB.name).toBe('Xavier');
    expect(onB.primary?.device).toBe(aOnB.uid); // the desktop drives it
    expect(onB.symKey.every((v) => v === 0)).toBe(true);
    expect(onB.drState).toBeNull();
    const renamed = { ...x, name: 'Xav', version: nextVersion(x.version, a.identity().uid) };
    const stale = { ...x, name: 'Old', version: x.version };
    await deliver(b, aOnB, a.ds.fanOut({ type: 'peer_update', peer: renamed })[0]!);
    await deliver(b, aOnB, a.ds.fanOut({ type: 'peer_update', peer: stale })[0]!);
    expect(b.core.peers.get(x.uid)!.name).toBe('Xav');
  });

  it('batch: a malformed one is refused whole and says why; a good one applies each change once, in order', async () => {
    const { bOnA, aOnB } = await link(a, b);
    const x = await contactOn(a);
    await deliver(b, aOnB, a.ds.fanOut({ type: 'peer_update', peer: x })[0]!);
    const change = (uuid: string, dedupId: string) => ({
      syncType: 'msg',
      dedupId,
      peerUid: x.uid,
      dbMessage: toDbMessage({
        peerUid: x.uid,
        uuid,
        outbound: false,
        type: 'text',
        text: uuid,
        state: 'received',
        sentAt: 2,
      }),
    });
    const bad = syncItem(
      bOnA,
      { syncType: 'batch', batch: [change('x', 'd1'), change('y', 'd1')] },
      a.identity().uid,
    );
    const refused = await deliver(b, aOnB, bad);
    expect(refused.kind === 'drop' && refused.why?.data['error']).toMatch(/repeats the dedup id/);
    const good = syncItem(
      bOnA,
      { syncType: 'batch', batch: [change('m1', 'd2'), change('m2', 'd3')] },
      a.identity().uid,
    );
    await deliver(b, aOnB, good);
    await deliver(b, aOnB, good, 'again');
    expect(b.core.db.messages.list(x.uid).map((s) => s.text)).toEqual(['m1', 'm2']);
  });

  it('a change before the pairing is confirmed is refused; pairing steps are not', async () => {
    const { bOnA, aOnB } = await link(a, b);
    await b.core.devices.put({ ...aOnB, pairing: { ...aOnB.pairing!, confirmed: false } });
    const x = await contactOn(a);
    const d = await deliver(
      b,
      aOnB,
      a.ds.fanOut({ type: 'peer_update', peer: x })[0] ?? a.ds.send(bOnA, 'peer_update'),
    );
    expect(d.kind).toBe('drop');
    expect(b.core.peers.get(x.uid)).toBeUndefined();
    // A pairing step is taken before the confirmation: the refusal closes the channel.
    await deliver(b, aOnB, a.ds.send(bOnA, 'pair_refused'));
    expect(b.core.devices.get(aOnB.uid)).toMatchObject({ unlinked: true, drState: null });
  });

  it('a kind this build does not know is kept and reported once, never marked seen; a build that knows it applies it', async () => {
    const { bOnA, aOnB } = await link(a, b);
    const future = syncItem(bOnA, { syncType: 'future_kind', dedupId: 'f1' }, a.identity().uid);
    await deliver(b, aOnB, future);
    await deliver(b, aOnB, syncItem(bOnA, { syncType: 'future_kind', dedupId: 'f2' }, a.identity().uid));
    expect(b.core.db.deferred.all().map((d) => d.syncType)).toEqual(['future_kind', 'future_kind']);
    expect(b.notices.filter((n) => n === 'SYNC_KIND_UNKNOWN')).toHaveLength(1);
    expect(b.ds.dedup.isSeen('f1')).toBe(false);
    // Unknown to this build: it stays kept.
    expect(await b.ds.applyDeferred()).toBe(0);
    expect(b.core.db.deferred.all()).toHaveLength(2);
    // A kind this build knows, kept by an older build: applied, then gone.
    const x = await contactOn(a);
    const known = a.ds.fanOut({ type: 'peer_update', peer: x })[0]!;
    b.core.db.deferred.keep(aOnB.uid, 'peer_update', meow.UserMessage.decode(known.plain).appdata);
    expect(await b.ds.applyDeferred()).toBe(1);
    expect(b.core.peers.get(x.uid)?.name).toBe('Xavier');
    expect(b.core.db.deferred.all().map((d) => d.syncType)).toEqual(['future_kind', 'future_kind']);
  });

  it('device_caps: what the sibling announces is recorded; nonsense is bounded', async () => {
    const { bOnA, aOnB } = await link(a, b);
    const caps = ['msg', 'status', ...Array.from({ length: 400 }, (_, i) => `k${i}`), 'x'.repeat(200)];
    await deliver(b, aOnB, a.ds.send(bOnA, 'device_caps', { deviceProtocol: 7, deviceCapabilities: caps }));
    const recorded = b.core.devices.get(aOnB.uid)!;
    expect(recorded.protocolVersion).toBe(7);
    expect(recorded.capabilities).toHaveLength(256);
    expect(recorded.capabilities).not.toContain('x'.repeat(200));
  });
});
