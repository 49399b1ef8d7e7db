/**
 * The handover machine, step by step, with the device layer alone (test/devices/kit.ts):
 * (1) the primary stops being primary, durably, keeping the keys; (2) it sends them,
 * numbered; (3) the new primary takes a newer number and acknowledges; (4) only then does
 * the old one drop them. Repeats, stale numbers and a device that vanishes mid-way.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { holdsSecrets } from '../../main/core/devices/secrets.js';
import { contactOn, deliver, link, queuedFor, type Kit, useKits } from './kit.js';

const kits = useKits('desktop', 'laptop');
let a: Kit;
let b: Kit;
beforeEach(() => ([a, b] = kits as [Kit, Kit]));

describe('handover', () => {
  it('moves a contact in four steps, each durable before the next; a repeat is acknowledged again, an older move ignored', async () => {
    const { bOnA, aOnB } = await link(a, b);
    const x = await contactOn(a);
    await deliver(b, aOnB, a.ds.fanOut({ type: 'peer_update', peer: x })[0]!);

    // B asks; A (the primary) stops being primary first and keeps the keys until acknowledged.
    await deliver(a, bOnA, b.ds.send(aOnB, 'handover_request', { peerUids: [x.uid] }));
    const handing = a.core.peers.get(x.uid)!;
    expect(handing).toMatchObject({ primary: { device: bOnA.uid }, handover: { to: bOnA.uid, seq: 1 } });
    expect(holdsSecrets(handing)).toBe(true);
    const handover = queuedFor(a, bOnA.uid).find((q) => q.payload.syncType === 'handover')!;
    expect(handover.payload.handoverSeq).toBe(1);

    // B takes keys and ratchet, becomes primary, acknowledges.
    await deliver(b, aOnB, handover.item);
    const taken = b.core.peers.get(x.uid)!;
    expect(taken.primary).toBeNull();
    expect(taken.drState).not.toBeNull();
    expect(taken.handover.seq).toBe(1);
    const acks = () => queuedFor(b, aOnB.uid).filter((q) => q.payload.syncType === 'handover_ack');
    expect(acks()).toHaveLength(1);

    // The same move sent again (resumeHandovers after a restart): acknowledged again, nothing changes.
    const p = handover.payload;
    const resent = a.ds.send(bOnA, 'handover', {
      peerUid: p.peerUid,
      deviceData: p.deviceData,
      handoverSeq: p.handoverSeq,
    });
    await deliver(b, aOnB, resent);
    expect(acks()).toHaveLength(2);
    expect(b.core.peers.get(x.uid)!.handover.seq).toBe(1);

    // A drops its copy only on the acknowledgement of this very move.
    await deliver(a, bOnA, acks()[0]!.item);
    const left = a.core.peers.get(x.uid)!;
    expect(holdsSecrets(left)).toBe(false);
    expect(left.handover.to).toBeNull();

    // An older move arriving late changes nothing on B.
    const stale = { ...handover.payload, handoverSeq: 0 };
    await deliver(
      b,
      aOnB,
      a.ds.send(bOnA, 'handover', { ...stale, deviceData: handover.payload.deviceData }),
    );
    expect(b.core.peers.get(x.uid)!.drState).not.toBeNull();
  });

  it('a device that vanishes before acknowledging gives the contact back to the one that handed it over', async () => {
    const { bOnA, aOnB } = await link(a, b);
    const x = await contactOn(a);
    await deliver(a, bOnA, b.ds.send(aOnB, 'handover_request', { peerUids: [x.uid] }));
    expect(a.core.peers.get(x.uid)!.primary?.device).toBe(bOnA.uid);
    await a.ds.tombstone(bOnA.uid);
    const back = a.core.peers.get(x.uid)!;
    expect(back.primary).toBeNull();
    expect(back.handover.to).toBeNull();
    expect(holdsSecrets(back)).toBe(true);
  });

  it('only the primary hands over: a device that does not drive the contact ignores the request', async () => {
    const { bOnA, aOnB } = await link(a, b);
    const x = await contactOn(a);
    await deliver(b, aOnB, a.ds.fanOut({ type: 'peer_update', peer: x })[0]!);
    await deliver(b, aOnB, a.ds.send(bOnA, 'handover_request', { peerUids: [x.uid] }));
    expect(queuedFor(b, aOnB.uid).filter((q) => q.payload.syncType === 'handover')).toHaveLength(0);
  });
});
