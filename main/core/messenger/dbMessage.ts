/** Conversions between stored messages and the DbMessage wire record used by device sync. */
import type { meow } from '../../../protocol/wire/proto.js';
import type { NewMessage, StoredMessage } from '../storage/messageDb.js';
import { expireAfterOf } from './disappearing.js';
import { isMessageState } from './messageState.js';

export function toDbMessage(m: StoredMessage | NewMessage): meow.IDbMessage {
  return {
    outbound: m.outbound,
    type: m.type,
    text: m.text ?? '',
    data: m.data ?? new Uint8Array(0),
    appdata: m.appdata ?? new Uint8Array(0),
    files: m.files ?? [],
    status: {
      uuid: m.uuid,
      sent: m.sentAt,
      received: m.receivedAt ?? 0,
      processed: m.processedAt ?? 0,
      answerToUuid: m.answerTo ?? '',
      expireAfter: m.expireAfter ?? 0,
    },
    state: m.state,
    storedAt: 'storedAt' in m ? m.storedAt : Date.now(),
    authorDevice: m.authorDevice ?? '',
  };
}

export function fromDbMessage(
  peerUid: string,
  d: meow.IDbMessage,
  extra: Partial<NewMessage> = {},
): NewMessage {
  const state = d.state && isMessageState(d.state) ? d.state : d.outbound ? 'sent' : 'received';
  return {
    peerUid,
    uuid: d.status?.uuid ?? '',
    outbound: !!d.outbound,
    type: d.type ?? 'text',
    text: d.text ?? '',
    data: d.data ? new Uint8Array(d.data) : undefined,
    files: d.files ?? [],
    appdata: d.appdata ? new Uint8Array(d.appdata) : undefined,
    answerTo: d.status?.answerToUuid ?? '',
    state,
    sentAt: d.status?.sent ?? 0,
    receivedAt: d.status?.received ?? 0,
    processedAt: d.status?.processed ?? 0,
    authorDevice: d.authorDevice ?? '',
    expireAfter: expireAfterOf(d.status),
    ...extra,
  };
}
