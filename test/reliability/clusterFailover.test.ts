/**
 * A Redis Cluster master SIGKILLed while pulls are held: two `meow-server` processes on a
 * real six-node Cluster (three masters, a replica each), Alice on one relay and Bob on the
 * other, both with their send and long-poll loops running. The master holding Bob's queue
 * is killed mid-conversation; they keep writing while its replica takes over (the Cluster
 * notices after its node timeout). Every message arrives exactly once; the longest wait is
 * recorded. (Replication is asynchronous and the relay does not WAIT for a replica, so a
 * write acknowledged in the instant before the kill could be lost: counted, never hidden.)
 * On sessions (the default transport: messages pushed) in every run, and on the HTTP
 * long-poll path too under `npm run test:reliability` (a fresh Cluster each).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../protocol/crypto/bytes.js';
import { createLogger } from '../../main/core/log.js';
import { Messenger } from '../../main/core/messenger/messenger.js';
import type { RelayFactory } from '../../main/core/relay.js';
import { netRelays } from '../../main/net/relayFactory.js';
import { RelayClient } from '../../main/net/relayClient.js';
import { SessionRelay } from '../../main/net/sessionRelay.js';
import { befriend, PASSWORD, TEST_LOG_N } from '../core/harness.js';
import { startRedisCluster, type RedisCluster } from '../helpers/redis.js';
import { spawnServer, type ServerProcess } from '../helpers/serverProcess.js';
import { inbound, tally, until } from './people.js';
import { record } from './report.js';
import { FULL, scale } from './scale.js';

const run = promisify(execFile);
const PER_SIDE = scale(9, 30);

/** The port of the master serving `key`'s slot, asked of a live node, and its replica's port. */
async function masterOf(key: string, askPort: number): Promise<{ master: number; replica: number }> {
  const { stdout: slotOut } = await run('redis-cli', ['-p', String(askPort), 'cluster', 'keyslot', key]);
  const slot = Number(slotOut.trim());
  const { stdout } = await run('redis-cli', ['-p', String(askPort), 'cluster', 'nodes']);
  const rows = stdout
    .trim()
    .split('\n')
    .map((l) => l.split(' '));
  const port = (r: string[]) => Number(r[1]!.split(':')[1]!.split('@')[0]);
  const master = rows.find(
    (r) =>
      r[2]!.includes('master') &&
      r.slice(8).some((range) => {
        const [a, b] = range.split('-').map(Number);
        return slot >= a! && slot <= (b ?? a!);
      }),
  )!;
  const replica = rows.find((r) => r[3] === master[0] && r[2]!.includes('slave'))!;
  return { master: port(master), replica: port(replica) };
}

/** The app's factory, on the transport asked for whatever MEOW_RELAY_TRANSPORT says. */
function relaysOn(transport: 'session' | 'http'): RelayFactory {
  return {
    ...netRelays,
    connect: (url, serverKey, device) =>
      transport === 'http'
        ? new RelayClient({ url, serverKey, device })
        : new SessionRelay({ url, serverKey, device }),
  };
}

