/**
 * `npm run web -- [--profile DIR] [--port N]`: Meow in a browser. The service runs in a
 * worker thread, the renderer is served from dist/renderer, and the page reaches the
 * service over a loopback WebSocket guarded by a session cookie that the page gets for
 * the one-time secret of the printed URL (webSession.ts). The same renderer and the same
 * method table as the desktop app.
 */
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceWorker } from './worker.js';
import { startWebServer } from './webServer.js';

const USAGE = `usage: npm run web -- [--profile DIR] [--port N]
  --profile DIR   the profile folder (default: $MEOW_PROFILE or ~/.meow)
  --port N        the loopback port (default 0: the one this profile had last time, or any free one)
`;

function parse(argv: string[]): { profile: string; port: number } {
  let profile = process.env['MEOW_PROFILE'] ?? join(homedir(), '.meow');
  let port = 0;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--profile') profile = value();
    else if (a === '--port') {
      port = Number(value());
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error('--port takes 0…65535');
    } else if (a === '--help' || a === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new Error(`unknown option ${a}`);
  }
  return { profile: resolve(profile), port };
}

async function main() {
  let opts: { profile: string; port: number };
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`meow web: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  const logN = process.env['MEOW_KDF_LOGN'] ? Number(process.env['MEOW_KDF_LOGN']) : undefined;
  const service = await startServiceWorker({ profile: opts.profile, ...(logN ? { kdfLogN: logN } : {}) });
  const rendererDir = resolve(dirname(fileURLToPath(import.meta.url)), 'renderer');
  const server = await startWebServer({
    service,
    rendererDir,
    port: opts.port,
    stateFile: join(opts.profile, 'web-host.json'),
    onNewAddress: (url) => process.stdout.write(`To open Meow in another browser: ${url}\n`),
  });
  if (server.movedFrom)
    process.stdout.write(
      `Port ${server.movedFrom}, where this profile's open tabs look for Meow, is taken by another program: ` +
        'those tabs cannot reconnect. Close them and open the new address below.\n',
    );
  process.stdout.write(`Meow (profile ${opts.profile}) is running at ${server.url}\n`);
  process.stdout.write(
    'Open that address in your browser; it works once, from this computer only. Ctrl-C stops it.\n',
  );

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void server
      .close()
      .then(() => service.terminate())
      .finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`meow web: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
