/**
 * Damaged traffic (issue 13's defect): one request or response body in four gets a
 * flipped bit. The relay refuses a damaged request and the client refuses a damaged
 * reply; each attempt is re-sealed, so this is a transient fault: every message must
 * arrive exactly once and no retry may be scheduled beyond the backoff ceiling. Then a
 * relay that answers slowly, cuts replies half-way, or answers 500: no duplicate, no
 * stuck outbox. The same on sessions (a WebSocket through the proxy): frames damaged,
 * connections cut, frames held.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { fetchServerCard } from '../../main/net/relayClient.js';
import { SessionRelay } from '../../main/net/sessionRelay.js';
import { startEnv, type Env } from '../core/harness.js';
import { exchange } from './exchange.js';
import { seeded, startFaultProxy, type FaultProxy, type FaultRates } from './faultProxy.js';
import { record } from './report.js';
import { FULL, scale } from './scale.js';

const CEILING_MS = 2000;

describe('a misbehaving network between clients and relay', () => {
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

  const cases: {
    name: string;
    tag: string;
    rates: FaultRates;
    perSide: number;
    run: boolean;
    transport?: 'session';
  }[] = [
    {
      name: 'damaged traffic 25% both ways',
      tag: 'dmg',
      rates: { damageRequest: 0.25, damageResponse: 0.25 },
      perSide: 10, // the exchange of 20 messages, in the quick run too
      run: true,
    },
    { name: 'relay answers 500 (25%)', tag: 'e500', rates: { error500: 0.25 }, perSide: 10, run: FULL },
    {
      name: 'connection cut mid-body (25%)',
      tag: 'cut',
      rates: { dropMidBody: 0.25 },
      perSide: scale(3, 10),
      run: true,
    },
    {
      name: 'relay answers slowly (20% held 2 s)',
      tag: 'slow',
      rates: { slow: 0.2, slowMs: 2000 },
      perSide: 10,
      run: FULL,
    },
    {
      name: 'session frames damaged 10% both ways',
      tag: 'sdmg',
      rates: { damageFrame: 0.1 },
      perSide: scale(5, 10),
      run: true,
      transport: 'session',
    },
    {
      name: 'session cut at 5% of frames',
      tag: 'scut',
      rates: { cutFrame: 0.05 },
      perSide: scale(5, 10),
      run: true,
      transport: 'session',
    },
    {
      name: 'session frames held 2 s (10%)',
      tag: 'sslow',
      rates: { slowFrame: 0.1, slowMs: 2000 },
      perSide: 10,
      run: FULL,
      transport: 'session',
    },
  ];

  // The default run (CI) takes the damage and cut-reply cases; npm run test:reliability takes all.
  for (const c of cases.filter((x) => x.run)) {
    it(`${c.name}: ${2 * c.perSide} messages arrive exactly once, no retry beyond the ceiling, nothing stuck`, async () => {
      const before = { ...proxy.counts };
      const r = await exchange(env, proxy, c.rates, {
        tag: c.tag,
        perSide: c.perSide,
        ceilingMs: CEILING_MS,
        ...(c.transport ? { transport: c.transport } : {}),
      });
      const faults = Object.fromEntries(
        Object.entries(proxy.counts)
          .filter(([k]) => k !== 'requests' && k !== 'frames')
          .map(([k, v]) => [k, v - before[k as keyof typeof before]]),
      );
      record({
        case: `${c.name} (${2 * c.perSide} messages)`,
        faults,
        expected: 2 * c.perSide,
        lost: r.lost,
        shownTwice: r.shownTwice,
        longestWaitMs: r.longestWaitMs,
        notes: `${proxy.counts.requests - before.requests} requests, ${proxy.counts.frames - before.frames} session frames; ceiling ${CEILING_MS} ms, longest retry scheduled ${r.longestRetryMs} ms`,
      });
      expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
      expect({ lost: r.lost, shownTwice: r.shownTwice, stuck: r.stuck, left: r.leftInOutbox }).toEqual({
        lost: 0,
        shownTwice: 0,
        stuck: 0,
        left: 0,
      });
      expect(r.longestRetryMs).toBeLessThanOrEqual(CEILING_MS);
    }, 300_000); // (47 s on a quiet machine for 25% damage both ways: the default 60 s is too close under load)
  }
});

describe('a damaged session handshake', () => {
  let env: Env;
  let proxy: FaultProxy;
  beforeAll(async () => {
    env = await startEnv('embedded');
    proxy = await startFaultProxy(env.relay.url, {}, seeded(2121));
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  it('is a failed attempt, not a relay without sessions: the next call opens a session (no HTTP fallback)', async () => {
    const serverKey = (await fetchServerCard(env.relay.url)).publicKey;
    const relay = new SessionRelay({ url: proxy.url, serverKey, device: ed25519KeyPair() });
    const queue = ed25519KeyPair();
    try {
      proxy.setRates({ damageFrame: 1, framesTo: 'client' }); // the relay's handshake reply
      await relay.pull([queue], { timeoutMs: 0 }).catch((e: unknown) => e);
      expect(proxy.counts.damagedFrames).toBeGreaterThan(0);
      proxy.setRates({});
      let answered = false;
      for (let i = 0; i < 5 && !answered; i++)
        answered = await relay.pull([queue], { timeoutMs: 0 }).then(
          () => true,
          () => false,
        );
      expect(answered).toBe(true);
      expect(relay.transportKind()).toBe('session');
    } finally {
      relay.close();
    }
  });
});
