/**
 * The renderer's only way out: `window.meow`, the bridge of shared/bridge.ts (set up by
 * the Electron preload or by the browser host's script). `call` turns a result into a
 * value or a thrown ServiceError, whose message is the catalogue's sentence.
 */
import type { MeowBridge, MethodResult } from '../shared/bridge.js';
import { ServiceError, type ErrorCode } from '../shared/errors.js';
import type {
  ServiceEventName,
  ServiceEvents,
  ServiceMethodName,
  ServiceMethods,
  Unsubscribe,
} from '../shared/service.js';

declare global {
  interface Window {
    meow?: MeowBridge;
  }
}

function bridge(): MeowBridge {
  if (!window.meow) throw new ServiceError('INTERNAL', { detail: 'Meow is not connected to this page' });
  return window.meow;
}

export async function call<K extends ServiceMethodName>(
  method: K,
  ...args: Parameters<ServiceMethods[K]>
): Promise<MethodResult<K>> {
  const r = await bridge().invoke(method, ...args);
  if (r.ok) return r.value;
  throw ServiceError.fromView(r.error);
}

export function on<K extends ServiceEventName>(
  event: K,
  listener: (payload: ServiceEvents[K]) => void,
): Unsubscribe {
  return bridge().subscribe(event, listener);
}

/** The sentence to show for a failure. */
export function messageOf(e: unknown): string {
  if (e instanceof ServiceError) return e.message;
  return e instanceof Error ? e.message : String(e);
}

export function codeOf(e: unknown): ErrorCode | null {
  return e instanceof ServiceError ? (e.code as ErrorCode) : null;
}
