/** How hard a case pushes: full under `npm run test:reliability`, a quick subset in the default run. */
export const FULL = process.env.MEOW_RELIABILITY === 'full';

/** `full` under the reliability run, `quick` otherwise. */
export function scale(quick: number, full: number): number {
  return FULL ? full : quick;
}
