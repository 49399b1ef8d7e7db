/**
 * `meow run` holds the profile (its stores allow one process). So that the person can
 * still type `meow send …` in another terminal, `run` listens on a control socket in
 * the profile folder (mode 0600, owner only) and executes such commands itself, on its
 * live messenger. Every forwarded command carries the profile password, which `run`
 * checks before doing anything: the socket is not a way around the password.
 */
import { existsSync, unlinkSync, chmodSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Messenger } from '../core/messenger/messenger.js';
import type { CliIO } from './io.js';

export const SOCKET_NAME = 'meow.sock';

interface Request {
  argv: string[];
  password: string;
  json: boolean;
}
type Frame = { out: string } | { err: string } | { exit: number };

export type Executor = (
  argv: string[],
  io: CliIO,
  live: Messenger,
  password: string,
  json: boolean,
) => Promise<number>;

/** Starts the control socket of a running profile; commands run one at a time. */
export function serveControlSocket(profile: string, live: Messenger, execute: Executor): Server {
  const path = join(profile, SOCKET_NAME);
  if (existsSync(path)) unlinkSync(path); // stale: the profile lock proves no other `run` owns it
  let queue = Promise.resolve();
  const server = createServer((socket) => {
    let buffer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl === -1) {
        if (buffer.length > 1_000_000) socket.destroy();
        return;
      }
      const line = buffer.slice(0, nl);
      buffer = '';
      socket.removeAllListeners('data');
      const send = (f: Frame) => socket.writable && socket.write(JSON.stringify(f) + '\n');
      queue = queue.then(async () => {
        let req: Request;
        try {
          req = JSON.parse(line) as Request;
          if (!Array.isArray(req.argv) || typeof req.password !== 'string') throw new Error('bad request');
        } catch {
          send({ err: 'meow: malformed control request\n' });
          send({ exit: 2 });
          socket.end();
          return;
        }
        if (!(await live.identityFile.verifyPassword(req.password))) {
          send({ err: 'meow: Wrong password.\n' });
          send({ exit: 1 });
          socket.end();
          return;
        }
        const io: CliIO = {
          stdout: (t) => void send({ out: t }),
          stderr: (t) => void send({ err: t }),
          interactive: false,
          env: {},
        };
        const code = await execute(req.argv, io, live, req.password, req.json);
        send({ exit: code });
        socket.end();
      });
    });
    socket.on('error', () => undefined);
  });
  server.listen(path, () => chmodSync(path, 0o600));
  server.on('close', () => {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  });
  return server;
}

/** Sends a command to the `meow run` holding `profile`; resolves with its exit code, or null if none listens. */
export function forwardToRunning(profile: string, req: Request, io: CliIO): Promise<number | null> {
  const path = join(profile, SOCKET_NAME);
  if (!existsSync(path)) return Promise.resolve(null);
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    const done = (code: number | null) => {
      if (!settled) {
        settled = true;
        resolve(code);
      }
    };
    const socket = createConnection(path, () => socket.write(JSON.stringify(req) + '\n'));
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const frame = JSON.parse(buffer.slice(0, nl)) as Frame;
        buffer = buffer.slice(nl + 1);
        if ('out' in frame) io.stdout(frame.out);
        else if ('err' in frame) io.stderr(frame.err);
        else done(frame.exit);
      }
    });
    socket.on('error', () => done(null));
    socket.on('close', () => done(1));
  });
}
