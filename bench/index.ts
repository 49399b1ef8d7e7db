/**
 * `npm run bench [-- --quick] [--only=PREFIX,...] [--reps=N]`: the table of ratios (bench/rows.ts),
 * each measured against its reference in the same run, written to bench-results/latest.json
 * (and a dated copy); the last run's ratios are shown beside the new ones.
 *
 * `npm run bench -- SUITE...` runs the older narrative suites by name instead: crypto,
 * server, messenger, devices, service, and relay-profile [embedded|redis] (a CPU
 * profile of the relay at batch 1).
 */
import { join } from 'node:path';
import { benchCrypto } from './crypto.js';
import { benchDevices } from './devices.js';
import { benchMessenger } from './messenger.js';
import { benchRelayProfile } from './relayProfile.js';
import { rows } from './rows.js';
import { benchServer } from './server.js';
import { benchService } from './service.js';
import { runTable } from './table.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const suites: Record<string, () => Promise<void>> = {
  crypto: benchCrypto,
  server: benchServer,
  messenger: benchMessenger,
  devices: benchDevices,
  service: () => benchService(quick),
  'relay-profile': () => benchRelayProfile(args, quick),
};

const wanted = args.filter((a) => !a.startsWith('-') && !['embedded', 'redis'].includes(a));
if (wanted.length && wanted[0] !== 'table') {
  for (const name of wanted) {
    const suite = suites[name];
    if (!suite) {
      console.error(`unknown suite "${name}"; known: table, ${Object.keys(suites).join(', ')}`);
      process.exit(2);
    }
    await suite();
  }
} else {
  const only = args
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',')
    .filter(Boolean);
  const selected = rows(quick).filter((r) => !only || only.some((p) => r.id.startsWith(p)));
  if (!selected.length) {
    console.error(
      `no row matches --only=${only?.join(',')}; rows: ${rows(quick)
        .map((r) => r.id)
        .join(', ')}`,
    );
    process.exit(2);
  }
  const json =
    args.find((a) => a.startsWith('--json='))?.slice('--json='.length) ??
    join('bench-results', 'latest.json');
  const reps = Number(args.find((a) => a.startsWith('--reps='))?.slice('--reps='.length)) || undefined;
  const results = await runTable(selected, { quick, json, ...(reps ? { reps } : {}) });
  // The lead's and CI's runs read the table; a row that failed to run fails the command.
  if (results.some((r) => r.error)) process.exitCode = 1;
}
