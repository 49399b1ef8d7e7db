/**
 * Conversation actions — reply with a quote, reactions, edits, deletions — across Alice's
 * two devices (A primary for Bob, S a sibling that reaches Bob through A) and Bob, against a
 * real relay: each action shows the same on every device, whichever device made it, and
 * bad input is refused with a clear error and changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { applyAction } from '../../main/core/messenger/actions.js';
import { messageView } from '../../main/core/service/views.js';
import type { MessageView } from '../../shared/views.js';
import { createBlankDevice, pairDevices, settle, threeDevices, useEnv, useOpen } from '../core/harness.js';

describe('conversation actions on every device', () => {
  const env = useEnv('embedded');
  const open = useOpen();

  const people = (tag: string) => threeDevices(env, open, tag);

  /** The message as device `m` shows it (by its uuid), or undefined when it is not there. */
  const shown = (m: Messenger, contact: string, uuid: string): MessageView | undefined => {
    const c = m.findContact(contact);
    const stored = m.db.messages.get(c.uid, uuid);
    return stored && messageView(m, stored);
  };

  it('reply with a quote, react, edit and delete from either of my devices: Alice’s two devices and Bob show the same', async () => {
    const { a, s, bob, A, B, all } = await people('all');
    const hello = await bob.send(A, 'hello Alice\nsecond line');
    await all();

    // A reply written on the sibling quotes Bob's message; it goes to Bob through A.
    const reply = await s.send(B, 'hi Bob', { quote: hello.uuid });
    await all();
    for (const [m, who] of [
      [a, B],
      [s, B],
      [bob, A],
    ] as const) {
      const v = shown(m, who, reply.uuid)!;
      expect(v.text).toBe('hi Bob');
      expect(v.quote).toEqual({
        id: hello.uuid,
        present: true,
        outbound: m === bob,
        firstLine: 'hello Alice',
        deleted: false,
      });
    }

    // Reactions: one per person; my reaction from either device is one reaction, toggled.
    await a.act(B, { kind: 'react', target: hello.uuid, emoji: '👍' });
    await bob.act(A, { kind: 'react', target: hello.uuid, emoji: '👍' });
    await all();
    for (const [m, who] of [
      [a, B],
      [s, B],
      [bob, A],
    ] as const)
      expect(shown(m, who, hello.uuid)!.reactions).toEqual([
        { emoji: '👍', count: 2, by: ['me', 'contact'] },
      ]);
    await s.act(B, { kind: 'react', target: hello.uuid, emoji: '👍' }); // the same emoji again: taken back
    await all();
    for (const [m, who] of [
      [a, B],
      [s, B],
      [bob, A],
    ] as const)
      expect(shown(m, who, hello.uuid)!.reactions).toEqual([
        { emoji: '👍', count: 1, by: [m === bob ? 'me' : 'contact'] },
      ]);

    // Edit of my message, from the sibling: the latest text everywhere, the history kept.
    await s.act(B, { kind: 'edit', target: reply.uuid, text: 'hi Bob!' });
    await all();
    await a.act(B, { kind: 'edit', target: reply.uuid, text: 'hi Bob!!' });
    await all();
    for (const [m, who] of [
      [a, B],
      [s, B],
      [bob, A],
    ] as const) {
      const v = shown(m, who, reply.uuid)!;
      expect(v.text).toBe('hi Bob!!');
      expect(v.history.map((h) => h.text)).toEqual(['hi Bob', 'hi Bob!']);
      expect(v.editedAt).toBeGreaterThan(0);
    }

    // Delete for everyone: "message deleted" on every device, its texts gone from each store.
    await s.act(B, { kind: 'delete', target: reply.uuid, forEveryone: true });
    await all();
    for (const [m, who] of [
      [a, B],
      [s, B],
      [bob, A],
    ] as const) {
      const v = shown(m, who, reply.uuid)!;
      expect(v).toMatchObject({ deleted: true, text: '', history: [], reactions: [] });
      const c = m.findContact(who).uid;
      expect(m.db.messages.get(c, reply.uuid)!.text).toBe('');
      expect(m.db.actions.forTarget(c, reply.uuid).filter((x) => x.kind === 'edit')).toEqual([]);
    }
    // ...and an edit after it does nothing: refused here, ignored when it arrives.
    await expect(a.act(B, { kind: 'edit', target: reply.uuid, text: 'back' })).rejects.toMatchObject({
      code: 'MESSAGE_DELETED',
    });
    const late = {
      id: randomUUID(),
      peerUid: bob.findContact(A).uid,
      targetUuid: reply.uuid,
      kind: 'edit' as const,
      mine: false,
      at: Date.now(),
      authorDevice: '',
      emoji: '',
      text: 'back',
    };
    expect(bob.db.atomically(() => applyAction(bob.core, late, []))).toBe(false);
    expect(shown(bob, A, reply.uuid)!.text).toBe('');
    // The quote of a deleted message says so.
    const quoting = await bob.send(A, 'what did you say?', { quote: reply.uuid });
    await all();
    expect(shown(s, B, quoting.uuid)!.quote).toMatchObject({ present: true, deleted: true, firstLine: '' });

    // Delete for me, on the sibling: gone from both my devices, still with Bob; a late copy stays gone.
    await s.act(B, { kind: 'delete', target: hello.uuid, forEveryone: false });
    await all();
    expect(shown(s, B, hello.uuid)).toBeUndefined();
    expect(shown(a, B, hello.uuid)).toBeUndefined();
    expect(shown(bob, A, hello.uuid)!.text).toBe('hello Alice\nsecond line');
    expect(
      a.db.messages.insert({
        peerUid: a.findContact(B).uid,
        uuid: hello.uuid,
        outbound: false,
        type: 'text',
        text: 'hello Alice',
        state: 'received',
        sentAt: hello.sentAt,
      }),
    ).toBe(false);
    // A reply to it now shows "not on this device" on my devices (Bob still has it).
    const again = await bob.send(A, 'about my hello', { quote: hello.uuid });
    await all();
    for (const m of [a, s])
      expect(shown(m, B, again.uuid)!.quote).toMatchObject({ present: false, firstLine: '' });
    expect(shown(bob, A, again.uuid)!.quote).toMatchObject({ present: true, firstLine: 'hello Alice' });
    expect(shown(a, B, reply.uuid)!.quote).toBeNull(); // a message deleted for everyone shows no quote
  });

  it('a device linked later gets the reactions, edits and deletions with the history', async () => {
    const { a, s, bob, A, B, all } = await people('later');
    const asked = await bob.send(A, 'coffee?');
    const mine = await a.send(B, 'yes please');
    const gone = await a.send(B, 'typo');
    const forMe = await bob.send(A, 'private joke');
    await all();
    await bob.act(A, { kind: 'react', target: mine.uuid, emoji: '☕' });
    await s.act(B, { kind: 'edit', target: mine.uuid, text: 'yes please, black' });
    await a.act(B, { kind: 'delete', target: gone.uuid, forEveryone: true });
    await s.act(B, { kind: 'delete', target: forMe.uuid, forEveryone: false });
    await all();
    const t = await createBlankDevice(env, 'AliceTablet-later');
    open.push(t);
    await pairDevices(a, t);
    await settle(a, t, s, a, t);
    for (const m of [a, s, t]) {
      expect(shown(m, B, mine.uuid)).toMatchObject({
        text: 'yes please, black',
        reactions: [{ emoji: '☕', by: ['contact'] }],
      });
      expect(shown(m, B, gone.uuid)).toMatchObject({ deleted: true, text: '' });
      expect(shown(m, B, forMe.uuid)).toBeUndefined();
      expect(shown(m, B, asked.uuid)!.text).toBe('coffee?');
    }
  });

  it('actions that arrive before their message apply when it comes; an edit after a deletion stays out', async () => {
    const { a, B } = await people('early');
    const peerUid = a.findContact(B).uid;
    const early = (id: string, kind: 'edit' | 'delete' | 'hide', target: string, text = '') => ({
      id,
      peerUid,
      targetUuid: target,
      kind,
      mine: false,
      at: Date.now(),
      authorDevice: '',
      emoji: '',
      text,
    });
    const apply = (x: ReturnType<typeof early>) => a.db.atomically(() => applyAction(a.core, x, []));
    const arrive = (uuid: string, text: string) =>
      a.db.messages.insert({
        peerUid,
        uuid,
        outbound: false,
        type: 'text',
        text,
        state: 'received',
        sentAt: Date.now(),
      });
    expect(apply(early(randomUUID(), 'edit', 'm1', 'edited first'))).toBe(true);
    arrive('m1', 'as sent');
    expect(shown(a, B, 'm1')).toMatchObject({ text: 'edited first', history: [{ text: 'as sent' }] });

    expect(apply(early(randomUUID(), 'edit', 'm2', 'before the deletion'))).toBe(true);
    expect(apply(early(randomUUID(), 'delete', 'm2'))).toBe(true);
    expect(apply(early(randomUUID(), 'edit', 'm2', 'after the deletion'))).toBe(false);
    expect(a.db.actions.forTarget(peerUid, 'm2').map((x) => x.kind)).toEqual(['delete']); // earlier texts wiped
    arrive('m2', 'secret');
    expect(a.db.messages.get(peerUid, 'm2')!.text).toBe(''); // stored without its content
    expect(shown(a, B, 'm2')).toMatchObject({ deleted: true, text: '' });
    // A sibling's copy is stored and shown through insertReturning: also without its content.
    expect(apply(early(randomUUID(), 'delete', 'm4'))).toBe(true);
    const copy = a.db.messages.insertReturning({
      peerUid,
      uuid: 'm4',
      outbound: false,
      type: 'text',
      text: 'secret too',
      state: 'received',
      sentAt: Date.now(),
    });
    expect(copy?.text).toBe('');
    expect(a.db.messages.get(peerUid, 'm4')).toEqual(copy);

    expect(apply({ ...early(randomUUID(), 'hide', 'm3'), mine: true })).toBe(true);
    expect(arrive('m3', 'never shown')).toBe(false);
  });

  it('a message deleted for everyone before it left is never sent; the contact gets only the deletion', async () => {
    const { a, bob, A, B, all } = await people('unsent');
    const m = await a.send(B, 'oops, wrong chat'); // queued: nothing synced yet
    expect(a.db.outbox.forPeer('peer', a.findContact(B).uid).some((r) => r.messageUuid === m.uuid)).toBe(
      true,
    );
    await a.act(B, { kind: 'delete', target: m.uuid, forEveryone: true });
    expect(a.db.outbox.forPeer('peer', a.findContact(B).uid).some((r) => r.messageUuid === m.uuid)).toBe(
      false,
    );
    await all();
    expect(bob.messages(A).some((x) => x.uuid === m.uuid)).toBe(false); // never stored there, not even wiped
    expect(shown(a, B, m.uuid)).toMatchObject({ deleted: true, text: '' });
  });

  it('reactions toggled on both of my devices at once converge to the same one everywhere', async () => {
    const { a, s, bob, A, B, all } = await people('race');
    const m = await bob.send(A, 'pick one');
    await all();
    // Neither device has seen the other's reaction when it makes its own.
    await a.act(B, { kind: 'react', target: m.uuid, emoji: '😀' });
    await s.act(B, { kind: 'react', target: m.uuid, emoji: '🎉' });
    await all();
    const seen = [shown(a, B, m.uuid)!, shown(s, B, m.uuid)!, shown(bob, A, m.uuid)!].map((v) =>
      v.reactions.map((r) => r.emoji),
    );
    expect(seen[0]).toHaveLength(1); // one reaction per person
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
  });

  it('bad input is refused with a clear error and queues nothing', async () => {
    const { a, bob, A, B, all } = await people('bad');
    const theirs = await bob.send(A, 'mine, not yours');
    await all();
    const mine = await a.send(B, 'my own');
    await all();
    const queued = a.db.outbox.size();
    const refuse = (p: Promise<unknown>, code: string) => expect(p).rejects.toMatchObject({ code });
    await refuse(a.act(B, { kind: 'edit', target: theirs.uuid, text: 'changed' }), 'NOT_YOUR_MESSAGE');
    await refuse(a.act(B, { kind: 'delete', target: theirs.uuid, forEveryone: true }), 'NOT_YOUR_MESSAGE');
    for (const emoji of ['ab', '👍👍', '', ' 👍', 'x'])
      await refuse(a.act(B, { kind: 'react', target: mine.uuid, emoji }), 'NOT_ONE_EMOJI');
    await refuse(a.act(B, { kind: 'react', target: 'no-such-id', emoji: '👍' }), 'UNKNOWN_MESSAGE');
    await refuse(a.send(B, 'quoting nothing', { quote: 'no-such-id' }), 'UNKNOWN_MESSAGE');
    await refuse(a.act(B, { kind: 'edit', target: mine.uuid, text: '   ' }), 'EMPTY_TEXT');
    expect(a.db.outbox.size()).toBe(queued);
    expect(a.db.actions.forTarget(a.findContact(B).uid, mine.uuid)).toEqual([]);
    // Too late to delete for everyone (a message from more than a day ago).
    const old = a.db.messages.insert({
      peerUid: a.findContact(B).uid,
      uuid: 'old-one',
      outbound: true,
      type: 'text',
      text: 'long ago',
      state: 'sent',
      sentAt: Date.now() - 2 * 24 * 3600_000,
    });
    expect(old).toBe(true);
    await refuse(a.act(B, { kind: 'delete', target: 'old-one', forEveryone: true }), 'DELETE_TOO_LATE');
    // Flags, keycaps and joined emoji are one emoji each.
    for (const emoji of ['🇫🇷', '1️⃣', '👩‍👩‍👧', '❤️'])
      await expect(a.act(B, { kind: 'react', target: mine.uuid, emoji })).resolves.toBeTruthy();
  });

  it('an edit or deletion by the contact of my message, arriving on the wire, does nothing', async () => {
    const { a, B, all } = await people('forged');
    const mine = await a.send(B, 'only I may change this');
    await all();
    const peerUid = a.findContact(B).uid;
    const forged = (kind: 'edit' | 'delete') => ({
      id: randomUUID(),
      peerUid,
      targetUuid: mine.uuid,
      kind,
      mine: false, // from the contact
      at: Date.now(),
      authorDevice: '',
      emoji: '',
      text: kind === 'edit' ? 'forged' : '',
    });
    expect(a.db.atomically(() => applyAction(a.core, forged('edit'), []))).toBe(false);
    expect(a.db.atomically(() => applyAction(a.core, forged('delete'), []))).toBe(false);
    expect(shown(a, B, mine.uuid)).toMatchObject({ text: 'only I may change this', deleted: false });
  });
});
