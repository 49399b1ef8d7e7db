/**
 * MeowService in-process over real profiles and a real relay: the lifecycle and its
 * errors, two people with the background loops running (waiting on events), paging,
 * unread counts, and the new-user findings the service now owns.
 */
import { describe, expect, it } from 'vitest';
import type { MessageView } from '../../shared/views.js';
import { startRelay } from '../helpers/relay.js';
import { useEnv } from '../core/harness.js';
import { befriendServices, newIdentity, nextEvent, PASSWORD, serviceFor } from './helpers.js';

describe('MeowService in-process', () => {
  const env = useEnv();

  it('new → open → locked → open, each refusal a code with parameters', async () => {
    const s = serviceFor(env, 'life');
    const serverUrl = env.relay.url;
    try {
      expect(await s.appState()).toMatchObject({ state: 'new', online: false, remembered: false });
      await expect(s.contacts()).rejects.toMatchObject({ code: 'NOT_OPEN' });
      await expect(s.unlock({ password: PASSWORD })).rejects.toMatchObject({ code: 'NO_IDENTITY' });
      await expect(s.createIdentity({ nickname: 'L', password: 'x', serverUrl })).rejects.toMatchObject({
        code: 'WEAK_PASSWORD',
        params: { min: 8 },
      });
      await expect(
        s.createIdentity({ nickname: '   ', password: PASSWORD, serverUrl }),
      ).rejects.toMatchObject({
        code: 'EMPTY_NAME',
      });
      await expect(
        s.createIdentity({ nickname: 'L', password: PASSWORD, serverUrl: 'http://127.0.0.1:1' }),
      ).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE', params: { url: 'http://127.0.0.1:1' } });
      await expect(
        s.createIdentity({ nickname: 'L', password: PASSWORD, serverUrl: 'ftp://x' }),
      ).rejects.toMatchObject({ code: 'NOT_A_SERVER_URL' });
      expect((await s.appState()).state).toBe('new'); // nothing was written by the refusals

      const profile = await s.createIdentity({ nickname: ' Lea ', password: PASSWORD, serverUrl });
      expect(profile).toMatchObject({ nickname: 'Lea', pairingPending: false, unlinked: null });
      expect((await s.appState()).state).toBe('open');
      await expect(s.createIdentity({ nickname: 'L', password: PASSWORD, serverUrl })).rejects.toMatchObject({
        code: 'IDENTITY_EXISTS',
      });
      // finding 2: `pair new` on a profile with an identity must not merge two identities
      await expect(s.pairNew({})).rejects.toMatchObject({ code: 'PAIRING_HAS_IDENTITY' });

      expect((await s.lock()).state).toBe('locked');
      await expect(s.profile()).rejects.toMatchObject({ code: 'NOT_OPEN' });
      await expect(s.unlock({ password: 'wrong password' })).rejects.toMatchObject({
        code: 'WRONG_PASSWORD',
      });
      await expect(s.unlock({ password: '' })).rejects.toMatchObject({ code: 'NO_PASSWORD' });
      expect((await s.unlock({ password: PASSWORD })).nickname).toBe('Lea');
      // on an open profile, unlock checks the password (how a remote host authenticates)
      await expect(s.unlock({ password: 'wrong password' })).rejects.toMatchObject({
        code: 'WRONG_PASSWORD',
      });
      await expect(s.unlockRemembered()).resolves.toMatchObject({ nickname: 'Lea' });
    } finally {
      await s.close();
    }
  });

  it('two people with the loops running: events carry views, statuses reach read, unread counts follow', async () => {
    const alice = await newIdentity(env, 'alice');
    const bob = await newIdentity(env, 'bob');
    try {
      const { bOnA, aOnB } = await befriendServices(alice, bob);
      await alice.setOnline(true);
      await bob.setOnline(true);

      const arrived = nextEvent(alice, 'message:stored', (m) => m.text === 'hi alice');
      const unread = nextEvent(alice, 'conversation:changed', (c) => c.contact.id === bOnA && c.unread === 1);
      const sent = await bob.send(aOnB, 'hi alice');
      expect(sent).toMatchObject({ outbound: true, text: 'hi alice', contactId: aOnB });
      const got = await arrived;
      expect(got).toMatchObject({ outbound: false, status: 'received', seen: false, contactId: bOnA });
      expect((await unread).lastMessage?.text).toBe('hi alice');

      const read = nextEvent(bob, 'message:status', (m) => m.id === sent.id && m.status === 'read');
      expect(await alice.markRead(bOnA)).toBe(1);
      expect((await read).readAt).toBeGreaterThan(0);
      expect(await alice.markRead(bOnA)).toBe(0);
      const [conv] = await alice.conversations();
      expect(conv).toMatchObject({ unread: 0, messageCount: 1, contact: { id: bOnA, name: 'bob' } });

      // what a person can get wrong, refused with a code and nothing stored
      await expect(bob.send(aOnB, '')).rejects.toMatchObject({ code: 'EMPTY_TEXT' });
      await expect(bob.send(aOnB, ' \n\t ')).rejects.toMatchObject({ code: 'EMPTY_TEXT' });
      await expect(bob.send(aOnB, 'x'.repeat(32 * 1024 + 1))).rejects.toMatchObject({
        code: 'TEXT_TOO_LONG',
        params: { maxBytes: 32768 },
      });
      await expect(bob.send('no-such-contact', 'x')).rejects.toMatchObject({ code: 'UNKNOWN_CONTACT' });
      await expect(bob.messages(aOnB, { before: 'garbage' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
      expect(await bob.messages(aOnB)).toHaveLength(1);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('pages of a conversation: newest first pages, oldest first inside, nothing missed or repeated', async () => {
    const alice = await newIdentity(env, 'pa');
    const bob = await newIdentity(env, 'pb');
    try {
      const { aOnB } = await befriendServices(alice, bob);
      for (let i = 0; i < 120; i++) await bob.send(aOnB, `m${i}`);
      const seen: MessageView[] = [];
      let page = await bob.messages(aOnB, { limit: 50 });
      while (page.length) {
        seen.unshift(...page);
        page = await bob.messages(aOnB, { before: page[0]!.cursor, limit: 50 });
      }
      expect(seen.map((m) => m.text)).toEqual(Array.from({ length: 120 }, (_, i) => `m${i}`));
      expect(new Set(seen.map((m) => m.id)).size).toBe(120);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('a backlog drained at once is one event for its conversation, not one view per message', async () => {
    const alice = await newIdentity(env, 'ba');
    const bob = await newIdentity(env, 'bb');
    try {
      const { bOnA, aOnB } = await befriendServices(alice, bob);
      for (let i = 0; i < 60; i++) await bob.send(aOnB, `backlog ${i}`);
      const stored: string[] = [];
      const bulk: { contactId: string; count: number }[] = [];
      alice.on('message:stored', (m) => stored.push(m.text));
      alice.on('messages:bulk', (b) => bulk.push(b));
      const changed = nextEvent(alice, 'conversation:changed', (c) => c.unread >= 60);
      await alice.sync();
      expect((await changed).contact.id).toBe(bOnA);
      expect(bulk.length).toBeGreaterThan(0);
      expect(bulk.every((b) => b.contactId === bOnA && b.count > 20)).toBe(true);
      expect(stored.length).toBeLessThan(60); // most of it announced in bulk
      const texts = (await alice.messages(bOnA, { limit: 100 })).map((m) => m.text);
      expect(texts.filter((t) => t.startsWith('backlog'))).toHaveLength(60);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });

  it('a relay that is down: one sentence naming it, and what was queued stays queued', async () => {
    const relay = await startRelay();
    const s = serviceFor(env, 'down');
    try {
      await s.createIdentity({ nickname: 'D', password: PASSWORD, serverUrl: relay.url });
      // a long link needs no relay; its queue is one to pull
      expect((await s.invite({ name: 'later', long: true })).link).toMatch(/^meow:\/\/invite\?c=/);
      await relay.close();
      const err = await s.sync().catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'SERVER_UNREACHABLE',
        params: { url: relay.url },
        message: `Could not reach the Meow server at ${relay.url}.`,
      });
      await expect(s.invite({ name: 'later' })).rejects.toMatchObject({ code: 'SERVER_UNREACHABLE' });
      expect((await s.contacts()).map((c) => c.state)).toEqual(['invited']);
    } finally {
      await s.close();
    }
  });
});
