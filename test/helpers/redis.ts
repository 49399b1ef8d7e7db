/**
 * Real redis-server processes for tests: standalone (optionally persistent) and a
 * three-node Cluster on loopback, each in its own mkdtemp folder, on free ports.
 * Every process started here is stopped by the returned handle.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A TCP port nothing listens on right now (and, with `bus`, port+10000 too: the Cluster bus). */
export async function freePort(bus = false): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = bus ? 20_000 + Math.floor(Math.random() * 30_000) : await listenFree(0);
    if (!bus) return port;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
  throw new Error('no free port');
}

function listenFree(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}
async function isFree(port: number): Promise<boolean> {
  try {
    await listenFree(port);
    return true;
  } catch {
    return false;
  }
}

export interface RedisProcess {
  port: number;
  url: string;
  dir: string;
  /** Stops the server (SIGTERM: it saves and fsyncs what its persistence settings say). */
  stop(): Promise<void>;
  /** Kills it (SIGKILL: no shutdown save; only what its persistence already wrote survives). */
  kill(): Promise<void>;
  /** Starts it again on the same port and folder. */
  start(): Promise<void>;
  /** Stops it and removes its folder. */
  destroy(): Promise<void>;
}

export interface RedisOptions {
  /** Append-only file with fsync on every write; otherwise no persistence at all. */
  persistence?: boolean;
  extraArgs?: string[];
}

function startProcess(args: string[], cwd: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn('redis-server', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`redis-server did not start:\n${out}`));
    }, 15_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        proc.stdout.off('data', onData);
        proc.stdout.resume();
        proc.stderr.resume();
        resolve(proc);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${out}`));
    });
  });
}

function stopProcess(proc: ChildProcess | null): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    proc.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

export async function startRedis(opts: RedisOptions = {}): Promise<RedisProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'meow-redis-'));
  const port = await freePort();
  const args = [
    ...baseArgs(port, dir),
    ...(opts.persistence ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...(opts.extraArgs ?? []),
  ];
  let proc: ChildProcess | null = await startProcess(args, dir);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    stop: async () => {
      await stopProcess(proc);
      proc = null;
    },
    kill: async () => {
      const p = proc;
      proc = null;
      if (!p || p.exitCode !== null || p.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        p.once('exit', () => resolve());
        p.kill('SIGKILL');
      });
    },
    start: async () => {
      if (!proc) proc = await startProcess(args, dir);
    },
    destroy: async () => {
      await stopProcess(proc);
      proc = null;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RedisCluster {
  /** Every node's port (with replicas, which of them are masters can change: see failover). */
  ports: number[];
  urls: string[];
  /** Process ids of the nodes (for CPU accounting in the bench). */
  pids(): number[];
  /** Stops one node (a master without a replica: its slots become unavailable). */
  stopNode(i: number): Promise<void>;
  /** Starts it again with its node file, and waits until the cluster is ok. */
  startNode(i: number): Promise<void>;
  /**
   * With replicas: a manual failover of the master that owns `key`'s slot (CLUSTER
   * FAILOVER on its replica): the replica becomes the master of those slots and the old
   * master its replica. Resolves once the replica is master and the cluster is ok.
   */
  failover(key: string): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Three masters on loopback, slots spread by `redis-cli --cluster create`; with
 * `replicas`, one replica each (six nodes), so a master can fail over.
 */
export async function startRedisCluster(opts: { replicas?: boolean } = {}): Promise<RedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'meow-cluster-'));
  const procs: ChildProcess[] = [];
  const ports: number[] = [];
  const count = opts.replicas ? 6 : 3;
  try {
    for (let i = 0; i < count; i++) {
      let port = await freePort(true);
      while (ports.includes(port)) port = await freePort(true);
      ports.push(port);
      procs.push(await startProcess(nodeArgs(port, dir), dir));
    }
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      opts.replicas ? '1' : '0',
      '--cluster-yes',
    ]);
    await clusterOk(ports);
    if (opts.replicas) await replicasSynced(ports);
  } catch (e) {
    await Promise.all(procs.map(stopProcess));
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    ports,
    urls: ports.map((p) => `redis://127.0.0.1:${p}`),
    pids: () => procs.map((p) => p.pid!).filter(Boolean),
    stopNode: async (i) => {
      await stopProcess(procs[i]!);
    },
    startNode: async (i) => {
      procs[i] = await startProcess(nodeArgs(ports[i]!, dir), dir);
      await clusterOk(ports);
    },
    failover: async (key) => {
      const { stdout: slotOut } = await run('redis-cli', ['-p', String(ports[0]), 'cluster', 'keyslot', key]);
      const slot = Number(slotOut.trim());
      const { stdout: nodes } = await run('redis-cli', ['-p', String(ports[0]), 'cluster', 'nodes']);
      const rows = nodes
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
      const owns = (r: string[]) =>
        r.slice(8).some((range) => {
          const [a, b] = range.split('-').map(Number);
          return slot >= a! && slot <= (b ?? a!);
        });
      const master = rows.find((r) => r[2]!.includes('master') && owns(r));
      const replica = master && rows.find((r) => r[3] === master[0] && r[2]!.includes('slave'));
      if (!replica) throw new Error(`the master of slot ${slot} has no replica`);
      const port = String(Number(replica[1]!.split(':')[1]!.split('@')[0]));
      await run('redis-cli', ['-p', port, 'cluster', 'failover']);
      const until = Date.now() + 30_000;
      for (;;) {
        const { stdout } = await run('redis-cli', ['-p', port, 'role']);
        if (stdout.startsWith('master')) break;
        if (Date.now() > until) throw new Error(`replica ${port} did not take over`);
        await new Promise((r) => setTimeout(r, 100));
      }
      await clusterOk(ports);
    },
    destroy: async () => {
      await Promise.all(procs.map(stopProcess));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function replicasSynced(ports: number[]): Promise<void> {
  const until = Date.now() + 30_000;
  for (const p of ports) {
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(p), 'info', 'replication']);
      if (!/role:slave/.test(stdout) || /master_link_status:up/.test(stdout)) break;
      if (Date.now() > until) throw new Error(`replica ${p} did not sync`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Loopback only, its own folder, no RDB snapshots: what every test Redis shares. */
function baseArgs(port: number, dir: string): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
}

function nodeArgs(port: number, dir: string): string[] {
  return [
    ...baseArgs(port, dir),
    '--appendonly',
    'no',
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    `nodes-${port}.conf`,
    '--cluster-node-timeout',
    '2000',
  ];
}

async function clusterOk(ports: number[]): Promise<void> {
  const until = Date.now() + 30_000;
  for (const p of ports) {
    for (;;) {
      const { stdout } = await run('redis-cli', ['-p', String(p), 'cluster', 'info']);
      if (/cluster_state:ok/.test(stdout)) break;
      if (Date.now() > until) throw new Error(`cluster node ${p} not ok:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
