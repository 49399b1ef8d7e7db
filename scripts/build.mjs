// Bundles the Node entry points (CLI, relay server, benchmarks) into dist/ with esbuild.
// Dependencies stay external: native modules (better-sqlite3, classic-level) load from node_modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  meow: 'main/cli/main.ts',
  'meow-server': 'server/cli.ts',
  bench: 'bench/index.ts',
  'service-worker': 'main/host/serviceWorker.ts',
};

const missing = Object.values(entries).filter((e) => !existsSync(join(root, e)));
if (missing.length) throw new Error(`build: missing entry points: ${missing.join(', ')}`);

await build({
  entryPoints: Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, join(root, v)])),
  outdir: join(root, 'dist'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // Dependencies stay external (native modules load from node_modules). The generated
  // proto code imports protobufjs/minimal.js as a default import, which plain Node accepts.
  packages: 'external',
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __meowRequire } from 'node:module'; const require = __meowRequire(import.meta.url);",
  },
});
console.log('build: dist/ ready');
