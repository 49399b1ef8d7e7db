/**
 * Fuzzed interaction of a three-device person (Alice: desk, laptop, tablet, paired for real)
 * with a contact (Bob): random steps — Bob sends, any of Alice's devices sends (a sibling's
 * message is forwarded through the device driving Bob), sync, restart from disk, a post lost
 * before or after the relay, an old ciphertext replayed, Bob's channel handed to another
 * device — and once per run one device unlinked, the fuzz going on with two. Between steps,
 * conversation actions (docs/conversation-sync.md): a reaction (toggled) by anyone, an edit or
 * a deletion for everyone of one's own message, from any device. After settling: every
 * message shown exactly once at Bob and on every linked device of Alice, every message shown
 * the same (text, edits, deletion, reactions) on all of them, and no two ciphertexts share a
 * (ratchet key, message number) on any channel (contact or device).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';

import type { Messenger } from '../../main/core/messenger/messenger.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import type { meow } from '../../protocol/wire/proto.js';
import { messageView } from '../../main/core/service/views.js';
import { currentTimer } from '../../main/core/messenger/disappearing.js';
import { DAY_MS, WEEK_MS } from '../../main/core/durations.js';
import { isServiceError } from '../../shared/errors.js';
import { befriend, pairDevices, settle, startEnv, type Env } from '../core/harness.js';
import { seeded } from './faultProxy.js';
import { lossyRelays, replay, SlotLedger } from './fuzzKit.js';
import { blankVia, createVia, openVia, tally } from './people.js';
import { record } from './report.js';
import { scale } from './scale.js';

const STEPS = scale(300, 3000);
/** Another seed explores other interleavings: MEOW_FUZZ_SEED=… (the report names the seed). */
const SEED = Number(process.env.MEOW_FUZZ_SEED ?? 1313);
const ALICE = ['dz-desk', 'dz-lap', 'dz-tab'] as const;
const BOB = 'dz-bob';
type Name = (typeof ALICE)[number] | typeof BOB;

