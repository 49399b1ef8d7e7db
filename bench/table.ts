/**
 * The bench table: rows of (what we measure, what we compare it with), both measured
 * in the same run, so a row's ratio holds on whatever machine runs it while its
 * absolute figures do not. Each row runs `reps` times (3; 1 with --quick), alternating
 * its measure and its reference; the table shows the medians and the median ratio, and
 * the JSON keeps every sample.
 *
 * Adding a row: push a Row onto the registry (`rows` in bench/rows.ts), e.g.
 *
 *   {
 *     id: 'drain.1000',                      // key in the JSON, matched by --only=drain
 *     name: 'backlog drain, 1,000 queued',
 *     referenceName: 'primitive bound',
 *     unit: 'msg/s', better: 'higher',       // the ratio is measure/reference (higher) or reference/measure (lower)
 *     target: { ratio: 0.7, text: '≥ 0.7×' },
 *     measure: async (ctx) => ({ value: await drainRate(ctx) }),
 *     reference: async (ctx) => ({ value: primitiveBound() }),
 *   }
 *
 * `ctx.resource` starts something once per run (a relay process, a Redis) and stops it
 * at the end; `ctx.memo` measures something once per repetition (a reference several
 * rows share); `ctx.scale(full, quick)` picks a duration or a count.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';

export interface Sample {
  value: number;
  /** Shown beside the value (e.g. "612 µs CPU/msg"). */
  detail?: string;
  /** Other figures kept in the JSON. */
  extra?: Record<string, number>;
}

export interface Row {
  /** Stable id: the key in the JSON; `--only=PREFIX` runs the rows whose id starts with it. */
  id: string;
  /** What is measured. */
  name: string;
  /** What it is compared with (measured in the same run). */
  referenceName: string;
  unit: string;
  /** The reference's unit, when it differs from `unit`. */
  referenceUnit?: string;
  /**
   * higher: a rate (ratio = measure / reference); lower: a time or a cost (ratio =
   * reference / measure). Either way a ratio above 1 means ahead of the reference...
   * unless `ratio` is 'measure/reference' for a lower-is-better figure (a growth factor
   * such as a cost at 8 processes over the cost at 2).
   */
  better: 'higher' | 'lower';
  ratio?: 'measure/reference';
  /** Where the ratio should be: at least `min`, or at most `max`. */
  target?: { min?: number; max?: number; text: string };
  measure(ctx: BenchContext): Promise<Sample>;
  reference(ctx: BenchContext): Promise<Sample>;
}

export interface BenchContext {
  quick: boolean;
  rep: number;
  /** `full` normally, `quick` with --quick. */
  scale<T>(full: T, quick: T): T;
  /** Started once per run, on first use; stopped after the last row. */
  resource<T>(key: string, start: () => Promise<T>, stop: (t: T) => Promise<unknown>): Promise<T>;
  /** Computed once per repetition (a reference shared by several rows). */
  memo<T>(key: string, fn: () => Promise<T>): Promise<T>;
  log(line: string): void;
}

export interface RowResult {
  id: string;
  name: string;
  referenceName: string;
  unit: string;
  referenceUnit: string;
  value: number;
  reference: number;
  ratio: number;
  detail?: string;
  referenceDetail?: string;
  target?: string;
  met?: boolean;
  samples: { value: number; reference: number; ratio: number; extra?: Record<string, number> }[];
  error?: string;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return Math.round(v).toLocaleString('en-US');
  if (a >= 10) return v.toFixed(1);
  return v.toFixed(2);
}

export function formatRatio(r: number): string {
  if (!Number.isFinite(r) || r <= 0) return String(r);
  if (r < 0.1) return `1/${Math.round(1 / r)}`;
  return `${r.toFixed(2)}×`;
}

function ratioOf(row: Row, m: number, r: number): number {
  if (row.better === 'higher' || row.ratio === 'measure/reference') return m / r;
  return r / m;
}

