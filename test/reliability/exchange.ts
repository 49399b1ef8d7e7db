/**
 * A two-person conversation through a fault proxy: each answers once the other's message
 * has arrived, the send and poll loops running. Returns what was lost or shown twice,
 * the longest wait of a message, and the longest retry any outbox scheduled.
 */
import { vi } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend, type Env } from '../core/harness.js';
import type { FaultProxy, FaultRates } from './faultProxy.js';
import { createVia, inbound, tally, until, viaProxy } from './people.js';

export interface ExchangeResult {
  lost: number;
  shownTwice: number;
  longestWaitMs: number;
  longestRetryMs: number;
  /** Outbound messages still pending at the end (a stuck outbox). */
  stuck: number;
  /** Rows left in either outbox after the drain. */
  leftInOutbox: number;
}

export async function exchange(
  env: Env,
  proxy: FaultProxy,
  rates: FaultRates,
  opts: { tag: string; perSide: number; ceilingMs: number; transport?: 'http' | 'session' },
): Promise<ExchangeResult> {
  const relays = viaProxy(() => proxy.url, opts.transport);
  const extra = { pollTimeoutMs: 1000, retryCeilingMs: opts.ceilingMs };
  const [aName, bName] = [`${opts.tag}-a`, `${opts.tag}-b`];
  const alice = await createVia(env, aName, relays, extra);
  const bob = await createVia(env, bName, relays, extra);
  const people: Messenger[] = [alice, bob];
  const delays: number[] = [];
  for (const m of people) {
    const original = m.db.outbox.retry.bind(m.db.outbox);
    vi.spyOn(m.db.outbox, 'retry').mockImplementation((id, error, at) => {
      delays.push(at - Date.now());
      original(id, error, at);
    });
  }
  try {
    proxy.setRates({});
    await befriend(alice, bob);
    proxy.setRates(rates);
    alice.start();
    bob.start();
    const sentAt = new Map<string, number>();
    const arrivedAt = new Map<string, number>();
    const aToB: string[] = [];
    const bToA: string[] = [];
    const watch = () => {
      for (const t of [...inbound(bob, aName), ...inbound(alice, bName)])
        if (!arrivedAt.has(t)) arrivedAt.set(t, Date.now());
    };
    for (let i = 0; i < opts.perSide; i++) {
      for (const [from, to, list] of [
        [alice, bName, aToB],
        [bob, aName, bToA],
      ] as const) {
        const text = `${from.identity.nickname}→${to} ${i}`;
        sentAt.set(text, Date.now());
        await from.send(to, text);
        list.push(text);
        await until(() => (watch(), arrivedAt.has(text)), 60_000);
      }
    }
    await until(() => (watch(), arrivedAt.size === 2 * opts.perSide), 60_000);
    // Receipts and retries drain before duplicates are counted.
    await until(() => alice.db.outbox.size() === 0 && bob.db.outbox.size() === 0, 60_000);
    await Promise.all(people.map((m) => m.stop()));
    const ab = tally(aToB, inbound(bob, aName));
    const ba = tally(bToA, inbound(alice, bName));
    const stuck = [...alice.messages(bName), ...bob.messages(aName)].filter(
      (m) => m.outbound && m.state === 'pending',
    ).length;
    return {
      lost: ab.lost + ba.lost,
      shownTwice: ab.shownTwice + ba.shownTwice,
      longestWaitMs: Math.max(0, ...[...arrivedAt].map(([t, at]) => at - sentAt.get(t)!)),
      longestRetryMs: Math.round(Math.max(0, ...delays)),
      stuck,
      leftInOutbox: alice.db.outbox.size() + bob.db.outbox.size(),
    };
  } finally {
    await Promise.all(people.map((m) => m.close()));
  }
}
