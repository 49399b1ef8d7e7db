/** Where my message stands: sending, waiting for one of my devices, sent, delivered, read. */
import type { MessageView } from '../../shared/views.js';
import { clock } from '../lib/format.js';

export function statusText(m: MessageView): string {
  switch (m.status) {
    case 'pending':
      return 'Sending…';
    case 'pending_forward':
      return `Waiting for ${m.waitingFor?.name ?? 'your other device'}`;
    case 'sent':
      return 'Sent';
    case 'delivered':
      return 'Delivered';
    case 'read':
      return 'Read';
    default:
      return '';
  }
}

const MARKS: Partial<Record<MessageView['status'], string>> = { sent: '✓', delivered: '✓✓', read: '✓✓' };

export function MessageStatus({ message: m }: { message: MessageView }) {
  const title =
    m.status === 'pending_forward' && m.waitingFor
      ? `This device sends through ${m.waitingFor.name}, which has not taken it since ${clock(m.waitingFor.since)}.`
      : undefined;
  return (
    <span className={`status ${m.status}`} title={title} data-testid="message-status" data-status={m.status}>
      {MARKS[m.status] && <span aria-hidden="true">{MARKS[m.status]} </span>}
      {statusText(m)}
    </span>
  );
}
