/**
 * The one contract every relay store passes (embedded SQLite, Redis, Redis Cluster).
 * `harness.namespace()` gives a fresh, empty namespace; calling what it returns opens
 * another store instance on that namespace (same file, or same Redis and prefix).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';
import { StoreUnavailableError } from '../../server/errors.js';
import type { NewMessage, RelayStore } from '../../server/store/types.js';

export interface StoreHarness {
  namespace(): () => Promise<RelayStore>;
  /** Instances on one namespace wake each other (several server processes on one Redis). */
  sharedWakeups: boolean;
}

const DAY = 24 * 3600_000;
const lookup = () => toHex(randomBytes(32));
function message(dest: string, size = 40): NewMessage {
  const bytes = randomBytes(size);
  return { lookup: dest, id: toHex(randomBytes(16)), bytes };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function storeContract(name: string, harness: () => StoreHarness): void {
  describe(`store contract: ${name}`, () => {
    const opened: RelayStore[] = [];
    const open = async (ns: () => Promise<RelayStore>) => {
      const s = await ns();
      opened.push(s);
      return s;
    };
    const fresh = async () => open(harness().namespace());
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it('queues in arrival order and hands out ids, times and bytes', async () => {
      const s = await fresh();
      const q = lookup();
      const batch = [message(q), message(q), message(q)];
      const now = Date.now();
      expect(await s.post(batch, now, 100, DAY)).toEqual({ ok: true, added: 3 });
      const more = message(q);
      expect(await s.post([more], now, 100, DAY)).toEqual({ ok: true, added: 1 });
      const got = await s.fetch([q], 100, now, DAY);
      expect(got.more).toBe(false);
      expect(got.messages.map((m) => m.id)).toEqual([...batch, more].map((m) => m.id));
      for (const [i, m] of got.messages.entries()) {
        expect(m.lookup).toBe(q);
        expect(m.arrivedAt).toBe(now);
        expect(new Uint8Array(m.bytes)).toEqual([...batch, more][i]!.bytes);
      }
      expect(await s.queueLength(q)).toBe(4);
    });

    it('makes unknown and emptied queues look alike', async () => {
      const s = await fresh();
      const q = lookup();
      const m = message(q);
      await s.post([m], Date.now(), 10, DAY);
      expect(await s.ack([{ lookup: q, ids: [m.id] }])).toBe(1);
      const emptied = await s.fetch([q], 10, Date.now(), DAY);
      const unknown = await s.fetch([lookup()], 10, Date.now(), DAY);
      expect(emptied).toEqual({ messages: [], more: false });
      expect(unknown).toEqual(emptied);
      expect(await s.queueLength(q)).toBe(0);
    });

    it('keeps a re-posted message once (same id), in a batch and across posts', async () => {
      const s = await fresh();
      const q = lookup();
      const m = message(q);
      expect(await s.post([m, m], Date.now(), 10, DAY)).toEqual({ ok: true, added: 1 });
      expect(await s.post([m], Date.now(), 10, DAY)).toEqual({ ok: true, added: 0 });
      expect(await s.queueLength(q)).toBe(1);
    });

    it('returns at most max messages, oldest first across the named queues, and says more', async () => {
      const s = await fresh();
      const [a, b] = [lookup(), lookup()];
      const inA = [message(a), message(a), message(a)];
      const inB = [message(b), message(b)];
      await s.post([...inA, ...inB], Date.now(), 10, DAY);
      const two = await s.fetch([a, b], 2, Date.now(), DAY);
      expect(two.messages.map((m) => m.id)).toEqual(inA.slice(0, 2).map((m) => m.id));
      expect(two.more).toBe(true);
      const four = await s.fetch([a, b], 4, Date.now(), DAY);
      expect(four.messages.map((m) => m.id)).toEqual([...inA, inB[0]!].map((m) => m.id));
      expect(four.more).toBe(true);
      const all = await s.fetch([b, a], 10, Date.now(), DAY);
      expect(all.messages).toHaveLength(5);
      expect(all.more).toBe(false);
      expect(new Set(all.messages.filter((m) => m.lookup === b).map((m) => m.id))).toEqual(
        new Set(inB.map((m) => m.id)),
      );
    });

    it('removes only acknowledged messages of the named queue; a repeated ack does nothing', async () => {
      const s = await fresh();
      const [a, b] = [lookup(), lookup()];
      const [m1, m2] = [message(a), message(a)];
      const other = message(b);
      await s.post([m1, m2, other], Date.now(), 10, DAY);
      expect(await s.ack([{ lookup: b, ids: [m1.id] }])).toBe(0); // wrong queue
      expect(await s.ack([{ lookup: a, ids: [m1.id, toHex(randomBytes(16))] }])).toBe(1);
      expect(await s.ack([{ lookup: a, ids: [m1.id] }])).toBe(0);
      expect((await s.fetch([a, b], 10, Date.now(), DAY)).messages.map((m) => m.id)).toEqual([
        m2.id,
        other.id,
      ]);
      expect(await s.ack([])).toBe(0);
    });

    it('a fetch issued right after an ack (not awaited) does not see the acked messages', async () => {
      const s = await fresh();
      const q = lookup();
      const [a, b] = [message(q), message(q)];
      await s.post([a, b], Date.now(), 10, DAY);
      const [n, got] = await Promise.all([
        s.ack([{ lookup: q, ids: [a.id] }]),
        s.fetch([q, lookup()], 10, Date.now(), DAY),
      ]);
      expect(n).toBe(1);
      expect(got.messages.map((m) => m.id)).toEqual([b.id]);
      const [, one] = await Promise.all([
        s.ack([{ lookup: q, ids: [b.id] }]),
        s.fetch([q], 10, Date.now(), DAY),
      ]);
      expect(one).toEqual({ messages: [], more: false });
    });

    it('refuses a post that would pass the queue bound and keeps the old messages', async () => {
      const s = await fresh();
      const [a, b] = [lookup(), lookup()];
      const old = [message(a), message(a)];
      expect(await s.post(old, Date.now(), 3, DAY)).toEqual({ ok: true, added: 2 });
      // Two more for a queue with room for one: the batch is refused, nothing stored.
      expect(await s.post([message(a), message(a)], Date.now(), 3, DAY)).toEqual({ ok: false, full: a });
      // A batch over two queues, one of which overflows: nothing stored in either.
      const forB = message(b);
      expect(await s.post([forB, message(a), message(a)], Date.now(), 3, DAY)).toEqual({
        ok: false,
        full: a,
      });
      expect(await s.queueLength(a)).toBe(2);
      expect(await s.queueLength(b)).toBe(0);
      // At the bound: accepted; then full; a re-post of a queued message is still fine.
      expect(await s.post([message(a)], Date.now(), 3, DAY)).toEqual({ ok: true, added: 1 });
      expect(await s.post([message(a)], Date.now(), 3, DAY)).toEqual({ ok: false, full: a });
      expect(await s.post([old[0]!], Date.now(), 3, DAY)).toEqual({ ok: true, added: 0 });
      expect((await s.fetch([a], 10, Date.now(), DAY)).messages.slice(0, 2).map((m) => m.id)).toEqual(
        old.map((m) => m.id),
      );
    });

    it('never returns messages past retention, does not count them, and prunes them', async () => {
      const s = await fresh();
      const q = lookup();
      const retention = 300;
      const old = [message(q), message(q)];
      await s.post(old, Date.now(), 2, retention);
      await sleep(450);
      const now = Date.now();
      expect(await s.fetch([q], 10, now, retention)).toEqual({ messages: [], more: false });
      // The expired messages leave room in a full queue.
      const fresh1 = message(q);
      expect(await s.post([fresh1], now, 2, retention)).toEqual({ ok: true, added: 1 });
      await s.prune(now, retention);
      expect(await s.queueLength(q)).toBe(1);
      expect((await s.fetch([q], 10, now, retention)).messages.map((m) => m.id)).toEqual([fresh1.id]);
      // A queue nobody touches again disappears as a whole.
      const idle = lookup();
      await s.post([message(idle)], Date.now(), 2, retention);
      await sleep(450);
      await s.prune(Date.now(), retention);
      expect(await s.queueLength(idle)).toBe(0);
    });

    it('records a nonce once, whoever sends it again', async () => {
      const s = await fresh();
      const n1 = toHex(randomBytes(16));
      const now = Date.now();
      expect(await s.useNonce(n1, now, 60_000)).toBe(true);
      expect(await s.useNonce(n1, now, 60_000)).toBe(false);
      expect(await s.useNonce(n1, now + 1000, 60_000)).toBe(false);
      expect(await s.useNonce(toHex(randomBytes(16)), now, 60_000)).toBe(true);
    });

    it('forgets nonces after their time to live', async () => {
      const s = await fresh();
      const n = toHex(randomBytes(16));
      expect(await s.useNonce(n, Date.now(), 200)).toBe(true);
      await sleep(350);
      await s.prune(Date.now(), DAY);
      expect(await s.useNonce(n, Date.now(), 200)).toBe(true);
    });

    it('takes tokens from a bucket per key, refilling at the rate; a refusal takes nothing', async () => {
      const s = await fresh();
      const rate = { perSec: 2, burst: 3 };
      const key = `a:${lookup()}`;
      const now = Date.now();
      expect(await s.takeTokens(key, 2, now, rate)).toBe(true);
      expect(await s.takeTokens(key, 2, now, rate)).toBe(false); // one left: nothing taken
      expect(await s.takeTokens(key, 1, now, rate)).toBe(true);
      expect(await s.takeTokens(key, 1, now, rate)).toBe(false);
      // 1 token per 500 ms
      expect(await s.takeTokens(key, 1, now + 600, rate)).toBe(true);
      expect(await s.takeTokens(key, 1, now + 600, rate)).toBe(false);
      // other keys have their own bucket; a count above the burst asks for a full bucket
      const other = `q:${lookup()}`;
      expect(await s.takeTokens(other, 50, now, rate)).toBe(true);
      expect(await s.takeTokens(other, 1, now, rate)).toBe(false);
    });

    it('keeps the sender keys of secured queues, replaces them, and forgets them after their ttl', async () => {
      const s = await fresh();
      const [a, b, open] = [lookup(), lookup(), lookup()];
      const [k1, k2, k3] = [randomBytes(32), randomBytes(32), randomBytes(32)];
      const now = Date.now();
      expect((await s.senders([a, b, open], now)).size).toBe(0);
      await s.setSenders(
        [
          { lookup: a, keys: [k1] },
          { lookup: b, keys: [k2, k3] },
        ],
        now,
        DAY,
      );
      const got = await s.senders([a, b, open], now);
      expect([...got.keys()].sort()).toEqual([a, b].sort());
      expect(got.get(a)!.map((k) => toHex(k))).toEqual([toHex(k1)]);
      expect(got.get(b)!.map((k) => toHex(k))).toEqual([toHex(k2), toHex(k3)]);
      await s.setSenders([{ lookup: a, keys: [k3] }], now, 300);
      expect((await s.senders([a], now)).get(a)!.map((k) => toHex(k))).toEqual([toHex(k3)]);
      await sleep(450);
      await s.prune(Date.now(), DAY);
      expect((await s.senders([a, b], Date.now())).has(a)).toBe(false);
      expect((await s.senders([a, b], Date.now())).has(b)).toBe(true);
    });

    it('bounds an open queue by the open bound and a secured one by the full bound', async () => {
      const s = await fresh();
      const [q, other] = [lookup(), lookup()];
      const now = Date.now();
      expect(await s.post([message(q), message(q)], now, 10, DAY, 2)).toEqual({ ok: true, added: 2 });
      expect(await s.post([message(q)], now, 10, DAY, 2)).toEqual({ ok: false, full: q });
      // a batch over two queues, one of them an open queue at its bound: nothing stored
      expect(await s.post([message(other), message(q)], now, 10, DAY, 2)).toEqual({ ok: false, full: q });
      expect(await s.queueLength(other)).toBe(0);
      await s.setSenders([{ lookup: q, keys: [randomBytes(32)] }], now, DAY);
      expect(await s.post([message(q), message(q)], now, 10, DAY, 2)).toEqual({ ok: true, added: 2 });
      expect(await s.queueLength(q)).toBe(4);
    });

    it('stores, reads and deletes invitations', async () => {
      const s = await fresh();
      const inv = {
        id: toHex(randomBytes(8)),
        blob: randomBytes(300),
        expiresAt: Date.now() + 60_000,
        ownerKey: randomBytes(32),
      };
      expect(await s.putInvitation(inv, Date.now())).toBe(true);
      expect(await s.putInvitation({ ...inv, blob: randomBytes(5) }, Date.now())).toBe(false);
      const got = await s.getInvitation(inv.id);
      expect(
        got && { ...got, blob: new Uint8Array(got.blob), ownerKey: new Uint8Array(got.ownerKey) },
      ).toEqual(inv);
      expect(await s.getInvitation('nope-nope-nope')).toBeNull();
      expect(await s.deleteInvitation(inv.id)).toBe(true);
      expect(await s.deleteInvitation(inv.id)).toBe(false);
      expect(await s.getInvitation(inv.id)).toBeNull();
      // An expired invitation stays readable for a grace period (so a reader hears EXPIRED).
      const past = { ...inv, id: toHex(randomBytes(8)), expiresAt: Date.now() - 1000 };
      expect(await s.putInvitation(past, Date.now())).toBe(true);
      await s.prune(Date.now(), DAY);
      expect((await s.getInvitation(past.id))?.expiresAt).toBe(past.expiresAt);
    });

    it('wakes listeners when a post stores something', async () => {
      const ns = harness().namespace();
      const s = await open(ns);
      const woken: (string[] | null)[] = [];
      s.onWake((l) => woken.push(l));
      const q = lookup();
      const m = message(q);
      await s.post([m], Date.now(), 10, DAY);
      expect(woken).toContainEqual([q]);
      if (harness().sharedWakeups) {
        // Another instance (another process) is woken for the queues it watches, and only those.
        const other = await open(ns);
        const heard: (string[] | null)[] = [];
        other.onWake((l) => heard.push(l));
        const watch = other.watch([q]);
        expect(await watch.routed).toBe(true);
        const seen = new Promise<string[] | null>((resolve) =>
          other.onWake((l) => l?.includes(q) && resolve(l)),
        );
        const unwatched = lookup();
        await s.post([message(unwatched)], Date.now(), 10, DAY);
        await s.post([message(q)], Date.now(), 10, DAY);
        expect(await seen).toEqual([q]);
        await sleep(100);
        expect(heard.flat()).not.toContain(unwatched);
        expect(other.wakeStats().watched).toBe(1);
        watch.release();
      }
    });

    it('keeps messages across a close and reopen', async () => {
      const ns = harness().namespace();
      const s = await open(ns);
      const q = lookup();
      const m = message(q, 1000);
      await s.post([m], Date.now(), 10, DAY);
      await s.close();
      const again = await open(ns);
      const got = await again.fetch([q], 10, Date.now(), DAY);
      expect(got.messages.map((x) => x.id)).toEqual([m.id]);
      expect(new Uint8Array(got.messages[0]!.bytes)).toEqual(m.bytes);
    });

    it('counts queues and messages for metrics', async () => {
      const s = await fresh();
      const before = await s.stats();
      const [a, b] = [lookup(), lookup()];
      await s.post([message(a), message(a), message(b)], Date.now(), 10, DAY);
      const after = await s.stats();
      expect(after.messages - before.messages).toBe(3);
      expect(after.queues - before.queues).toBe(2);
      await s.ping();
    });

    it('fails with StoreUnavailableError once closed (never a false success)', async () => {
      const s = await fresh();
      await s.close();
      await expect(s.post([message(lookup())], Date.now(), 10, DAY)).rejects.toBeInstanceOf(
        StoreUnavailableError,
      );
      await expect(s.fetch([lookup()], 10, Date.now(), DAY)).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(s.ping()).rejects.toBeInstanceOf(StoreUnavailableError);
    });
  });
}
