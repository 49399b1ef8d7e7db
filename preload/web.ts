/**
 * The browser host's preload: the same `window.meow` as preload/electron.ts, over the
 * host's loopback WebSocket (shared/rpc.ts frames). The printed address's fragment holds a
 * one-time secret: it leaves the address bar at once and is traded (POST /session) for an
 * HttpOnly session cookie, which the WebSocket then carries; no secret is kept by the page
 * or left usable in the history. When the connection drops (the host restarted), it
 * reconnects on its own and says so through `host.onStatus`. Loaded by the host's
 * index.html before the app.
 */
import {
  BRIDGE_GLOBAL,
  checkEvent,
  checkMethod,
  WEB_BOOT_PARAM,
  WEB_SESSION_PATH,
  WEB_SOCKET_PATH,
  type HostStatus,
  type MeowBridge,
} from '../shared/bridge.js';
import { ServiceError } from '../shared/errors.js';
import type { Result, RpcFrame } from '../shared/rpc.js';

const secret = new URLSearchParams(location.hash.slice(1)).get(WEB_BOOT_PARAM);
if (secret !== null) history.replaceState(null, '', location.pathname + location.search);

/** The session: the secret traded for the cookie (or refused: spent, as in a history entry). */
const session: Promise<'new' | 'spent' | 'none'> = secret
  ? fetch(WEB_SESSION_PATH, { method: 'POST', body: secret, credentials: 'same-origin' })
      .then((r) => (r.ok ? 'new' : 'spent'))
      .catch(() => 'none' as const)
  : Promise.resolve('none');

const pending = new Map<number, (r: Result<unknown>) => void>();
const listeners = new Map<string, Set<(payload: unknown) => void>>();
const statusListeners = new Set<(s: HostStatus) => void>();
let status: HostStatus = 'connecting';
let nextId = 1;
let socket: WebSocket | null = null;
let opened: Promise<WebSocket> | null = null;
/** Whether a connection was ever up: a drop after that is a restart to reconnect from. */
let everConnected = false;
let retryDelay = 250;
let retryTimer: ReturnType<typeof setTimeout> | null = null;

const setStatus = (s: HostStatus) => {
  if (s === status) return;
  status = s;
  for (const l of statusListeners) l(s);
};

const failure = (code: 'HOST_RESTARTING' | 'HOST_REFUSED'): Result<never> => ({
  ok: false,
  error: new ServiceError(code, {}).toView(),
});

function connect(): Promise<WebSocket> {
  opened ??= session.then(
    (how) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}${WEB_SOCKET_PATH}`);
        let up = false;
        ws.onopen = () => {
          up = true;
          everConnected = true;
          retryDelay = 250;
          socket = ws;
          setStatus('connected');
          resolve(ws);
        };
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
          for (const done of pending.values()) done(failure('HOST_RESTARTING'));
          pending.clear();
          reject(new Error('closed'));
          if (!up && !everConnected) {
            // Never let in: no session (an address opened twice, or the history's).
            setStatus(how === 'spent' ? 'spent' : 'refused');
            return;
          }
          // The host went away (restarted, or stopped): keep trying, as long as the tab is open.
          setStatus('reconnecting');
          if (retryTimer) return;
          retryTimer = setTimeout(() => {
            retryTimer = null;
            void connect().catch(() => undefined);
          }, retryDelay);
          retryDelay = Math.min(retryDelay * 2, 2000);
        };
      }),
  );
  return opened;
}

async function send(method: string, args: unknown[]): Promise<Result<unknown>> {
  const ws = socket ?? (await connect().catch(() => null));
  if (!ws) return failure(status === 'reconnecting' ? 'HOST_RESTARTING' : 'HOST_REFUSED');
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
  host: {
    status: () => status,
    onStatus: (listener) => {
      statusListeners.add(listener);
      return () => void statusListeners.delete(listener);
    },
  },
};

Object.defineProperty(window, BRIDGE_GLOBAL, { value: Object.freeze(bridge), writable: false });
