/**
 * The typed RPC that carries MeowService over any message channel: a worker thread's
 * port, the `meow run` control socket, the browser host's WebSocket, Electron IPC.
 * Calls are validated against shared/schemas.ts on the serving side before the
 * service sees them; results cross as `{ok: true, value} | {ok: false, error}`;
 * events are pushed to every connection.
 *
 * @example
 *   // serving side
 *   serveRpc(service, { send: (f) => port.postMessage(f), onFrame: (cb) => port.on('message', cb) });
 *   // calling side
 *   const remote = createRpcClient({ send: (f) => worker.postMessage(f), onFrame: (cb) => worker.on('message', cb) });
 *   await remote.unlock({ password });
 */
import { ServiceError, isErrorCode, type ErrorView } from './errors.js';
import { isServiceMethod, METHOD_ARGS, SERVICE_EVENTS, SERVICE_METHODS } from './schemas.js';
import type {
  MeowService,
  ServiceEventName,
  ServiceEvents,
  ServiceMethodName,
  ServiceMethods,
  Unsubscribe,
} from './service.js';

export type Result<T> = { ok: true; value: T } | { ok: false; error: ErrorView };

export type RpcFrame =
  | { t: 'call'; id: number; method: string; args: unknown[] }
  /** `id` is the call's: a malformed call's string id is echoed, a missing or odd one is null. */
  | { t: 'result'; id: number | string | null; result: Result<unknown> }
  | { t: 'event'; event: ServiceEventName; payload: unknown };

/** Both ends of a channel look like this to the RPC. */
export interface RpcChannel {
  send(frame: RpcFrame): void;
  onFrame(listener: (frame: unknown) => void): void;
  /** Called once when the channel closes (optional: some channels never close). */
  onClose?(listener: () => void): void;
}

/** Methods a connection may call before it has proven the password (with `requireUnlock`). */
const BEFORE_UNLOCK = new Set<ServiceMethodName>(['appState', 'unlock']);

function errorView(e: unknown): ErrorView {
  if (e instanceof ServiceError) return e.toView();
  const detail = e instanceof Error ? e.message : String(e);
  return new ServiceError('INTERNAL', { detail }).toView();
}

/**
 * One call, validated: unknown methods and arguments of the wrong shape are refused
 * (BAD_INPUT, UNKNOWN_METHOD) without reaching the service.
 */
export async function dispatchCall(
  service: ServiceMethods,
  method: unknown,
  args: unknown,
): Promise<Result<unknown>> {
  if (!isServiceMethod(method)) {
    return { ok: false, error: new ServiceError('UNKNOWN_METHOD', { method: String(method) }).toView() };
  }
  const parsed = METHOD_ARGS[method].safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.length ? `${method} argument ${issue.path.join('.')}` : `${method} arguments`;
    return {
      ok: false,
      error: new ServiceError('BAD_INPUT', { field, reason: issue?.message ?? 'invalid' }).toView(),
    };
  }
  try {
    const call = (service as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[method]!;
    return { ok: true, value: await call.apply(service, parsed.data as unknown[]) };
  } catch (e) {
    return { ok: false, error: errorView(e) };
  }
}

function isCall(f: unknown): f is Extract<RpcFrame, { t: 'call' }> {
  const c = f as Partial<Extract<RpcFrame, { t: 'call' }>> | null;
  return (
    typeof c === 'object' &&
    c !== null &&
    c.t === 'call' &&
    Number.isSafeInteger(c.id) &&
    typeof c.method === 'string' &&
    Array.isArray(c.args)
  );
}

/**
 * A frame that says it is a call but is not a well-formed one (arguments not a list, an id
 * that is a string, no method): the caller gets an error answer rather than silence, which
 * would leave it waiting forever. Its id is echoed when it is a short string or a number.
 */
