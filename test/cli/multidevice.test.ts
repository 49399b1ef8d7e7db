/**
 * Multi-device with real `meow` processes: three devices of one person (A primary,
 * B and C siblings paired by link) and two contacts (X, Y), one relay process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { meow, meowJson, settleCli, type MessageJson } from './harness.js';

interface WaitingJson extends MessageJson {
  waitingFor?: string;
  waitingSince?: number;
}

interface DeviceJson {
  uid: string;
  name: string;
  lastSeen: number;
  primaryFor: number;
  state: string;
  thisDevice: boolean;
}

// Dozens of `meow` processes per case, each unlocking its profile: ~45 s alone on two cores,
// more beside another test file. The timeout guards against hangs, it measures nothing.
describe('three devices and two contacts, as processes', { timeout: 240_000 }, () => {
  let server: ServerProcess;
  let dir: string;
  const P = (name: string) => join(dir, name);
  const [A, B, C, X, Y] = ['A', 'B', 'C', 'X', 'Y'];
  const inbound = async (p: string, contact: string) =>
    (await meowJson<MessageJson[]>(P(p), ['messages', contact]))
      .filter((m) => !m.outbound)
      .map((m) => m.text);
  const outbound = async (p: string, contact: string) =>
    (await meowJson<MessageJson[]>(P(p), ['messages', contact]))
      .filter((m) => m.outbound)
      .map((m) => [m.text, m.status]);
  const all = () => [P(A), P(B), P(C), P(X), P(Y)];

  async function pair(existing: string, fresh: string, name: string): Promise<void> {
    const r = await meow(P(fresh), ['pair', 'new', '--server', server.url, '--device-name', name]);
    expect(r.code, r.stderr).toBe(0);
    const link = r.stdout.trimEnd().split('\n').at(-1)!;
    expect(link).toMatch(/^meow:\/\/pair\?/);
    // accept waits for the new device to reveal its nonce (docs/pairing.md), then confirms here
    const accepting = meowJson<{ code: string; confirmed: boolean }>(P(existing), [
      'pair',
      'accept',
      link,
      '--yes',
    ]);
    const status = await meowJson<{ phase: string; code: string }>(P(fresh), [
      'pair',
      'status',
      '--wait',
      '5',
    ]);
    const accepted = await accepting;
    expect(accepted.confirmed).toBe(true);
    expect(status.code).toBe(accepted.code); // both screens show the same code
    // …and the new device's person confirms it too
    expect((await meowJson<{ confirmed: boolean }>(P(fresh), ['pair', 'confirm'])).confirmed).toBe(true);
    await settleCli(P(existing), P(fresh));
    expect((await meowJson<{ phase: string }>(P(fresh), ['pair', 'status'])).phase).toBe('done');
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meow-multi-'));
    server = await spawnServer(['--data', P('server')]);
    for (const [p, name] of [
      [A, 'Alice'],
      [X, 'Xavier'],
      [Y, 'Yasmin'],
    ] as const) {
      await meowJson(P(p), [
        'init',
        '--name',
        name,
        '--server',
        server.url,
        '--device-name',
        p === A ? 'desktop' : name,
      ]);
    }
    for (const [p, name] of [
      [X, 'Xavier'],
      [Y, 'Yasmin'],
    ] as const) {
      const { link } = await meowJson<{ link: string }>(P(A), ['invite', '--name', name]);
      await meowJson(P(p), ['accept', link, '--name', 'Alice']);
    }
    await settleCli(P(X), P(Y), P(A));
    await meowJson(P(A), ['send', 'Xavier', 'history before pairing']);
    await meowJson(P(A), ['profile', '--status', 'three devices']);
    await settleCli(P(A), P(X), P(Y));
  }, 120_000);
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pairing B then C to A: both see A’s contacts, profile, servers and history', async () => {
    await pair(A, B, 'laptop');
    await pair(A, C, 'tablet');
    await settleCli(P(A), P(B), P(C));
    for (const p of [B, C]) {
      const contacts = await meowJson<{ name: string }[]>(P(p), ['contacts']);
      expect(contacts.map((c) => c.name)).toEqual(['Xavier', 'Yasmin']);
      const profile = await meowJson<{ name: string; status: string; servers: string[] }>(P(p), ['profile']);
      expect(profile).toMatchObject({ name: 'Alice', status: 'three devices', servers: [server.url] });
      expect(await outbound(p, 'Xavier')).toEqual([['history before pairing', 'delivered']]);
    }
    const devices = await meowJson<DeviceJson[]>(P(B), ['devices']);
    expect(devices.map((d) => [d.name, d.thisDevice])).toEqual([
      ['laptop', true],
      ['desktop', false],
      ['tablet', false],
    ]);
    expect(devices.find((d) => d.name === 'desktop')!.primaryFor).toBe(2);
  });

  it('finding 8: a device has one name, the one it gave itself, shown the same everywhere and renameable from any device', async () => {
    const named = async (p: string) =>
      (await meowJson<DeviceJson[]>(P(p), ['devices'])).map((d) => [d.name, d.thisDevice, d.uid]);
    const onA = await named(A);
    expect(onA.map(([n, t]) => [n, t])).toEqual([
      ['desktop', true],
      ['laptop', false],
      ['tablet', false],
    ]);
    const onC = await named(C);
    expect(onC.map(([n, t]) => [n, t])).toEqual([
      ['tablet', true],
      ['desktop', false],
      ['laptop', false],
    ]);
    // one id per device, the same on every device
    expect(new Set([...onA, ...onC].map(([n, , uid]) => `${String(n)}=${String(uid)}`)).size).toBe(3);

    await meowJson(P(A), ['devices', 'rename', 'laptop', 'notebook']);
    await settleCli(P(A), P(B), P(C));
    expect((await named(B)).find(([, t]) => t)?.[0]).toBe('notebook');
    expect((await named(C)).some(([n]) => n === 'notebook')).toBe(true);
    // and back, from the device itself
    await meowJson(P(B), ['devices', 'rename', 'notebook', 'laptop']);
    await settleCli(P(B), P(A), P(C));
    expect((await named(A)).map(([n]) => n)).toEqual(['desktop', 'laptop', 'tablet']);
    expect((await named(C)).map(([n]) => n)).toEqual(['tablet', 'desktop', 'laptop']);
  });

  it('X writes to A: all three store it once; B writes to X: A forwards it, X gets it once, all three show it sent', async () => {
    await meowJson(P(X), ['send', 'Alice', 'hi from X']);
    await settleCli(P(X), P(A), P(B), P(C));
    for (const p of [A, B, C]) expect(await inbound(p, 'Xavier')).toEqual(['hi from X']);
    const queued = await meowJson<MessageJson>(P(B), ['send', 'Xavier', 'hi from B']);
    expect(queued.status).toBe('pending_forward');
    await settleCli(P(B), P(A), P(X), P(A), P(B), P(C));
    expect(await inbound(X, 'Alice')).toEqual(['history before pairing', 'hi from B']);
    expect(await meowJson<unknown[]>(P(X), ['contacts'])).toHaveLength(1);
    for (const p of [A, B, C]) {
      const mine = (await outbound(p, 'Xavier')).filter(([t]) => t === 'hi from B');
      expect(mine).toHaveLength(1);
      expect(['sent', 'delivered']).toContain(mine[0]![1]);
    }
  });

  it('A offline while B writes three: pending_forward, then out exactly once and in order when A returns', async () => {
    for (const t of ['b1', 'b2', 'b3']) await meowJson(P(B), ['send', 'Yasmin', t]);
    await settleCli(P(B), P(C), P(Y)); // everyone but A
    const waiting = (
      await meowJson<(MessageJson & { waitingFor?: string; waitingSince?: number })[]>(P(B), [
        'messages',
        'Yasmin',
      ])
    ).filter((m) => m.outbound);
    expect(waiting.map((m) => m.status)).toEqual(['pending_forward', 'pending_forward', 'pending_forward']);
    expect(waiting.every((m) => m.waitingFor && m.waitingSince)).toBe(true);
    const human = await meow(P(B), ['messages', 'Yasmin']);
    expect(human.stdout).toMatch(/waiting for desktop since/);
    expect(await inbound(Y, 'Alice')).toEqual([]);
    await settleCli(P(A), P(Y), P(A), P(B), P(C)); // A is back
    expect(await inbound(Y, 'Alice')).toEqual(['b1', 'b2', 'b3']);
    for (const p of [A, B, C])
      expect((await outbound(p, 'Yasmin')).map(([t]) => t)).toEqual(['b1', 'b2', 'b3']);
  });

  it('primary handover from A to B mid-conversation: nothing lost or duplicated, X notices nothing', async () => {
    const relationship = async () =>
      (
        await meowJson<{ uid: string; name: string; theirName: string; state: string }[]>(P(X), ['contacts'])
      ).map((c) => [c.uid, c.name, c.theirName, c.state]);
    const xBefore = await relationship();
    await meowJson(P(X), ['send', 'Alice', 'x during handover']);
    await meowJson(P(B), ['devices', 'make-primary', 'Xavier']);
    await meowJson(P(A), ['send', 'Xavier', 'a during handover']);
    await settleCli(...all(), ...all());
    const onB = await meowJson<DeviceJson[]>(P(B), ['devices']);
    expect(onB.find((d) => d.thisDevice)!.primaryFor).toBe(1);
    await meowJson(P(B), ['send', 'Xavier', 'b as primary']);
    await meowJson(P(X), ['send', 'Alice', 'x after handover']);
    await settleCli(...all(), ...all());
    expect(await inbound(X, 'Alice')).toEqual([
      'history before pairing',
      'hi from B',
      'a during handover',
      'b as primary',
    ]);
    for (const p of [A, B, C])
      expect(await inbound(p, 'Xavier')).toEqual(['hi from X', 'x during handover', 'x after handover']);
    expect(await relationship()).toEqual(xBefore);
  });

  it('unlink C: C is told and refused; A and B keep working', async () => {
    const r = await meowJson<{ unlinked: boolean }>(P(A), ['devices', 'unlink', 'tablet', '--yes']);
    expect(r.unlinked).toBe(true);
    // The unlink rotates A's channels, and `devices unlink` sends at once (the service flushes).
    // What A sends before a contact has the new keys is signed with the old key meanwhile
    // (test/security/unlinkRotation.test.ts).
    await settleCli(P(A), P(B), P(C), P(X), P(Y));
    const refused = await meow(P(C), ['send', 'Xavier', 'from C after unlink']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/unlinked/);
    await meowJson(P(B), ['send', 'Yasmin', 'B after unlink']);
    await settleCli(...all(), ...all());
    expect(await inbound(Y, 'Alice')).toContain('B after unlink');
    const onA = await meowJson<DeviceJson[]>(P(A), ['devices']);
    expect(onA.find((d) => d.name === 'tablet')!.state).toBe('unlinked');
  });

  it('finding 7: `messages --json` names the device a message waits for by the uid `devices --json` gives it', async () => {
    await meowJson(P(B), ['send', 'Yasmin', 'waits for the desktop']); // A, Yasmin's primary, is away
    const waiting = (await meowJson<WaitingJson[]>(P(B), ['messages', 'Yasmin'])).at(-1)!;
    expect(waiting).toMatchObject({ text: 'waits for the desktop', status: 'pending_forward' });
    const desktopOnB = (await meowJson<DeviceJson[]>(P(B), ['devices'])).find((d) => d.name === 'desktop')!;
    const desktopItself = (await meowJson<DeviceJson[]>(P(A), ['devices'])).find((d) => d.thisDevice)!;
    expect(waiting.waitingFor).toBe(desktopOnB.uid);
    expect(waiting.waitingFor).toBe(desktopItself.uid);
  });

  it('finding 9: the "waiting since" time stays put while the other devices sync', async () => {
    const sinceOf = async () =>
      (await meowJson<WaitingJson[]>(P(B), ['messages', 'Yasmin'])).find(
        (m) => m.text === 'waits for the desktop',
      )!;
    const before = await sinceOf();
    const line = (await meow(P(B), ['messages', 'Yasmin'])).stdout
      .split('\n')
      .find((l) => l.includes('waits for'));
    expect(before.waitingSince).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      await settleCli(P(B), P(Y)); // everyone but A
      await meowJson(P(B), ['sync', '--wait', '1']);
    }
    const after = await sinceOf();
    expect(after.status).toBe('pending_forward');
    expect(after.waitingSince).toBe(before.waitingSince);
    expect(
      (await meow(P(B), ['messages', 'Yasmin'])).stdout.split('\n').find((l) => l.includes('waits for')),
    ).toBe(line);
    await settleCli(P(A), P(Y), P(A), P(B)); // A is back: it goes
    expect(await inbound(Y, 'Alice')).toContain('waits for the desktop');
  });
});
