/**
 * Send throughput: n texts queued with `send()` and the outbox flushed until every one is
 * `sent` (packed, posted, marked), against the same n `send()` calls alone (the durable
 * queueing each message needs anyway), measured on the same pair in the same run.
 */
import { befriend } from '../../test/core/harness.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { profiled } from '../cpuProfile.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { newProfile } from './clientSetup.js';

const TEXT = 'y'.repeat(100);

function pair(ctx: BenchContext): Promise<{ a: Messenger; b: Messenger }> {
  return ctx.resource(
    'send-pair',
    async () => {
      const a = await newProfile(ctx, 'sendA');
      const b = await newProfile(ctx, 'sendB');
      await befriend(a, b);
      return { a, b };
    },
    async ({ a, b }) => {
      await a.close();
      await b.close();
    },
  );
}

async function sends(ctx: BenchContext, flush: boolean): Promise<Sample> {
  const { a, b } = await pair(ctx);
  const n = ctx.scale(1000, 500);
  const to = b.identity.nickname;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await a.send(to, TEXT);
  if (flush) {
    const r = await profiled('send.flush', () => a.flushOutbox());
    if (r.waiting > 0) throw new Error(`${r.waiting} rows still waiting`);
  }
  const s = (performance.now() - t0) / 1000;
  if (!flush) await a.flushOutbox(); // not timed: the reference is the queueing alone
  await b.sync(); // keeps the receiver's queue short between repetitions (not timed)
  return { value: n / s };
}

export const sendRows: Row[] = [
  {
    id: 'send.flush',
    name: 'send n texts and flush to `sent`, one process',
    referenceName: '`send()` alone (queueing)',
    unit: 'msg/s',
    better: 'higher',
    target: { min: 0.7, text: '≥ 0.7×' },
    measure: (ctx) => sends(ctx, true),
    reference: (ctx) => sends(ctx, false),
  },
];
