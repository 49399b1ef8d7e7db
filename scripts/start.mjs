// `npm start`: builds, then starts the desktop app (Electron) with the arguments given
// after `--` (e.g. `npm start -- --profile ~/meow-laptop`). Where the Electron binary is
// not installed (ELECTRON_SKIP_BINARY_DOWNLOAD, no access to its download) it says so in
// one sentence and names the browser version instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

let electron = null;
try {
  electron = require('electron'); // the binary's path; throws when it was never downloaded
} catch {
  electron = null;
}
if (typeof electron !== 'string' || !existsSync(electron)) {
  console.error(
    'The Electron binary is not installed on this machine (it is skipped where its download is not reachable), so the desktop app cannot start here: run `npm run web` to use Meow in your browser instead.',
  );
  process.exit(1);
}

const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);

const child = spawn(electron, [root, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
child.on('exit', (code, signal) => process.exit(signal ? 1 : (code ?? 0)));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
