/**
 * Table row for what unlinking a device costs per contact. The device that unlinks rotates
 * its keys of every contact it drives through that contact's ratchet (peers/rotation.ts:
 * a key_update each, and a peer_update to every remaining sibling so they show the new
 * safety number) and re-keys its remaining device channels (DeviceSync.afterUnlink).
 *
 * The family: a primary A with N contacts (all on one profile X, one relationship each),
 * and a sibling C that stays. Each repetition pairs a fresh device B, then times unlinking
 * it on A until everything it queued is posted; the reference, in the same run, is A
 * sending one text to each of the N contacts and posting it (the same outbox, the same
 * fan-out to C). Beside the time: the messages and bytes A posted, per contact, and what
 * the contacts' side spends taking the new keys.
 */
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { Messenger } from '../../main/core/messenger/messenger.js';
import type { Relay, RelayFactory } from '../../main/core/relay.js';
import { netRelays } from '../../main/net/relayFactory.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import {
  createBlankDevice,
  createProfile,
  pairDevices,
  PASSWORD,
  settle,
  startEnv,
  TEST_LOG_N,
  type Env,
} from '../../test/core/harness.js';
import type { BenchContext, Row, Sample } from '../table.js';

interface Posted {
  messages: number;
  bytes: number;
  /** Messages the relay refused and did not take on a later post. */
  refused: Set<meow.IPackedUserMessage>;
}

/**
 * The relays of `inner`, counting what they accept (packed messages, as the relay stores
 * them) and what they refuse.
 */
function counting(inner: RelayFactory, posted: Posted): RelayFactory {
  return {
    fetchCard: (url) => inner.fetchCard(url),
    connect(url, serverKey, device): Relay {
      const r = inner.connect(url, serverKey, device);
      return {
        post: async (messages, opts) => {
          try {
            const ids = await r.post(messages, opts);
            posted.messages += messages.length;
            for (const m of messages) {
              posted.bytes += encode(meow.PackedUserMessage, m).length;
              posted.refused.delete(m);
            }
            return ids;
          } catch (e) {
            for (const m of messages) posted.refused.add(m); // a refused batch is retried one by one
            throw e;
          }
        },
        pull: (lookups, opts) => r.pull(lookups, opts),
        ack: (items, opts) => r.ack(items, opts),
        ...(r.secure ? { secure: (queues, opts) => r.secure!(queues, opts) } : {}),
        putInvitation: (blob, expiresAt, owner) => r.putInvitation(blob, expiresAt, owner),
        getInvitation: (id) => r.getInvitation(id),
        deleteInvitation: (id, owner) => r.deleteInvitation(id, owner),
      };
    },
  };
}

interface Family {
  env: Env;
  a: Messenger;
  c: Messenger;
  x: Messenger;
  contacts: string[];
  posted: Posted;
  made: number;
}

function family(ctx: BenchContext): Promise<Family> {
  return ctx.resource(
    'unlink-family',
    async () => {
      // Rate limits are relay policy, not a cost: lifted, as in the other messenger benches.
      const env = await startEnv('embedded', { ratePerSec: 0, queueRatePerSec: 0 });
      const posted: Posted = { messages: 0, bytes: 0, refused: new Set() };
      const a = await Messenger.create(
        env.profile('unlink-a'),
        PASSWORD,
        { nickname: 'A', serverUrl: env.relay.url, logN: TEST_LOG_N, deviceName: 'A' },
        { relays: counting(netRelays, posted), log: env.log },
      );
      const x = await createProfile(env, 'unlink-x');
      const n = ctx.scale(50, 20);
      for (let i = 0; i < n; i++) {
        const { link } = await a.invite(`x${i}`);
        await x.accept(link, `a${i}`);
      }
      await settle(a, x);
      const contacts = a.contacts().map((p) => p.uid);
      if (contacts.length !== n) throw new Error(`expected ${n} contacts on A, found ${contacts.length}`);
      const c = await createBlankDevice(env, 'unlink-c');
      await pairDevices(a, c);
      await settle(a, c, x);
      return { env, a, c, x, contacts, posted, made: 0 };
    },
    async (f) => {
      await Promise.all([f.a.close(), f.c.close(), f.x.close()]);
      await f.env.close();
    },
  );
}

const perContact = (f: Family, p: Posted) =>
  `${(p.messages / f.contacts.length).toFixed(2)} msg, ${Math.round(p.bytes / f.contacts.length)} B per contact` +
  (p.refused.size ? `; ${p.refused.size} refused by the relay` : '');

function resetCount(p: Posted): void {
  p.messages = p.bytes = 0;
  p.refused.clear();
}

/** Unlinks a freshly paired B on A: time until everything it queued is posted, per contact. */
async function unlinkCost(ctx: BenchContext): Promise<Sample> {
  const f = await family(ctx);
  const { a, c, x } = f;
  const b = await createBlankDevice(f.env, `unlink-b${f.made++}`);
  try {
    await pairDevices(a, b);
    await settle(a, b, c, a, b, c); // b and c introduced to each other
    const before = new Map(f.contacts.map((uid) => [uid, a.peers.get(uid)!.rotatedAt]));
    const bOnA = a.deviceSync.deviceById(b.identity.uid)!;
    resetCount(f.posted);
    const t0 = performance.now();
    await a.deviceSync.unlink(bOnA.uid);
    await a.flushOutbox();
    const ms = performance.now() - t0;
    const posted = { ...f.posted, refused: new Set(f.posted.refused) };
    const rotated = f.contacts.filter((uid) => a.peers.get(uid)!.rotatedAt !== before.get(uid)).length;
    if (rotated !== f.contacts.length)
      throw new Error(`unlink rotated ${rotated} of ${f.contacts.length} contacts`);
    // The contacts' side: pull and apply the N key updates.
    const t1 = performance.now();
    await settle(x);
    const contactMs = performance.now() - t1;
    await settle(a, c, x, a, c); // c re-keys its channel to a; nothing left queued
    const n = f.contacts.length;
    return {
      value: ms / n,
      detail: `${perContact(f, posted)}; contacts take the new keys in ${(contactMs / n).toFixed(1)} ms each`,
      extra: {
        unlinkMessages: posted.messages,
        unlinkBytes: posted.bytes,
        unlinkRefused: posted.refused.size,
        unlinkContactSideMs: contactMs / n,
        contacts: n,
      },
    };
  } finally {
    await b.close();
  }
}

/** A sends one text to each of the N contacts and posts them: time per contact. */
async function sendCost(ctx: BenchContext): Promise<Sample> {
  const f = await family(ctx);
  const { a, c, x } = f;
  const text = Buffer.from(randomBytes(75)).toString('base64'); // ~100 characters
  resetCount(f.posted);
  const t0 = performance.now();
  for (const uid of f.contacts) await a.send(uid, text);
  await a.flushOutbox();
  const ms = performance.now() - t0;
  const posted = { ...f.posted, refused: new Set(f.posted.refused) };
  await settle(x, a, c); // delivered, receipts back, synced to c
  return {
    value: ms / f.contacts.length,
    detail: perContact(f, posted),
    extra: { sendMessages: posted.messages, sendBytes: posted.bytes, sendRefused: posted.refused.size },
  };
}

export const unlinkRows: Row[] = [
  {
    id: 'unlink.rotation',
    name: 'unlink a device: rotation per contact (A with N contacts, 1 sibling stays)',
    referenceName: 'one message to each contact',
    unit: 'ms/contact',
    better: 'lower',
    measure: unlinkCost,
    reference: sendCost,
  },
];
