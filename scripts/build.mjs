// Bundles with esbuild into dist/:
//   Node entry points (CLI, relay server, browser host, benchmarks) — dependencies external:
//     native modules (better-sqlite3, classic-level) load from node_modules;
//   the renderer (React) and the browser host's bridge, for browsers → dist/renderer/;
//   the Electron main process → dist/app/main.js, and its sandboxed preload → dist/app/preload.cjs.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const nodeEntries = {
  meow: 'entry/meow.ts',
  'meow-server': 'server/cli.ts',
  web: 'main/host/web.ts',
  bench: 'bench/index.ts',
  // The worker thread that hosts the service (main/host/worker.ts starts it).
  'service-worker': 'entry/serviceWorker.ts',
};
const all = [
  ...Object.values(nodeEntries),
  'renderer/main.tsx',
  'renderer/index.html',
  'preload/web.ts',
  'preload/electron.ts',
  'main/app/main.ts',
];
const missing = all.filter((e) => !existsSync(join(root, e)));
if (missing.length) throw new Error(`build: missing entry points: ${missing.join(', ')}`);

/** Every dependency but `bundled` (package names, and their subpaths). */
function nodeExternals(bundled) {
  const deps = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies ?? {})];
  return deps.filter((d) => !bundled.includes(d)).flatMap((d) => [d, `${d}/*`]);
}

/**
 * zod's `z` namespace re-exports every locale (~370 KB the bundle would parse at each start);
 * only English messages are used (zod configures `en` itself), so the others are left out.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes(`${join('node_modules', 'zod')}`)
        ? { path: join(dirname(args.importer), args.path.replace('index.js', 'en.js')), namespace: 'zod-en' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-en' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(args.path)};`,
      resolveDir: dirname(args.path),
    }));
  },
};

const requireBanner = {
  js: "import { createRequire as __meowRequire } from 'node:module'; const require = __meowRequire(import.meta.url);",
};
const common = { bundle: true, sourcemap: 'linked', logLevel: 'warning', legalComments: 'none' };

await Promise.all([
  build({
    ...common,
    entryPoints: Object.fromEntries(Object.entries(nodeEntries).map(([k, v]) => [k, join(root, v)])),
    outdir: join(root, 'dist'),
    // Shared code and what an entry imports lazily go to chunks: `meow send` through a
    // running `meow run` loads the CLI and the RPC client, never the core.
    splitting: true,
    chunkNames: 'chunk-[hash]',
    platform: 'node',
    target: 'node20',
    format: 'esm',
    // zod is bundled: loading it from node_modules is dozens of files resolved at every
    // start of `meow`. Native modules, and the rest, load from node_modules.
    // (The generated proto code imports protobufjs/minimal.js as a default import, which plain Node accepts.)
    external: nodeExternals(['zod']),
    plugins: [zodEnglishOnly],
    banner: requireBanner,
  }),
  build({
    ...common,
    entryPoints: { app: join(root, 'renderer/main.tsx'), 'web-bridge': join(root, 'preload/web.ts') },
    outdir: join(root, 'dist/renderer'),
    platform: 'browser',
    target: ['chrome120'],
    format: 'iife',
    jsx: 'automatic',
    minify: true,
    // The emoji font's files, next to app.css.
    loader: { '.woff2': 'file', '.woff': 'file' },
    assetNames: '[name]-[hash]',
    define: {
      __APP_VERSION__: JSON.stringify(pkg.version),
      'process.env.NODE_ENV': '"production"',
    },
  }),
  build({
    ...common,
    entryPoints: { main: join(root, 'main/app/main.ts') },
    outdir: join(root, 'dist/app'),
    platform: 'node',
    target: 'node22',
    format: 'esm',
    packages: 'external',
    banner: requireBanner,
  }),
  // A sandboxed preload cannot load modules: everything but electron is bundled in.
  build({
    ...common,
    entryPoints: { preload: join(root, 'preload/electron.ts') },
    outfile: join(root, 'dist/app/preload.cjs'),
    platform: 'node',
    target: 'node22',
    format: 'cjs',
    minify: true,
    external: ['electron'],
  }),
]);
mkdirSync(join(root, 'dist/renderer'), { recursive: true });
copyFileSync(join(root, 'renderer/index.html'), join(root, 'dist/renderer/index.html'));
for (const icon of ['tray.png', 'tray@2x.png']) {
  if (existsSync(join(root, 'build', icon)))
    copyFileSync(join(root, 'build', icon), join(root, 'dist/app', icon));
}
console.log('build: dist/ ready');
