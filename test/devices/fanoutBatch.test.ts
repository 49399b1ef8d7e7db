/**
 * The fan-out to sibling devices in batches (messenger/syncRows.ts): a drain of N messages
 * with two siblings posts a few device messages per sibling, not N each; every sibling
 * shows every message once, in order — also when storage fails while merging, packing, or
 * after the relay took the batch; a malformed batch is refused with a clear error and the
 * messages around it are kept. Real relay, real profiles.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { syncItem } from '../../main/core/devices/payloads.js';
import { storageError } from '../../main/core/errors.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  settle,
  startEnv,
  type Env,
} from '../core/harness.js';

const diskFull = () =>
  storageError(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }), 'messages');

describe('fan-out to siblings in batches', () => {
  let env: Env;
  let open: Messenger[] = [];
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await env.close();
  });
  afterEach(async () => {
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    open = [];
  });

  /** Me (primary) with a friend and two siblings, the friend's first message synced everywhere. */
  async function family(tag: string) {
    const me = await createProfile(env, `me-${tag}`);
    const friend = await createProfile(env, `friend-${tag}`);
    const laptop = await createBlankDevice(env, `laptop-${tag}`);
    const tablet = await createBlankDevice(env, `tablet-${tag}`);
    open.push(me, friend, laptop, tablet);
    await befriend(me, friend);
    await pairDevices(me, laptop);
    await pairDevices(me, tablet);
    const F = friend.identity.nickname;
    await friend.send(me.identity.nickname, 'hello');
    await settle(friend, me, laptop, tablet);
    const siblings = [laptop, tablet];
    for (const s of siblings) expect(s.messages(F).map((m) => m.text)).toEqual(['hello']);
    return { me, friend, siblings, F };
  }

  /** Device messages each sibling takes from now on (distinct relay ids recorded as received). */
  function countReceived(m: Messenger): Set<string> {
    const ids = new Set<string>();
    const original = m.db.received.record.bind(m.db.received);
    m.db.received.record = (id, effects) => {
      ids.add(id);
      return original(id, effects);
    };
    return ids;
  }

  /** What each sibling shows from now on, through its 'message' events. */
  function shownOn(m: Messenger): string[] {
    const shown: string[] = [];
    m.on('message', (x) => shown.push(x.text));
    m.on('messages', (b) => shown.push(...b.stored.map((x) => x.text))); // many at once: one event
    return shown;
  }

  async function backlog(friend: Messenger, to: string, texts: string[]): Promise<void> {
    for (const t of texts) await friend.send(to, t);
    await friend.flushOutbox();
  }

  it('a drain with two siblings posts far fewer device messages than N×2; each sibling shows each once, in order', async () => {
    const { me, friend, siblings, F } = await family('count');
    const N = 60;
    const texts = Array.from({ length: N }, (_, i) => `fan ${i}`);
    const received = siblings.map(countReceived);
    const shown = siblings.map(shownOn);
    await backlog(friend, me.identity.nickname, texts);
    await me.sync(); // receives them and fans each out to both siblings
    await settle(me, ...siblings);
    for (const [i, s] of siblings.entries()) {
      expect(s.messages(F).map((m) => m.text)).toEqual(['hello', ...texts]);
      expect(shown[i]).toEqual(texts); // each shown once, in order
      // one device message per change would be N; batches of changes take a handful
      expect(received[i]!.size).toBeLessThanOrEqual(N / 10);
    }
  }, 120_000);

  it('a storage failure while merging, packing, or after the relay took a batch loses nothing and shows nothing twice', async () => {
    const { me, friend, siblings, F } = await family('fail');
    const shown = siblings.map(shownOn);
    const all: string[] = [];
    const db = me.db;
    // Each failure once, on a fresh backlog: (1) the merge, (2) packing, (3) after the post.
    const faults: [string, () => () => void][] = [
      [
        'merge',
        () => {
          const original = db.outbox.merge.bind(db.outbox);
          db.outbox.merge = () => {
            throw diskFull();
          };
          return () => (db.outbox.merge = original);
        },
      ],
      [
        'pack',
        () => {
          const original = db.outbox.setPacked.bind(db.outbox);
          let calls = 0;
          db.outbox.setPacked = (...a) => {
            if (++calls === 2) throw diskFull();
            return original(...a);
          };
          return () => (db.outbox.setPacked = original);
        },
      ],
      [
        'posted',
        () => {
          const original = db.outbox.done.bind(db.outbox);
          db.outbox.done = (row, ...rest) => {
            if (row.channel === 'device') throw diskFull();
            return original(row, ...rest);
          };
          return () => (db.outbox.done = original);
        },
      ],
    ];
    for (const [name, inject] of faults) {
      const texts = Array.from({ length: 30 }, (_, i) => `${name} ${i}`);
      all.push(...texts);
      await backlog(friend, me.identity.nickname, texts);
      const restore = inject();
      await expect(me.sync(), name).rejects.toMatchObject({ code: 'DISK_FULL' });
      restore();
      await settle(me, ...siblings);
      for (const [i, s] of siblings.entries()) {
        expect(
          s.messages(F).map((m) => m.text),
          name,
        ).toEqual(['hello', ...all]);
        expect(shown[i], name).toEqual(all);
      }
    }
    expect(me.db.outbox.size()).toBe(0);
  }, 180_000);

  it('a malformed batch is refused with a clear error; the messages around it are kept', async () => {
    const { me, friend, siblings, F } = await family('bad');
    const [laptop] = siblings;
    const onMe = me.deviceSync.siblings().find((d) => d.deviceId === laptop!.identity.uid)!;
    const first = ['before 1', 'before 2', 'before 3'];
    const second = ['after 1', 'after 2', 'after 3'];
    await backlog(friend, me.identity.nickname, first);
    await me.sync();
    const bad = (batch: object[]) => syncItem(onMe, { syncType: 'batch', batch }, me.identity.uid);
    me.db.outbox.enqueue([
      bad([{ syncType: 'peer_update', dedupId: 'x1', peerUid: 'someone' }]),
      bad([]),
      bad([
        { syncType: 'msg', dedupId: 'x2', peerUid: 'someone', dbMessage: { uuid: 'u' } },
        { syncType: 'msg', dedupId: 'x2', peerUid: 'someone', dbMessage: { uuid: 'v' } },
      ]),
    ]);
    await me.flushOutbox();
    await backlog(friend, me.identity.nickname, second);
    await me.sync();
    const before = env.logs.length;
    await settle(laptop!, me);
    expect(laptop!.messages(F).map((m) => m.text)).toEqual(['hello', ...first, ...second]);
    const refused = env.logs.slice(before).filter((l) => l.includes('refused a device sync'));
    expect(refused).toHaveLength(3);
    expect(refused[0]).toContain('change 1 has sync type \\"peer_update\\"');
    expect(refused[1]).toContain('0 changes');
    expect(refused[2]).toContain('repeats the dedup id');
  }, 120_000);
});
