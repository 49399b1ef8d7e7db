/** A long conversation written straight into a profile's store (one transaction), for benches that need history. */
import type { Messenger } from '../main/core/messenger/messenger.js';

/** `count` 100-character texts with `peerUid`, alternately mine (read) and theirs (received), over the last day. */
export function storeHistory(m: Messenger, peerUid: string, count: number): void {
  const t = Date.now() - 24 * 3600 * 1000;
  m.db.atomically(() => {
    for (let i = 0; i < count; i++)
      m.db.messages.insert({
        peerUid,
        uuid: `h-${i}`,
        outbound: i % 2 === 0,
        type: 'text',
        text: `history ${i} `.padEnd(100, '.'),
        state: i % 2 === 0 ? 'read' : 'received',
        sentAt: t + i,
        seen: true,
      });
  });
}
