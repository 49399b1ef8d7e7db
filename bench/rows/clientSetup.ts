/**
 * What the client rows share: a relay process on the embedded store (so the relay's CPU
 * is not this process's), and profiles made through the core in a temp folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Messenger } from '../../main/core/messenger/messenger.js';
import { netRelays } from '../../main/net/relayFactory.js';
import { PASSWORD, TEST_LOG_N } from '../../test/core/harness.js';
import { spawnServer, type ServerProcess } from '../../test/helpers/serverProcess.js';
import type { BenchContext } from '../table.js';

// Resolved from the bundle (dist/bench.js), like bench/rows/relay.ts.
const BIN = fileURLToPath(new URL('../bin/meow-server.js', import.meta.url));

export function clientDir(ctx: BenchContext): Promise<string> {
  return ctx.resource(
    'client-dir',
    () => Promise.resolve(mkdtempSync(join(tmpdir(), 'meow-bench-client-'))),
    (d) => Promise.resolve(rmSync(d, { recursive: true, force: true })),
  );
}

/** Relay policy (rate limits) is not cost: lifted for the bench. */
export function clientRelay(ctx: BenchContext): Promise<ServerProcess> {
  return ctx.resource(
    'client-relay',
    async () => {
      const dir = await clientDir(ctx);
      return spawnServer(
        [
          '--data',
          join(dir, 'relay'),
          '--key',
          join(dir, 'relay-key.json'),
          '--rate',
          '0',
          '--queue-rate',
          '0',
          '--max-queue-length',
          '100000',
        ],
        {},
        BIN,
      );
    },
    (s) => s.stop('SIGTERM'),
  );
}

let serial = 0;

/** A new profile on the bench relay (a fresh folder each time). */
export async function newProfile(ctx: BenchContext, nickname: string): Promise<Messenger> {
  const relay = await clientRelay(ctx);
  const dir = join(await clientDir(ctx), `${nickname}-${++serial}`);
  return Messenger.create(
    dir,
    PASSWORD,
    { nickname, serverUrl: relay.url, logN: TEST_LOG_N, deviceName: `${nickname}'s computer` },
    { relays: netRelays },
  );
}

export async function openAgain(m: Messenger): Promise<Messenger> {
  const dir = m.dir;
  await m.close();
  return Messenger.open(dir, { password: PASSWORD }, { relays: netRelays });
}

/** A blank profile about to be paired as another device of someone. */
export async function newBlankDevice(ctx: BenchContext, name: string): Promise<Messenger> {
  const relay = await clientRelay(ctx);
  const dir = join(await clientDir(ctx), `${name}-${++serial}`);
  return Messenger.create(
    dir,
    PASSWORD,
    { nickname: '', serverUrl: relay.url, logN: TEST_LOG_N, deviceName: name, pairingPending: true },
    { relays: netRelays },
  );
}
