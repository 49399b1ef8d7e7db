/**
 * Records → views (shared/views.ts). The one place where what is stored becomes what
 * a host may see: names, states, times — never a key, a ratchet or a storage secret.
 */
import type { meow } from '../../../protocol/wire/proto.js';
import type {
  AttachmentView,
  ContactView,
  ConversationView,
  DeviceView,
  MessageView,
  QuoteView,
  PairingPhase,
  PairingView,
  ProfileView,
} from '../../../shared/views.js';
import { safeFileName } from '../attachments/fileName.js';
import { isExecutable, sniffType } from '../attachments/fileType.js';
import { fold } from '../messenger/actionFold.js';
import { stateOf } from '../messenger/conversationState.js';
import type { Messenger } from '../messenger/messenger.js';
import { isVerified } from '../peers/safetyNumber.js';
import type { ContactChannel, DeviceChannel } from '../peers/peer.js';
import type { StoredMessage } from '../storage/messageDb.js';

/** The device id a device peer stands for (its own id once known, else the channel's uid). */
export function deviceIdOf(d: DeviceChannel): string {
  return d.deviceId || d.uid;
}

export function profileView(m: Messenger): ProfileView {
  const id = m.identity;
  return {
    deviceId: id.uid,
    nickname: id.nickname,
    status: id.status,
    deviceName: id.deviceName,
    servers: id.servers.map((s) => ({ url: s.url, name: s.name })),
    pairingPending: id.pairingPending,
    unlinked: id.unlinked ? { ...id.unlinked } : null,
  };
}

export function contactView(m: Messenger, p: ContactChannel): ContactView {
  const primary = p.primary ? m.devices.get(p.primary.device) : undefined;
  return {
    id: p.uid,
    name: p.name,
    theirName: p.contactName,
    state: p.state,
    status: p.status,
    blocked: p.blocked,
    deliveryReceipts: p.sendDeliveryAck,
    readReceipts: p.sendProcessingAck,
    primaryDevice: p.primary
      ? { id: primary ? deviceIdOf(primary) : p.primary.device, name: primary?.name ?? 'another device' }
      : null,
    // (on a device that was unlinked itself, every other device looks gone: that is not this)
    orphaned: !m.identity.unlinked && !!p.primary && (!primary || primary.unlinked),
    invitationExpiresAt: p.state === 'invited' ? p.invitationExpiresAt : 0,
    verified: isVerified(p),
    createdAt: p.createdAt,
  };
}

export function cursorOf(m: StoredMessage): string {
  return `${m.sentAt}.${m.id}`;
}

export function parseCursor(cursor: string | undefined): { sentAt: number; id: number } | null {
  const match = cursor ? /^(\d{1,16})\.(\d{1,16})$/.exec(cursor) : null;
  return match ? { sentAt: Number(match[1]), id: Number(match[2]) } : null;
}

function failedOf(m: Messenger, s: StoredMessage): MessageView['failed'] {
  if (!s.outbound || (s.state !== 'pending' && s.state !== 'pending_forward')) return null;
  const reason = m.db.outbox.failedSend(s.uuid);
  return reason === null ? null : { reason };
}

export function messageView(m: Messenger, s: StoredMessage): MessageView {
  let waitingFor: MessageView['waitingFor'] = null;
  if (s.state === 'pending_forward' && s.waitingFor) {
    const d = m.devices.get(s.waitingFor);
    waitingFor = {
      deviceId: d ? deviceIdOf(d) : s.waitingFor,
      name: d?.name ?? 'another device',
      since: s.waitingSince,
    };
  }
  // Reactions, edits and deletions, as every device folds them (messenger/actionFold.ts).
  const actions = m.db.actions.forTarget(s.peerUid, s.uuid);
  const folded = fold(s, actions);
  return {
    id: s.uuid,
    contactId: s.peerUid,
    outbound: s.outbound,
    text: folded.text,
    status: s.state,
    sentAt: s.sentAt,
    receivedAt: s.receivedAt,
    readAt: s.processedAt,
    seen: s.seen,
    synced: s.synced,
    waitingFor,
    failed: failedOf(m, s),
    cursor: cursorOf(s),
    attachments: s.files.map((f, index) => attachmentView(m, f, index)),
    quote: s.answerTo && !folded.deleted ? quoteView(m, s.peerUid, s.answerTo) : null,
    reactions: folded.reactions,
    editedAt: folded.editedAt,
    history: folded.history,
    deleted: folded.deleted,
    removed: actions.some((a) => a.kind === 'hide'),
  };
}

function quoteView(m: Messenger, peerUid: string, id: string): QuoteView {
  const q = m.db.messages.get(peerUid, id);
  if (!q) return { id, present: false, outbound: false, firstLine: '', deleted: false };
  const f = fold(q, m.db.actions.forTarget(peerUid, id));
  return {
    id,
    present: true,
    outbound: q.outbound,
    firstLine: f.text.split('\n')[0] ?? '',
    deleted: f.deleted,
  };
}

