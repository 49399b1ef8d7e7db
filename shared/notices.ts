/** The sentences of the service's notices (NoticeView.text), one catalogue for every host. */
import type { NoticeView } from './views.js';

const TEXT: Record<NoticeView['code'], (p: NoticeView['params']) => string> = {
  DEVICE_ADDED: (p) =>
    `A new device, "${p['device']}", was linked${p['at'] ? ` at ${new Date(Number(p['at'])).toLocaleString()}` : ''} by "${p['by']}".`,
  DEVICE_UNLINKED: (p) => `Device "${p['device']}" was unlinked.`,
  THIS_DEVICE_UNLINKED: (p) => `This device was unlinked by "${p['by']}".`,
  SEND_FAILED: (p) => `Sending failed: ${p['error']}`,
  CONTACT_ORPHANED: (p) =>
    `"${p['device']}" was the device that talked to ${p['contact']}; it is unlinked, so invite ${p['contact']} again from this device to keep talking.`,
  CONTACT_KEYS_CHANGED: (p) =>
    `${p['contact']}'s keys changed outside your conversation: compare your safety numbers again before you trust it.`,
  RELAY_REFUSING: (p) =>
    `The server ${p['server']} refuses every request (${p['code']}): its key may have changed or this computer's clock may be wrong. Messages wait here until it accepts them again.`,
  MESSAGE_STORE_REPLACED: (p) =>
    `The message store ${p['file']} was damaged: it is kept as ${p['keptAs']} and a new one is in use, with the ${p['messages']} messages that could be read from it.` +
    (p['lostKeys']
      ? ` The conversation keys with ${p['lostKeys']} could not be read: invite them again.`
      : ''),
  SESSION_RESET: (p) =>
    `Your conversation with ${p['contact']} was re-secured: one of your devices or ${p['contact']}'s was restored from an older copy, so its keys were out of step. Messages sent meanwhile may be missing.`,
  SYNC_KIND_UNKNOWN: (p) =>
    `"${p['device']}" sent a change this version of Meow cannot apply yet (${p['kind']}): it is kept, and applied once this device runs the newer version.`,
  PAIRING_TAMPERED: (p) =>
    `Pairing with "${p['device']}" was refused: its answer does not match the link you opened (someone may have swapped the link).`,
};

export function noticeText(code: NoticeView['code'], params: NoticeView['params']): string {
  return TEXT[code](params);
}

export function notice(
  code: NoticeView['code'],
  params: NoticeView['params'],
  level: NoticeView['level'] = 'warning',
): NoticeView {
  return { level, code, params, text: noticeText(code, params) };
}
