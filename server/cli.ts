/**
 * `meow-server`: the relay as a command. Flags and environment: see `meow-server --help`
 * or README.md. Prints `listening on http(s)://HOST:PORT` once ready; SIGTERM/SIGINT stop it
 * gracefully (held pulls answered, store closed, exit 0); SIGHUP re-reads the TLS
 * certificate and key (a renewed certificate without a restart).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { ConfigError, parseConfig, usage } from './config.js';
import { loadOrCreateIdentity } from './identity.js';
import { RelayServer, stderrLog } from './server.js';
import { openBlobStore } from './blobs/openBlobStore.js';
import { openStore } from './store/index.js';

/** Whether HOST:PORT can be listened on — checked before anything is written to disk. */
function portFree(host: string, port: number): Promise<boolean> {
  if (port === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (e: NodeJS.ErrnoException) => resolve(e.code !== 'EADDRINUSE'));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

function portTaken(host: string, port: number): never {
  console.error(`meow-server: port ${port} on ${host} is already in use`);
  process.exit(2);
}

async function main(): Promise<void> {
  let config;
  try {
    config = parseConfig(process.argv.slice(2));
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(`meow-server: ${e.message}\n\n${usage()}`);
      process.exit(2);
    }
    throw e;
  }
  if (config === 'help') {
    console.log(usage());
    return;
  }
  if (!(await portFree(config.host, config.port))) portTaken(config.host, config.port);
  const identity = loadOrCreateIdentity(config.keyFile);
  const tlsFiles = config.tls;
  const readTls = () =>
    tlsFiles && { cert: readFileSync(tlsFiles.certFile), key: readFileSync(tlsFiles.keyFile) };
  let tls;
  try {
    tls = readTls();
  } catch (e) {
    console.error(`meow-server: cannot read the TLS certificate or key: ${(e as Error).message}`);
    process.exit(2);
  }
  let lastStoreError = 0;
  const store = await openStore(config.store, {
    onError: (err) => {
      // Connection errors repeat while Redis is away: one line per 5 s is enough.
      const now = Date.now();
      if (now - lastStoreError < 5000) return;
      lastStoreError = now;
      stderrLog({
        level: 'warn',
        event: 'store_connection_error',
        store: config.store.kind,
        message: err.message,
      });
    },
  });
  const blobs = openBlobStore(config);
  const server = await RelayServer.start({
    identity,
    store,
    limits: config.limits,
    host: config.host,
    port: config.port,
    name: config.name,
    description: config.description,
    ...(config.publicUrl ? { publicUrl: config.publicUrl } : {}),
    ...(tls ? { tls } : {}),
    trustProxy: config.trustProxy,
    ...(blobs ? { blobs } : {}),
  }).catch((e: NodeJS.ErrnoException) => {
    // taken between the check and now
    if (e.code === 'EADDRINUSE') portTaken(config.host, config.port);
    throw e;
  });
  const where = config.store.kind === 'embedded' ? config.store.path : config.store.kind;
  stderrLog({
    level: 'info',
    event: 'started',
    store: config.store.kind,
    where,
    key: config.keyFile,
    tls: Boolean(tls),
    blobs: config.blobS3
      ? `s3://${config.blobS3.bucket}/${config.blobS3.prefix}`
      : (config.blobDir ?? 'none'),
  });
  if (!tls && !/^(127\.|::1$|localhost$)/.test(config.host))
    stderrLog({
      level: 'warn',
      event: 'plain_http',
      message:
        'serving plain HTTP on a non-loopback address: put a TLS reverse proxy in front, or use --tls-cert/--tls-key',
    });
  console.log(`listening on ${server.url}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    stderrLog({ level: 'info', event: 'stopping', signal });
    server.close().then(
      () => process.exit(0),
      (e: unknown) => {
        stderrLog({ level: 'error', event: 'stop_failed', message: (e as Error).message });
        process.exit(1);
      },
    );
  };
  process.on('SIGHUP', () => {
    if (!tlsFiles) return;
    try {
      server.setCertificate(readTls()!);
      stderrLog({ level: 'info', event: 'tls_reloaded', cert: tlsFiles.certFile });
    } catch (e) {
      stderrLog({ level: 'error', event: 'tls_reload_failed', message: (e as Error).message });
    }
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  console.error(`meow-server: ${(e as Error).message}`);
  process.exit(1);
});
