/**
 * A CPU profile of one step of a bench row, when MEOW_BENCH_CPU_PROF names a folder:
 * `MEOW_BENCH_CPU_PROF=/tmp/p npm run bench -- --only=drain.1000` writes
 * /tmp/p/drain.1000.cpuprofile (open it in Chrome DevTools) covering only that step —
 * not the set-up around it, which `node --cpu-prof` would mix in.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

export async function profiled<T>(name: string, step: () => Promise<T>): Promise<T> {
  const dir = process.env.MEOW_BENCH_CPU_PROF;
  if (!dir) return step();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 200 });
  await session.post('Profiler.start');
  try {
    return await step();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}
