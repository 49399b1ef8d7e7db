/**
 * Device sync (phases 2–7) with three devices of one person (A primary, B and C
 * siblings) and two contacts, against a real relay: fan-out, forwarding through the
 * primary, offline primary, duplicates and reordering, unlinking, handover, privacy.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';

import { encodePeerData } from '../../main/core/devices/payloads.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { nextVersion } from '../../main/core/records.js';
import { toHex } from '../../protocol/crypto/bytes.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  openProfile,
  pairDevices,
  settleDrained as settle, // (a handover rotates keys: a row may wait out a backoff)
  startEnv,
  type Env,
  type StoreKind,
} from '../core/harness.js';

const texts = (m: Messenger, contact: string, outbound?: boolean) =>
  m
    .messages(contact)
    .filter((x) => outbound === undefined || x.outbound === outbound)
    .map((x) => x.text);

describe.each<StoreKind>(['embedded', 'redis'])('device sync on the %s relay store', (kind) => {
  let env: Env;
  let open: Messenger[] = [];
  beforeAll(async () => {
    env = await startEnv(kind);
  });
  afterAll(async () => {
    await env.close();
  });
  afterEach(async () => {
    await Promise.all(open.map((m) => m.close().catch(() => undefined)));
    open = [];
  });

  /** A (primary, knows X and Y), B and C paired to A. */
  async function family(tag: string) {
    const a = await createProfile(env, `A-${tag}`);
    const x = await createProfile(env, `X-${tag}`);
    const y = await createProfile(env, `Y-${tag}`);
    open.push(a, x, y);
    await befriend(a, x);
    await befriend(a, y);
    const b = await createBlankDevice(env, `B-${tag}`);
    const c = await createBlankDevice(env, `C-${tag}`);
    open.push(b, c);
    await pairDevices(a, b);
    await pairDevices(a, c);
    await settle(a, b, c);
    return { a, b, c, x, y, X: x.identity.nickname, Y: y.identity.nickname, A: a.identity.nickname };
  }

  it('a contact writes to A: A, B and C store it once; B writes: A forwards it, the contact gets it once, all show it sent', async () => {
    const { a, b, c, x, X, A } = await family(`fan-${kind}`);
    await x.send(A, 'hello from X');
    await settle(x, a, b, c);
    for (const d of [a, b, c]) expect(texts(d, X, false)).toEqual(['hello from X']);

    const sent = await b.send(X, 'hello from B');
    expect(sent.state).toBe('pending_forward');
    await settle(b, a, x, a, b, c);
    expect(texts(x, A, false)).toEqual(['hello from X'].length ? ['hello from B'] : []);
    expect(x.contacts()).toHaveLength(1); // one sender
    for (const d of [a, b, c]) {
      const m = d.messages(X).find((z) => z.text === 'hello from B')!;
      expect(['sent', 'delivered', 'read']).toContain(m.state);
      expect(d.messages(X).filter((z) => z.text === 'hello from B')).toHaveLength(1);
    }
    // delivery receipt from X reaches all three
    await settle(x, a, b, c);
    for (const d of [a, b, c])
      expect(d.messages(X).find((z) => z.text === 'hello from B')!.state).toBe('delivered');
  });

  it('A offline while B writes three: they wait as pending_forward (for A, since when), then go out exactly once, in order', async () => {
    const { a, b, c, x, X, A } = await family(`off-${kind}`);
    const aDevice = b.deviceSync.siblings().find((d) => d.deviceId === a.identity.uid)!;
    await a.close(); // A is offline
    open = open.filter((m) => m !== a);
    for (const t of ['one', 'two', 'three']) await b.send(X, t);
    await settle(b, c, x);
    const waiting = b.messages(X).filter((m) => m.outbound);
    expect(waiting.map((m) => [m.text, m.state, m.waitingFor])).toEqual([
      ['one', 'pending_forward', aDevice.uid],
      ['two', 'pending_forward', aDevice.uid],
      ['three', 'pending_forward', aDevice.uid],
    ]);
    expect(waiting.every((m) => m.waitingSince > 0)).toBe(true);
    expect(texts(x, A, false)).toEqual([]);

    const a2 = await openProfile(env, `A-off-${kind}`);
    open.push(a2);
    await settle(a2, x, a2, b, c);
    expect(texts(x, A, false)).toEqual(['one', 'two', 'three']);
    for (const d of [a2, b, c]) {
      expect(
        d
          .messages(X)
          .filter((m) => m.outbound)
          .map((m) => m.text),
      ).toEqual(['one', 'two', 'three']);
      expect(
        d
          .messages(X)
          .filter((m) => m.outbound)
          .every((m) => m.state === 'delivered'),
      ).toBe(true);
    }
  });

  it('the same syncs delivered three times and reordered end in the same state as in-order delivery', async () => {
    const { a, b, c, x, X } = await family(`dup-${kind}`);
    const ds = a.deviceSync;
    const toB = ds.siblings().find((d) => d.deviceId === b.identity.uid)!;
    const toC = ds.siblings().find((d) => d.deviceId === c.identity.uid)!;
    const contact = a.findContact(X);
    const uuid = randomUUID();
    const dbm = (state: string, received = 0) => ({
      outbound: true,
      type: 'text',
      text: 'synced',
      status: { uuid, sent: Date.now(), received },
      state,
    });
    const v2 = { ...contact, name: 'X v2', version: nextVersion(contact.version, a.identity.uid) };
    const v3 = { ...v2, name: 'X v3', version: nextVersion(v2.version, a.identity.uid) };
    const payloads = [
      { syncType: 'msg', peerUid: contact.uid, dbMessage: dbm('sent'), dedupId: randomUUID() },
      {
        syncType: 'status',
        peerUid: contact.uid,
        dbMessage: dbm('delivered', Date.now()),
        dedupId: randomUUID(),
      },
      {
        syncType: 'peer_update',
        peerUid: contact.uid,
        peerData: encodePeerData(v2, a.identity.uid),
        dedupId: randomUUID(),
      },
      {
        syncType: 'peer_update',
        peerUid: contact.uid,
        peerData: encodePeerData(v3, a.identity.uid),
        dedupId: randomUUID(),
      },
    ] as const;
    // C in order, once; B reordered (status before message, older record after newer), each three times
    a.db.outbox.enqueue(payloads.map((p) => ds.send(toC, p.syncType, p)));
    const shuffled = [payloads[1], payloads[3], payloads[0], payloads[2]];
    const thrice = [...shuffled, ...shuffled, ...shuffled];
    a.db.outbox.enqueue(thrice.map((p) => ds.send(toB, p.syncType, p)));
    await settle(a, b, c);
    const view = (m: Messenger) => ({
      name: m.findContact(contact.uid).name,
      messages: m
        .messages(contact.uid)
        .filter((z) => z.uuid === uuid)
        .map((z) => [z.text, z.state]),
    });
    expect(view(c)).toEqual({ name: 'X v3', messages: [['synced', 'delivered']] });
    expect(view(b)).toEqual(view(c));
    expect(b.deviceSync.dedup.count()).toBeGreaterThan(0);
    void x;
  });

  it('unlink C: C is told, its later sync and forward attempts are refused; A and B keep working', async () => {
    const { a, b, c, x, X, A } = await family(`unl-${kind}`);
    // C queues a forward while offline, so it leaves only after the unlink
    const cName = c.identity.deviceName;
    const early = await c.send(X, 'from C before unlink');
    expect(early.state).toBe('pending_forward');
    const { primaryFor } = await a.deviceSync.unlink(cName);
    expect(primaryFor).toBe(0);
    const before = env.logs.length;
    await settle(a, b);
    await c.flushOutbox(); // C posts its forward: A refuses it
    await settle(a, b, x);
    expect(texts(x, A, false)).not.toContain('from C before unlink');
    expect(env.logs.slice(before).some((l) => l.includes('unlinked device'))).toBe(true);
    await settle(c); // C learns it was unlinked
    expect(c.identity.unlinked).not.toBeNull();
    await expect(c.send(X, 'after unlink')).rejects.toMatchObject({ code: 'DEVICE_UNLINKED' });
    // A and B keep working
    await b.send(X, 'B still works');
    await settle(b, a, x);
    expect(texts(x, A, false)).toContain('B still works');
    expect(a.deviceSync.siblings().map((d) => d.deviceId)).toEqual([b.identity.uid]);
    expect(b.deviceSync.siblings().map((d) => d.deviceId)).toEqual([a.identity.uid]);
  });

  it('primary handover from A to B mid-conversation: nothing lost or duplicated; the contact notices nothing', async () => {
    const { a, b, c, x, X, A } = await family(`hand-${kind}`);
    const xBefore = x.findContact(A);
    await x.send(A, 'x1');
    await a.send(X, 'a1');
    await b.send(X, 'b1'); // in flight as a forward during the handover
    await settle(x, a);
    await b.deviceSync.requestPrimary(X);
    await x.send(A, 'x2'); // arrives while the role moves
    await settle(b, a, x, b, a, c, x, b);
    expect(b.findContact(X).primary).toBeNull();
    expect(a.findContact(X).primary).not.toBeNull();
    expect(a.findContact(X).drState).toBeNull();
    await b.send(X, 'b2 as primary');
    await a.send(X, 'a2 now a sibling');
    await x.send(A, 'x3');
    await settle(b, a, c, x, b, a, c, x);
    expect(texts(x, A, false)).toEqual(['a1', 'b1', 'b2 as primary', 'a2 now a sibling']);
    for (const d of [a, b, c]) {
      expect(texts(d, X, false)).toEqual(['x1', 'x2', 'x3']);
      expect(texts(d, X, true).sort()).toEqual(['a1', 'a2 now a sibling', 'b1', 'b2 as primary']);
    }
    // X sees the same single contact; its keys rotated as b took it over (the keys a held
    // are worth nothing to a copy of a), through a new session, without a notice
    const xAfter = x.findContact(A);
    expect(x.contacts()).toHaveLength(1);
    expect(xAfter.uid).toBe(xBefore.uid);
    expect(toHex(xAfter.contactPublicKey!)).not.toBe(toHex(xBefore.contactPublicKey!));
    expect(toHex(xAfter.contactLookupKey!)).not.toBe(toHex(xBefore.contactLookupKey!));
    expect(toHex(xAfter.contactEncryption!)).toBe(toHex(b.findContact(X).myEncryption.publicKey));
  });

  it('a handover interrupted after A stopped being primary resumes on the next sync, exactly once', async () => {
    const { a, b, x, X, A } = await family(`resume-${kind}`);
    const bOnA = a.deviceSync.siblings().find((d) => d.deviceId === b.identity.uid)!;
    const c = a.findContact(X);
    // the state right after step 1 of a handover (primary moved, ratchet not yet queued)
    await a.peers.put({
      ...c,
      primary: { device: bOnA.uid, pending: null },
      version: nextVersion(c.version, a.identity.uid),
    });
    await settle(a, b, a, b);
    expect(a.findContact(X).drState).toBeNull();
    expect(b.findContact(X).primary).toBeNull();
    await b.send(X, 'after a resumed handover');
    await x.send(A, 'and back');
    await settle(b, x, b, a);
    expect(texts(x, A, false)).toEqual(['after a resumed handover']);
    expect(texts(b, X, false)).toEqual(['and back']);
    expect(texts(a, X, false)).toEqual(['and back']);
  });

  it('the longest text a person may send goes through a forward and history intact; a longer one is refused', async () => {
    const { a, b, x, X, A } = await family(`long-${kind}`);
    const { MAX_TEXT_BYTES } = await import('../../main/core/messenger/messenger.js');
    const longest = 'é'.repeat(MAX_TEXT_BYTES / 2);
    await b.send(X, longest);
    await settle(b, a, x);
    expect(texts(x, A, false)).toEqual([longest]);
    await expect(b.send(X, longest + 'x')).rejects.toMatchObject({ code: 'TEXT_TOO_LONG' });
    const late = await createBlankDevice(env, `late-${kind}`);
    open.push(late);
    await pairDevices(a, late);
    expect(texts(late, X, true)).toEqual([longest]);
  });
});
