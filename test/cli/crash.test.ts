/**
 * Crash safety: `meow` processes killed with SIGKILL at random points while sending
 * and while receiving. After a clean restart every confirmed message is delivered
 * exactly once, nothing twice, and the ratchets still agree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../ratchet/helpers.js';
import { startRedis, type RedisProcess } from '../helpers/redis.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { cliFriends, meow, meowJson, settleCli, startMeow, type MessageJson } from './harness.js';

let kills = 0;
async function killedAtRandom(profile: string, args: string[], delayMs: number): Promise<void> {
  const run = startMeow(profile, args);
  const timer = setTimeout(() => run.proc.kill('SIGKILL'), delayMs);
  const r = await run.done;
  clearTimeout(timer);
  if (r.signal === 'SIGKILL') kills++;
}

describe.each(['embedded', 'redis'] as const)('SIGKILL at random points (relay on the %s store)', (store) => {
  let server: ServerProcess;
  let redis: RedisProcess | undefined;
  let dir: string;
  const A = () => join(dir, 'alice');
  const B = () => join(dir, 'bob');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-crash-'));
    if (store === 'redis') redis = await startRedis({ persistence: true });
    server = await spawnServer(['--data', join(dir, 'server'), ...(redis ? ['--redis', redis.url] : [])]);
    await cliFriends(server.url, { dir: A(), name: 'Alice' }, { dir: B(), name: 'Bob' });
  });
  afterAll(async () => {
    await server.stop();
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('while sending and while receiving, every confirmed message arrives exactly once', async () => {
    const rand = prng(store === 'redis' ? 7 : 2026);
    const confirmed: string[] = [];
    kills = 0;
    for (let batch = 0; batch < 3; batch++) {
      // queue a batch; some `send` processes are themselves killed (then the message may or may not exist)
      for (let i = 0; i < 12; i++) {
        const text = `m${batch}.${i}`;
        if (i % 6 === 5) {
          await killedAtRandom(A(), ['send', 'Bob', text], 80 + rand() * 250);
        } else {
          const r = await meow(A(), ['send', 'Bob', text]);
          expect(r.code, r.stderr).toBe(0);
          confirmed.push(text);
        }
      }
      // Alice's sync (sending) and Bob's sync (receiving, storing, acking, answering receipts) die mid-way
      for (let k = 0; k < 4; k++) {
        await killedAtRandom(A(), ['sync'], 150 + rand() * 400);
        await killedAtRandom(B(), ['sync'], 150 + rand() * 400);
        await killedAtRandom(B(), ['run'], 200 + rand() * 600);
      }
    }
    // most of the 42 processes really died mid-way (the rest finished first)
    expect(kills).toBeGreaterThan(20);
    await settleCli(A(), B(), A());

    const received = (await meowJson<MessageJson[]>(B(), ['messages', 'Alice']))
      .filter((m) => !m.outbound)
      .map((m) => m.text);
    // exactly once: no duplicates, every confirmed message present, nothing unknown
    expect(new Set(received).size).toBe(received.length);
    for (const t of confirmed) expect(received).toContain(t);
    for (const t of received) expect(t).toMatch(/^m\d\.\d+$/);
    // and Alice's copies all reached "delivered"
    const mine = (await meowJson<MessageJson[]>(A(), ['messages', 'Bob'])).filter((m) => m.outbound);
    expect(mine.map((m) => m.text).sort()).toEqual([...received].sort());
    expect(new Set(mine.map((m) => m.status))).toEqual(new Set(['delivered']));

    // the ratchets still agree both ways
    await meowJson(B(), ['send', 'Alice', 'still in step?']);
    await meowJson(A(), ['send', 'Bob', 'yes']);
    await settleCli(A(), B(), A());
    const last = await meowJson<MessageJson[]>(A(), ['messages', 'Bob']);
    expect(last.some((m) => !m.outbound && m.text === 'still in step?')).toBe(true);
    const lastB = await meowJson<MessageJson[]>(B(), ['messages', 'Alice']);
    expect(lastB.some((m) => !m.outbound && m.text === 'yes')).toBe(true);
  }, 240_000);
});
