/**
 * What the outbox does with each kind of relay refusal: damage on the way, a queue not
 * yet open to us (NOT_AUTHORIZED during a key rotation) and busy relays are transient;
 * what the relay says, authenticated, about the message itself parks it as failed with
 * the reason until the person retries it; a relay refusing everything is said once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifySendFailure, RelayHealth } from '../../main/core/messenger/retryPolicy.js';
import { RelayError } from '../../main/net/relayClient.js';
import { noticeText } from '../../shared/notices.js';
import type { Limits } from '../../server/config.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { befriend, createProfile, settle, startEnv, useEnv, useOpen, type Env } from '../core/harness.js';
import { befriendServices, newIdentity } from '../service/helpers.js';
import { startFaultProxy, type FaultProxy } from './faultProxy.js';
import { createVia, inbound, until, viaProxy } from './people.js';

const sealed = (code: string, status: number) => new RelayError(code, code, status, { authenticated: true });
const plain = (code: string, status: number) => new RelayError(code, code, status);

describe('retry classification', () => {
  it('damage, keys, clocks, rotations and busy relays are transient; the message itself is permanent', () => {
    const transient = [
      plain('NOT_FOR_THIS_SERVER', 421), // a damaged request the relay could not open
      plain('BAD_SIGNATURE', 401),
      plain('MALFORMED', 400),
      plain('STALE', 401),
      new RelayError('BAD_REPLY', 'unreadable reply', 200), // a damaged reply
      sealed('NOT_AUTHORIZED', 403), // the contact has not registered our new sender key yet
      sealed('QUEUE_FULL', 507),
      sealed('RATE_LIMITED', 429),
      plain('MESSAGE_TOO_LARGE', 401), // a damaged plain BAD_SIGNATURE (3 → 8 is not one bit, 3 → 7 is)
      plain('BODY_TOO_LARGE', 401),
      new RelayError('UNREACHABLE', 'connection reset'),
      new Error('anything else'),
    ];
    for (const e of transient) expect(classifySendFailure(e, 1).kind, String(e)).toBe('transient');
    for (const e of [
      sealed('MESSAGE_TOO_LARGE', 413),
      plain('BODY_TOO_LARGE', 413),
      sealed('MALFORMED', 400),
    ]) {
      expect(classifySendFailure(e, 1).kind).toBe('permanent');
      expect(classifySendFailure(e, 5).kind).toBe('split');
    }
  });

  it('a relay refusing every request is reported once per episode, never for damage now and then', () => {
    let now = 0;
    const told: string[] = [];
    const h = new RelayHealth(
      (s, c) => told.push(`${s} ${c}`),
      5,
      1000,
      () => now,
    );
    for (let i = 0; i < 100; i++) {
      now += 100;
      if (i % 4 === 0) h.ok('A');
      else h.failed('A', plain('NOT_FOR_THIS_SERVER', 421));
    }
    expect(told).toEqual([]);
    for (let i = 0; i < 50; i++) {
      now += 100;
      h.failed('B', plain('STALE', 401));
      h.failed('C', sealed('NOT_AUTHORIZED', 403)); // about one queue, not the relay
    }
    expect(told).toEqual(['B STALE']);
    h.ok('B');
    for (let i = 0; i < 20; i++) {
      now += 100;
      h.failed('B', plain('BAD_SIGNATURE', 401));
    }
    expect(told).toEqual(['B STALE', 'B BAD_SIGNATURE']);
  });
});

describe('failures about the message itself', () => {
  let env: Env;
  beforeAll(async () => {
    env = await startEnv('embedded');
  });
  afterAll(async () => {
    await env?.close();
  });

  it('a message the relay refuses for good is shown failed with the reason, waits, and retryMessage sends it once', async () => {
    const a = await newIdentity(env, 'fa');
    const b = await newIdentity(env, 'fb');
    try {
      const { bOnA, aOnB } = await befriendServices(a, b);
      // The relay's own bound, lowered while the message is sent (an operator's config change).
      const limits = (env.relay.server as unknown as { opts: { limits: Limits } }).opts.limits;
      const bound = limits.maxMessageBytes;
      limits.maxMessageBytes = 64;
      const sent = await a.send(bOnA, 'a message the relay will find too large');
      await a.sync();
      const failed = (await a.messages(bOnA)).find((m) => m.id === sent.id)!;
      expect(failed.status).toBe('pending');
      expect(failed.failed?.reason).toMatch(/^MESSAGE_TOO_LARGE: /);
      // Parked: later rounds do not post it again (no hourly retry, no loop).
      const refusals = () => env.relay.logs.filter((l) => l['code'] === 'MESSAGE_TOO_LARGE').length;
      const before = refusals();
      await a.sync();
      await a.sync();
      expect(refusals()).toBe(before);
      expect((await a.messages(bOnA)).find((m) => m.id === sent.id)!.failed).not.toBeNull();

      limits.maxMessageBytes = bound;
      const retried = await a.retryMessage(bOnA, sent.id);
      expect(retried.failed).toBeNull();
      await b.sync();
      await a.sync();
      const after = (await a.messages(bOnA)).find((m) => m.id === sent.id)!;
      expect(after.status).not.toBe('pending');
      expect(after.failed).toBeNull();
      const got = (await b.messages(aOnB)).filter((m) => m.text === sent.text);
      expect(got).toHaveLength(1);
      // Retrying what has not failed changes nothing; an unknown message is a clear error.
      expect((await a.retryMessage(bOnA, sent.id)).id).toBe(sent.id);
      await expect(a.retryMessage(bOnA, 'no-such-message')).rejects.toMatchObject({
        code: 'UNKNOWN_MESSAGE',
        message: 'No message "no-such-message" in this conversation.',
      });
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('one message of a batch refused', () => {
  const env = useEnv();
  const open = useOpen();

  it("a queue that no longer takes my key holds only its own message, not the batch's others", async () => {
    const a = await createProfile(env, 'ha');
    const b = await createProfile(env, 'hb');
    const c = await createProfile(env, 'hc');
    open.push(a, b, c);
    await befriend(a, b);
    await befriend(a, c);
    // C's queue for A takes only a key A does not have (as after a rotation A missed).
    const aOnC = c.findContact(a.identity.nickname);
    await c.relayFor(c.identity.servers[0]!).secure!([
      { lookup: aOnC.myLookup, senders: [ed25519KeyPair().publicKey] },
    ]);
    const toC = await a.send(c.identity.nickname, 'held by its queue');
    const toB = await a.send(b.identity.nickname, 'not held with it');
    await a.sync(); // both rows are due together: one post of two messages
    await settle(b);
    expect(inbound(b, a.identity.nickname)).toEqual(['not held with it']);
    expect(a.db.messages.get(a.findContact(b.identity.nickname).uid, toB.uuid)?.state).toBe('sent');
    const held = a.db.messages.get(a.findContact(c.identity.nickname).uid, toC.uuid);
    expect(held?.state).toBe('pending');
    expect(a.db.outbox.count('peer', held!.peerUid)).toBe(1); // still queued, retried alone
  });
});

describe('a relay that refuses every request', () => {
  let env: Env;
  let proxy: FaultProxy;
  beforeAll(async () => {
    env = await startEnv('embedded');
    proxy = await startFaultProxy(env.relay.url, {});
  });
  afterAll(async () => {
    await proxy?.close();
    await env?.close();
  });

  it('is said once, in words; when it accepts again the messages go', async () => {
    const relays = viaProxy(() => proxy.url);
    const extra = { pollTimeoutMs: 500, retryCeilingMs: 500, refusalNotice: { count: 4, afterMs: 0 } };
    const alice = await createVia(env, 'ra', relays, extra);
    const bob = await createVia(env, 'rb', relays, extra);
    const notices: { code: string; params: Record<string, string | number> }[] = [];
    alice.on('notice', (n) => notices.push(n));
    try {
      await befriend(alice, bob);
      proxy.setRates({ damageRequest: 1 }); // as if the pinned key were wrong: nothing opens
      alice.start();
      await alice.send('rb', 'held while refused');
      await until(() => proxy.counts.damagedRequests >= 20, 60_000);
      expect(notices.filter((n) => n.code === 'RELAY_REFUSING')).toEqual([
        { code: 'RELAY_REFUSING', params: { server: env.relay.url, code: 'NOT_FOR_THIS_SERVER' } },
      ]);
      expect(noticeText('RELAY_REFUSING', notices[0]!.params)).toBe(
        `The server ${env.relay.url} refuses every request (NOT_FOR_THIS_SERVER): its key may have changed or this computer's clock may be wrong. Messages wait here until it accepts them again.`,
      );
      proxy.setRates({});
      bob.start();
      expect(await until(() => inbound(bob, 'ra').length === 1, 60_000)).toBe(true);
      expect(inbound(bob, 'ra')).toEqual(['held while refused']);
    } finally {
      await Promise.all([alice.close(), bob.close()]);
    }
  });
});
