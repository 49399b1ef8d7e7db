/** A conversation's messages as list rows, with a day separator before each new day. */
import type { MessageView } from '../../shared/views.js';
import { dayKey } from './format.js';

export type Row =
  { kind: 'day'; key: string; at: number } | { kind: 'message'; key: string; message: MessageView };

export function buildRows(messages: readonly MessageView[]): Row[] {
  const rows: Row[] = [];
  let day = '';
  for (const m of messages) {
    const k = dayKey(m.sentAt);
    if (k !== day) {
      day = k;
      rows.push({ kind: 'day', key: `day:${k}`, at: m.sentAt });
    }
    rows.push({ kind: 'message', key: m.id, message: m });
  }
  return rows;
}
