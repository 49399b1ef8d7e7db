/**
 * Soak: two people, Alice with three devices (desktop primary, laptop, tablet), Bob with
 * one, all with their send and poll loops running through a proxy that damages 5% of
 * bodies both ways, sending at random while any of them is restarted from disk at random.
 * Then the damage stops and everything settles: the tallies (sent, received, shown,
 * duplicates, lost) are printed and asserted. Length: MEOW_SOAK_MS (default 120 s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { befriend, pairDevices, settle, startEnv, type Env } from '../core/harness.js';
import { seeded, startFaultProxy, type FaultProxy } from './faultProxy.js';
import { blankVia, createVia, openVia, tally, until, viaProxy } from './people.js';
import { record } from './report.js';

const SOAK_MS = Number(process.env.MEOW_SOAK_MS ?? 120_000);

describe('soak', () => {
  let env: Env;
  let proxy: FaultProxy;
  beforeAll(async () => {
    env = await startEnv('embedded');
    proxy = await startFaultProxy(env.relay.url, {}, seeded(55));
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  it('three devices and a contact, 5% damage, random restarts: nothing lost, nothing twice', async () => {
    const rnd = seeded(77);
    const relays = viaProxy(() => proxy.url);
    const extra = { pollTimeoutMs: 1000, retryCeilingMs: 3000 };
    const names = ['desktop', 'laptop', 'tablet', 'bob'] as const;
    type Name = (typeof names)[number];
    const m = {} as Record<Name, Messenger>;
    m.desktop = await createVia(env, 'desktop', relays, extra);
    m.bob = await createVia(env, 'bob', relays, extra);
    m.laptop = await blankVia(env, 'laptop', relays, extra);
    m.tablet = await blankVia(env, 'tablet', relays, extra);
    const contactOf = (n: Name) => (n === 'bob' ? 'desktop' : 'bob'); // Alice's nickname is "desktop"
    const sent: Record<Name, string[]> = { desktop: [], laptop: [], tablet: [], bob: [] };
    let restarts = 0;
    try {
      await befriend(m.desktop, m.bob);
      await pairDevices(m.desktop, m.laptop);
      await pairDevices(m.desktop, m.tablet);
      await settle(m.desktop, m.laptop, m.tablet, m.bob);
      proxy.setRates({ damageRequest: 0.05, damageResponse: 0.05 });
      for (const n of names) m[n].start();
      const end = Date.now() + SOAK_MS;
      let k = 0;
      while (Date.now() < end) {
        const n = names[Math.floor(rnd() * names.length)]!;
        if (rnd() < 0.1) {
          await m[n].close();
          m[n] = await openVia(env, n, relays, extra);
          m[n].start();
          restarts++;
        } else {
          const text = `${n} ${k++}`;
          await m[n].send(contactOf(n), text);
          sent[n].push(text);
        }
        await new Promise((r) => setTimeout(r, 100 + rnd() * 400));
      }
      proxy.setRates({});
      const alice = [...sent.desktop, ...sent.laptop, ...sent.tablet];
      const everything = [...alice, ...sent.bob];
      const texts = (n: Name) => m[n].messages(contactOf(n)).map((x) => x.text);
      // Settle with the loops running: every device ends up with the whole conversation.
      await until(() => names.every((n) => texts(n).length >= everything.length), 180_000, 500);
      await until(() => names.every((n) => m[n].db.outbox.size() === 0), 60_000, 500);
      await Promise.all(names.map((n) => m[n].stop()));
      const bobGot = tally(
        alice,
        m.bob
          .messages('desktop')
          .filter((x) => !x.outbound)
          .map((x) => x.text),
      );
      const perDevice = names.map((n) => ({ n, ...tally(everything, texts(n)) }));
      const lost = bobGot.lost + perDevice.reduce((s, d) => s + d.lost, 0);
      const twice = bobGot.shownTwice + perDevice.reduce((s, d) => s + d.shownTwice, 0);
      const tallies = {
        sent: everything.length,
        receivedByBob: alice.length - bobGot.lost,
        shown: Object.fromEntries(perDevice.map((d) => [d.n, everything.length - d.lost])),
        duplicates: twice,
        lost,
        restarts,
        damaged: proxy.counts.damagedRequests + proxy.counts.damagedResponses,
      };
      console.log('soak tallies', JSON.stringify(tallies));
      record({
        case: `soak: 3 devices + contact, 5% damage, restarts (${Math.round(SOAK_MS / 1000)} s)`,
        faults: {
          damagedRequests: proxy.counts.damagedRequests,
          damagedResponses: proxy.counts.damagedResponses,
          restarts,
        },
        expected: everything.length,
        lost,
        shownTwice: twice,
        notes: `sent ${everything.length} (Alice's devices ${alice.length}, Bob ${sent.bob.length}); shown per device ${JSON.stringify(tallies.shown)}`,
      });
      expect(restarts).toBeGreaterThan(3);
      expect(everything.length).toBeGreaterThan(20);
      expect({ lost, twice }).toEqual({ lost: 0, twice: 0 });
    } finally {
      await Promise.all(names.map((n) => m[n]?.close().catch(() => undefined)));
    }
  });
});
