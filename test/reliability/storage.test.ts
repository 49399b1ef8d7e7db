/**
 * Client storage under faults: the disk filling up during writes (a small tmpfs, which
 * needs root to mount: skipped with the reason otherwise), and store files corrupted or
 * truncated on disk (a clear error naming the file; the damaged file is left as it was).
 */
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Messenger } from '../../main/core/messenger/messenger.js';
import { netRelays } from '../../main/net/relayFactory.js';
import {
  befriend,
  createProfile,
  openProfile,
  PASSWORD,
  settle,
  startEnv,
  TEST_LOG_N,
  type Env,
} from '../core/harness.js';
import { noticeText } from '../../shared/notices.js';
import { nextEvent, serviceFor } from '../service/helpers.js';
import { inbound, tally } from './people.js';
import { record } from './report.js';

function tryMount(dir: string, size: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const probe = mkdtempSync(join(tmpdir(), 'meow-tmpfs-probe-'));
const canMount = tryMount(probe, '1m');
if (canMount) execFileSync('umount', [probe]);
rmSync(probe, { recursive: true, force: true });

/** Fills the file system of `dir` to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'w');
  for (let chunk = 1 << 20; chunk >= 1; chunk >>= 1) {
    const buf = Buffer.alloc(chunk, 0x55);
    for (;;) {
      try {
        writeSync(fd, buf);
      } catch {
        break;
      }
    }
  }
  closeSync(fd);
  return path;
}

const code = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as { code?: string }).code ?? 'ERROR',
  );

describe('disk full during writes (a small tmpfs)', () => {
  let env: Env;
  let mnt: string;
  beforeAll(async () => {
    env = await startEnv('embedded');
    mnt = mkdtempSync(join(tmpdir(), 'meow-tmpfs-'));
  });
  afterAll(async () => {
    if (canMount) execFileSync('umount', ['-l', mnt], { stdio: 'ignore' });
    rmSync(mnt, { recursive: true, force: true });
    await env?.close();
  });

  it.skipIf(!canMount)(
    'a write that finds the disk full rolls back with DISK_FULL; work resumes when space returns',
    async () => {
      expect(tryMount(mnt, '32m')).toBe(true);
      const alice = await Messenger.create(
        join(mnt, 'alice'),
        PASSWORD,
        { nickname: 'alice', serverUrl: env.relay.url, logN: TEST_LOG_N, deviceName: 'full disk' },
        { relays: netRelays, log: env.log },
      );
      const bob = await createProfile(env, 'bob');
      try {
        await befriend(alice, bob);
        await alice.send('bob', 'before');
        const filler = fill(mnt);
        const errors: Record<string, number> = {};
        const sends: string[] = [];
        for (let i = 0; i < 5; i++) {
          const c = await code(alice.send('bob', `during ${i}`));
          errors[c] = (errors[c] ?? 0) + 1;
          if (c === 'ok') sends.push(`during ${i}`);
        }
        for (let i = 0; i < 5; i++) await bob.send('alice', `to a full disk ${i}`);
        const syncs: string[] = [];
        for (let i = 0; i < 3; i++) syncs.push(await code(alice.sync()));
        const shownWhileFull = inbound(alice, 'bob').length;
        unlinkSync(filler);
        await settle(alice, bob);
        await alice.send('bob', 'after');
        await settle(alice, bob);
        const toBob = ['before', ...sends, 'after'];
        const toAlice = Array.from({ length: 5 }, (_, i) => `to a full disk ${i}`);
        const ab = tally(toBob, inbound(bob, 'alice'));
        const ba = tally(toAlice, inbound(alice, 'bob'));
        record({
          case: 'disk full during writes (tmpfs)',
          faults: {
            diskFull: 1,
            refusedWrites: (errors['DISK_FULL'] ?? 0) + syncs.filter((s) => s !== 'ok').length,
          },
          expected: toBob.length + toAlice.length,
          lost: ab.lost + ba.lost,
          shownTwice: ab.shownTwice + ba.shownTwice,
          notes: `sends while full: ${JSON.stringify(errors)}; syncs while full: ${syncs.join(', ')}; ${shownWhileFull} shown while full`,
        });
        expect(errors['DISK_FULL'] ?? 0).toBeGreaterThan(0);
        expect(Object.keys(errors).filter((k) => k !== 'DISK_FULL' && k !== 'ok')).toEqual([]);
        expect(syncs.filter((s) => s !== 'ok' && s !== 'DISK_FULL')).toEqual([]);
        expect({ ...ab }).toEqual({ lost: 0, shownTwice: 0 });
        expect({ ...ba }).toEqual({ lost: 0, shownTwice: 0 });
      } finally {
        await alice.close().catch(() => undefined);
        await bob.close();
      }
    },
  );
});

describe('a corrupted or truncated store file', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await env?.close();
  });

  /** A profile with a contact and a few messages, closed; returns its folder. */
  async function profileWithHistory(name: string): Promise<string> {
    const a = await createProfile(env, name);
    const b = await createProfile(env, `${name}-peer`);
    await befriend(a, b);
    for (let i = 0; i < 3; i++) await a.send(`${name}-peer`, `m${i}`);
    await settle(a, b);
    await a.close();
    await b.close();
    return env.profile(name);
  }

  /**
   * messages.db damaged: the profile opens on a fresh store, the damaged file kept aside.
   * The channels' ratchets live in messages.db (channel_state): where the damage reached
   * them, those conversations cannot go on, and the notice names the contacts to invite again.
   */
  const dbDamages: { name: string; keys: 'recovered' | 'lost'; damage: (path: string) => void }[] = [
    {
      name: 'messages.db truncated to a third',
      keys: 'lost',
      damage: (p) => truncateSync(p, Math.floor(statSync(p).size / 3)),
    },
    {
      name: 'messages.db header overwritten',
      keys: 'recovered',
      damage: (p) => {
        const b = readFileSync(p);
        b.fill(0x41, 0, 100);
        writeFileSync(p, b);
      },
    },
    {
      name: 'messages.db garbled after its first page',
      keys: 'lost',
      damage: (p) => {
        const b = readFileSync(p);
        for (let i = 4096; i < b.length; i += 13) b[i] = b[i]! ^ 0xff;
        writeFileSync(p, b);
      },
    },
  ];

  it('through the service: unlocking a profile whose messages.db is damaged raises the notice naming the file', async () => {
    const dir = await profileWithHistory('svc-damaged-db');
    const file = join(dir, 'messages.db');
    truncateSync(file, Math.floor(statSync(file).size / 3));
    const s = serviceFor(env, 'svc-damaged-db');
    try {
      const seen = nextEvent(s, 'notice', (n) => n.code === 'MESSAGE_STORE_REPLACED');
      await s.unlock({ password: PASSWORD });
      const n = await seen;
      expect(n.text).toContain(file);
      expect(n.text).toContain(`${file}.damaged-`);
      expect(existsSync(String(n.params['keptAs']))).toBe(true);
    } finally {
      await s.close();
    }
  });

  for (const d of dbDamages) {
    const then =
      d.keys === 'recovered' ? 'new messages flow' : 'the notice names the contact to invite again';
    it(`${d.name}: the profile opens on a new store, the damaged file kept and named; ${then}`, async () => {
      const name = d.name.replace(/\W+/g, '-');
      const dir = await profileWithHistory(name);
      const file = join(dir, 'messages.db');
      d.damage(file);
      const damaged = readFileSync(file);
      const a = await openProfile(env, name);
      const b = await openProfile(env, `${name}-peer`);
      try {
        const r = a.rescue!;
        expect(r).not.toBeNull();
        expect(r.file).toBe(file);
        // Kept aside byte for byte, never deleted; the notice names both.
        expect(readFileSync(r.keptAs).equals(damaged)).toBe(true);
        const n = a.openNotices.find((x) => x.code === 'MESSAGE_STORE_REPLACED')!;
        expect(n.params).toMatchObject({ file, keptAs: r.keptAs });
        const text = noticeText(n.code, n.params);
        expect(text).toContain(file);
        expect(text).toContain(r.keptAs);
        // Identity and contacts open; what was readable came over.
        expect(a.identity.nickname).toBe(name);
        expect(a.contacts().map((c) => c.name)).toEqual([`${name}-peer`]);
        const keysKept = !!a.findContact(`${name}-peer`).drState;
        const kept = a.messages(`${name}-peer`).map((m) => m.text);
        record({
          case: `corrupted store: ${d.name}`,
          faults: { damagedFiles: 1 },
          badInputs: 1,
          expected: 3,
          lost: 3 - kept.length,
          lossExpected: true,
          shownTwice: 0,
          notes:
            `opened on a new store; damaged file kept as ${r.keptAs.slice(dir.length + 1)}; ` +
            `recovered ${JSON.stringify(r.recovered)}; conversation keys ${keysKept ? 'recovered' : 'lost (notice: invite again)'}`,
        });
        expect(keysKept ? 'recovered' : 'lost').toBe(d.keys);
        expect(n.params['lostKeys']).toBe(keysKept ? '' : `${name}-peer`);
        if (!keysKept) {
          expect(text).toContain(`invite them again`);
          return; // nothing more can flow on this channel: the notice says so
        }
        expect(kept).toEqual(['m0', 'm1', 'm2']);
        await b.send(name, 'after the damage');
        await a.send(`${name}-peer`, 'and back');
        await settle(a, b);
        expect(inbound(a, `${name}-peer`)).toContain('after the damage');
        expect(inbound(b, name)).toContain('and back');
        expect(tally(['after the damage'], inbound(a, `${name}-peer`)).shownTwice).toBe(0);
      } finally {
        await a.close();
        await b.close();
      }
    });
  }

  /** Files the profile cannot open without: a clear error naming them. */
  const damages: {
    name: string;
    file: (dir: string) => string;
    damage: (path: string) => void;
    leveldb?: boolean;
  }[] = [
    {
      name: 'contacts store damaged',
      leveldb: true,
      file: (d) => {
        const f = readdirSync(join(d, 'peers')).find(
          (x) => /\.(ldb|log)$/.test(x) && statSync(join(d, 'peers', x)).size > 0,
        )!;
        return join(d, 'peers', f);
      },
      damage: (p) => {
        const b = readFileSync(p);
        for (let i = 16; i < b.length; i += 7) b[i] = b[i]! ^ 0xff;
        writeFileSync(p, b);
      },
    },
    {
      name: 'identity.json truncated',
      file: (d) => join(d, 'identity.json'),
      damage: (p) => truncateSync(p, Math.floor(statSync(p).size / 2)),
    },
    {
      name: 'identity.json garbled',
      file: (d) => join(d, 'identity.json'),
      damage: (p) => {
        const b = readFileSync(p);
        for (let i = Math.floor(b.length / 3); i < b.length; i += 5) b[i] = 0x7a;
        writeFileSync(p, b);
      },
    },
  ];

  for (const d of damages) {
    it(`${d.name}: a clear error naming the file, never a silent loss`, async () => {
      const dir = await profileWithHistory(d.name.replace(/\W+/g, '-'));
      const file = d.file(dir);
      d.damage(file);
      const damaged = readFileSync(file);
      const err = await openProfile(env, d.name.replace(/\W+/g, '-')).then(
        async (m) => {
          const contacts = m.peers.all().length;
          await m.close();
          return { code: 'OPENED', message: `opened with ${contacts} contacts (${file})` };
        },
        (e: unknown) => e as { code: string; message: string },
      );
      record({
        case: `corrupted store: ${d.name}`,
        faults: { damagedFiles: 1 },
        badInputs: 1,
        lost: 0,
        shownTwice: 0,
        notes: err ? `${err.code}: ${err.message}` : 'opened',
      });
      expect(err?.code).toBe('CORRUPTED');
      expect(err?.message).toContain(d.leveldb ? dirname(file) : file);
      // SQLite and JSON files are left as they were; LevelDB has already rewritten its log on open.
      if (!d.leveldb) expect(readFileSync(file).equals(damaged)).toBe(true);
    });
  }
});
