/**
 * A tiny benchmark harness: runs a function for a time budget after a warm-up and
 * reports operations per second. Results are meant to be read as ratios between
 * cases measured in the same run, never as absolute thresholds.
 */
export interface Result {
  name: string;
  opsPerSec: number;
  usPerOp: number;
  samples: number;
}

export async function measure(name: string, fn: () => unknown, budgetMs = 1000): Promise<Result> {
  const warmEnd = performance.now() + Math.min(200, budgetMs / 4);
  while (performance.now() < warmEnd) await fn();
  let n = 0;
  const start = performance.now();
  const end = start + budgetMs;
  while (performance.now() < end) {
    await fn();
    n++;
  }
  const elapsed = performance.now() - start;
  return { name, opsPerSec: (n * 1000) / elapsed, usPerOp: (elapsed * 1000) / n, samples: n };
}

export function report(title: string, results: Result[]): void {
  console.log(`\n## ${title}`);
  for (const r of results) {
    console.log(
      `${r.name.padEnd(48)} ${r.opsPerSec.toFixed(0).padStart(10)} ops/s ${r.usPerOp.toFixed(1).padStart(10)} µs/op`,
    );
  }
}

export function ratio(label: string, a: Result, b: Result): void {
  console.log(`${label.padEnd(48)} ${(a.opsPerSec / b.opsPerSec).toFixed(1).padStart(10)}×`);
}