export function conversationView(
  m: Messenger,
  p: ContactChannel,
  summary: { unread: number; count: number } | undefined,
): ConversationView {
  const last = m.db.messages.page(p.uid, null, 1)[0];
  const state = stateOf(m.core, p.uid);
  return {
    contact: contactView(m, p),
    unread: summary?.unread ?? 0,
    lastMessage: last ? messageView(m, last) : null,
    messageCount: summary?.count ?? 0,
    pinned: state.pinned,
    archived: state.archived,
    markedUnread: state.unread,
    mutedUntil: state.mutedUntil,
    draft: state.draft,
  };
}

/** My devices: this one first, then the others in the order they were paired. */
export function deviceViews(m: Messenger): DeviceView[] {
  const contacts = m.peers.all().filter((p) => p.type === 'contact' && p.state !== 'invited');
  // (this device: the contacts it drives itself)
  const primaryFor = (uid: string | null) =>
    contacts.filter((c) => (c.primary?.device ?? null) === uid).length;
  const waiting = m.db.messages.waitingForwards();
  const self: DeviceView = {
    id: m.identity.uid,
    name: m.identity.deviceName,
    thisDevice: true,
    state: m.identity.unlinked ? 'unlinked' : 'this device',
    lastSeen: Date.now(),
    primaryFor: primaryFor(null),
    waitingForwards: 0,
    handingOver: 0,
  };
  const others = m.devices
    .all()
    // A pairing that was refused or never answered is not a device of mine.
    .filter((d) => (d.deviceId || d.pairing?.role === 'existing') && (d.pairing?.confirmed || !d.unlinked))
    .sort((a, b) => a.createdAt - b.createdAt)
    .map((d): DeviceView => ({
      id: deviceIdOf(d),
      name: d.name,
      thisDevice: false,
      state: d.unlinked ? 'unlinked' : d.pairing?.confirmed ? 'linked' : 'pairing',
      lastSeen: d.lastActivityAt,
      primaryFor: primaryFor(d.uid),
      waitingForwards: waiting.get(d.uid) ?? 0,
      handingOver: contacts.filter((c) => c.handover.to === d.uid).length,
    }));
  return [self, ...others];
}

export function deviceView(m: Messenger, d: DeviceChannel): DeviceView | undefined {
  return deviceViews(m).find((v) => v.id === deviceIdOf(d));
}

/** Where one pairing stands; on the existing device, progress is what left the outbox. */
export function pairingView(m: Messenger, d: DeviceChannel): PairingView | null {
  const p = d.pairing;
  // channels made through an introduction (devices/introduction.ts) were never "paired" here
  if (!p || !d.invitationId || p.role === 'introduced') return null;
  let phase: PairingPhase = p.phase;
  let done = p.done;
  let total = p.total;
  const progress = p.role === 'new' && phase === 'syncing' ? m.deviceSync.progressOf(d.uid) : undefined;
  if (progress) ({ done, total } = progress);
  if (p.role === 'existing' && phase === 'syncing') {
    const left = m.db.outbox.count('device', d.uid);
    done = Math.max(0, p.total - left);
    if (left === 0) phase = 'done';
  }
  if (phase === 'waiting' && Date.now() > d.invitationExpiresAt) phase = 'expired';
  return {
    id: d.uid,
    role: p.role,
    phase,
    code: p.code,
    // this side's person confirmed the code; the other side's (known on the new device once the sync starts)
    confirmed: p.localConfirmed || p.confirmed,
    otherConfirmed: p.role === 'new' ? p.confirmed : p.otherConfirmed || p.confirmed,
    deviceName: d.name,
    done,
    total,
    expiresAt: d.invitationExpiresAt,
    link: phase === 'waiting' && p.role === 'new' ? p.link : '', // the existing side keeps it only to resume
  };
}

export function pairingViews(m: Messenger): PairingView[] {
  return m.devices
    .all()
    .sort((a, b) => b.createdAt - a.createdAt)
    .map((d) => pairingView(m, d))
    .filter((v): v is PairingView => v !== null);
}

const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export function attachmentView(m: Messenger, f: meow.IFileMeta, index: number): AttachmentView {
  const name = safeFileName(f.name ?? '');
  const mime = f.mime ?? 'application/octet-stream';
  // The preview is shown only as a raster type sniffed from its own bytes (never SVG or HTML).
  const thumbType = f.thumbnail?.length ? sniffType(f.thumbnail.subarray(0, 64)) : null;
  const st = m.attachments.state(f);
  return {
    index,
    name,
    size: Number(f.size ?? 0),
    mime,
    image: INLINE_TYPES.has(mime),
    thumbnail:
      thumbType && INLINE_TYPES.has(thumbType.mime)
        ? `data:${thumbType.mime};base64,${Buffer.from(f.thumbnail!).toString('base64')}`
        : '',
    width: f.width ?? 0,
    height: f.height ?? 0,
    state: st.state,
    error: st.state === 'failed' ? st.error.message : '',
    executable: isExecutable(mime, name),
    metadataStripped: !!f.metadataStripped,
  };
}
