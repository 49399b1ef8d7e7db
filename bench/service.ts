/**
 * The host's side of the service: how long the hosting thread's event loop stalls
 * (p50/p99/max of monitorEventLoopDelay) while the service drains a backlog and while it
 * sends a long history to a newly paired device — with the service in a worker thread
 * (the desktop app, the browser host) against the same work in the host's own thread —
 * and what the newest page of a long conversation costs. The relay runs as its own
 * process, so it never stalls the measured loop.
 */
import { storeHistory } from './history.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { MeowService } from '../shared/service.js';
import { Messenger } from '../main/core/messenger/messenger.js';
import { createService } from '../main/core/service/service.js';
import { startServiceWorker } from '../main/host/worker.js';
import { netRelays } from '../main/net/relayFactory.js';
import { PASSWORD, TEST_LOG_N, befriend } from '../test/core/harness.js';
import { spawnServer } from '../test/helpers/serverProcess.js';

const ms = (ns: number) => (ns / 1e6).toFixed(1);

interface Stall {
  p50: number;
  p99: number;
  max: number;
  seconds: number;
}

/** Runs `work` while sampling this thread's event-loop delay every millisecond. */
async function stallDuring(work: () => Promise<unknown>): Promise<Stall> {
  const h = monitorEventLoopDelay({ resolution: 1 });
  h.enable();
  const t0 = performance.now();
  await work();
  const seconds = (performance.now() - t0) / 1000;
  h.disable();
  return { p50: h.percentile(50), p99: h.percentile(99), max: h.max, seconds };
}

function line(label: string, s: Stall, n: number): void {
  console.log(
    `${label.padEnd(52)} p50 ${ms(s.p50).padStart(7)} ms  p99 ${ms(s.p99).padStart(7)} ms  max ${ms(s.max).padStart(7)} ms  (${(n / s.seconds).toFixed(0)} msg/s)`,
  );
}

async function syncUntilQuiet(s: MeowService): Promise<void> {
  for (;;) {
    const r = await s.sync();
    if (r.sent + r.received === 0 && r.waiting === 0) return;
  }
}

export async function benchService(quick = false): Promise<void> {
  const BACKLOG = quick ? 300 : 2000;
  const HISTORY = quick ? 1000 : 10_000;
  const dir = mkdtempSync(join(tmpdir(), 'meow-bench-service-'));
  // bench/ is bundled into dist/bench.js: the relay's entry is ../bin from there.
  const bin = fileURLToPath(new URL('../bin/meow-server.js', import.meta.url));
  const server = await spawnServer(['--data', join(dir, 'relay'), '--rate', '0'], {}, bin);
  const opts = { relays: netRelays };
  const profile = (n: string) => join(dir, n);
  const init = (nickname: string) => ({
    nickname,
    serverUrl: server.url,
    logN: TEST_LOG_N,
    deviceName: nickname,
  });
  try {
    // Set-up through the core directly (fast), then closed: each case opens its own service.
    const alice = await Messenger.create(profile('alice'), PASSWORD, init('alice'), opts);
    const bob = await Messenger.create(profile('bob'), PASSWORD, init('bob'), opts);
    await befriend(alice, bob);
    const bOnA = alice.contacts()[0]!.uid;
    const aOnB = bob.contacts()[0]!.uid;
    await alice.close();
    const backlog = async () => {
      for (let i = 0; i < BACKLOG; i++) await bob.send(aOnB, `backlog ${i} `.padEnd(100, '.'));
      await bob.flushOutbox();
    };

    console.log(
      `\n## the hosting thread while the service works (event-loop delay; ${BACKLOG}-message backlog)`,
    );
    await backlog();
    const worker = await startServiceWorker({ profile: profile('alice'), kdfLogN: TEST_LOG_N });
    await worker.unlock({ password: PASSWORD });
    const drainWorker = await stallDuring(() => syncUntilQuiet(worker));
    await worker.terminate();
    line('drain, service in a worker thread', drainWorker, BACKLOG);

    await backlog();
    const local = createService({ profile: profile('alice'), kdfLogN: TEST_LOG_N });
    await local.unlock({ password: PASSWORD });
    const drainLocal = await stallDuring(() => syncUntilQuiet(local));
    await local.close();
    line('drain, service in the host thread (reference)', drainLocal, BACKLOG);
    console.log(
      `${'p99 stall, host thread ÷ worker'.padEnd(52)} ${(drainLocal.p99 / Math.max(drainWorker.p99, 1e6)).toFixed(1)}×`,
    );

    // A long conversation, stored directly, for the history sync and the page.
    const a2 = await Messenger.open(profile('alice'), { password: PASSWORD }, opts);
    storeHistory(a2, bOnA, HISTORY);
    await a2.close();
    await bob.close();

    const host = await startServiceWorker({ profile: profile('alice'), kdfLogN: TEST_LOG_N });
    const laptop = await startServiceWorker({ profile: profile('laptop'), kdfLogN: TEST_LOG_N });
    try {
      await host.unlock({ password: PASSWORD });
      const pages: number[] = [];
      for (let i = 0; i < 100; i++) {
        const t1 = performance.now();
        await host.messages(bOnA, { limit: 50 });
        pages.push(performance.now() - t1);
      }
      pages.sort((x, y) => x - y);
      const total = (await host.conversations())[0]!.messageCount;
      console.log(
        `\n## newest 50 of a ${total}-message conversation, through the worker RPC: p50 ${pages[50]!.toFixed(2)} ms, p99 ${pages[98]!.toFixed(2)} ms`,
      );

      const p = await laptop.pairNew({ password: PASSWORD, serverUrl: server.url, deviceName: 'laptop' });
      const accepted = await host.pairAccept({ link: p.link, historyDays: 365 });
      // The answer, then the laptop's reveal: both know the code once the host has the reveal.
      while ((await host.pairings()).find((x) => x.id === accepted.id)?.phase !== 'code') {
        await syncUntilQuiet(host);
        await laptop.sync();
      }
      await laptop.pairConfirm((await laptop.pairings())[0]!.id);
      await host.pairConfirm(accepted.id);
      const history = await stallDuring(async () => {
        await Promise.all([syncUntilQuiet(host), syncUntilQuiet(laptop)]);
        await syncUntilQuiet(laptop);
      });
      const onLaptop = (await laptop.conversations())[0]?.messageCount ?? 0;
      console.log(`\n## pairing: ${HISTORY} messages of history to a new device (both services in workers)`);
      line(`history sync (laptop stored ${onLaptop})`, history, HISTORY);
    } finally {
      await host.terminate();
      await laptop.terminate();
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
