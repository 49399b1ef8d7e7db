/**
 * Views (shared/views.ts) as the CLI prints them: the JSON shapes scripts rely on (a
 * contract: extend, never rename) and the human lines.
 */
import { terminalText } from '../../shared/text.js';
import type {
  ContactView,
  ConversationView,
  DeviceView,
  MessageView,
  PairingView,
  ProfileView,
} from '../../shared/views.js';

export function contactJson(c: ContactView, conversation?: ConversationView) {
  return {
    uid: c.id,
    name: c.name,
    theirName: c.theirName,
    state: c.state,
    status: c.status,
    blocked: c.blocked,
    sendDeliveryAck: c.deliveryReceipts,
    sendProcessingAck: c.readReceipts,
    /** The device of mine that talks to them, by the id `devices --json` uses ('' = this device). */
    primaryDevice: c.primaryDevice?.id ?? '',
    unread: conversation?.unread ?? 0,
    lastMessageAt: conversation?.lastMessage?.sentAt ?? 0,
  };
}

export function messageJson(m: MessageView) {
  return {
    uuid: m.id,
    outbound: m.outbound,
    text: m.text,
    status: m.status,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    readAt: m.readAt,
    type: 'text',
    seen: m.seen,
    synced: m.synced,
    ...(m.attachments.length
      ? {
          files: m.attachments.map((a) => ({
            name: a.name,
            size: a.size,
            mime: a.mime,
            state: a.state,
            ...(a.error ? { error: a.error } : {}),
          })),
        }
      : {}),
    ...(m.quote ? { quote: m.quote } : {}),
    ...(m.reactions.length ? { reactions: m.reactions } : {}),
    ...(m.editedAt ? { editedAt: m.editedAt, history: m.history } : {}),
    ...(m.deleted ? { deleted: true } : {}),
    ...(m.status === 'pending_forward'
      ? {
          // the device's id as `devices --json` gives it, and since when it waits (set once, when queued)
          waitingFor: m.waitingFor?.deviceId ?? '',
          waitingForName: m.waitingFor?.name ?? '',
          waitingSince: m.waitingFor?.since ?? 0,
        }
      : {}),
  };
}

export function deviceJson(d: DeviceView) {
  return {
    uid: d.id,
    name: d.name,
    lastSeen: d.lastSeen,
    primaryFor: d.primaryFor,
    state: d.state,
    thisDevice: d.thisDevice,
    waitingForwards: d.waitingForwards,
    handingOver: d.handingOver,
  };
}

export function profileJson(p: ProfileView) {
  return {
    uid: p.deviceId,
    name: p.nickname,
    status: p.status,
    deviceName: p.deviceName,
    servers: p.servers.map((s) => s.url),
  };
}

export function pairingJson(p: PairingView) {
  return {
    device: p.id,
    name: p.deviceName,
    role: p.role,
    phase: p.phase,
    code: p.code,
    confirmed: p.confirmed,
    otherConfirmed: p.otherConfirmed,
    done: p.done,
    total: p.total,
    expiresAt: p.expiresAt,
  };
}

export const time = (ms: number) => (ms ? new Date(ms).toLocaleString() : '');

export function messageLine(m: MessageView, contactName: string): string {
  const who = m.outbound ? 'me' : terminalText(contactName);
  let status = m.outbound ? ` [${m.status.replace('_', ' ')}]` : '';
  if (m.status === 'pending_forward' && m.waitingFor) {
    status = ` [waiting for ${m.waitingFor.name} since ${time(m.waitingFor.since)}]`;
  }
  const files = m.deleted
    ? ''
    : m.attachments
        .map((a) => ` [file: ${a.name}, ${a.size} bytes${a.state === 'ready' ? '' : `, ${a.state}`}]`)
        .join('');
  const quote = m.quote
    ? `> ${m.quote.present ? m.quote.firstLine || '(message deleted)' : '(original not on this device)'}\n          `
    : '';
  const text = m.deleted ? '(message deleted)' : `${m.text}${m.editedAt ? ' (edited)' : ''}`;
  const reactions = m.reactions.length
    ? `  ${m.reactions.map((r) => (r.count > 1 ? `${r.emoji} ${r.count}` : r.emoji)).join(' ')}`
    : '';
  return `${time(m.sentAt)}  ${who}: ${quote}${text}${files}${status}${reactions}`;
}

export function pairingLine(p: PairingView): string {
  switch (p.phase) {
    case 'waiting':
      return p.role === 'new'
        ? `waiting: open the link on the device that has your contacts (valid until ${new Date(p.expiresAt).toLocaleTimeString()})`
        : `waiting for "${p.deviceName}" to show the safety code`;
    case 'code':
      if (p.confirmed) return `code ${p.code}: confirmed here; waiting for "${p.deviceName}" to confirm too`;
      if (p.role === 'new')
        return `code ${p.code}: check that "${p.deviceName}" shows the same code, then confirm here (\`meow pair confirm\`) and there`;
      return `code ${p.code}: compare it with "${p.deviceName}", then \`meow pair confirm\` (or \`meow pair refuse\`)`;
    case 'syncing':
      return `syncing with "${p.deviceName}": ${p.done}/${p.total}`;
    case 'done':
      return `done: "${p.deviceName}" is linked`;
    case 'refused':
      return 'refused: start again with `meow pair new`';
    case 'expired':
      return 'expired: start again with `meow pair new`';
  }
}

export function deviceLine(d: DeviceView): string {
  const waiting =
    (d.waitingForwards ? `, ${d.waitingForwards} message(s) of yours waiting for it` : '') +
    (d.handingOver ? `, taking over ${d.handingOver} contact(s) (not yet confirmed)` : '');
  return (
    `${d.thisDevice ? '* ' : '  '}${d.name} — ${d.state}, primary for ${d.primaryFor} contact${d.primaryFor === 1 ? '' : 's'}` +
    `${d.thisDevice ? '' : `, last seen ${time(d.lastSeen)}`}${waiting}  [${d.id}]`
  );
}
