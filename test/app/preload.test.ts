/**
 * The Electron preload, with `electron` replaced by a recorder (there is no Electron
 * binary here): it exposes one frozen `meow` object whose invoke/subscribe take only the
 * allowlisted names, call the matching channel, and hand listeners the payload alone.
 */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { eventChannel, methodChannel, type MeowBridge } from '../../shared/bridge.js';

const exposed = new Map<string, unknown>();
const invoked: unknown[][] = [];
const listeners = new Map<string, ((e: unknown, ...a: unknown[]) => void)[]>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
  ipcRenderer: {
    invoke: (...a: unknown[]) => {
      invoked.push(a);
      return Promise.resolve({ ok: true, value: null });
    },
    on: (c: string, l: (e: unknown, ...a: unknown[]) => void) =>
      listeners.set(c, [...(listeners.get(c) ?? []), l]),
    removeListener: (c: string, l: (e: unknown, ...a: unknown[]) => void) =>
      listeners.set(
        c,
        (listeners.get(c) ?? []).filter((x) => x !== l),
      ),
  },
}));

describe('Electron preload', () => {
  let meow: MeowBridge;
  beforeAll(async () => {
    await import('../../preload/electron.js');
    meow = exposed.get('meow') as MeowBridge;
  });

  it('exposes exactly one frozen object with invoke and subscribe', () => {
    expect([...exposed.keys()]).toEqual(['meow']);
    expect(Object.isFrozen(meow)).toBe(true);
    expect(Object.keys(meow).sort()).toEqual(['invoke', 'subscribe']);
  });

  it('invokes allowlisted methods on their channel and throws on anything else', async () => {
    await meow.invoke('send', 'c1', 'hello');
    expect(invoked.at(-1)).toEqual([methodChannel('send'), 'c1', 'hello']);
    const loose = meow as unknown as {
      invoke(m: string): unknown;
      subscribe(e: string, l: unknown): unknown;
    };
    for (const bad of ['eval', '__proto__', 'constructor', 'on', 'meow:call:send']) {
      expect(() => loose.invoke(bad), bad).toThrow(TypeError);
    }
    expect(() => loose.subscribe('secrets', () => undefined)).toThrow(TypeError);
    expect(() => loose.subscribe('notice', 'not a function')).toThrow(TypeError);
  });

  it('passes listeners the payload without the Electron event, until unsubscribed', () => {
    const got: unknown[][] = [];
    const off = meow.subscribe('notice', (...args: unknown[]) => got.push(args));
    const [l] = listeners.get(eventChannel('notice'))!;
    l!({ sender: 'the Electron event object' }, { code: 'DEVICE_ADDED' });
    expect(got).toEqual([[{ code: 'DEVICE_ADDED' }]]);
    off();
    expect(listeners.get(eventChannel('notice'))).toEqual([]);
  });
});
