/**
 * A throwaway self-signed certificate for 127.0.0.1 / localhost (openssl, which the
 * test machines have; Node's crypto cannot issue X.509 certificates).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
  dir: string;
  remove(): void;
}

export function selfSignedCert(): TestCert {
  const dir = mkdtempSync(join(tmpdir(), 'meow-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
  return {
    cert: readFileSync(certFile, 'utf8'),
    key: readFileSync(keyFile, 'utf8'),
    certFile,
    keyFile,
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
