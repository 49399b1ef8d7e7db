/**
 * After asking the service to remember the key: whether it could. The service keeps it
 * only where its host has a keychain (the desktop app's safeStorage, not the browser
 * host), and the contract does not say beforehand, so the answer is read afterwards.
 */
import { call } from '../bridge.js';
import { useApp } from '../stores/appStore.js';
import { useNotices } from '../stores/noticeStore.js';

export const NO_KEYCHAIN =
  'This computer offers Meow no system keychain (the browser version never has one), so Meow will ask for your password next time.';

export async function checkRemembered(): Promise<void> {
  const state = await call('appState');
  useApp.getState().setState(state);
  if (!state.remembered) {
    useNotices.getState().push({ level: 'info', code: 'NO_KEYCHAIN', text: NO_KEYCHAIN });
  }
}
