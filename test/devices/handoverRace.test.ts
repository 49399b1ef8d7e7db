/**
 * Two losses the three-device fuzz (test/reliability/deviceFuzz.test.ts) found around a
 * handover, each reproduced on purpose: the contact's messages pulled in the same batch as
 * the request that hands the contact over, and a forward chasing the primary role.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Messenger } from '../../main/core/messenger/messenger.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import {
  befriend,
  createBlankDevice,
  createProfile,
  pairDevices,
  settle,
  startEnv,
  type Env,
} from '../core/harness.js';

const texts = (m: Messenger, contact: string, outbound: boolean) =>
  m
    .messages(contact)
    .filter((x) => x.outbound === outbound)
    .map((x) => x.text);

describe('handover races', () => {
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

  /** A (primary, knows X), B and C paired to A. */
  async function family(tag: string) {
    const a = await createProfile(env, `A-${tag}`);
    const x = await createProfile(env, `X-${tag}`);
    open.push(a, x);
    await befriend(a, x);
    const b = await createBlankDevice(env, `B-${tag}`);
    const c = await createBlankDevice(env, `C-${tag}`);
    open.push(b, c);
    await pairDevices(a, b);
    await pairDevices(a, c);
    await settle(a, b, c);
    return { a, b, c, x, X: x.identity.nickname, A: a.identity.nickname };
  }

  it("the contact's messages pulled with the request that hands it over all wait for the new primary", async () => {
    const { a, b, c, x, X, A } = await family('batch');
    const sent = ['x0', 'x1', 'x2', 'x3', 'x4', 'x5'];
    for (const t of sent) await x.send(A, t);
    await x.flushOutbox();
    await b.deviceSync.requestPrimary(X);
    await b.flushOutbox();
    // One pull: B's request first (device queues come first), then X's six, now B's to read.
    await a.sync();
    expect(a.findContact(X).primary).not.toBeNull();
    await settle(a, b, c, x);
    expect(b.findContact(X).primary).toBeNull();
    for (const d of [a, b, c]) expect(texts(d, X, false)).toEqual(sent);
    expect(env.logs.some((l) => l.includes('waiting on an unanswered invitation'))).toBe(false);
  });

  it('a forward that went round my devices too often is passed on after a pause, not dropped', async () => {
    const { a, b, c, x, X, A } = await family('hops');
    // What C sends when its forward has already hopped three times (B and A trading the role).
    const onC = c.findContact(X);
    const bOnC = c.deviceSync.siblings().find((d) => d.deviceId === b.identity.uid)!;
    const plain = encode(meow.UserMessage, {
      type: 'text',
      text: 'went round',
      status: { uuid: randomUUID(), sent: Date.now() },
    });
    c.db.outbox.enqueue([c.deviceSync.forwardItem(bOnC, onC, plain, 3)]);
    await settle(c, b);
    expect(env.logs.some((l) => l.includes('a forward goes round my devices'))).toBe(true);
    b.db.outbox.retryAllNow(); // the pause is over
    await settle(b, a, x, a, b, c);
    expect(texts(x, A, false)).toEqual(['went round']);
    for (const d of [a, b, c]) expect(texts(d, X, true)).toEqual(['went round']);
  });
});
