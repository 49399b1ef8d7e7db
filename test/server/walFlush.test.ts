/**
 * The embedded store flushes its write-ahead log off the event loop (server/store/walSync.ts):
 * a post is answered only once the flush that covers it has ended, while the pulls and
 * sessions waiting on its queue are woken at its commit (the flush stays out of the
 * delivery path: a process crash keeps what is committed);
 * commits made while a flush runs share the next one; a failed flush fails its posts
 * with a clear error. The flush is the real SqliteStore's, with fdatasync replaced by a
 * gate the test opens (what is on the disk itself is the kernel's business).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { StoreUnavailableError } from '../../server/errors.js';
import { SqliteStore } from '../../server/store/sqlite.js';
import type { NewMessage, PostOutcome } from '../../server/store/types.js';

const dir = mkdtempSync(join(tmpdir(), 'meow-walflush-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 24 * 3600_000;
const msg = (lookup: string): NewMessage => ({ lookup, id: toHex(randomBytes(16)), bytes: randomBytes(40) });
const turn = () => new Promise((r) => setTimeout(r, 20));

/** A stand-in for fdatasync: each call waits until the test releases it (or fails it). */
function gatedSync() {
  const calls: { fd: number; release: () => void; fail: (e: Error) => void }[] = [];
  const sync = (fd: number) =>
    new Promise<void>((resolve, reject) => calls.push({ fd, release: resolve, fail: reject }));
  return { calls, sync };
}

function settled<T>(p: Promise<T>) {
  const s = { done: false, value: undefined as T | undefined, error: undefined as unknown };
  p.then(
    (v) => Object.assign(s, { done: true, value: v }),
    (e: unknown) => Object.assign(s, { done: true, error: e }),
  );
  return s;
}

describe('embedded store: posts answered only after the log is flushed, subscribers woken at the commit', () => {
  it('holds each post until its flush ends; posts committed during a flush share the next one', async () => {
    const gate = gatedSync();
    const s = new SqliteStore(join(dir, 'gate.db'), { sync: gate.sync });
    const q = toHex(randomBytes(32));
    const woken: (string[] | null)[] = [];
    s.onWake((l) => woken.push(l));
    const now = Date.now();

    const a = settled(s.post([msg(q)], now, 100, DAY));
    await turn();
    expect(gate.calls).toHaveLength(1); // A's commit is being flushed
    expect(a.done).toBe(false);
    expect(woken).toEqual([[q]]); // woken at the commit: delivery does not wait for the disk

    // Three more posts, in two turns, while A's flush runs: committed, not answered.
    const b = settled(s.post([msg(q)], now, 100, DAY));
    const c = settled(s.post([msg(q)], now, 100, DAY));
    await turn();
    const d = settled(s.post([msg(q)], now, 100, DAY));
    await turn();
    expect(gate.calls).toHaveLength(1);
    expect([a.done, b.done, c.done, d.done]).toEqual([false, false, false, false]);
    expect(woken).toEqual([[q], [q], [q]]); // one wake-up per commit (B and C shared a turn)

    gate.calls[0]!.release();
    await turn();
    expect(a.value).toEqual<PostOutcome>({ ok: true, added: 1 });
    expect(woken).toHaveLength(3); // the flush wakes nobody again
    // One more flush covers B, C and D (they were written after A's flush began).
    expect(gate.calls).toHaveLength(2);
    expect([b.done, c.done, d.done]).toEqual([false, false, false]);

    gate.calls[1]!.release();
    await turn();
    expect([b.value, c.value, d.value]).toEqual([
      { ok: true, added: 1 },
      { ok: true, added: 1 },
      { ok: true, added: 1 },
    ]);
    expect(gate.calls).toHaveLength(2); // four posts, two flushes
    expect(await s.queueLength(q)).toBe(4);
    const closing = s.close();
    await closing;
  });

  it('a failed flush fails its posts with STORE_UNAVAILABLE, and the next flush serves later posts', async () => {
    const gate = gatedSync();
    const s = new SqliteStore(join(dir, 'fail.db'), { sync: gate.sync });
    const q = toHex(randomBytes(32));
    const a = settled(s.post([msg(q)], Date.now(), 100, DAY));
    await turn();
    gate.calls[0]!.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await turn();
    expect(a.error).toBeInstanceOf(StoreUnavailableError);
    expect((a.error as Error).message).toMatch(/flushing the log: EIO/);

    const b = settled(s.post([msg(q)], Date.now(), 100, DAY));
    await turn();
    expect(gate.calls).toHaveLength(2);
    gate.calls[1]!.release();
    await turn();
    expect(b.value).toEqual({ ok: true, added: 1 });
    await s.close();
  });

  it('sender keys and invitations wait for the flush too; close waits for the flush under way', async () => {
    const gate = gatedSync();
    const s = new SqliteStore(join(dir, 'other.db'), { sync: gate.sync });
    const now = Date.now();
    const keys = settled(s.setSenders([{ lookup: 'ab'.repeat(32), keys: [randomBytes(32)] }], now, DAY));
    await turn();
    expect(gate.calls).toHaveLength(1);
    expect(keys.done).toBe(false);
    gate.calls[0]!.release();
    await turn();
    expect(keys.done).toBe(true);

    const inv = settled(
      s.putInvitation({
        id: 'inv-0001',
        blob: randomBytes(10),
        expiresAt: now + DAY,
        ownerKey: randomBytes(32),
      }),
    );
    await turn();
    expect(gate.calls).toHaveLength(2);
    const closed = settled(s.close());
    await turn();
    expect([inv.done, closed.done]).toEqual([false, false]);
    gate.calls[1]!.release();
    await turn();
    expect(inv.value).toBe(true);
    expect(closed.done).toBe(true);
  });

  it('with the real fdatasync, posts survive a reopen', async () => {
    const file = join(dir, 'real.db');
    const s = new SqliteStore(file);
    const q = toHex(randomBytes(32));
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, () => s.post([msg(q)], Date.now(), 100, DAY)),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    await s.close();
    const again = new SqliteStore(file);
    expect(await again.queueLength(q)).toBe(5);
    await again.close();
  });
});
