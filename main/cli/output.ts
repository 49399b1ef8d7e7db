/** Views the CLI prints: stable JSON shapes (a contract for scripts) and human text. */
import type { Peer } from '../core/peers/peer.js';
import type { StoredMessage } from '../core/storage/messageDb.js';

export function contactJson(p: Peer, summary?: { unread: number; lastAt: number }) {
  return {
    uid: p.uid,
    name: p.name,
    theirName: p.contactName,
    state: p.state,
    status: p.status,
    blocked: p.blocked,
    sendDeliveryAck: p.sendDeliveryAck,
    sendProcessingAck: p.sendProcessingAck,
    primaryDevice: p.primaryDeviceUid,
    unread: summary?.unread ?? 0,
    lastMessageAt: summary?.lastAt ?? 0,
  };
}

export function messageJson(m: StoredMessage) {
  return {
    uuid: m.uuid,
    outbound: m.outbound,
    text: m.text,
    status: m.state,
    sentAt: m.sentAt,
    receivedAt: m.receivedAt,
    readAt: m.processedAt,
    type: m.type,
    seen: m.seen,
    ...(m.state === 'pending_forward' ? { waitingFor: m.waitingFor, waitingSince: m.waitingSince } : {}),
  };
}

const time = (ms: number) => (ms ? new Date(ms).toLocaleString() : '');

export function messageLine(m: StoredMessage, contactName: string, waitingForName?: string): string {
  const who = m.outbound ? 'me' : contactName;
  let status = m.outbound ? ` [${m.state.replace('_', ' ')}]` : '';
  if (m.state === 'pending_forward' && waitingForName) {
    status = ` [waiting for ${waitingForName} since ${time(m.waitingSince)}]`;
  }
  return `${time(m.sentAt)}  ${who}: ${m.text}${status}`;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + '\n');
}
