/**
 * End-to-end tests: the real renderer in Debian's Chromium (never a downloaded browser)
 * against real browser-host processes and real relays. One worker: each test starts
 * several processes, and the machines here have two cores.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 240_000,
  expect: { timeout: 30_000 },
  workers: 1,
  retries: 0,
  forbidOnly: true,
  reporter: [['list']],
  outputDir: '../test-results/e2e',
  use: { trace: 'off', screenshot: 'off', video: 'off' },
});