describe.each(FULL ? (['session', 'http'] as const) : (['session'] as const))(
  'a Redis Cluster master killed while pulls are held (%s transport)',
  (transport) => {
    let cluster: RedisCluster;
    let dir: string;
    const relays: ServerProcess[] = [];
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'meow-rel-cluster-'));
      cluster = await startRedisCluster({ replicas: true });
      const args = [
        '--key',
        join(dir, 'server-key.json'),
        '--data',
        dir,
        '--redis-cluster',
        cluster.urls.join(','),
      ];
      relays.push(await spawnServer(args));
      relays.push(await spawnServer(args));
    });
    afterAll(async () => {
      await Promise.all(relays.map((r) => r.stop('SIGKILL')));
      await cluster?.destroy();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the replica takes over; every message arrives exactly once, the longest wait recorded', async () => {
      const logs: string[] = [];
      const log = createLogger({ level: 'info', write: (l) => logs.push(l) });
      const person = (name: string, relay: ServerProcess) =>
        Messenger.create(
          join(dir, name),
          PASSWORD,
          { nickname: name, serverUrl: relay.url, logN: TEST_LOG_N, deviceName: name },
          { relays: relaysOn(transport), log, pollTimeoutMs: 10_000, retryCeilingMs: 2000 },
        );
      const alice = await person('alice', relays[0]!);
      const bob = await person('bob', relays[1]!);
      try {
        await befriend(alice, bob);
        alice.start();
        bob.start();
        // Bob's queue for Alice: where Alice's messages wait for Bob's held pull.
        const queueKey = `msg:{${toHex(bob.findContact('alice').myLookup.publicKey)}}`;
        const { master, replica } = await masterOf(queueKey, cluster.ports[0]!);
        const sentAt = new Map<string, number>();
        const arrivedAt = new Map<string, number>();
        const watch = () => {
          for (const t of [...inbound(bob, 'alice'), ...inbound(alice, 'bob')])
            if (!arrivedAt.has(t)) arrivedAt.set(t, Date.now());
        };
        const sent = { alice: [] as string[], bob: [] as string[] };
        let killedAt = 0;
        for (let i = 0; i < PER_SIDE; i++) {
          if (i === Math.floor(PER_SIDE / 3)) {
            process.kill(cluster.pids()[cluster.ports.indexOf(master)]!, 'SIGKILL');
            killedAt = Date.now();
          }
          for (const [from, to, list] of [
            [alice, 'bob', sent.alice],
            [bob, 'alice', sent.bob],
          ] as const) {
            const text = `${from.identity.nickname} ${i}`;
            sentAt.set(text, Date.now());
            await from.send(to, text);
            list.push(text);
            // Not waiting for each one while the replica takes over: messages pile up in the outbox.
            if (i !== Math.floor(PER_SIDE / 3)) await until(() => (watch(), arrivedAt.has(text)), 60_000);
          }
        }
        await until(() => (watch(), arrivedAt.size === 2 * PER_SIDE), 60_000);
        const { stdout: role } = await run('redis-cli', ['-p', String(replica), 'role']);
        await until(() => alice.db.outbox.size() === 0 && bob.db.outbox.size() === 0, 60_000);
        await Promise.all([alice.stop(), bob.stop()]);
        const ab = tally(sent.alice, inbound(bob, 'alice'));
        const ba = tally(sent.bob, inbound(alice, 'bob'));
        const stillPending = [...alice.messages('bob'), ...bob.messages('alice')].filter(
          (m) => m.outbound && m.state === 'pending',
        ).length;
        const afterKill = [...sentAt].filter(([, at]) => at >= killedAt);
        const longestWaitMs = Math.max(
          0,
          ...afterKill.map(([t, at]) => (arrivedAt.get(t) ?? Date.now()) - at),
        );
        record({
          case: `Redis Cluster master SIGKILLed while pulls are held (replica takes over; ${transport === 'session' ? 'sessions' : 'HTTP long-poll'})`,
          faults: { masterKills: 1 },
          expected: 2 * PER_SIDE,
          lost: ab.lost + ba.lost,
          shownTwice: ab.shownTwice + ba.shownTwice,
          longestWaitMs,
          notes:
            `2 relay processes on 3 masters + 3 replicas; the master of Bob's queue killed after ${Math.floor(PER_SIDE / 3)} messages a side; ` +
            `replica now ${role.split('\n')[0]}; ${stillPending} still pending`,
        });
        expect(role.startsWith('master')).toBe(true);
        expect({ ...ab }).toEqual({ lost: 0, shownTwice: 0 });
        expect({ ...ba }).toEqual({ lost: 0, shownTwice: 0 });
        expect(stillPending).toBe(0);
      } finally {
        await Promise.all([alice.close(), bob.close()]);
      }
    });
  },
);