function malformedCall(f: unknown): RpcFrame | null {
  const c = f as { t?: unknown; id?: unknown; method?: unknown; args?: unknown } | null;
  if (typeof c !== 'object' || c === null || Array.isArray(c) || c.t !== 'call') return null;
  const id =
    (typeof c.id === 'number' && Number.isFinite(c.id)) || (typeof c.id === 'string' && c.id.length <= 64)
      ? c.id
      : null;
  const reason =
    typeof c.method !== 'string'
      ? 'the method must be a name'
      : !Array.isArray(c.args)
        ? 'the arguments must be a list'
        : 'the id must be a whole number';
  return {
    t: 'result',
    id,
    result: { ok: false, error: new ServiceError('BAD_INPUT', { field: 'call frame', reason }).toView() },
  };
}

/**
 * Serves `service` on one channel. With `requireUnlock`, the connection may call only
 * appState and unlock until an unlock on it succeeds (the control socket: holding the
 * socket is not a way around the password). Returns a function that stops serving.
 */
export function serveRpc(
  service: MeowService,
  channel: RpcChannel,
  opts: { requireUnlock?: boolean } = {},
): () => void {
  let unlocked = !opts.requireUnlock;
  const offs: Unsubscribe[] = SERVICE_EVENTS.map((event) =>
    service.on(event, (payload) => {
      if (unlocked) channel.send({ t: 'event', event, payload });
    }),
  );
  const stop = () => offs.splice(0).forEach((off) => off());
  channel.onClose?.(stop);
  channel.onFrame((frame) => {
    if (!isCall(frame)) {
      // Not a call at all: ignored (a channel may carry other traffic). A broken call: refused.
      const refusal = malformedCall(frame);
      if (refusal) channel.send(refusal);
      return;
    }
    const { id, method, args } = frame;
    void (async () => {
      let result: Result<unknown>;
      if (!unlocked && !(isServiceMethod(method) && BEFORE_UNLOCK.has(method))) {
        result = { ok: false, error: new ServiceError('NO_PASSWORD', {}).toView() };
      } else {
        result = await dispatchCall(service, method, args);
        if (method === 'unlock' && result.ok) unlocked = true;
      }
      channel.send({ t: 'result', id, result });
    })();
  });
  return stop;
}

export interface RpcClient extends MeowService {
  /** Fails every pending call (the channel is gone). */
  close(reason?: string): void;
}

/** A MeowService whose methods are calls over `channel`. */
export function createRpcClient(channel: RpcChannel): RpcClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const listeners = new Map<ServiceEventName, Set<(payload: unknown) => void>>();
  let closed: string | null = null;

  const fail = (reason: string) => {
    closed = reason;
    for (const p of pending.values()) p.reject(new ServiceError('INTERNAL', { detail: reason }));
    pending.clear();
  };
  channel.onClose?.(() => fail('the service connection closed'));
  channel.onFrame((raw) => {
    const f = raw as RpcFrame;
    if (f?.t === 'result') {
      if (typeof f.id !== 'number') return; // an answer to a frame this side never sent
      const p = pending.get(f.id);
      if (!p) return;
      pending.delete(f.id);
      if (f.result.ok) p.resolve(f.result.value);
      else {
        const e = f.result.error;
        p.reject(ServiceError.fromView(isErrorCode(e?.code) ? e : { ...e, code: 'INTERNAL' }));
      }
    } else if (f?.t === 'event') {
      for (const l of listeners.get(f.event) ?? []) l(f.payload);
    }
  });

  const call = (method: ServiceMethodName, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      if (closed) return reject(new ServiceError('INTERNAL', { detail: closed }));
      const id = nextId++;
      pending.set(id, { resolve, reject });
      // Trailing undefined optional arguments are dropped: they do not survive every channel.
      while (args.length && args[args.length - 1] === undefined) args = args.slice(0, -1);
      channel.send({ t: 'call', id, method, args });
    });

  const client = {
    on<K extends ServiceEventName>(event: K, listener: (payload: ServiceEvents[K]) => void): Unsubscribe {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
    close: (reason = 'closed') => fail(reason),
  } as RpcClient;
  for (const m of SERVICE_METHODS) {
    (client as unknown as Record<string, unknown>)[m] = (...args: unknown[]) => call(m, args);
  }
  return client;
}
