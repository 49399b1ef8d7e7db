/**
 * What a change of a group's membership makes this device do, wherever the change came
 * from (made here, or received): sender keys for members who can now read, a new sender
 * key when someone left or was removed (so they read nothing after), and the pairwise
 * channels the new members need (docs/groups.md, "Group channels").
 */
import type { GroupChange, GroupState } from '../../../protocol/group/membership.js';
import type { OutboxItem } from '../storage/messageDb.js';
import { freshChain, type GroupRecord } from './record.js';
import { groupItem, senderKeyMessage } from './wire.js';

/** Who brought each current member in, and in which change: the creator, or the admin who added it. */
export function joins(chain: readonly GroupChange[]): Map<string, { broker: string; epoch: number }> {
  const out = new Map<string, { broker: string; epoch: number }>();
  for (const c of chain) {
    if (c.op.kind === 'create') for (const m of c.op.members) out.set(m, { broker: c.actor, epoch: c.epoch });
    if (c.op.kind === 'add') out.set(c.op.member, { broker: c.actor, epoch: c.epoch });
  }
  return out;
}

/**
 * Applies the move from `before` to `after` to `r` (changed in place) and returns the rows
 * to send. The pairwise channels to make are left in `r.work` for after the commit.
 */
export function membershipMoved(
  r: GroupRecord,
  before: GroupState | null,
  after: GroupState,
  chain: readonly GroupChange[],
  sent: number,
): OutboxItem[] {
  const me = r.me.publicKey;
  if (!after.members.includes(me)) return []; // removed or left: I send nothing more
  const out: OutboxItem[] = [];
  const was = new Set(before?.members ?? []);
  const gone = [...was].filter((m) => !after.members.includes(m));
  // A former member's channel stays known, so what it still sends is refused by name.
  for (const m of gone) {
    delete r.chains[m];
    r.work = r.work.filter((w) => w.member !== m);
  }
  const joined = joins(chain);
  const mine = joined.get(me);
  const fresh = after.members.filter((m) => !was.has(m) && m !== me);
  // Someone left: a new chain, which only the remaining members receive.
  const rotate = gone.length > 0 && was.has(me);
  if (rotate) r.myChain = freshChain();
  const keyMessage = senderKeyMessage(r);
  for (const m of after.members) {
    if (m === me) continue;
    const route = r.routes[m];
    const isNew = fresh.includes(m) || !was.has(me);
    if (route) {
      if (rotate || isNew) out.push(groupItem(route, keyMessage, sent));
      continue;
    }
    if (!isNew) continue;
    const j = joined.get(m);
    if (!j || !mine || j.broker === me) continue;
    // The newer member waits for a card; members who joined in the same change: the lower key makes it.
    const makes = mine.epoch < j.epoch || (mine.epoch === j.epoch && me < m);
    if (makes && !r.work.some((w) => w.member === m))
      r.work.push({ kind: 'make_card', member: m, broker: j.broker });
  }
  return out;
}
