/** The relay through its client library: card, post/pull/ack, long-polls, invitations, operations endpoints. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from '../../protocol/crypto/bytes.js';
import { ed25519KeyPair } from '../../protocol/crypto/curves.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import { encode, meow } from '../../protocol/wire/proto.js';
import { messageId, verifyServerCard } from '../../protocol/wire/serverProtocol.js';
import { packed, startRelay, type TestRelay, refusal } from '../helpers/relay.js';
import { freePort } from '../helpers/redis.js';

let relay: TestRelay;
let client: RelayClient;
beforeAll(async () => {
  relay = await startRelay();
  client = relay.client();
});
afterAll(async () => {
  await relay?.close();
});

describe('server card', () => {
  it('is signed, names the server keys, and is served as JSON for people', async () => {
    const card = await fetchServerCard(relay.url + '/');
    expect(verifyServerCard(card)).toBe(true);
    expect(card.url).toBe(relay.url);
    expect(card.publicKey).toEqual(relay.serverKey);
    const json = (await (await fetch(`${relay.url}/v1/card?format=json`)).json()) as Record<string, string>;
    expect(json.publicKey).toBe(Buffer.from(card.publicKey).toString('base64'));
    expect(json.name).toBe('meow-server');
  });

  it('stays the same across restarts with the same key file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meow-key-'));
    const keyFile = join(dir, 'key.json');
    const a = await startRelay({ keyFile });
    const cardA = await fetchServerCard(a.url);
    await a.close();
    const b = await startRelay({ keyFile });
    const cardB = await fetchServerCard(b.url);
    await b.close();
    expect(cardB.publicKey).toEqual(cardA.publicKey);
    expect(cardB.signingKey).toEqual(cardA.signingKey);
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused when its signature does not verify', async () => {
    const card = await fetchServerCard(relay.url);
    const forged = encode(meow.ServerCard, { ...card, name: 'evil' });
    const fake = createServer((_req, res) => res.end(forged));
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const e = await refusal(fetchServerCard(`http://127.0.0.1:${(fake.address() as AddressInfo).port}`));
    fake.close();
    expect(e.code).toBe('BAD_REPLY');
  });

  it('network failures are UNREACHABLE and retryable', async () => {
    const port = await freePort();
    const e = await refusal(fetchServerCard(`http://127.0.0.1:${port}`));
    expect([e.code, e.retryable]).toEqual(['UNREACHABLE', true]);
    const c = new RelayClient({
      url: `http://127.0.0.1:${port}`,
      serverKey: relay.serverKey,
      device: ed25519KeyPair(),
    });
    expect((await refusal(c.post([packed(ed25519KeyPair())]))).code).toBe('UNREACHABLE');
  });
});

describe('post, pull, ack', () => {
  it('delivers at least once: unacked messages come again, acked ones are gone', async () => {
    const q = ed25519KeyPair();
    const msgs = [packed(q), packed(q, 500)];
    const ids = await client.post(msgs);
    expect(ids).toEqual(msgs.map((m) => messageId(encode(meow.PackedUserMessage, m))));
    const first = await client.pull([q], { timeoutMs: 0 });
    expect(first.messages.map((m) => m.id)).toEqual(ids);
    expect(first.messages[1]!.message!.payload).toEqual(msgs[1]!.payload);
    expect(first.messages[0]!.message!.destination).toEqual(q.publicKey);
    expect(Math.abs(first.messages[0]!.arrivedAt - Date.now())).toBeLessThan(60_000);
    const again = await client.pull([q], { timeoutMs: 0 });
    expect(again.messages.map((m) => m.id)).toEqual(ids);
    // Another device of the owner acks (any device holding the lookup key may).
    expect(await relay.client().ack([{ lookup: q, ids: [ids[0]!] }])).toBe(1);
    expect(await client.ack([{ lookup: q, ids: [ids[0]!] }])).toBe(0);
    expect((await client.pull([q], { timeoutMs: 0 })).messages.map((m) => m.id)).toEqual([ids[1]]);
    expect(await client.ack([{ lookup: q, ids }])).toBe(1);
    expect((await client.pull([q], { timeoutMs: 0 })).messages).toEqual([]);
  });

  it('is idempotent: a re-post returns the same id and queues once', async () => {
    const q = ed25519KeyPair();
    const m = packed(q);
    const [id] = await client.post([m]);
    expect(await relay.client().post([m])).toEqual([id]);
    expect((await client.pull([q], { timeoutMs: 0 })).messages).toHaveLength(1);
  });

  it('holds a pull until a message arrives for any of its keys', async () => {
    const [a, b] = [ed25519KeyPair(), ed25519KeyPair()];
    const started = Date.now();
    const pending = client.pull([a, b], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 150));
    expect(relay.server.waiters.size).toBe(1);
    const [id] = await relay.client().post([packed(b)]);
    const got = await pending;
    expect(got.messages.map((m) => m.id)).toEqual([id]);
    expect(got.messages[0]!.message!.destination).toEqual(b.publicKey);
    expect(Date.now() - started).toBeLessThan(5000); // answered far before the 20 s timeout
    expect(relay.server.waiters.size).toBe(0);
  });

  it('answers an empty pull at its timeout', async () => {
    const got = await client.pull([ed25519KeyPair()], { timeoutMs: 200 });
    expect(got).toEqual({ messages: [], more: false });
  });

  it('lets the caller abort a held pull', async () => {
    const ac = new AbortController();
    const pending = client.pull([ed25519KeyPair()], { timeoutMs: 20_000, signal: ac.signal });
    await new Promise((r) => setTimeout(r, 100));
    expect(relay.server.waiters.size).toBe(1);
    ac.abort();
    const e = await refusal(pending);
    expect([e.code, e.retryable]).toEqual(['ABORTED', false]);
    for (let i = 0; i < 100 && relay.server.waiters.size > 0; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(relay.server.waiters.size).toBe(0); // the server stopped holding it
  });
});

describe('invitations', () => {
  it('stores a blob under a short random id until its owner deletes it', async () => {
    const owner = ed25519KeyPair();
    const blob = randomBytes(700);
    const exp = Date.now() + 60_000;
    const id = await client.putInvitation(blob, exp, owner);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const anyone = relay.client();
    expect(await anyone.getInvitation(id)).toEqual({ blob, expiresAt: exp });
    const e = await refusal(anyone.deleteInvitation(id, ed25519KeyPair()));
    expect([e.code, e.httpStatus]).toEqual(['BAD_PROOF', 403]);
    await client.deleteInvitation(id, owner);
    const gone = await refusal(anyone.getInvitation(id));
    expect([gone.code, gone.httpStatus, gone.retryable]).toEqual(['NOT_FOUND', 404, false]);
    expect((await refusal(client.deleteInvitation(id, owner))).code).toBe('NOT_FOUND');
  });

  it('says EXPIRED after the expiry', async () => {
    const id = await client.putInvitation(randomBytes(10), Date.now() + 200, ed25519KeyPair());
    await new Promise((r) => setTimeout(r, 350));
    const e = await refusal(client.getInvitation(id));
    expect([e.code, e.httpStatus]).toEqual(['EXPIRED', 410]);
    expect((await refusal(client.getInvitation('not an id!'))).code).toBe('MALFORMED');
  });
});

describe('operations endpoints', () => {
  it('healthz reports the store; metrics count requests by type and result', async () => {
    const h = await fetch(`${relay.url}/healthz`);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: 'ok', store: 'embedded' });
    await refusal(client.getInvitation('AAAAAAAAAAAAAAAAAAAAAA'));
    const text = await (await fetch(`${relay.url}/metrics`)).text();
    expect(text).toMatch(/^meow_requests_total\{type="post",result="OK"\} \d+$/m);
    expect(text).toMatch(/^meow_requests_total\{type="invitation",result="NOT_FOUND"\} \d+$/m);
    expect(text).toMatch(/^meow_request_duration_seconds_bucket\{type="pull",le="\+Inf"\} \d+$/m);
    expect(text).toMatch(/^meow_held_polls 0$/m);
    expect(text).toMatch(/^meow_queue_messages \d+$/m);
    expect(text).toMatch(/^meow_store_up 1$/m);
    expect((await fetch(`${relay.url}/nope`)).status).toBe(404);
    expect((await fetch(`${relay.url}/v1/request`)).status).toBe(405);
  });

  it('on close: answers held pulls empty, then refuses connections', async () => {
    const r = await startRelay();
    const c = r.client();
    const pending = c.pull([ed25519KeyPair()], { timeoutMs: 20_000 });
    await new Promise((res) => setTimeout(res, 100));
    const started = Date.now();
    await r.close();
    expect(await pending).toEqual({ messages: [], more: false });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await refusal(c.post([packed(ed25519KeyPair())]))).code).toBe('UNREACHABLE');
  });
});
