/**
 * The Electron IPC table, without Electron: registerServiceIpc over a recording ipcMain and
 * a real service. One handler per MeowService method, every argument validated by the
 * shared schemas, only the app's own page answered; events forwarded per channel.
 */
import { hostedRelay } from '../../entry/hostedRelay.js';
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardServiceEvents, registerServiceIpc } from '../../main/app/ipc.js';
import { APP_ORIGIN } from '../../main/app/policy.js';
import { createService, type LocalService } from '../../main/core/service/service.js';
import { eventChannel, methodChannel } from '../../shared/bridge.js';
import type { Result } from '../../shared/rpc.js';
import { SERVICE_METHODS } from '../../shared/schemas.js';
import { TEST_LOG_N, useEnv } from '../core/harness.js';
import { PASSWORD } from '../service/helpers.js';

type Handler = (e: IpcMainInvokeEvent, ...args: unknown[]) => Promise<Result<unknown>>;

describe('Electron IPC table', () => {
  const env = useEnv();
  const handlers = new Map<string, Handler>();
  const ipcMain = {
    handle: (channel: string, h: Handler) => {
      if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
      handlers.set(channel, h);
    },
    removeHandler: (channel: string) => handlers.delete(channel),
  } as unknown as IpcMain;
  let service: LocalService;
  beforeAll(() => {
    service = createService({
      profile: env.profile('ipc'),
      kdfLogN: TEST_LOG_N,
      log: env.log,
      localRelay: hostedRelay,
    });
  });
  const from = (url: string) => ({ senderFrame: { url } }) as unknown as IpcMainInvokeEvent;
  const app = from(`${APP_ORIGIN}/index.html`);
  const invoke = (method: string, ...args: unknown[]) =>
    handlers.get(methodChannel(method as never))!(app, ...args);
  afterAll(() => service.close());

  it('registers exactly one handler per service method, and removes them', () => {
    const unregister = registerServiceIpc(ipcMain, service);
    expect([...handlers.keys()].sort()).toEqual(SERVICE_METHODS.map((m) => methodChannel(m)).sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('validates before the service, answers results, and only the app page', async () => {
    registerServiceIpc(ipcMain, service);
    expect(await invoke('appState')).toMatchObject({ ok: true, value: { state: 'new' } });
    expect(await invoke('send', 42, 'x')).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(
      await invoke('createIdentity', { nickname: 'x'.repeat(65), password: PASSWORD, serverUrl: 'http://x' }),
    ).toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    expect(await invoke('unlock', { password: PASSWORD, admin: true })).toMatchObject({
      ok: false,
      error: { code: 'BAD_INPUT' },
    });
    const foreign = await handlers.get(methodChannel('appState'))!(from('https://evil.example/'));
    expect(foreign).toMatchObject({ ok: false, error: { code: 'REFUSED' } });
    expect(await invoke('appState')).toMatchObject({ ok: true, value: { state: 'new' } });
  });

  it('forwards each event on its own channel, stops when unsubscribed', async () => {
    const sent: [string, unknown][] = [];
    const wc = {
      isDestroyed: () => false,
      send: (c: string, p: unknown) => sent.push([c, p]),
    } as unknown as WebContents;
    const off = forwardServiceEvents(service, () => wc);
    await invoke('hostLocalRelay', { port: 0 });
    expect(sent.some(([c]) => c === eventChannel('app:state'))).toBe(true);
    off();
    const before = sent.length;
    await invoke('createIdentity', { nickname: 'Alice', password: PASSWORD, serverUrl: env.relay.url });
    expect(sent.length).toBe(before);
  });
});
