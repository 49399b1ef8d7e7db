/**
 * The host's event loop while the service drains a 1,000-message backlog: its p99 delay
 * (monitorEventLoopDelay) with the service in a worker thread (the desktop app, the
 * browser host), against the same drain with the service in the host's own thread.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { MeowService } from '../../shared/service.js';
import { createService } from '../../main/core/service/service.js';
import { startServiceWorker } from '../../main/host/worker.js';
import { PASSWORD, TEST_LOG_N, befriend } from '../../test/core/harness.js';
import type { BenchContext, Row, Sample } from '../table.js';
import { newProfile } from './clientSetup.js';

async function syncUntilQuiet(s: MeowService): Promise<void> {
  for (;;) {
    const r = await s.sync();
    if (r.sent + r.received === 0 && r.waiting === 0) return;
  }
}

async function stall(ctx: BenchContext, inWorker: boolean): Promise<Sample> {
  const n = ctx.scale(1000, 500);
  const host = await newProfile(ctx, 'host');
  const friend = await newProfile(ctx, 'hostfriend');
  await befriend(host, friend);
  const dir = host.dir;
  const to = host.identity.nickname;
  await host.close();
  for (let i = 0; i < n; i++) await friend.send(to, `backlog ${i} `.padEnd(100, '.'));
  await friend.flushOutbox();
  await friend.close();
  const service = inWorker
    ? await startServiceWorker({ profile: dir, kdfLogN: TEST_LOG_N })
    : createService({ profile: dir, kdfLogN: TEST_LOG_N });
  try {
    await service.unlock({ password: PASSWORD });
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = performance.now();
    await syncUntilQuiet(service);
    const s = (performance.now() - t0) / 1000;
    h.disable();
    const ms = (ns: number) => ns / 1e6;
    return {
      value: ms(h.percentile(99)),
      detail: `max ${ms(h.max).toFixed(0)} ms, ${(n / s).toFixed(0)} msg/s`,
      extra: { p50: ms(h.percentile(50)), max: ms(h.max), rate: n / s },
    };
  } finally {
    if ('terminate' in service) await (service as { terminate(): Promise<unknown> }).terminate();
    else await (service as { close(): Promise<unknown> }).close();
  }
}

export const hostRows: Row[] = [
  {
    id: 'host.stall',
    name: 'host event-loop delay p99 while draining 1,000, service in a worker',
    referenceName: 'service in the host thread',
    unit: 'ms',
    better: 'lower',
    measure: (ctx) => stall(ctx, true),
    reference: (ctx) => stall(ctx, false),
  },
];
