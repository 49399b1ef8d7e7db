/** What the group tests share: waiting until every device got there, and a group's texts. */
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { settle } from '../core/harness.js';

/** Syncs until `done` holds (channel work after a receive runs outside the sync: waited for too). */
export async function until(ms: Messenger[], done: () => boolean): Promise<void> {
  for (let i = 0; i < 100; i++) {
    await settle(...ms);
    await Promise.all(ms.map((m) => m.groups.idle()));
    if (done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the group did not get there');
}

export const texts = (m: Messenger, group: string) => m.groups.messages(group).map((x) => x.text);
