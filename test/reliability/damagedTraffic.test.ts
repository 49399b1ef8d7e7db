/**
 * Damaged traffic (issue 13's defect): one request or response body in four gets a
 * flipped bit. The relay refuses a damaged request and the client refuses a damaged
 * reply; each attempt is re-sealed, so this is a transient fault: every message must
 * arrive exactly once and no retry may be scheduled beyond the backoff ceiling.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend, startEnv, type Env } from '../core/harness.js';
import { startFaultProxy, seeded, type FaultProxy } from './faultProxy.js';
import { createVia, inbound, tally, until, viaProxy } from './people.js';
import { record } from './report.js';

const CEILING_MS = 2000;
const PER_SIDE = 10;

describe('damaged traffic at 25% both ways', () => {
  let env: Env;
  let proxy: FaultProxy;
  beforeAll(async () => {
    env = await startEnv('embedded');
    proxy = await startFaultProxy(env.relay.url, {}, seeded(1313));
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  it('a two-person exchange of 20 messages: all arrive exactly once, no retry waits beyond the ceiling', async () => {
    const relays = viaProxy(() => proxy.url);
    const extra = { pollTimeoutMs: 1000, retryCeilingMs: CEILING_MS };
    const alice = await createVia(env, 'alice', relays, extra);
    const bob = await createVia(env, 'bob', relays, extra);
    const people: Messenger[] = [alice, bob];
    const delays: number[] = [];
    for (const m of people) {
      const original = m.db.outboxRetry.bind(m.db);
      vi.spyOn(m.db, 'outboxRetry').mockImplementation((id, error, at) => {
        delays.push(at - Date.now());
        original(id, error, at);
      });
    }
    try {
      await befriend(alice, bob);
      proxy.setRates({ damageRequest: 0.25, damageResponse: 0.25 });
      alice.start();
      bob.start();
      const sentAt = new Map<string, number>();
      const arrivedAt = new Map<string, number>();
      const aToB: string[] = [];
      const bToA: string[] = [];
      const watch = () => {
        for (const t of [...inbound(bob, 'alice'), ...inbound(alice, 'bob')])
          if (!arrivedAt.has(t)) arrivedAt.set(t, Date.now());
      };
      // A conversation: each answers once the other's message has arrived.
      for (let i = 0; i < PER_SIDE; i++) {
        for (const [from, to, list] of [
          [alice, 'bob', aToB],
          [bob, 'alice', bToA],
        ] as const) {
          const text = `${from.identity.nickname}→${to} ${i}`;
          sentAt.set(text, Date.now());
          await from.send(to, text);
          list.push(text);
          await until(() => (watch(), arrivedAt.has(text)), 60_000);
        }
      }
      await until(() => (watch(), arrivedAt.size === 2 * PER_SIDE), 60_000);
      // Let receipts and retries drain before looking for duplicates.
      await until(() => alice.db.outboxSize() === 0 && bob.db.outboxSize() === 0, 30_000);
      await Promise.all(people.map((m) => m.stop()));

      const ab = tally(aToB, inbound(bob, 'alice'));
      const ba = tally(bToA, inbound(alice, 'bob'));
      const waits = [...arrivedAt].map(([t, at]) => at - sentAt.get(t)!);
      record({
        case: 'damaged traffic 25% both ways (20 messages)',
        faults: {
          damagedRequests: proxy.counts.damagedRequests,
          damagedResponses: proxy.counts.damagedResponses,
        },
        expected: 2 * PER_SIDE,
        lost: ab.lost + ba.lost,
        shownTwice: ab.shownTwice + ba.shownTwice,
        longestWaitMs: Math.max(0, ...waits),
        notes: `${proxy.counts.requests} requests; backoff ceiling ${CEILING_MS} ms; longest scheduled retry ${Math.round(Math.max(0, ...delays))} ms`,
      });

      expect(proxy.counts.damagedRequests + proxy.counts.damagedResponses).toBeGreaterThanOrEqual(10);
      expect(ab).toEqual({ lost: 0, shownTwice: 0 });
      expect(ba).toEqual({ lost: 0, shownTwice: 0 });
      expect(Math.max(0, ...delays)).toBeLessThanOrEqual(CEILING_MS);
      const states = [...alice.messages('bob'), ...bob.messages('alice')]
        .filter((m) => m.outbound)
        .map((m) => m.state);
      expect(states.filter((s) => s === 'pending')).toEqual([]);
    } finally {
      await Promise.all(people.map((m) => m.close()));
    }
  });
});
