/**
 * The IPC table: one `ipcMain.handle` per MeowService method (the allowlist of
 * shared/schemas.ts), each validating its arguments with the shared zod schemas
 * (dispatchCall) before the worker-hosted service sees them, and answering only the
 * app's own page. Every service event is forwarded to the window.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { eventChannel, methodChannel } from '../../shared/bridge.js';
import { ServiceError } from '../../shared/errors.js';
import { dispatchCall, type Result } from '../../shared/rpc.js';
import { SERVICE_EVENTS, SERVICE_METHODS } from '../../shared/schemas.js';
import type { MeowService, Unsubscribe } from '../../shared/service.js';
import { isAppUrl } from './policy.js';

export function registerServiceIpc(ipcMain: IpcMain, service: MeowService): () => void {
  for (const method of SERVICE_METHODS) {
    ipcMain.handle(
      methodChannel(method),
      (e: IpcMainInvokeEvent, ...args: unknown[]): Promise<Result<unknown>> => {
        if (!isAppUrl(e.senderFrame?.url ?? '')) {
          const error = new ServiceError('REFUSED', { detail: 'not the app page' }).toView();
          return Promise.resolve({ ok: false, error });
        }
        return dispatchCall(service, method, args);
      },
    );
  }
  return () => SERVICE_METHODS.forEach((m) => ipcMain.removeHandler(methodChannel(m)));
}

export function forwardServiceEvents(service: MeowService, target: () => WebContents | null): Unsubscribe {
  const offs = SERVICE_EVENTS.map((event) =>
    service.on(event, (payload) => {
      const wc = target();
      if (wc && !wc.isDestroyed()) wc.send(eventChannel(event), payload);
    }),
  );
  return () => offs.forEach((off) => off());
}
