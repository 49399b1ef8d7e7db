// Bundles the Node entry points (CLI, relay server, benchmarks) into dist/ with esbuild.
// Dependencies stay external: native modules (better-sqlite3, classic-level) load from node_modules.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entries = {
  bench: 'bench/index.ts',
  'meow-server': 'server/cli.ts',
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
  // Dependencies stay external except protobufjs: the generated code does
  // `import * as $protobuf from "protobufjs/minimal.js"`, and Node's CJS interop does not
  // expose `roots` on that namespace, so it is bundled (one copy, configured by main/wire/proto.ts).
  plugins: [
    {
      name: 'external-except-protobufjs',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) =>
          args.path === 'protobufjs' || args.path.startsWith('protobufjs/')
            ? undefined
            : { path: args.path, external: true },
        );
      },
    },
  ],
  sourcemap: 'linked',
  logLevel: 'warning',
  banner: {
    js: "import { createRequire as __meowRequire } from 'node:module'; const require = __meowRequire(import.meta.url);",
  },
});
console.log('build: dist/ ready');
