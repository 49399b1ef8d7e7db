#!/usr/bin/env node
// The `meow` command: the messenger core driven from a terminal (see README).
import { existsSync } from 'node:fs';
const entry = new URL('../dist/meow.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('meow: not built yet; run `npm run build` in the project folder first.');
  process.exit(1);
}
await import(entry.href);
