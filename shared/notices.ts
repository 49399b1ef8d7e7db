/** The sentences of the service's notices (NoticeView.text), one catalogue for every host. */
import type { NoticeView } from './views.js';

const TEXT: Record<NoticeView['code'], (p: NoticeView['params']) => string> = {
  DEVICE_ADDED: (p) => `New device "${p['device']}" was linked by "${p['by']}".`,
  DEVICE_UNLINKED: (p) => `Device "${p['device']}" was unlinked.`,
  THIS_DEVICE_UNLINKED: (p) => `This device was unlinked by "${p['by']}".`,
  SEND_FAILED: (p) => `Sending failed: ${p['error']}`,
  PRIMARY_OFFLINE: (p) =>
    `Messages to ${p['contact']} wait for "${p['device']}", which has not been seen since ${p['since']}.`,
  INVITATION_UNANSWERED: (p) => `${p['contact']} has not answered your invitation yet.`,
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
