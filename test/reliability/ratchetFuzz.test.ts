/**
 * Fuzzed interaction of two real messengers (profiles on disk, a real relay): thousands
 * of random steps — send, sync, restart from disk, a post lost before the relay, a reply
 * lost after it (the same bytes re-posted), an old ciphertext replayed into the queue
 * (duplicate and reorder). Every message sent is shown exactly once on the other side,
 * and no two different ciphertexts share a (ratchet key, message number).
 * (The pure ratchet under drop/duplicate/reorder: test/ratchet/property.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import type { meow } from '../../protocol/wire/proto.js';
import { befriend, settle, startEnv, type Env } from '../core/harness.js';
import { seeded } from './faultProxy.js';
import { lossyRelays, replay, SlotLedger } from './fuzzKit.js';
import { createVia, inbound, openVia, tally } from './people.js';
import { record } from './report.js';
import { scale } from './scale.js';

const STEPS = scale(200, 2000);

describe('fuzzed interaction of two messengers', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await env?.close();
  });

  it(`${STEPS} random steps: every message shown once, no (ratchet key, n) reused`, async () => {
    const rnd = seeded(2026);
    const posted: meow.IPackedUserMessage[] = [];
    const faults = { lostBeforeRelay: 0, lostReply: 0, replayed: 0, restarts: 0 };
    let faulty = false;
    const relays = lossyRelays(rnd, posted, faults, () => faulty);
    const people: Record<'a' | 'b', Messenger> = {
      a: await createVia(env, 'fz-a', relays, {}),
      b: await createVia(env, 'fz-b', relays, {}),
    };
    const other = { a: 'fz-b', b: 'fz-a' } as const;
    const names = { a: 'fz-a', b: 'fz-b' } as const;
    const sent: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const card = await fetchServerCard(env.relay.url);
    const injector = new RelayClient({
      url: env.relay.url,
      serverKey: card.publicKey,
      device: ed25519KeyPair(),
    });
    try {
      await befriend(people.a, people.b);
      faulty = true;
      for (let step = 0; step < STEPS; step++) {
        const who = rnd() < 0.5 ? 'a' : 'b';
        const r = rnd();
        if (r < 0.4) {
          const text = `${who}${step}`;
          await people[who].send(other[who], text);
          sent[who].push(text);
        } else if (r < 0.8) {
          await people[who].sync().catch(() => undefined); // a lost post fails the round; the outbox keeps it
        } else if (r < 0.88) {
          await people[who].close();
          people[who] = await openVia(env, names[who], relays, {});
          faults.restarts++;
        } else if (posted.length > 0) {
          // An old ciphertext again, out of order (a relay or network replaying it).
          if (await replay(injector, posted[Math.floor(rnd() * posted.length)]!)) faults.replayed++;
        }
      }
      faulty = false;
      // The network is back: rows waiting out a backoff go now (what a reconnect does).
      for (const m of [people.a, people.b]) m.db.outbox.retryAllNow();
      await settle(people.a, people.b);
      const ab = tally(sent.a, inbound(people.b, 'fz-a'));
      const ba = tally(sent.b, inbound(people.a, 'fz-b'));

      // (ratchet key, n) of every distinct ciphertext, opened with the recipient's channel keys.
      const ledger = new SlotLedger();
      for (const m of [people.a, people.b]) ledger.learn(m);
      const { distinct, opened, reused } = ledger.check(posted);
      record({
        case: `fuzzed interaction, two messengers (${STEPS} steps)`,
        faults,
        expected: sent.a.length + sent.b.length,
        lost: ab.lost + ba.lost,
        shownTwice: ab.shownTwice + ba.shownTwice,
        notes: `${distinct} distinct ciphertexts, ${opened} opened: ${reused} (ratchet key, n) reused`,
      });
      expect(faults.restarts).toBeGreaterThan(3);
      expect(faults.replayed).toBeGreaterThan(3);
      expect(faults.lostBeforeRelay + faults.lostReply).toBeGreaterThan(3);
      expect({ ...ab }).toEqual({ lost: 0, shownTwice: 0 });
      expect({ ...ba }).toEqual({ lost: 0, shownTwice: 0 });
      expect(opened).toBeGreaterThan(sent.a.length);
      expect(reused).toBe(0);
    } finally {
      await Promise.all([people.a.close(), people.b.close()]);
    }
  });
});
