/**
 * The messenger on its default transport (a relay session) against a real relay, embedded
 * store and Redis: `meow run`'s loops receive by push, an idle device makes the relay do
 * nothing per pull, the connection says which transport it uses, and MEOW_RELAY_TRANSPORT=http
 * keeps the HTTP long-poll path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionState } from '../../main/core/events.js';
import { befriend, createProfile, useEnv, type StoreKind } from './harness.js';

async function metric(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe.each<StoreKind>(['embedded', 'redis'])('relay transport through the core (%s store)', (kind) => {
  const env = useEnv(kind);
  afterEach(() => {
    delete process.env.MEOW_RELAY_TRANSPORT;
  });

  it('meow run receives by push over a session; idle pulls cost the relay no request', async () => {
    const a = await createProfile(env, `ta-${kind}`);
    const b = await createProfile(env, `tb-${kind}`);
    const states: ConnectionState[] = [];
    b.on('connection', (c) => states.push(c));
    try {
      await befriend(a, b);
      const url = env.relay.url;
      const subscribes = await metric(url, 'meow_requests_total{type="session_subscribe",result="OK"}');
      b.start();
      await expect.poll(() => states.some((s) => s.online && s.transport === 'session')).toBe(true);
      const pushed = await metric(url, 'meow_messages_pushed_total');
      await a.send('tb-' + kind, 'pushed to you');
      await a.flushOutbox();
      await expect
        .poll(() => b.messages('ta-' + kind).map((m) => m.text), { timeout: 20_000 })
        .toContain('pushed to you');
      expect(await metric(url, 'meow_messages_pushed_total')).toBeGreaterThan(pushed);
      expect(subscribes).toBeGreaterThan(0); // the syncs of befriend subscribed b's queues
      b.kickPoll(); // a new pull round, as every 25 s
      b.kickPoll();
      await a.send('tb-' + kind, 'second');
      await a.flushOutbox();
      await expect
        .poll(() => b.messages('ta-' + kind).map((m) => m.text), { timeout: 20_000 })
        .toContain('second');
      // Queues are proven once per session: the running loop's pull rounds subscribed nothing more.
      expect(await metric(url, 'meow_requests_total{type="session_subscribe",result="OK"}')).toBe(subscribes);
    } finally {
      await b.stop();
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('MEOW_RELAY_TRANSPORT=http: the long-poll path, said so by the connection', async () => {
    process.env.MEOW_RELAY_TRANSPORT = 'http';
    const a = await createProfile(env, `ha-${kind}`);
    const b = await createProfile(env, `hb-${kind}`);
    const states: ConnectionState[] = [];
    b.on('connection', (c) => states.push(c));
    try {
      await befriend(a, b);
      await a.send('hb-' + kind, 'over http');
      await a.flushOutbox();
      b.start();
      await expect
        .poll(() => b.messages('ha-' + kind).map((m) => m.text), { timeout: 20_000 })
        .toContain('over http');
      expect(states.some((s) => s.online && s.transport === 'http')).toBe(true);
      expect(states.some((s) => s.transport === 'session')).toBe(false);
    } finally {
      await b.stop();
      await Promise.all([a.close(), b.close()]);
    }
  });
});