describe('fuzzed interaction of a three-device person with a contact', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await env?.close();
  });

  it(`${STEPS} random steps with forwards, handovers and an unlink: every message shown once everywhere`, async () => {
    const rnd = seeded(SEED);
    const posted: meow.IPackedUserMessage[] = [];
    const faults = {
      lostBeforeRelay: 0,
      lostReply: 0,
      replayed: 0,
      restarts: 0,
      handoverRequests: 0,
      handoversDone: 0,
      unlinks: 0,
      actions: 0,
      timers: 0,
    };
    let faulty = false;
    const relays = lossyRelays(rnd, posted, faults, () => faulty);
    const m = {} as Record<Name, Messenger>;
    m['dz-desk'] = await createVia(env, 'dz-desk', relays, {}); // Alice's nickname: dz-desk
    m[BOB] = await createVia(env, BOB, relays, {});
    m['dz-lap'] = await blankVia(env, 'dz-lap', relays, {});
    m['dz-tab'] = await blankVia(env, 'dz-tab', relays, {});
    const linked: Name[] = [...ALICE];
    const open = (): Name[] => [...linked, BOB];
    const contactOf = (n: Name) => (n === BOB ? 'dz-desk' : BOB);
    const sent: Record<Name, string[]> = { 'dz-desk': [], 'dz-lap': [], 'dz-tab': [], [BOB]: [] };
    /** Each message's text as sent (a deletion for everyone wipes it from the stores). */
    const sentText = new Map<string, string>();
    /** Texts of messages deleted for everyone: one deleted before it left never reaches Bob. */
    const deletedTexts = new Set<string>();
    /** A random action by `who` on a random message it has: refused ones (a deleted message) change nothing. */
    /** Timer steps draw from their own sequence (the others' stay as they were). */
    const rndTimer = seeded(SEED + 1);
    const act = async (who: Name, step: number) => {
      if (rndTimer() < 0.1) {
        // The disappearing timer, set from any device of either side (long ones: nothing
        // becomes due within a run, so every message is still there to compare).
        await m[who].setTimer(contactOf(who), [0, DAY_MS, WEEK_MS][Math.floor(rndTimer() * 3)]!);
        faults.timers++;
        return;
      }
      const list = m[who].messages(contactOf(who));
      const target = list[Math.floor(rnd() * list.length)];
      if (!target) return;
      const r = rnd();
      const input =
        r < 0.6 || !target.outbound
          ? { kind: 'react' as const, target: target.uuid, emoji: ['👍', '❤️', '😂'][Math.floor(rnd() * 3)]! }
          : r < 0.9
            ? { kind: 'edit' as const, target: target.uuid, text: `edit ${step}` }
            : { kind: 'delete' as const, target: target.uuid, forEveryone: true };
      try {
        await m[who].act(contactOf(who), input);
        if (input.kind === 'delete') deletedTexts.add(sentText.get(target.uuid) ?? target.text);
        faults.actions++;
      } catch (e) {
        if (!isServiceError(e) || e.code !== 'MESSAGE_DELETED') throw e;
      }
    };
    const ledger = new SlotLedger();
    const learnAll = () => open().forEach((n) => ledger.learn(m[n]));
    /** The device of Alice that drives Bob, when all agree on one (none while a handover is under way). */
    const driver = (): Name | undefined => {
      const drivers = linked.filter((n) => {
        const c = m[n].findContact(BOB);
        return !c.primary && !!c.drState;
      });
      return drivers.length === 1 ? drivers[0] : undefined;
    };
    /** The network is back: rows waiting out a backoff or a pause go now (what a reconnect does), until all is sent. */
    const drain = async () => {
      for (let round = 0; round < 10; round++) {
        for (const n of open()) m[n].db.outbox.retryAllNow();
        await settle(...open().map((n) => m[n]));
        if (open().every((n) => m[n].db.outbox.size() === 0)) return;
      }
    };
    const card = await fetchServerCard(env.relay.url);
    const injector = new RelayClient({
      url: env.relay.url,
      serverKey: card.publicKey,
      device: ed25519KeyPair(),
    });
    let drivenBefore: Name | undefined;
    try {
      await befriend(m['dz-desk'], m[BOB]);
      await pairDevices(m['dz-desk'], m['dz-lap']);
      await pairDevices(m['dz-desk'], m['dz-tab']);
      await settle(...open().map((n) => m[n]));
      learnAll();
      drivenBefore = driver();
      faulty = true;
      for (let step = 0; step < STEPS; step++) {
        if (step === Math.floor(STEPS / 2)) {
          // Once per run: one device unlinked (never the one driving Bob, whose channel would be orphaned).
          faulty = false;
          await drain();
          const d = driver();
          const target = linked.filter((n) => n !== d)[Math.floor(rnd() * (linked.length - 1))]!;
          const by = linked.filter((n) => n !== target)[Math.floor(rnd() * (linked.length - 1))]!;
          await m[by].deviceSync.unlink(m[target].identity.deviceName);
          linked.splice(linked.indexOf(target), 1);
          await settle(m[by], m[target]); // it learns it is unlinked
          expect(m[target].identity.unlinked).not.toBeNull();
          await m[target].close();
          faults.unlinks++;
          faulty = true;
          learnAll();
        }
        const who = open()[Math.floor(rnd() * open().length)]!;
        const r = rnd();
        if (r < 0.35) {
          const text = `${who} ${step}`;
          sentText.set((await m[who].send(contactOf(who), text)).uuid, text);
          sent[who].push(text);
        } else if (r < 0.75) {
          await m[who].sync().catch(() => undefined); // a lost post fails the round; the outbox keeps it
        } else if (r < 0.83) {
          await m[who].close();
          m[who] = await openVia(env, who, relays, {});
          faults.restarts++;
        } else if (r < 0.9 && who !== BOB) {
          // This device asks for Bob's channel (nothing happens if it already drives it).
          const asked = await m[who].deviceSync.requestPrimary(BOB);
          faults.handoverRequests += asked.contacts;
        } else if (posted.length > 0) {
          // An old ciphertext again, out of order (a relay or network replaying it).
          const replayed = await replay(injector, posted[Math.floor(rnd() * posted.length)]!);
          if (replayed) faults.replayed++;
        }
        if (rnd() < 0.25) await act(who, step);
        learnAll();
        const now = driver();
        if (now && now !== drivenBefore) {
          faults.handoversDone++;
          drivenBefore = now;
        }
      }
      faulty = false;
      await drain();
      learnAll();

      const aliceSent = ALICE.flatMap((n) => sent[n]);
      const mine = (n: Name, outbound: boolean) =>
        m[n]
          .messages(contactOf(n))
          .filter((x) => x.outbound === outbound)
          .map((x) => x.text || sentText.get(x.uuid) || '');
      const atBob = tally(
        aliceSent.filter((t) => !deletedTexts.has(t)),
        mine(BOB, false).filter((t) => !deletedTexts.has(t)),
      );
      const perDevice = linked.map((n) => ({
        n,
        fromBob: tally(sent[BOB], mine(n, false)),
        fromAlice: tally(aliceSent, mine(n, true)),
      }));
      const lost = atBob.lost + perDevice.reduce((s, d) => s + d.fromBob.lost + d.fromAlice.lost, 0);
      const twice =
        atBob.shownTwice + perDevice.reduce((s, d) => s + d.fromBob.shownTwice + d.fromAlice.shownTwice, 0);
      const slots = ledger.check(posted);
      record({
        case: `fuzzed interaction, three devices and a contact (${STEPS} steps)`,
        faults,
        expected: aliceSent.length + sent[BOB].length,
        lost,
        shownTwice: twice,
        notes:
          `seed ${SEED}; Alice's devices sent ${aliceSent.length}, Bob ${sent[BOB].length}; ` +
          `${slots.distinct} distinct ciphertexts, ${slots.opened} opened (${slots.unknownQueue} to queues never seen): ` +
          `${slots.reused} (ratchet key, n) reused; ${slots.resets} session resets`,
      });
      expect(faults.restarts).toBeGreaterThan(3);
      expect(faults.replayed).toBeGreaterThan(3);
      expect(faults.handoversDone).toBeGreaterThan(0);
      expect(faults.unlinks).toBe(1);
      expect(faults.lostBeforeRelay + faults.lostReply).toBeGreaterThan(3);
      expect(linked.map((n) => m[n].deviceSync.siblings().length)).toEqual([1, 1]);
      expect(driver()).toBeDefined();
      expect(atBob).toEqual({ lost: 0, shownTwice: 0 });
      for (const d of perDevice) {
        expect({ n: d.n, ...d.fromBob }).toEqual({ n: d.n, lost: 0, shownTwice: 0 });
        expect({ n: d.n, ...d.fromAlice }).toEqual({ n: d.n, lost: 0, shownTwice: 0 });
      }
      // Every message shows the same on Bob's device and each of Alice's (Bob's "me" is Alice's "contact").
      const shown = (n: Name, flip: boolean) =>
        m[n].messages(contactOf(n)).map((x) => {
          const v = messageView(m[n], x);
          const by = (b: string) => (flip ? (b === 'me' ? 'contact' : 'me') : b);
          return {
            id: v.id,
            text: v.text,
            deleted: v.deleted,
            history: v.history.map((h) => h.text),
            disappearAfter: v.disappearAfter,
            reactions: v.reactions
              .map((r) => ({ emoji: r.emoji, by: r.by.map(by).sort() }))
              .sort((a, b) => a.emoji.localeCompare(b.emoji)),
          };
        });
      // (a message deleted for everyone before it left is on my devices, as deleted, and not at Bob's)
      const atBobShown = shown(BOB, true).sort((a, b) => a.id.localeCompare(b.id));
      const atBobIds = new Set(atBobShown.map((x) => x.id));
      for (const n of linked)
        expect({
          n,
          shown: shown(n, false)
            .filter((x) => atBobIds.has(x.id) || !x.deleted)
            .sort((a, b) => a.id.localeCompare(b.id)),
        }).toEqual({
          n,
          shown: atBobShown,
        });
      expect(faults.actions).toBeGreaterThan(10);
      // The timer is the same on every device of both (the latest change by (time, id) wins).
      expect(faults.timers).toBeGreaterThan(2);
      const timers = ([...linked, BOB] as Name[]).map(
        (n) => currentTimer(m[n], m[n].findContact(contactOf(n)).uid).ms,
      );
      expect(new Set(timers).size).toBe(1);
      expect(slots.opened).toBeGreaterThan(aliceSent.length + sent[BOB].length);
      expect(slots.reused).toBe(0);
    } finally {
      await Promise.all(([...ALICE, BOB] as Name[]).map((n) => m[n]?.close().catch(() => undefined)));
    }
  });
});
