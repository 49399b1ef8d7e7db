/**
 * The Electron preload (sandboxed, context-isolated): exposes `window.meow`, the bridge of
 * shared/bridge.ts, over IPC. Typed functions only, never ipcRenderer itself; channels
 * come from the allowlist of shared/ and unknown names throw; the Electron event object
 * never reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  BRIDGE_GLOBAL,
  checkEvent,
  checkMethod,
  eventChannel,
  methodChannel,
  type MeowBridge,
} from '../shared/bridge.js';

const bridge: MeowBridge = {
  invoke: (method, ...args) => ipcRenderer.invoke(methodChannel(checkMethod(method)), ...args),
  subscribe: (event, listener) => {
    const channel = eventChannel(checkEvent(event));
    if (typeof listener !== 'function') throw new TypeError('meow: a listener must be a function');
    const forward = (_e: IpcRendererEvent, payload: unknown) => (listener as (p: unknown) => void)(payload);
    ipcRenderer.on(channel, forward);
    return () => void ipcRenderer.removeListener(channel, forward);
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, Object.freeze(bridge));
