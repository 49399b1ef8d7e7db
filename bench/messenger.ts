/**
 * What a message costs end to end (pack + post + pull + unpack + store + ack, and the
 * delivery receipt back), with a relay on the embedded store in this same process,
 * compared with the bare crypto of packing and unpacking the same message.
 */
import { randomBytes } from '../protocol/crypto/bytes.js';
import type { Messenger } from '../main/core/messenger/messenger.js';
import { channelKeys } from '../main/core/peers/peer.js';
import { decodeRatchetState } from '../protocol/ratchet/stateBinary.js';
import { packUserMessage, unpackUserMessage } from '../protocol/wire/packing.js';
import { befriend, createProfile, startEnv } from '../test/core/harness.js';
import { measure, report } from './harness.js';

export async function timePerMessage(n: number, fn: (i: number) => Promise<void>): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  return ((performance.now() - t0) * 1000) / n;
}

export async function benchMessenger(): Promise<void> {
  // The rate limits are relay policy, not a cost: lift them to measure the pipeline.
  const env = await startEnv('embedded', { ratePerSec: 0, queueRatePerSec: 0 });
  const alice: Messenger = await createProfile(env, 'bench-alice');
  const bob: Messenger = await createProfile(env, 'bench-bob');
  try {
    await befriend(alice, bob);
    const B = bob.identity.nickname;
    const text = Buffer.from(randomBytes(75)).toString('base64'); // ~100 characters

    // Bare crypto: the four layers both ways on one live channel (no storage, no network).
    const aPeer = alice.findContact(B);
    const bPeer = bob.findContact(alice.identity.nickname);
    let aR = decodeRatchetState(aPeer.drState!);
    let bR = decodeRatchetState(bPeer.drState!);
    const crypto = await measure('pack + unpack (4 layers, no I/O)', () => {
      const p = packUserMessage(channelKeys(aPeer), aR, {
        type: 'text',
        text,
        status: { uuid: 'x', sent: 1 },
      });
      aR = p.ratchet;
      bR = unpackUserMessage(channelKeys(bPeer), bR, p.packed).ratchet;
    });

    // End to end, one message at a time (latency-bound: every step waits for the previous).
    const N = 200;
    const single = await timePerMessage(N, async () => {
      await alice.send(B, text);
      await alice.flushOutbox();
      await bob.sync();
    });
    // End to end in batches of 50 (what a busy conversation or a sync after being offline does).
    const BATCH = 50;
    const batched = await timePerMessage(N / BATCH, async () => {
      for (let i = 0; i < BATCH; i++) await alice.send(B, text);
      await alice.flushOutbox();
      await bob.sync();
    });
    const e2e = { name: 'end to end, one at a time', opsPerSec: 1e6 / single, usPerOp: single, samples: N };
    const e2eBatch = {
      name: `end to end, batches of ${BATCH}`,
      opsPerSec: 1e6 / (batched / BATCH),
      usPerOp: batched / BATCH,
      samples: N,
    };
    report('a 100-character message, Alice → Bob (relay in-process, embedded store)', [
      crypto,
      e2e,
      e2eBatch,
    ]);
    // Everything beyond the crypto is durable storage (fsync'd SQLite and LevelDB writes on
    // both sides and on the relay), HTTP round trips, and the delivery receipt coming back.
    console.log(
      `${'end to end (one at a time) / bare crypto'.padEnd(48)} ${(single / crypto.usPerOp).toFixed(1).padStart(10)}×`,
    );
    console.log(
      `${'end to end (batches) / bare crypto'.padEnd(48)} ${(batched / BATCH / crypto.usPerOp).toFixed(1).padStart(10)}×`,
    );
  } finally {
    await alice.close();
    await bob.close();
    await env.close();
  }
}
