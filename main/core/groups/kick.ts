/**
 * The receive path applies a group's messages inside its transaction, where nothing async
 * may run; channel work (a hidden channel's invitation or answer: peer records) is left in
 * the group's record and started here once the transaction is over.
 */
import type { Core } from '../core.js';

const workers = new WeakMap<Core, () => void>();

export function onGroupWork(core: Core, run: () => void): void {
  workers.set(core, run);
}

/** Starts the group's channel work after the current transaction (a macrotask: after its commit). */
export function kickGroupWork(core: Core): void {
  const run = workers.get(core);
  if (run) setImmediate(run);
}
