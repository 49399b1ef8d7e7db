/**
 * A large profile: what the conversation list costs (every conversation's unread count,
 * message count and last message, as the service's conversations() reads them) with
 * 100,000 messages stored, against the same with 10,000 over the same conversations —
 * flat (a ratio near 1) when it is O(conversations), ~10 when it scans the messages.
 * Beside it: opening the profile, the newest-50 page, and the process's memory.
 */
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { newProfile, openAgain } from './clientSetup.js';

const CONVERSATIONS = 20;

async function bigProfile(ctx: BenchContext, total: number): Promise<Messenger> {
  let m = await newProfile(ctx, `big${total}`);
  const t = Date.now() - 30 * 24 * 3600 * 1000;
  const CHUNK = 5000;
  for (let from = 0; from < total; from += CHUNK) {
    m.db.atomically(() => {
      for (let i = from; i < Math.min(total, from + CHUNK); i++)
        m.db.messages.insert({
          peerUid: `conversation-${i % CONVERSATIONS}`,
          uuid: `h-${i}`,
          outbound: i % 3 === 0,
          type: 'text',
          text: `history ${i} `.padEnd(100, '.'),
          state: i % 3 === 0 ? 'read' : 'received',
          sentAt: t + i,
          seen: i < total - 500,
        });
    });
  }
  m = await openAgain(m);
  return m;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The conversation list's reads: summaries, then each conversation's last message. */
function listConversations(m: Messenger): number {
  let n = 0;
  for (const s of m.db.messages.summaries()) {
    const last = m.db.messages.page(s.peerUid, null, 1)[0];
    if (last) n += s.unread;
  }
  return n;
}

async function profileFigures(ctx: BenchContext, total: number): Promise<Sample> {
  const built = await bigProfile(ctx, total);
  const dir = built.dir;
  const t0 = performance.now();
  const m = await openAgain(built);
  const openMs = performance.now() - t0;
  void dir;
  try {
    const runs = ctx.scale(30, 10);
    const lists: number[] = [];
    const pages: number[] = [];
    let unread = 0;
    for (let i = 0; i < runs; i++) {
      const a = performance.now();
      unread = listConversations(m);
      lists.push(performance.now() - a);
      const b = performance.now();
      m.db.messages.page('conversation-0', null, 50);
      pages.push(performance.now() - b);
    }
    if (unread !== 500 - Math.ceil(500 / 3) && unread <= 0) throw new Error(`unread ${unread}`);
    const rss = process.memoryUsage().rss / 2 ** 20;
    return {
      value: median(lists),
      detail: `open ${openMs.toFixed(0)} ms, newest-50 page ${median(pages).toFixed(2)} ms, rss ${rss.toFixed(0)} MiB`,
      extra: { openMs, pageMs: median(pages), rssMiB: rss },
    };
  } finally {
    await m.close();
  }
}

export const profileRows: Row[] = [
  {
    id: 'profile.summaries',
    name: `conversation list (${CONVERSATIONS} conversations), 100,000 messages`,
    referenceName: 'the same list with 10,000 messages',
    unit: 'ms',
    better: 'lower',
    ratio: 'measure/reference',
    target: { max: 2, text: '≤ 2 (O(conversations))' },
    measure: (ctx) => profileFigures(ctx, 100_000),
    reference: (ctx) => profileFigures(ctx, 10_000),
  },
];
