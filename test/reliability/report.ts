/**
 * What each reliability case tried and what held, one JSON file per case under
 * `reliability-report/` (or MEOW_RELIABILITY_OUT); scripts/reliability-table.mjs turns
 * them into the markdown table of the closing note.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CaseRecord {
  /** Short name of the case (one row of the table). */
  case: string;
  /** Faults injected, by kind, with counts. */
  faults: Record<string, number>;
  /** Bad inputs tried (decoders, corrupted files). */
  badInputs?: number;
  /** Messages (or items) that should have arrived. */
  expected?: number;
  lost: number;
  /** The loss is the documented promise of the configuration under test (Redis without persistence). */
  lossExpected?: boolean;
  shownTwice: number;
  /** Longest a message waited after a fault (ms), when the case measures it. */
  longestWaitMs?: number;
  /** Anything else worth a column's footnote. */
  notes?: string;
}

export function outDir(): string {
  return process.env.MEOW_RELIABILITY_OUT ?? join(process.cwd(), 'reliability-report');
}

export function record(r: CaseRecord): void {
  const dir = outDir();
  mkdirSync(dir, { recursive: true });
  const file = r.case.replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  writeFileSync(join(dir, `${file}.json`), JSON.stringify({ ...r, at: new Date().toISOString() }, null, 2));
}
