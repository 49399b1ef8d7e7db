/**
 * Moving a contact's primary role between my devices. A contact's keys and ratchet move
 * only here, and only from the current primary:
 *   1. it stops being primary — durably, before anything is sent — but keeps the keys;
 *   2. it sends them, numbered by the contact's handover sequence;
 *   3. the new primary takes them if that number is newer than what it has, and acknowledges;
 *   4. only then does the old primary drop them.
 * A lost message is resent (resumeHandovers); a renamed or otherwise re-versioned record
 * never decides which copy wins.
 */
import { decodeRatchetState } from '../../../protocol/ratchet/stateBinary.js';
import type { meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { contactLock } from '../locks.js';
import type { ContactChannel, DeviceChannel } from '../peers/peer.js';
import { compareVersions, nextVersion } from '../records.js';
import type { OutboxItem } from '../storage/messageDb.js';
import type { DeviceContext } from './context.js';
import { contactSummary, decodeFullPeer, encodeFullPeer, summaryFields } from './payloads.js';
import { rerouteQueued } from './routing.js';
import { holdsSecrets, withoutSecrets } from './secrets.js';

/** On the primary: hand contacts' keys and ratchets to the device that asked (steps 1–2). */
export async function handOver(ctx: DeviceContext, to: DeviceChannel, peerUids: string[]): Promise<void> {
  const core = ctx.core;
  for (const uid of peerUids) {
    await core.locks.run(contactLock(uid), async () => {
      const c = core.peers.get(uid);
      if (!c || c.primary || !c.drState) return; // only the primary hands over
      const mine: ContactChannel = {
        ...c,
        version: nextVersion(c.version, ctx.me.uid),
        primary: { device: to.uid, pending: null },
        handover: { seq: c.handover.seq + 1, to: to.uid },
      };
      await core.peers.put(mine);
      rerouteQueued(ctx, mine, to);
      core.db.outbox.enqueue([
        handoverItem(ctx, mine, to),
        ...ctx.fanOut({ type: 'peer_update', peer: mine }, to.uid),
      ]);
      core.emit('contact', mine.uid);
    });
  }
  core.kickPoll();
}

function handoverItem(ctx: DeviceContext, mine: ContactChannel, to: DeviceChannel): OutboxItem {
  const handed: ContactChannel = { ...mine, primary: null, handover: { ...mine.handover, to: null } };
  return ctx.send(to, 'handover', {
    peerUid: mine.uid,
    deviceData: encodeFullPeer(handed),
    handoverSeq: mine.handover.seq,
  });
}

/**
 * At start: handovers not yet acknowledged are sent again (the new primary acknowledges a
 * copy it already has), queued rows of contacts driven elsewhere take their route, and a
 * copy of keys that this device does not drive (left by an older version) is erased.
 */
export async function resumeHandovers(ctx: DeviceContext): Promise<number> {
  const core = ctx.core;
  let resumed = 0;
  for (const c of core.peers.all()) {
    if (!c.primary) continue;
    await core.locks.run(contactLock(c.uid), async () => {
      const now = core.peers.get(c.uid);
      if (!now?.primary) return;
      const to = core.devices.get(now.primary.device);
      // (Records of older versions name no handover.to: a ratchet held means one is awaited.)
      const awaited = now.handover.to ?? (now.drState ? now.primary.device : null);
      if (awaited && to && !to.unlinked) {
        rerouteQueued(ctx, now, to);
        const pending: ContactChannel = now.handover.to
          ? now
          : { ...now, handover: { seq: now.handover.seq + 1, to: to.uid } };
        if (pending !== now) await core.peers.put(pending);
        core.db.outbox.enqueue([handoverItem(ctx, pending, to)]);
        resumed++;
      } else if (!awaited && holdsSecrets(now)) {
        await core.peers.put(withoutSecrets(now));
      } else if (to && !to.unlinked) {
        rerouteQueued(ctx, now, to); // rows queued by a version that decided routes at send time
      }
    });
  }
  if (resumed) core.kickSend();
  return resumed;
}

/** On the new primary: take the keys and ratchet if this move is newer than what is here (step 3). */
export async function takeOver(
  ctx: DeviceContext,
  from: DeviceChannel,
  p: meow.DeviceSyncPayload,
): Promise<void> {
  const core = ctx.core;
  const record = decodeFullPeer(p.deviceData, 'handover');
  if (record.type !== 'contact' || !record.drState)
    throw new MeowError('REFUSED', { detail: 'handover without a ratchet' });
  decodeRatchetState(record.drState); // validates
  const seq = p.handoverSeq || record.handover.seq;
  let taken = false;
  await core.locks.run(contactLock(record.uid), async () => {
    const local = core.peers.get(record.uid);
    if (local && seq <= local.handover.seq) {
      taken = !local.primary && seq === local.handover.seq; // a repeat: acknowledge it again
      return;
    }
    // Keys and ratchet from the handover; names and settings from whichever copy is newer.
    const display = local && compareVersions(local.version, record.version) > 0 ? local : record;
    const next: ContactChannel = {
      ...record,
      ...summaryFields(contactSummary(display, '')),
      handover: { seq, to: null },
      primary: null,
    };
    await core.peers.put(next);
    core.emit('contact', next.uid);
    taken = true;
  });
  if (!taken) return;
  core.db.outbox.enqueue([ctx.send(from, 'handover_ack', { peerUid: record.uid, handoverSeq: seq })]);
  core.log.info('took over a contact from another device', { from: from.name, contact: record.uid });
  // The device that drove it until now held its keys (a copy may outlive its erasure there):
  // they rotate, through a new session its copy cannot follow (peers/rekey.ts).
  ctx.ports.rotation.rotateChannel('peer', record.uid);
  core.kickPoll();
  core.kickSend();
}

/** On the old primary: the new one has the keys; this device drops its copy (step 4). */
export async function handoverAcked(
  ctx: DeviceContext,
  from: DeviceChannel,
  p: meow.DeviceSyncPayload,
): Promise<void> {
  await ctx.core.updatePeer('contact', p.peerUid, (c) =>
    c.handover.to === from.uid && c.handover.seq === p.handoverSeq ? withoutSecrets(c) : null,
  );
  ctx.core.emit('device', from.uid); // its view: no longer taking that contact over
}

/** A device that was handed contacts is gone before acknowledging: this device drives them again. */
export async function revertHandoversTo(ctx: DeviceContext, deviceUid: string): Promise<void> {
  for (const c of ctx.core.peers.all()) {
    if (c.type !== 'contact' || c.handover.to !== deviceUid) continue;
    await ctx.core.updatePeer('contact', c.uid, (cur) =>
      cur.handover.to === deviceUid && cur.drState
        ? {
            ...cur,
            primary: null,
            handover: { ...cur.handover, to: null },
            version: nextVersion(cur.version, ctx.me.uid),
          }
        : null,
    );
  }
}

/** `devices make-primary [CONTACT]`: ask the current primaries to hand over. */
export async function requestPrimary(
  ctx: DeviceContext,
  contactRef?: string,
): Promise<{ contacts: number; devices: string[] }> {
  const core = ctx.core;
  const targets = contactRef ? [ctx.ports.contacts.find(contactRef)] : ctx.ports.contacts.list();
  const byPrimary = new Map<string, string[]>();
  for (const c of targets) {
    if (!c.primary) continue;
    const list = byPrimary.get(c.primary.device) ?? [];
    list.push(c.uid);
    byPrimary.set(c.primary.device, list);
  }
  const items: OutboxItem[] = [];
  const names: string[] = [];
  for (const [deviceUid, uids] of byPrimary) {
    const d = core.devices.get(deviceUid);
    if (!d || d.unlinked) continue;
    names.push(d.name);
    items.push(ctx.send(d, 'handover_request', { peerUids: uids }));
  }
  core.db.outbox.enqueue(items);
  core.kickSend();
  return { contacts: [...byPrimary.values()].reduce((n, l) => n + l.length, 0), devices: names };
}

/**
 * A device of mine became known here (`device` has its deviceId): the contacts a summary said
 * it drives, routed through the summary's sender meanwhile, now go to it directly.
 */
export async function adoptPrimaries(ctx: DeviceContext, device: DeviceChannel): Promise<void> {
  if (!device.deviceId) return;
  const core = ctx.core;
  for (const c of core.peers.all()) {
    if (c.primary?.pending !== device.deviceId) continue;
    await core.locks.run(contactLock(c.uid), async () => {
      const cur = core.peers.get(c.uid);
      if (cur?.primary?.pending !== device.deviceId) return;
      const next: ContactChannel = { ...cur, primary: { device: device.uid, pending: null } };
      await core.peers.put(next);
      core.emit('contact', next.uid);
    });
  }
}
