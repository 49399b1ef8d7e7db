/**
 * A conversation's messages as list rows, with a day separator before each new day and
 * the "New messages" line before the first that was unread.
 */
import type { MessageView } from '../../shared/views.js';
import { dayKey } from './format.js';

export type Row =
  | { kind: 'day'; key: string; at: number }
  | { kind: 'unread'; key: string; count: number }
  | { kind: 'message'; key: string; message: MessageView };

export function buildRows(messages: readonly MessageView[], unreadFrom: string | null = null): Row[] {
  const rows: Row[] = [];
  let day = '';
  for (const [i, m] of messages.entries()) {
    if (m.id === unreadFrom) {
      const count = messages.slice(i).filter((x) => !x.outbound).length;
      rows.push({ kind: 'unread', key: 'unread', count });
    }
    const k = dayKey(m.sentAt);
    if (k !== day) {
      day = k;
      rows.push({ kind: 'day', key: `day:${k}`, at: m.sentAt });
    }
    rows.push({ kind: 'message', key: m.id, message: m });
  }
  return rows;
}
