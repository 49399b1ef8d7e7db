/**
 * `npm run bench [-- SUITE...]`: performance figures for the closing notes.
 * Each suite compares cases measured in the same run; read ratios, not absolutes.
 */
import { benchCrypto } from './crypto.js';
import { benchDevices } from './devices.js';
import { benchMessenger } from './messenger.js';
import { benchRelayProfile } from './relayProfile.js';
import { benchServer } from './server.js';
import { benchService } from './service.js';

const quick = process.argv.includes('--quick');
const suites: Record<string, () => Promise<void>> = {
  crypto: benchCrypto,
  server: benchServer,
  messenger: benchMessenger,
  devices: benchDevices,
  service: () => benchService(quick),
  'relay-profile': () => benchRelayProfile(process.argv.slice(2), quick),
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const names = wanted.length
  ? wanted.filter((w) => w in suites || !['embedded', 'redis'].includes(w))
  : Object.keys(suites);
for (const name of names) {
  const suite = suites[name];
  if (!suite) {
    console.error(`unknown suite "${name}"; known: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  await suite();
}
