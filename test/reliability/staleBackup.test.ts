/**
 * A profile restored from an older copy (issue 13): Alice's profile folder is put back
 * from a backup taken before more messages (and DH turns) went both ways, so her ratchet
 * with Bob is behind. The stale state must be detected, both people told once, a new
 * session set up (never more keys reused), and every message written after the restore
 * shown exactly once on the other side. A replayed reset is refused.
 */
import { cpSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aeadDecrypt } from '../../protocol/crypto/aead.js';
import { encodeFields, toHex } from '../../protocol/crypto/bytes.js';
import { open } from '../../protocol/crypto/sealedBox.js';
import { receiveOne } from '../../main/core/receive/receive.js';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import type { Relay, RelayFactory } from '../../main/core/relay.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import { decodeHeader } from '../../protocol/ratchet/header.js';
import { decodeStrict, encode, meow } from '../../protocol/wire/proto.js';
import { befriend, settle, startEnv, type Env } from '../core/harness.js';
import { createVia, inbound, openVia, tally } from './people.js';
import { record } from './report.js';

describe('a profile restored from an older copy', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('detects the stale ratchet, tells both people once, re-establishes the session, loses and repeats nothing', async () => {
    const posted: meow.IPackedUserMessage[] = [];
    // The real client; every message it posts is kept, to check (ratchet key, n) afterwards.
    const relays: RelayFactory = {
      connect(url, key, device): Relay {
        const real = new RelayClient({ url, serverKey: key, device });
        return Object.assign(Object.create(real) as Relay, {
          async post(messages: meow.IPackedUserMessage[], opts?: { signal?: AbortSignal }) {
            const ids = await real.post(messages, opts);
            posted.push(...messages);
            return ids;
          },
        });
      },
      fetchCard: (url) => fetchServerCard(url),
    };
    const notices: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const listen = (m: Messenger, who: 'a' | 'b') =>
      m.on('notice', (n: { code: string }) => notices[who].push(n.code));
    let a = await createVia(env, 'sb-a', relays, {});
    const b = await createVia(env, 'sb-b', relays, {});
    listen(b, 'b');
    const sent: Record<'a' | 'b', string[]> = { a: [], b: [] };
    const say = async (who: 'a' | 'b', text: string) => {
      await (who === 'a' ? a.send('sb-b', text) : b.send('sb-a', text));
      sent[who].push(text);
    };
    try {
      await befriend(a, b);
      // Before the backup: a conversation with DH turns.
      for (let i = 0; i < 3; i++) {
        await say('a', `before a${i}`);
        await settle(a, b);
        await say('b', `before b${i}`);
        await settle(a, b);
      }
      await a.close();
      const backup = `${env.profile('sb-a')}.backup`;
      cpSync(env.profile('sb-a'), backup, { recursive: true });
      a = await openVia(env, 'sb-a', relays, {});
      // After the backup: Alice's ratchet moves on (several DH turns, and a run on one chain).
      for (let i = 0; i < 3; i++) {
        await say('a', `gap a${i}`);
        await say('a', `gap a${i}'`);
        await settle(a, b);
        await say('b', `gap b${i}`);
        await settle(a, b);
      }
      // The backup is put back.
      await a.close();
      rmSync(env.profile('sb-a'), { recursive: true, force: true });
      cpSync(backup, env.profile('sb-a'), { recursive: true });
      a = await openVia(env, 'sb-a', relays, {});
      listen(a, 'a');
      const firstAfter = posted.length;

      // Both write after the restore; then both go on once it is resolved.
      const afterA: string[] = [];
      const afterB: string[] = [];
      for (let i = 0; i < 3; i++) {
        await say('a', `after a${i}`);
        afterA.push(`after a${i}`);
        await say('b', `after b${i}`);
        afterB.push(`after b${i}`);
      }
      await settle(a, b);
      for (let i = 0; i < 3; i++) {
        await say('a', `later a${i}`);
        afterA.push(`later a${i}`);
        await settle(a, b);
        await say('b', `later b${i}`);
        afterB.push(`later b${i}`);
        await settle(a, b);
      }

      const ab = tally(afterA, inbound(b, 'sb-a'));
      const ba = tally(afterB, inbound(a, 'sb-b'));
      expect({ ...ab }).toEqual({ lost: 0, shownTwice: 0 });
      expect({ ...ba }).toEqual({ lost: 0, shownTwice: 0 });
      expect(notices.b.filter((c) => c === 'SESSION_RESET')).toHaveLength(1);
      expect(notices.a.filter((c) => c === 'SESSION_RESET')).toHaveLength(1);
      // What Bob had before the restore is still shown once.
      expect(
        tally(
          sent.a.filter((t) => !t.startsWith('after') && !t.startsWith('later')),
          inbound(b, 'sb-a'),
        ),
      ).toEqual({ lost: 0, shownTwice: 0 });

      // (ratchet key, n) of every ciphertext posted, per session (epoch): the restore made the
      // stale side reuse some in session 0 (what detection reacts to); the new session, none.
      const contacts = [a, b].map((m) => m.peers.all().find((p) => p.type === 'contact')!);
      const seen = new Map<string, string>();
      const reusedBySession = new Map<number, number>();
      let resetMessage: meow.IPackedUserMessage | undefined;
      for (const [i, p] of posted.entries()) {
        const to = contacts.find((x) => toHex(x.myLookup.publicKey) === toHex(p.destination!));
        if (!to) continue;
        let rm: meow.RatchetMessage;
        try {
          const sym = open(to.myEncryption, p.payload!, p.destination!);
          rm = decodeStrict(
            meow.RatchetMessage,
            'RatchetMessage',
            aeadDecrypt(to.symKey, sym, encodeFields('meow/sym/v1')),
          );
        } catch {
          continue; // an invitation-era message under other keys
        }
        if (rm.reset) {
          if (i >= firstAfter) resetMessage = p;
          continue;
        }
        const h = decodeHeader(rm.header);
        const slot = `${to.uid}/${toHex(h.dh)}/${h.n}`;
        const ct = toHex(rm.ciphertext);
        if (seen.has(slot) && seen.get(slot) !== ct)
          reusedBySession.set(rm.epoch, (reusedBySession.get(rm.epoch) ?? 0) + 1);
        seen.set(slot, ct);
      }
      const reusedAfterReset = [...reusedBySession].filter(([e]) => e > 0).reduce((n, [, c]) => n + c, 0);
      expect(resetMessage).toBeDefined();
      expect(reusedBySession.get(0) ?? 0).toBeGreaterThan(0);
      expect(reusedAfterReset).toBe(0);

      // A replayed reset: through the relay (dropped by its id), and under a new id (known key: no new session).
      const epochs = contacts.map((p) => p.session.epoch);
      const card = await fetchServerCard(env.relay.url);
      const { ed25519KeyPair } = await import('../../protocol/crypto/curves.js');
      const injector = new RelayClient({
        url: env.relay.url,
        serverKey: card.publicKey,
        device: ed25519KeyPair(),
      });
      await injector.post([resetMessage!]);
      await settle(a, b);
      const target = toHex(resetMessage!.destination!) === toHex(contacts[0]!.myLookup.publicKey) ? a : b;
      const packed = meow.PackedUserMessage.decode(encode(meow.PackedUserMessage, resetMessage!));
      expect(
        await receiveOne(
          target,
          meow.DeliveredMessage.create({ id: 'replayed-reset', message: packed }),
          null,
        ),
      ).toBe('ack');
      await settle(a, b);
      expect([a, b].map((m) => m.peers.all().find((p) => p.type === 'contact')!.session.epoch)).toEqual(
        epochs,
      );
      expect(notices.a.filter((c) => c === 'SESSION_RESET')).toHaveLength(1);
      expect(notices.b.filter((c) => c === 'SESSION_RESET')).toHaveLength(1);
      await say('a', 'after replay a');
      await say('b', 'after replay b');
      await settle(a, b);
      expect(inbound(b, 'sb-a').filter((t) => t === 'after replay a')).toHaveLength(1);
      expect(inbound(a, 'sb-b').filter((t) => t === 'after replay b')).toHaveLength(1);

      // What the restore took from Alice: her copy of the conversation between backup and restore.
      const gap = [...sent.a, ...sent.b].filter((t) => t.startsWith('gap'));
      const shownOnA = new Set(a.messages('sb-b').map((m) => m.text));
      record({
        case: 'profile restored from an older copy',
        faults: { restoredBackups: 1, replayedResets: 2 },
        expected: afterA.length + afterB.length,
        lost: ab.lost + ba.lost,
        shownTwice: ab.shownTwice + ba.shownTwice,
        notes: `stale side reused ${reusedBySession.get(0) ?? 0} (ratchet key, n) before detection, 0 after the reset; SESSION_RESET shown once on each side; of the ${gap.length} messages between backup and restore, ${gap.filter((t) => !shownOnA.has(t)).length} are missing from Alice's restored conversation (Bob has them all)`,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
  it('a copy from before an earlier reset: the restored side sees a newer session and resets above it', async () => {
    const notices: string[] = [];
    const relays: RelayFactory = {
      connect: (u, k, d) => new RelayClient({ url: u, serverKey: k, device: d }),
      fetchCard: (u) => fetchServerCard(u),
    };
    let a = await createVia(env, 'sb2-a', relays, {});
    const b = await createVia(env, 'sb2-b', relays, {});
    b.on('notice', (n: { code: string }) => notices.push(`b:${n.code}`));
    const backup = `${env.profile('sb2-a')}.backup`;
    const restore = async () => {
      await a.close();
      rmSync(env.profile('sb2-a'), { recursive: true, force: true });
      cpSync(backup, env.profile('sb2-a'), { recursive: true });
      a = await openVia(env, 'sb2-a', relays, {});
      a.on('notice', (n: { code: string }) => notices.push(`a:${n.code}`));
    };
    const turn = async (tag: string) => {
      await a.send('sb2-b', `${tag} a`);
      await settle(a, b);
      await b.send('sb2-a', `${tag} b`);
      await settle(a, b);
    };
    try {
      await befriend(a, b);
      await turn('t0');
      await a.close();
      cpSync(env.profile('sb2-a'), backup, { recursive: true });
      a = await openVia(env, 'sb2-a', relays, {});
      await turn('t1');
      await restore(); // first restore: a reset to session 1
      await turn('t2');
      await turn('t3');
      const contact = (m: Messenger) => m.peers.all().find((p) => p.type === 'contact')!;
      expect(contact(b).session.epoch).toBe(1);
      await restore(); // the same copy again: Alice is back at session 0, Bob at 1
      expect(contact(a).session.epoch).toBe(0);
      for (let i = 0; i < 2; i++) {
        await b.send('sb2-a', `after b${i}`);
        await a.send('sb2-b', `after a${i}`);
      }
      await settle(a, b);
      await turn('t4');
      const ab = tally(['after a0', 'after a1', 't4 a'], inbound(b, 'sb2-a'));
      const ba = tally(['after b0', 'after b1', 't4 b'], inbound(a, 'sb2-b'));
      expect({ ...ab }).toEqual({ lost: 0, shownTwice: 0 });
      expect({ ...ba }).toEqual({ lost: 0, shownTwice: 0 });
      expect(contact(a).session.epoch).toBe(contact(b).session.epoch);
      expect(contact(b).session.epoch).toBeGreaterThan(1);
      // Each person was told once at each of the two resets.
      expect(notices.filter((n) => n === 'b:SESSION_RESET')).toHaveLength(2);
      expect(notices.filter((n) => n === 'a:SESSION_RESET')).toHaveLength(2);
      record({
        case: 'profile restored twice from a copy older than a reset',
        faults: { restoredBackups: 2 },
        expected: 6,
        lost: ab.lost + ba.lost,
        shownTwice: ab.shownTwice + ba.shownTwice,
        notes: `sessions reached epoch ${contact(b).session.epoch}; notices ${notices.join(', ')}`,
      });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
