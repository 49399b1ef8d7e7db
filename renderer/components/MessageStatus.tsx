/** Where my message stands: sending, waiting for one of my devices, sent, delivered, read — or not sent, and why. */
import type { MessageView } from '../../shared/views.js';
import { call } from '../bridge.js';
import { clock } from '../lib/format.js';
import { useChats } from '../stores/chatStore.js';

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

/** The relay refused the message itself: the reason, and a way to send it again. */
function NotSent({ message: m }: { message: MessageView }) {
  const retry = () => {
    void call('retryMessage', m.contactId, m.id).then((v) => useChats.getState().onMessage(v));
  };
  return (
    <span
      className="status failed"
      title={m.failed?.reason}
      data-testid="message-status"
      data-status="failed"
    >
      Not sent{' '}
      <button type="button" className="link-button retry" onClick={retry}>
        Retry
      </button>
    </span>
  );
}

export function MessageStatus({ message: m }: { message: MessageView }) {
  if (m.failed) return <NotSent message={m} />;
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
