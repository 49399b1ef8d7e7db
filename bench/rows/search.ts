/**
 * Search in a large profile (messenger/searchIndex.ts): the time from a keystroke to the first
 * results — each prefix of a two-word query as it is typed, newest 50 — over 100,000 messages,
 * against the same over 10,000 (the ratio says how it grows). Beside it: what building the
 * in-memory index costs after unlock (in the background), the memory it takes, and its size on disk
 * (none: nothing of it is written).
 */
import { searchIndexOf, SearchIndex } from '../../main/core/messenger/searchIndex.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { newProfile, openAgain } from './clientSetup.js';

const CONVERSATIONS = 20;
const QUERY = 'orange harbour';

/** Deterministic texts of ~12 words from the vocabulary; about 1% with both words of the query. */
function textOf(i: number, vocab: string[]): string {
  let x = (i * 2654435761) >>> 0;
  const words: string[] = [];
  for (let w = 0; w < 12; w++) {
    x = (x * 1103515245 + 12345) >>> 0;
    words.push(vocab[x % vocab.length]!);
  }
  if (i % 97 === 0) words.push('orange', 'harbour'); // about 1% hold the query
  return words.join(' ');
}

function vocabulary(): string[] {
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'qui', 'dor'];
  const out = ['orange', 'harbour', 'meeting', 'tomorrow', 'café', 'train'];
  for (const a of syllables) for (const b of syllables) for (const c of syllables) out.push(a + b + c);
  return out; // ~1,700 words
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function searchFigures(ctx: BenchContext, total: number): Promise<Sample> {
  let m = await newProfile(ctx, `search${total}`);
  const vocab = vocabulary();
  const t = Date.now() - 30 * 24 * 3600 * 1000;
  for (let from = 0; from < total; from += 5000) {
    m.db.atomically(() => {
      for (let i = from; i < Math.min(total, from + 5000); i++)
        m.db.messages.insert({
          peerUid: `conversation-${i % CONVERSATIONS}`,
          uuid: `s-${i}`,
          outbound: i % 2 === 0,
          type: 'text',
          text: textOf(i, vocab),
          state: 'read',
          sentAt: t + i,
          seen: true,
        });
    });
  }
  m = await openAgain(m); // what is in memory is what a fresh unlock has
  try {
    const rssBefore = process.memoryUsage().rss;
    const b0 = performance.now();
    const index = searchIndexOf(m);
    await index.ready;
    const buildMs = performance.now() - b0;
    const rssMiB = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    if (!(index instanceof SearchIndex) || index.size !== total)
      throw new Error(`indexed ${index.size} of ${total}`);
    const keystrokes: number[] = [];
    let found = 0;
    for (let rep = 0; rep < ctx.scale(5, 2); rep++)
      for (let n = 1; n <= QUERY.length; n++) {
        const a = performance.now();
        found = index.search(QUERY.slice(0, n), { limit: 50 }).length;
        keystrokes.push(performance.now() - a);
      }
    if (found === 0) throw new Error('the query found nothing');
    const worst = Math.max(...keystrokes);
    return {
      value: median(keystrokes),
      detail: `worst keystroke ${worst.toFixed(1)} ms; index built in ${buildMs.toFixed(0)} ms after unlock (in the background), +${rssMiB.toFixed(0)} MiB memory, 0 bytes on disk`,
      extra: { worstMs: worst, buildMs, rssMiB, diskBytes: 0 },
    };
  } finally {
    await m.close();
  }
}

export const searchRows: Row[] = [
  {
    id: 'search.100k',
    name: 'search as you type, 100,000 messages (median keystroke → first 50 results)',
    referenceName: 'the same with 10,000 messages',
    unit: 'ms',
    better: 'lower',
    ratio: 'measure/reference',
    target: {
      max: 10,
      text: '≤ 10 (a scan from the newest, stopping at 50 results); absolute target ≤ 100 ms per keystroke',
    },
    measure: (ctx) => searchFigures(ctx, 100_000),
    reference: (ctx) => searchFigures(ctx, 10_000),
  },
];
