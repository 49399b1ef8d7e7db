/**
 * Disappearing messages across Alice's two devices (A primary for Bob, S a sibling that reaches
 * Bob through A) and Bob, against a real relay: the timer set on either side is the same on
 * every device (also when both sides set it at once), a message disappears from every device
 * — counted from sending on its author's devices, from reading on the reader's — and nothing
 * of it stays in the store or the search index; a timer not in the list is refused.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { fromWire } from '../../main/core/messenger/actions.js';
import { currentTimer, timerOf, TIMER_TARGET } from '../../main/core/messenger/disappearing.js';
import { searchIndexOf } from '../../main/core/messenger/searchIndex.js';
import { HOUR_MS, DAY_MS, MINUTE_MS } from '../../main/core/durations.js';
import { conversationView } from '../../main/core/service/views.js';
import { pdfLike } from '../attachments/fixtures.js';
import { threeDevices, useEnv, useOpen } from '../core/harness.js';

describe('disappearing messages on every device of both people', () => {
  const env = useEnv('embedded');
  const open = useOpen();

  const people = (tag: string) => threeDevices(env, open, tag);

  const timerAt = (m: Messenger, contact: string) => {
    const c = m.findContact(contact);
    const v = conversationView(m, c, undefined);
    return { ms: v.disappearAfter, by: v.disappearSetBy };
  };

  /** Whether anything of the message is left on `m`: its row, its actions but the tombstone, a search hit. */
  const traces = async (m: Messenger, contact: string, uuid: string, word: string) => {
    const c = m.findContact(contact).uid;
    const index = searchIndexOf(m);
    await index.ready;
    return {
      row: !!m.db.messages.get(c, uuid),
      actions: m.db.actions.forTarget(c, uuid).filter((x) => x.kind !== 'hide').length,
      found: index.search(word).some((h) => h.uuid === uuid),
    };
  };

  it('a timer set on the sibling reaches every device of both; a message goes from all of them', async () => {
    const { a, s, bob, A, B, all } = await people('timer');
    await s.setTimer(B, HOUR_MS);
    await all();
    expect(timerAt(a, B)).toEqual({ ms: HOUR_MS, by: 'me' });
    expect(timerAt(s, B)).toEqual({ ms: HOUR_MS, by: 'me' });
    expect(timerAt(bob, A)).toEqual({ ms: HOUR_MS, by: 'contact' });

    // Mine (written on the primary): gone an hour after sending, on my devices; at Bob's, an
    // hour after he read it. A reaction on it goes with it.
    const mine = await a.send(B, 'the vault code is 4711');
    expect(mine.expireAfter).toBe(HOUR_MS);
    await all();
    await bob.act(A, { kind: 'react', target: mine.uuid, emoji: '👍' });
    await all();
    // Bob's own message is stamped with the timer too (he reads it from his own copy).
    const his = await bob.send(A, 'noted, burn after reading');
    await all();
    expect(a.db.messages.get(a.findContact(B).uid, his.uuid)!.expireAfter).toBe(HOUR_MS);

    const later = Date.now() + HOUR_MS + MINUTE_MS;
    for (const m of [a, s]) {
      await m.disappearing.sweep(later);
      expect(await traces(m, B, mine.uuid, 'vault')).toEqual({ row: false, actions: 0, found: false });
      // Bob's message is not read yet here: it stays until an hour after it is.
      expect(await traces(m, B, his.uuid, 'burn')).toMatchObject({ row: true, found: true });
    }
    // At Bob's: not read yet, so not counting.
    await bob.disappearing.sweep(later);
    expect(await traces(bob, A, mine.uuid, 'vault')).toMatchObject({ row: true, found: true });
    await bob.markRead(A);
    await bob.disappearing.sweep(Date.now() + HOUR_MS + MINUTE_MS);
    expect(await traces(bob, A, mine.uuid, 'vault')).toEqual({ row: false, actions: 0, found: false });
    // ...and his own, an hour after he sent it.
    expect(await traces(bob, A, his.uuid, 'burn')).toEqual({ row: false, actions: 0, found: false });

    // Read on the sibling: the primary learns when (the read status) and counts from then too.
    await s.markRead(B);
    await all();
    for (const m of [a, s]) {
      await m.disappearing.sweep(Date.now() + HOUR_MS + MINUTE_MS);
      expect(await traces(m, B, his.uuid, 'burn')).toEqual({ row: false, actions: 0, found: false });
    }
    // A late copy (a redelivery, a history batch) is not stored again.
    const c = a.findContact(B).uid;
    expect(
      a.db.messages.insert({
        peerUid: c,
        uuid: mine.uuid,
        outbound: true,
        type: 'text',
        text: 'x',
        state: 'sent',
        sentAt: mine.sentAt,
      }),
    ).toBe(false);

    // Off again: new messages stay.
    await bob.setTimer(A, 0);
    await all();
    for (const [m, who] of [
      [a, B],
      [s, B],
      [bob, A],
    ] as const)
      expect(timerAt(m, who).ms).toBe(0);
    const stays = await s.send(B, 'this one stays');
    expect(stays.expireAfter).toBe(0);
  });

  it('a file sent under a timer: its kept blob goes from every device with the message', async () => {
    const { a, s, bob, A, B, all } = await people('files');
    await a.setTimer(B, 5 * MINUTE_MS);
    await all();
    const dir = mkdtempSync(join(tmpdir(), 'meow-disappearing-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'plan.pdf'), pdfLike());
    const sent = await s.send(B, 'the plan', {
      files: [await s.attachments.prepare({ path: join(dir, 'plan.pdf') })],
    });
    await all();
    const copies: [Messenger, string][] = [
      [a, B],
      [s, B],
      [bob, A],
    ];
    for (const [m, who] of copies) {
      const f = m.db.messages.get(m.findContact(who).uid, sent.uuid)!.files[0]!;
      await m.attachments.download(f);
      expect(m.attachments.state(f).state).toBe('ready');
    }
    await bob.markRead(A);
    const later = Date.now() + 10 * MINUTE_MS;
    for (const [m, who] of copies) {
      const f = m.db.messages.get(m.findContact(who).uid, sent.uuid)!.files[0]!;
      const gone = await m.disappearing.sweep(later);
      expect(gone.map((x) => x.uuid)).toEqual([sent.uuid]);
      expect(m.attachments.state(f).state).toBe('remote'); // (not kept here any more)
      expect(readdirSync(join(m.dir, 'attachments')).filter((n) => n.endsWith('.blob'))).toEqual([]);
    }
  });

  it('a timer set on both sides at once ends the same on every device; a value not in the list is refused', async () => {
    const { a, s, bob, A, B, all } = await people('race');
    await a.setTimer(B, DAY_MS);
    await bob.setTimer(A, 5 * MINUTE_MS);
    await all();
    const onA = currentTimer(a, a.findContact(B).uid);
    const onBob = currentTimer(bob, bob.findContact(A).uid);
    const onS = currentTimer(s, s.findContact(B).uid);
    expect(onA.ms).toBe(onBob.ms);
    expect(onS.ms).toBe(onA.ms);
    // The later (time, action id) of the two wins: the same rule every device applies.
    const both = a.db.actions.forTarget(a.findContact(B).uid, TIMER_TARGET);
    expect(both).toHaveLength(2);
    expect(onA.ms).toBe(timerOf(both).ms);
    expect(timerOf([...both].reverse()).ms).toBe(onA.ms);

    const queued = a.db.outbox.count('peer', a.findContact(B).uid);
    await expect(a.setTimer(B, 2 * HOUR_MS)).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(a.setTimer(B, 5_000)).rejects.toMatchObject({ code: 'BAD_INPUT' }); // the test value needs MEOW_TEST_TIMERS
    expect(a.db.outbox.count('peer', a.findContact(B).uid)).toBe(queued);
    // From the wire: refused as well (a defined no-op at the receiver).
    expect(
      fromWire('p', { id: 'x', targetUuid: TIMER_TARGET, kind: 'timer', timer: 12_345, at: 1 }, false),
    ).toMatch(/not one of the choices/);
    expect(
      fromWire('p', { id: 'x', targetUuid: 'some-message', kind: 'timer', timer: HOUR_MS, at: 1 }, false),
    ).toMatch(/only a timer/);
  });
});
