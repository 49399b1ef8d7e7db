/**
 * The bridge: what the renderer sees of its host, in Electron (preload/electron.ts over
 * IPC) and in a browser (preload/web.ts over the browser host's WebSocket) alike. It is
 * MeowService and nothing else: `invoke` one of its methods (results, never throws, for
 * a known method), `subscribe` to one of its events. Unknown method or event names throw
 * on the calling side; the serving side validates every argument with shared/schemas.ts.
 *
 * @example
 *   const r = await window.meow.invoke('send', contactId, 'hello');
 *   if (!r.ok) show(r.error.message);
 *   const off = window.meow.subscribe('message:stored', (m) => add(m));
 */
import type { Result } from './rpc.js';
import type {
  ServiceEventName,
  ServiceEvents,
  ServiceMethodName,
  ServiceMethods,
  Unsubscribe,
} from './service.js';
import { SERVICE_EVENTS, SERVICE_METHODS } from './schemas.js';

export type MethodResult<K extends ServiceMethodName> = Awaited<ReturnType<ServiceMethods[K]>>;

/**
 * Where the page stands with its host (the browser host only; Electron's never drops):
 * connecting; connected; reconnecting (the host went away, a restart most likely); spent
 * (the address's one-time secret was used before and this browser has no session);
 * refused (no session at all).
 */
export type HostStatus = 'connecting' | 'connected' | 'reconnecting' | 'spent' | 'refused';

export interface MeowBridge {
  invoke<K extends ServiceMethodName>(
    method: K,
    ...args: Parameters<ServiceMethods[K]>
  ): Promise<Result<MethodResult<K>>>;
  subscribe<K extends ServiceEventName>(event: K, listener: (payload: ServiceEvents[K]) => void): Unsubscribe;
  /** The connection to the host, where it can drop (the browser host). */
  host?: {
    status(): HostStatus;
    onStatus(listener: (status: HostStatus) => void): Unsubscribe;
  };
}

/** The global the bridge is exposed as: `window.meow`. */
export const BRIDGE_GLOBAL = 'meow';

/** Electron IPC channel of a method (one `ipcMain.handle` each) and of an event. */
export const methodChannel = (method: ServiceMethodName) => `meow:call:${method}`;
export const eventChannel = (event: ServiceEventName) => `meow:event:${event}`;

const METHOD_SET: ReadonlySet<string> = new Set(SERVICE_METHODS);
const EVENT_SET: ReadonlySet<string> = new Set(SERVICE_EVENTS);

/** Throws on a name outside the allowlist (the bridges' guard; the server refuses it too). */
export function checkMethod(method: unknown): ServiceMethodName {
  if (typeof method !== 'string' || !METHOD_SET.has(method)) {
    throw new TypeError(`meow: unknown method ${JSON.stringify(String(method))}`);
  }
  return method as ServiceMethodName;
}

export function checkEvent(event: unknown): ServiceEventName {
  if (typeof event !== 'string' || !EVENT_SET.has(event)) {
    throw new TypeError(`meow: unknown event ${JSON.stringify(String(event))}`);
  }
  return event as ServiceEventName;
}

/**
 * The browser host: the WebSocket path, the path where the page trades the one-time secret
 * for its session cookie, and the URL fragment key that carries that secret.
 */
export const WEB_SOCKET_PATH = '/rpc';
export const WEB_SESSION_PATH = '/session';
export const WEB_BOOT_PARAM = 'boot';
