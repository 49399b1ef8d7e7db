/** Durations the core counts in (ms), named once. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;
/** How long ids of things already seen are remembered (received relay ids, device-sync dedup ids). */
export const SEEN_RETENTION_MS = 30 * DAY_MS;
