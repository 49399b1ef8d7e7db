/**
 * Multi-device costs: how long a sync takes from a send on A to stored on B (B running
 * its long-poll loop), and how a send's cost grows with 0, 1, 2 and 4 siblings.
 */
import { randomBytes } from '../protocol/crypto/bytes.js';
import type { Messenger } from '../main/core/messenger/messenger.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  startEnv,
  type Env,
} from '../test/core/harness.js';
import { timePerMessage } from './messenger.js';

const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function family(
  env: Env,
  tag: string,
  siblings: number,
): Promise<{ a: Messenger; x: Messenger; devices: Messenger[] }> {
  const a = await createProfile(env, `A-${tag}`);
  const x = await createProfile(env, `X-${tag}`);
  await befriend(a, x);
  const devices: Messenger[] = [];
  for (let i = 0; i < siblings; i++) {
    const d = await createBlankDevice(env, `S${i}-${tag}`);
    await pairDevices(a, d);
    devices.push(d);
  }
  return { a, x, devices };
}

export async function benchDevices(): Promise<void> {
  // The rate limits are relay policy, not a cost: lift them to measure the pipeline.
  const env = await startEnv('embedded', { ratePerSec: 0, queueRatePerSec: 0 });
  const text = Buffer.from(randomBytes(75)).toString('base64');
  try {
    // Latency A → B: A sends to X and flushes; B's running poll loop stores the synced copy.
    {
      const { a, x, devices } = await family(env, 'lat', 1);
      const b = devices[0]!;
      b.start();
      const samples: number[] = [];
      for (let i = 0; i < 40; i++) {
        const stored = new Promise<number>((resolve) => {
          const on = (m: { text: string }) => {
            if (m.text === `${text}${i}`) {
              b.off('message', on);
              resolve(performance.now());
            }
          };
          b.on('message', on);
        });
        const t0 = performance.now();
        await a.send(x.identity.nickname, `${text}${i}`);
        await a.flushOutbox();
        samples.push((await stored) - t0);
      }
      await b.stop();
      console.log('\n## device sync latency: send on A → stored on B (B long-polling; relay in-process)');
      console.log(
        `p50 ${percentile(samples, 0.5).toFixed(1)} ms   p90 ${percentile(samples, 0.9).toFixed(1)} ms   max ${Math.max(...samples).toFixed(1)} ms   (${samples.length} messages)`,
      );
      await Promise.all([a, x, ...devices].map((m) => m.close()));
    }
    // Cost of a send (store + pack + post for the contact and every sibling), by sibling count.
    console.log('\n## cost of one send on the primary, by number of siblings (send + flush, 100 messages)');
    let base = 0;
    for (const k of [0, 1, 2, 4]) {
      const { a, x, devices } = await family(env, `fan${k}`, k);
      const X = x.identity.nickname;
      await timePerMessage(20, async () => {
        await a.send(X, text);
        await a.flushOutbox();
      }); // warm-up
      const us = await timePerMessage(100, async () => {
        await a.send(X, text);
        await a.flushOutbox();
      });
      if (k === 0) base = us;
      console.log(
        `${String(k).padStart(2)} siblings  ${(us / 1000).toFixed(2).padStart(8)} ms/send   ${(us / base).toFixed(2)}× the cost with none`,
      );
      await Promise.all([a, x, ...devices].map((m) => m.close()));
    }
  } finally {
    await env.close();
  }
}
