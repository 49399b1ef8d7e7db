/**
 * A relay (`meow-server`, embedded store) hosted inside another program's process: the
 * desktop app's "host a relay on this computer". Its data and key live in `dir`, so it comes
 * back on the same port with the same key. Loopback only unless `lan` is set. The client core
 * never imports this: a host (entry/) hands it to the service as a LocalRelayStarter.
 */
import { mkdirSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from './config.js';
import { loadOrCreateIdentity } from './identity.js';
import { DiskBlobStore } from './blobs/diskBlobStore.js';
import { RelayServer } from './server.js';
import { SqliteStore } from './store/sqlite.js';

export interface HostedRelayOptions {
  dir: string;
  lan: boolean;
  /** 0: any free port. */
  port: number;
  log: (event: Record<string, unknown>) => void;
}

export interface HostedRelay {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** This machine's first non-internal IPv4 address (what LAN peers connect to). */
function lanAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export async function startHostedRelay(o: HostedRelayOptions): Promise<HostedRelay> {
  mkdirSync(o.dir, { recursive: true, mode: 0o700 });
  const store = new SqliteStore(join(o.dir, 'relay.db'));
  const blobs = new DiskBlobStore(join(o.dir, 'blobs'));
  const start = (port: number) =>
    RelayServer.start({
      identity: loadOrCreateIdentity(join(o.dir, 'server-key.json')),
      store,
      limits: DEFAULT_LIMITS,
      host: o.lan ? '0.0.0.0' : '127.0.0.1',
      port,
      name: 'meow-server (hosted by Meow Desktop)',
      publicUrl: o.lan && port ? `http://${lanAddress()}:${port}` : undefined,
      log: o.log,
      ownsStore: false,
      blobs,
    });
  let server: RelayServer;
  try {
    server = await start(o.port);
    if (o.lan && !o.port) {
      // The LAN URL names the port, which is known only now: restart on it with the right card.
      const port = server.port;
      await server.close();
      server = await start(port);
    }
  } catch (e) {
    await store.close();
    throw e;
  }
  return {
    url: server.card.url,
    port: server.port,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}
