/**
 * The embedded relay store's group commit, seen from the event loop: 8 posters (each
 * posting again once answered, like 8 clients) on a SqliteStore, and the event loop's
 * busy time per post. The store flushes its write-ahead log with fdatasync on the thread
 * pool; the reference is the same store with that fdatasync run on the event loop, which
 * is what synchronous=FULL did at each group commit (nothing else can run meanwhile).
 */
import { fdatasyncSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { SyncFn } from '../../server/store/walSync.js';
import type { BenchContext, Row, Sample } from '../table.js';

const DAY = 24 * 3600_000;

async function loopTimePerPost(ctx: BenchContext, sync?: SyncFn): Promise<Sample> {
  const dir = mkdtempSync(join(tmpdir(), 'meow-bench-flush-'));
  const store = new SqliteStore(join(dir, 'relay.db'), sync ? { sync } : {});
  try {
    const q = toHex(randomBytes(32));
    const post = () =>
      store.post([{ lookup: q, id: toHex(randomBytes(16)), bytes: randomBytes(300) }], Date.now(), 1e9, DAY);
    const rounds = ctx.scale(300, 100);
    for (let i = 0; i < 20; i++) await Promise.all(Array.from({ length: 8 }, post));
    const elu = performance.eventLoopUtilization();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < rounds; i++) await post();
      }),
    );
    const used = performance.eventLoopUtilization(elu);
    const posts = 8 * rounds;
    return {
      value: (used.active * 1000) / posts,
      detail: `${((posts * 1000) / (performance.now() - t0)).toFixed(0)} posts/s, loop ${(used.utilization * 100).toFixed(0)}% busy`,
    };
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const storeFlushRows: Row[] = [
  {
    id: 'relay.embedded.flush',
    name: 'embedded relay store, event-loop time per post (8 posters; log flushed on the thread pool)',
    referenceName: 'the same, fdatasync on the event loop (as synchronous=FULL)',
    unit: 'µs/post',
    better: 'lower',
    measure: (ctx) => loopTimePerPost(ctx),
    reference: (ctx) =>
      loopTimePerPost(ctx, (fd) => {
        fdatasyncSync(fd);
        return Promise.resolve();
      }),
  },
];
