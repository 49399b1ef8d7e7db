#!/usr/bin/env node
// The `meow-server` relay (see README).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/meow-server.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('meow-server: not built yet; run `npm run build` in the project folder first.');
  process.exit(1);
}
await import(entry.href);
