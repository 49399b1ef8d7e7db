/** Turns the server choice into a URL (starting the local relay when that is the choice). */
import { call } from '../bridge.js';
import type { ServerChoiceValue } from './ServerChoice.js';

export async function resolveServer(choice: ServerChoiceValue): Promise<string> {
  if (choice.mode === 'local') return (await call('hostLocalRelay', { lan: choice.lan })).url;
  return choice.url.trim();
}

export const DEFAULT_SERVER: ServerChoiceValue = { mode: 'remote', url: '', lan: false };
