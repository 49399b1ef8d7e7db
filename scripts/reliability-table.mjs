#!/usr/bin/env node
// Prints the reliability cases' records (reliability-report/*.json, written by
// test/reliability/report.ts) as the markdown table of issue 13's closing note.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? process.env.MEOW_RELIABILITY_OUT ?? 'reliability-report';
let files = [];
try {
  files = readdirSync(dir).filter((f) => f.endsWith('.json'));
} catch {
  console.error(`No ${dir}/: run npm run test:reliability first.`);
  process.exit(1);
}
const rows = files
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')))
  .sort((a, b) => a.case.localeCompare(b.case));
const faults = (f) =>
  Object.entries(f ?? {})
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '—';
const ms = (v) => (v === undefined ? '—' : v >= 1000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)} ms`);
console.log(
  '| case | faults injected | bad inputs | expected | lost | shown twice | longest wait after a fault | notes |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(
    `| ${r.case} | ${faults(r.faults)} | ${r.badInputs ?? '—'} | ${r.expected ?? '—'} | ${r.lost}${r.lossExpected ? ' ‡' : ''} | ${r.shownTwice} | ${ms(r.longestWaitMs)} | ${r.notes ?? ''} |`,
  );
const lost = rows.filter((r) => !r.lossExpected).reduce((n, r) => n + r.lost, 0);
const twice = rows.reduce((n, r) => n + r.shownTwice, 0);
console.log(`\n${rows.length} cases; lost ${lost}, shown twice ${twice}.`);
if (rows.some((r) => r.lossExpected))
  console.log(
    '‡ a configuration that promises no durability (Redis without persistence): the loss is what it promises.',
  );
