/**
 * Conversation summaries (count, unread, newest message) come from a table the database
 * maintains (migration 0004): after every kind of write — receive, send, read, sync from
 * another of my devices, delete — they equal what a scan of the messages says.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  settle,
  startEnv,
  type Env,
} from './harness.js';

/** What a full scan of messages.db says, in the summaries' shape. */
function scanned(m: Messenger) {
  return (
    m.db.db
      .prepare(
        `SELECT peer_uid, SUM(outbound = 0 AND seen_locally = 0) AS unread, MAX(sent_at) AS last_at,
                COUNT(*) AS n FROM messages GROUP BY peer_uid`,
      )
      .all() as { peer_uid: string; unread: number; last_at: number; n: number }[]
  )
    .map((r) => ({ peerUid: r.peer_uid, unread: r.unread, lastAt: r.last_at, count: r.n }))
    .sort((a, b) => a.peerUid.localeCompare(b.peerUid));
}

const summaries = (m: Messenger) =>
  m.db.messages.summaries().sort((a, b) => a.peerUid.localeCompare(b.peerUid));

describe('conversation summaries', () => {
  let env: Env;
  const open: Messenger[] = [];
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    await env.close();
  });

  it('stay right across receive, send, read, sync from another device and delete', async () => {
    const alice = await createProfile(env, 'alice');
    const bob = await createProfile(env, 'bob');
    open.push(alice, bob);
    await befriend(alice, bob);
    const B = bob.identity.nickname;
    const A = alice.identity.nickname;
    const bobUid = alice.findContact(B).uid;
    const check = (m: Messenger) => expect(summaries(m)).toEqual(scanned(m));

    // receive
    for (const t of ['one', 'two', 'three']) await bob.send(A, t);
    await settle(bob, alice);
    check(alice);
    expect(alice.db.messages.summary(bobUid)).toMatchObject({ unread: 3, count: 3 });

    // send
    const mine = await alice.send(B, 'four');
    await settle(alice, bob);
    check(alice);
    expect(alice.db.messages.summary(bobUid)).toMatchObject({ unread: 3, count: 4, lastAt: mine.sentAt });

    // read
    await alice.markRead(B);
    check(alice);
    expect(alice.db.messages.summary(bobUid).unread).toBe(0);

    // sync from another device: history at pairing, then a live fan-out of a received message
    const laptop = await createBlankDevice(env, 'alice-laptop');
    open.push(laptop);
    await pairDevices(alice, laptop, { historyDays: 30 });
    await bob.send(A, 'five');
    await settle(bob, alice, laptop, alice, laptop);
    check(alice);
    check(laptop);
    const onLaptop = laptop.db.messages.summary(laptop.findContact(B).uid);
    expect(onLaptop.count).toBe(5);
    expect(onLaptop).toEqual({ ...alice.db.messages.summary(bobUid), peerUid: onLaptop.peerUid });

    // delete
    alice.db.messages.deleteConversation(bobUid);
    check(alice);
    expect(alice.db.messages.summary(bobUid)).toEqual({ peerUid: bobUid, unread: 0, lastAt: 0, count: 0 });
  }, 120_000);
});