export async function runTable(
  rows: Row[],
  opts: { quick: boolean; reps?: number; json?: string; log?: (l: string) => void },
): Promise<RowResult[]> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const reps = opts.reps ?? (opts.quick ? 1 : 3);
  const resources = new Map<string, { value: Promise<unknown>; stop: (t: unknown) => Promise<unknown> }>();
  let memos = new Map<string, Promise<unknown>>();
  const ctx: BenchContext = {
    quick: opts.quick,
    rep: 0,
    scale: (full, quick) => (opts.quick ? quick : full),
    resource: <T>(key: string, start: () => Promise<T>, stop: (t: T) => Promise<unknown>) => {
      let r = resources.get(key);
      if (!r) {
        r = { value: start(), stop: stop as (t: unknown) => Promise<unknown> };
        resources.set(key, r);
      }
      return r.value as Promise<T>;
    },
    memo: <T>(key: string, fn: () => Promise<T>) => {
      let m = memos.get(key);
      if (!m) memos.set(key, (m = fn()));
      return m as Promise<T>;
    },
    log,
  };
  const samples = new Map<string, { m: Sample; r: Sample; ratio: number }[]>();
  const errors = new Map<string, string>();
  try {
    for (let rep = 0; rep < reps; rep++) {
      ctx.rep = rep;
      memos = new Map();
      for (const row of rows) {
        if (errors.has(row.id)) continue;
        try {
          // Alternate the order, so neither side always runs on a warmer (or hotter) machine.
          let m: Sample;
          let r: Sample;
          if (rep % 2 === 0) {
            m = await row.measure(ctx);
            r = await row.reference(ctx);
          } else {
            r = await row.reference(ctx);
            m = await row.measure(ctx);
          }
          const list = samples.get(row.id) ?? [];
          list.push({ m, r, ratio: ratioOf(row, m.value, r.value) });
          samples.set(row.id, list);
          log(
            `  [${rep + 1}/${reps}] ${row.id}: ${formatNumber(m.value)} ${row.unit} vs ${formatNumber(r.value)} ${row.referenceUnit ?? row.unit} → ${formatRatio(ratioOf(row, m.value, r.value))}`,
          );
        } catch (e) {
          errors.set(row.id, (e as Error).stack ?? String(e));
          log(`  ${row.id}: FAILED ${(e as Error).message}`);
        }
      }
    }
  } finally {
    for (const r of [...resources.values()].reverse()) {
      try {
        await r.stop(await r.value);
      } catch {
        // a resource that failed to start has nothing to stop
      }
    }
  }
  const results: RowResult[] = rows.map((row) => {
    const list = samples.get(row.id) ?? [];
    const value = median(list.map((s) => s.m.value));
    const reference = median(list.map((s) => s.r.value));
    const ratio = median(list.map((s) => s.ratio));
    const mid = list.find((s) => s.m.value === value) ?? list[0];
    const midRef = list.find((s) => s.r.value === reference) ?? list[0];
    const met =
      row.target && list.length
        ? (row.target.min === undefined || ratio >= row.target.min) &&
          (row.target.max === undefined || ratio <= row.target.max)
        : undefined;
    return {
      id: row.id,
      name: row.name,
      referenceName: row.referenceName,
      unit: row.unit,
      referenceUnit: row.referenceUnit ?? row.unit,
      value,
      reference,
      ratio,
      ...(mid?.m.detail ? { detail: mid.m.detail } : {}),
      ...(midRef?.r.detail ? { referenceDetail: midRef.r.detail } : {}),
      ...(row.target ? { target: row.target.text } : {}),
      ...(met !== undefined ? { met } : {}),
      samples: list.map((s) => ({
        value: s.m.value,
        reference: s.r.value,
        ratio: s.ratio,
        ...(s.m.extra || s.r.extra ? { extra: { ...s.r.extra, ...s.m.extra } } : {}),
      })),
      ...(errors.has(row.id) ? { error: errors.get(row.id)! } : {}),
    };
  });
  let previous: Record<string, number> = {};
  if (opts.json && existsSync(opts.json)) {
    try {
      const old = JSON.parse(readFileSync(opts.json, 'utf8')) as { rows: RowResult[] };
      previous = Object.fromEntries(
        old.rows.filter((r) => typeof r.ratio === 'number').map((r) => [r.id, r.ratio]),
      );
    } catch {
      previous = {};
    }
  }
  printTable(results, previous, log, reps);
  if (opts.json) {
    mkdirSync(dirname(opts.json), { recursive: true });
    const doc = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? '',
      loadavg: loadavg(),
      quick: opts.quick,
      reps,
      rows: results,
    };
    writeFileSync(opts.json, JSON.stringify(doc, null, 2) + '\n');
    writeFileSync(
      opts.json.replace(/latest\.json$/, `${doc.date.replace(/[:.]/g, '-')}.json`),
      JSON.stringify(doc, null, 2) + '\n',
    );
    log(`\nwritten: ${opts.json}`);
  }
  return results;
}

function printTable(
  results: RowResult[],
  previous: Record<string, number>,
  log: (l: string) => void,
  reps: number,
): void {
  const hasPrev = results.some((r) => previous[r.id] !== undefined);
  const head = [
    'what',
    'measured',
    'reference (same run)',
    'ratio',
    'target',
    ...(hasPrev ? ['last run'] : []),
  ];
  const lines = results.map((r) => {
    const measured = r.error
      ? 'FAILED'
      : `${formatNumber(r.value)} ${r.unit}${r.detail ? ` (${r.detail})` : ''}`;
    const reference = r.error
      ? ''
      : `${r.referenceName}: ${formatNumber(r.reference)} ${r.referenceUnit}${r.referenceDetail ? ` (${r.referenceDetail})` : ''}`;
    const target = r.target ? `${r.target} ${r.met ? '✓' : '✗'}` : '';
    const prev = previous[r.id];
    return [
      r.name,
      measured,
      reference,
      r.error ? '' : formatRatio(r.ratio),
      target,
      ...(hasPrev ? [prev !== undefined ? formatRatio(prev) : ''] : []),
    ];
  });
  log(`\n## npm run bench — medians of ${reps}; ratios measured within this run\n`);
  log(`| ${head.join(' | ')} |`);
  log(`|${head.map(() => '---').join('|')}|`);
  for (const l of lines) log(`| ${l.join(' | ')} |`);
}
