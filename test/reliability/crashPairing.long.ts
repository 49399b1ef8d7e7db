/**
 * SIGKILL during pairing and the initial history sync (the send/receive kills live in
 * test/cli/crash.test.ts): `meow` processes of the existing and the new device killed at
 * random points while the pairing answer, the confirmation and the history go over.
 * Afterwards the pairing has completed, the new device holds the history exactly once,
 * and its channel to the contact is in step (a message each way arrives once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prng } from '../ratchet/helpers.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { cliFriends, meow, meowJson, settleCli, startMeow, type MessageJson } from '../cli/harness.js';
import { record } from './report.js';

let kills = 0;
async function killedAtRandom(profile: string, args: string[], delayMs: number): Promise<void> {
  const run = startMeow(profile, args);
  const timer = setTimeout(() => run.proc.kill('SIGKILL'), delayMs);
  const r = await run.done;
  clearTimeout(timer);
  if (r.signal === 'SIGKILL') kills++;
}

describe('SIGKILL at random points of pairing and history sync', () => {
  let server: ServerProcess;
  let dir: string;
  const A = () => join(dir, 'alice');
  const B = () => join(dir, 'alice-laptop');
  const X = () => join(dir, 'xavier');
  const HISTORY = 8;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-crash-pair-'));
    server = await spawnServer(['--data', join(dir, 'server')]);
    await cliFriends(server.url, { dir: A(), name: 'Alice' }, { dir: X(), name: 'Xavier' });
    for (let i = 0; i < HISTORY / 2; i++) {
      await meowJson(A(), ['send', 'Xavier', `a${i}`]);
      await meowJson(X(), ['send', 'Alice', `x${i}`]);
    }
    await settleCli(A(), X(), A());
  }, 180_000);
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pairing completes, the history arrives once, the channel stays in step', async () => {
    const rand = prng(1313);
    kills = 0;
    const made = await meow(B(), ['pair', 'new', '--server', server.url, '--device-name', 'laptop']);
    expect(made.code, made.stderr).toBe(0);
    const link = made.stdout.trimEnd().split('\n').at(-1)!;
    // The accepting side dies while waiting for the new device's reveal; so does the new device's sync.
    for (let k = 0; k < 3; k++) {
      await killedAtRandom(A(), ['pair', 'accept', link, '--yes'], 300 + rand() * 900);
      await killedAtRandom(B(), ['sync'], 300 + rand() * 700);
    }
    // Then a clean accept, with the same link: a killed accept that got as far as answering
    // left its pairing waiting, and accepting the link again here resumes it.
    const accepting = meow(A(), ['--json', 'pair', 'accept', link, '--yes']);
    await meow(B(), ['pair', 'status', '--wait', '30']);
    const accepted = await accepting;
    expect(accepted.code, accepted.stderr).toBe(0);
    const confirmed = await meow(B(), ['--json', 'pair', 'confirm']);
    expect(confirmed.code, confirmed.stderr).toBe(0);
    // History sync, with both ends killed mid-way again and again.
    for (let k = 0; k < 5; k++) {
      await killedAtRandom(A(), ['sync'], 200 + rand() * 800);
      await killedAtRandom(B(), ['sync'], 200 + rand() * 800);
    }
    await settleCli(A(), B(), X(), A(), B());
    expect((await meowJson<{ phase: string }>(B(), ['pair', 'status'])).phase).toBe('done');

    const history = (await meowJson<MessageJson[]>(B(), ['messages', 'Xavier'])).map((m) => m.text);
    const expected = Array.from({ length: HISTORY / 2 }, (_, i) => [`a${i}`, `x${i}`]).flat();
    const lost = expected.filter((t) => !history.includes(t)).length;
    const twice = history.length - new Set(history).size;

    // In step: the laptop writes to Xavier, Xavier answers; each arrives once.
    await meowJson(B(), ['send', 'Xavier', 'from the laptop']);
    await settleCli(B(), A(), X(), A(), B());
    await meowJson(X(), ['send', 'Alice', 'to both']);
    await settleCli(X(), A(), B(), A(), B());
    const onX = (await meowJson<MessageJson[]>(X(), ['messages', 'Alice'])).filter((m) => !m.outbound);
    const onB = (await meowJson<MessageJson[]>(B(), ['messages', 'Xavier'])).filter((m) => !m.outbound);
    record({
      case: 'SIGKILL during pairing and history sync',
      faults: { processKills: kills },
      expected: HISTORY,
      lost,
      shownTwice: twice,
      notes: `${kills} meow processes killed mid-way; pairing restarted with the same link`,
    });
    expect(kills).toBeGreaterThan(5);
    expect({ lost, twice }).toEqual({ lost: 0, twice: 0 });
    expect(onX.filter((m) => m.text === 'from the laptop')).toHaveLength(1);
    expect(onB.filter((m) => m.text === 'to both')).toHaveLength(1);
  }, 400_000);
});
