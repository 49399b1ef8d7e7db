/**
 * The browser host's preload: the same `window.meow` as preload/electron.ts, over the
 * host's loopback WebSocket (shared/rpc.ts frames). The token comes in the URL fragment
 * the host printed (never sent in HTTP requests), is kept for this tab's session, and
 * taken out of the address bar. Loaded by the host's index.html before the app.
 */
import {
  BRIDGE_GLOBAL,
  checkEvent,
  checkMethod,
  WEB_SOCKET_PATH,
  WEB_TOKEN_PARAM,
  type MeowBridge,
} from '../shared/bridge.js';
import { ServiceError } from '../shared/errors.js';
import type { Result, RpcFrame } from '../shared/rpc.js';

const KEY = 'meow.token';
const fromHash = new URLSearchParams(location.hash.slice(1)).get(WEB_TOKEN_PARAM);
if (fromHash) {
  sessionStorage.setItem(KEY, fromHash);
  history.replaceState(null, '', location.pathname + location.search);
}
const token = sessionStorage.getItem(KEY) ?? '';

const pending = new Map<number, (r: Result<unknown>) => void>();
const listeners = new Map<string, Set<(payload: unknown) => void>>();
let nextId = 1;
let socket: WebSocket | null = null;
let opened: Promise<WebSocket> | null = null;

const failure = (detail: string): Result<never> => ({
  ok: false,
  error: new ServiceError('INTERNAL', { detail }).toView(),
});

function connect(): Promise<WebSocket> {
  opened ??= new Promise((resolve, reject) => {
    const url = `ws://${location.host}${WEB_SOCKET_PATH}?${WEB_TOKEN_PARAM}=${encodeURIComponent(token)}`;
    const ws = new WebSocket(url);
    ws.onopen = () => resolve((socket = ws));
    ws.onmessage = (m) => {
      const f = JSON.parse(String(m.data)) as RpcFrame;
      if (f.t === 'result' && typeof f.id === 'number') {
        pending.get(f.id)?.(f.result);
        pending.delete(f.id);
      } else if (f.t === 'event') {
        for (const l of listeners.get(f.event) ?? []) l(f.payload);
      }
    };
    ws.onclose = () => {
      socket = opened = null;
      for (const done of pending.values()) done(failure('the connection to Meow closed'));
      pending.clear();
      reject(new Error('closed'));
      // Events resume once a new connection is up (the host may have restarted).
      if (listeners.size) setTimeout(() => void connect().catch(() => undefined), 1000);
    };
  });
  return opened;
}

async function send(method: string, args: unknown[]): Promise<Result<unknown>> {
  const ws = socket ?? (await connect().catch(() => null));
  if (!ws) return failure('cannot reach the Meow host');
  const id = nextId++;
  // JSON turns a trailing undefined into null, which an optional argument refuses.
  while (args.length && args[args.length - 1] === undefined) args.pop();
  return new Promise((resolve) => {
    pending.set(id, resolve);
    ws.send(JSON.stringify({ t: 'call', id, method, args } satisfies RpcFrame));
  });
}

const bridge: MeowBridge = {
  // An unknown method throws here and now, as in the Electron preload.
  invoke: (method, ...args) => send(checkMethod(method), args) as never,
  subscribe: (event, listener) => {
    const set = listeners.get(checkEvent(event)) ?? new Set();
    listeners.set(event, set);
    const l = listener as (p: unknown) => void;
    set.add(l);
    void connect().catch(() => undefined);
    return () => void set.delete(l);
  },
};

Object.defineProperty(window, BRIDGE_GLOBAL, { value: Object.freeze(bridge), writable: false });
