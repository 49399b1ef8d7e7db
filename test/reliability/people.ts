/**
 * Profiles for the reliability cases: real messengers whose every relay connection goes
 * through a fault proxy (the relay's card names the relay itself; the factory sends the
 * traffic to the proxy instead, with the same pinned key).
 */
import type { RelayFactory } from '../../main/core/relay.js';
import { Messenger, type MessengerOptions } from '../../main/core/messenger/messenger.js';
import type { StoredMessage } from '../../main/core/storage/messageDb.js';
import { fetchServerCard, RelayClient } from '../../main/net/relayClient.js';
import { SessionRelay } from '../../main/net/sessionRelay.js';
import { PASSWORD, TEST_LOG_N, type Env } from '../core/harness.js';

/** `transport`: the HTTP long-poll client, or a session (WebSocket) with its HTTP fallback, both through the proxy. */
export function viaProxy(proxyUrl: () => string, transport: 'http' | 'session' = 'http'): RelayFactory {
  return {
    connect: (_url, serverKey, device) => {
      const opts = { url: proxyUrl(), serverKey, device, requestTimeoutMs: 5000 };
      return transport === 'session' ? new SessionRelay(opts) : new RelayClient(opts);
    },
    fetchCard: (url) => fetchServerCard(url),
  };
}

export type Extra = Omit<MessengerOptions, 'relays' | 'log'>;

export async function createVia(
  env: Env,
  name: string,
  relays: RelayFactory,
  extra: Extra,
): Promise<Messenger> {
  return Messenger.create(
    env.profile(name),
    PASSWORD,
    { nickname: name, serverUrl: env.relay.url, logN: TEST_LOG_N, deviceName: `${name}'s computer` },
    { relays, log: env.log, ...extra },
  );
}

/** A blank profile for a device about to be paired, through `relays`. */
export async function blankVia(
  env: Env,
  name: string,
  relays: RelayFactory,
  extra: Extra,
): Promise<Messenger> {
  return Messenger.create(
    env.profile(name),
    PASSWORD,
    { nickname: '', serverUrl: env.relay.url, logN: TEST_LOG_N, deviceName: name, pairingPending: true },
    { relays, log: env.log, ...extra },
  );
}

export async function openVia(
  env: Env,
  name: string,
  relays: RelayFactory,
  extra: Extra,
): Promise<Messenger> {
  return Messenger.open(env.profile(name), { password: PASSWORD }, { relays, log: env.log, ...extra });
}

/** Inbound texts from `from`, as stored (a duplicate would appear twice). */
export function inbound(m: Messenger, from: string): string[] {
  return m
    .messages(from)
    .filter((x: StoredMessage) => !x.outbound)
    .map((x) => x.text);
}

/** Polls `done` (no fixed sleeps in assertions: this only paces the checks) until true or `deadline`. */
export async function until(done: () => boolean, deadlineMs: number, stepMs = 100): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (done()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return done();
}

/** Lost and duplicated texts, comparing what arrived with what was sent. */
export function tally(sent: string[], got: string[]): { lost: number; shownTwice: number } {
  const counts = new Map<string, number>();
  for (const t of got) counts.set(t, (counts.get(t) ?? 0) + 1);
  return {
    lost: sent.filter((t) => !counts.has(t)).length,
    shownTwice: [...counts.values()].reduce((n, c) => n + Math.max(0, c - 1), 0),
  };
}
