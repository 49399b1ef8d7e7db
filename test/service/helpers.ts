/** Services over real profiles and a real relay, and waiting on their events (never on sleeps). */
import type { MeowService, ServiceEventName, ServiceEvents } from '../../shared/service.js';
import { createService, type LocalService } from '../../main/core/service/service.js';
import { PASSWORD, TEST_LOG_N, type Env } from '../core/harness.js';

export { PASSWORD };

export function serviceFor(env: Env, name: string, opts: { pollTimeoutMs?: number } = {}): LocalService {
  return createService({ profile: env.profile(name), kdfLogN: TEST_LOG_N, log: env.log, ...opts });
}

export async function newIdentity(env: Env, name: string): Promise<LocalService> {
  const s = serviceFor(env, name);
  await s.createIdentity({
    nickname: name,
    password: PASSWORD,
    serverUrl: env.relay.url,
    deviceName: `${name}-pc`,
  });
  return s;
}

/** Resolves with the first `event` whose payload satisfies `match` (rejects after `ms`). */
export function nextEvent<K extends ServiceEventName>(
  service: MeowService,
  event: K,
  match: (payload: ServiceEvents[K]) => boolean = () => true,
  ms = 30_000,
): Promise<ServiceEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no "${event}" event matching within ${ms} ms`));
    }, ms);
    const off = service.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}

/** Makes `a` and `b` contacts through their services; returns each one's contact id for the other. */
export async function befriendServices(
  a: MeowService,
  b: MeowService,
): Promise<{ bOnA: string; aOnB: string }> {
  const [pa, pb] = [await a.profile(), await b.profile()];
  const invite = await a.invite({ name: pb.nickname });
  const contact = await b.acceptInvite({ link: invite.link, name: pa.nickname });
  // the answer reaches a; a's first reply lets b send (the answering side sends first)
  for (let i = 0; i < 20; i++) {
    await a.sync();
    await b.sync();
    const onA = (await a.contacts()).find((c) => c.id === invite.contactId);
    if (onA?.state === 'active') break;
  }
  return { bOnA: invite.contactId, aOnB: contact.id };
}
