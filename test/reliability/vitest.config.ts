/**
 * `npm run test:reliability`: every reliability case at full scale (MEOW_RELIABILITY=full),
 * including the long ones (*.long.ts: soak, kill loops). The default `vitest run` runs the
 * *.test.ts cases of this folder at a smaller scale, as the CI subset.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/reliability/**/*.{test,long}.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    env: { MEOW_RELIABILITY: 'full' },
  },
});
