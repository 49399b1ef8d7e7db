// Generates proto/generated/messages.{js,d.ts} from proto/messages.proto.
// Skips the work when the output is newer than the schema and this script.
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'proto', 'messages.proto');
const outDir = join(root, 'proto', 'generated');
const js = join(outDir, 'messages.js');
const dts = join(outDir, 'messages.d.ts');
const json = join(outDir, 'messages.json');

const fresh =
  existsSync(js) &&
  existsSync(dts) &&
  existsSync(json) &&
  statSync(dts).mtimeMs >=
    Math.max(statSync(src).mtimeMs, statSync(fileURLToPath(import.meta.url)).mtimeMs) &&
  !process.argv.includes('--force');
if (!fresh) {
  mkdirSync(outDir, { recursive: true });
  const cli = (name) => join(root, 'node_modules', 'protobufjs-cli', 'bin', name);
  execFileSync(
    process.execPath,
    [
      cli('pbjs'),
      '-t',
      'static-module',
      '-w',
      'es6',
      '--force-number',
      '--no-verify',
      '--no-delimited',
      '-o',
      js,
      src,
    ],
    { stdio: 'inherit' },
  );
  // Plain-Node ESM needs the file extension and sees a CommonJS module as its default
  // export (named exports of protobufjs/minimal are not statically detectable).
  const { readFileSync, writeFileSync } = await import('node:fs');
  writeFileSync(
    js,
    readFileSync(js, 'utf8').replace(
      'import * as $protobuf from "protobufjs/minimal";',
      // int64 fields are unix-ms times and sizes (< 2^53): read as plain numbers, and absent
      // fields default to 0, not Long objects. Configured here, inside the generated module,
      // because a bundler may evaluate a separate configuration module after this one.
      'import $protobuf from "protobufjs/minimal.js";\n$protobuf.util.Long = undefined;\n$protobuf.configure();',
    ),
  );
  execFileSync(process.execPath, [cli('pbts'), '-o', dts, js], { stdio: 'inherit' });
  // The JSON descriptor drives the strict wire-type validator (protocol/wire/strictDecode.ts).
  execFileSync(process.execPath, [cli('pbjs'), '-t', 'json', '-o', json, src], { stdio: 'inherit' });
  console.log('proto: generated', js);
}
