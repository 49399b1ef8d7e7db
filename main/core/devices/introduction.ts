/**
 * Channels between two of my devices that did not pair each other: when a new device N is
 * paired by E, every other device S of mine gets a channel to N — made by S and N
 * themselves, each end generating its own keys, so that E never holds either end's
 * private keys (an unlinked E could otherwise drain or read that channel):
 *
 *   E → S   device_intro {N's id and name}         "invite N"
 *   S → E   device_card  {S's invitation card}      S keeps the private half
 *   E → N   device_card  {the same card}            passed on, never changed
 *   N → S   invitation_answer on the new channel    N keeps its private half
 *
 * Both trust the other through E, a device both already confirmed; S tells its person
 * that a device was added (as every device is told).
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { fromUtf8, utf8 } from '../../../protocol/crypto/bytes.js';
import { decodeStrict, encode, meow } from '../../../protocol/wire/proto.js';
import { MeowError } from '../errors.js';
import { deviceLock } from '../locks.js';
import { answerInvitation, createInvitation } from '../peers/invitation.js';
import { linkedPairing, type DeviceChannel } from '../peers/peer.js';
import type { OutboxItem } from '../storage/messageDb.js';
import { myAnnouncement, withCardAnnouncement } from './capabilities.js';
import type { DeviceContext } from './context.js';
import { adoptPrimaries } from './handover.js';
import { DAY_MS } from '../durations.js';

/** How long an introduction waits for the new device's answer (it may be offline for days). */
const INTRODUCTION_TTL_MS = 30 * DAY_MS;

const introSchema = z.object({ deviceId: z.string().min(1).max(128), name: z.string().max(64) });

/** On E, pairing N: ask every other device of mine to invite N. */
export function introduce(ctx: DeviceContext, newcomer: DeviceChannel): OutboxItem[] {
  const intro = utf8(JSON.stringify({ deviceId: newcomer.deviceId, name: newcomer.name }));
  return ctx
    .siblings()
    .filter((d) => d.uid !== newcomer.uid)
    .map((s) => ctx.send(s, 'device_intro', { deviceData: intro }));
}

/** On S, from E: invite N on a channel of S's own; the card goes back through E. */
export async function onIntro(
  ctx: DeviceContext,
  from: DeviceChannel,
  p: meow.DeviceSyncPayload,
): Promise<void> {
  const m = ctx.core;
  let intro: z.infer<typeof introSchema>;
  try {
    intro = introSchema.parse(JSON.parse(fromUtf8(p.deviceData)));
  } catch {
    throw new MeowError('REFUSED', { detail: 'device_intro: malformed' });
  }
  if (intro.deviceId === m.identity.uid || ctx.deviceById(intro.deviceId)) return; // me, or already linked
  if (m.devices.all().some((d) => d.deviceId === intro.deviceId && d.pairing?.role === 'introduced')) return;
  const { peer, card } = createInvitation(m.identity, {
    name: intro.name || 'another device',
    type: 'device',
    myName: m.identity.deviceName,
    ttlMs: INTRODUCTION_TTL_MS,
    announce: myAnnouncement(),
  });
  const waiting: DeviceChannel = {
    ...peer,
    deviceId: intro.deviceId,
    pairing: { ...linkedPairing(from.name), role: 'introduced', phase: 'waiting', confirmed: false },
  };
  await m.locks.run(deviceLock(waiting.uid), async () => {
    m.db.outbox.enqueue([
      ctx.send(from, 'device_card', { deviceData: encode(meow.ContactCard, card), peerUid: intro.deviceId }),
    ]);
    await m.devices.put(waiting);
  });
  await adoptPrimaries(ctx, waiting);
  m.kickPoll();
  m.kickSend();
}

/** On E (passing S's card on to N) or on N (the card is for me: answer it with keys of my own). */
export async function onCard(
  ctx: DeviceContext,
  from: DeviceChannel,
  p: meow.DeviceSyncPayload,
): Promise<void> {
  const m = ctx.core;
  const card = decodeStrict(meow.ContactCard, 'ContactCard', p.deviceData, 16 * 1024);
  if (card.kind !== 'device' || !card.deviceId || card.deviceId === m.identity.uid)
    throw new MeowError('REFUSED', { detail: 'device_card: not a card of another device of mine' });
  if (p.peerUid !== m.identity.uid) {
    // I am E: pass it on, unchanged, to the device it is for — only a card made by the device that sent it.
    const to = ctx.deviceById(p.peerUid);
    if (!to || card.deviceId !== from.deviceId)
      throw new MeowError('REFUSED', { detail: 'device_card: for no device of mine, or not from its maker' });
    m.db.outbox.enqueue([ctx.send(to, 'device_card', { deviceData: p.deviceData, peerUid: p.peerUid })]);
    m.kickSend();
    return;
  }
  if (ctx.deviceById(card.deviceId)) return; // already linked
  const { peer, answer } = answerInvitation(m.identity, card, {
    name: card.name || 'another device',
    type: 'device',
    myName: m.identity.deviceName,
    announce: myAnnouncement(),
  });
  const linked: DeviceChannel = {
    ...withCardAnnouncement(peer, card),
    pairing: { ...linkedPairing(from.name), role: 'introduced' },
  };
  const plain = encode(meow.UserMessage, {
    type: 'invitation_answer',
    invitation: answer,
    status: { uuid: randomUUID(), sent: Date.now() },
  });
  await m.locks.run(deviceLock(linked.uid), async () => {
    m.db.outbox.enqueue([{ channel: 'device', peerUid: linked.uid, plain }]);
    await m.devices.put(linked);
  });
  await adoptPrimaries(ctx, linked);
  m.emit('device', linked.uid);
  m.kickPoll();
  m.kickSend();
}
