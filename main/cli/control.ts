/**
 * The control socket of `meow run`. `run` holds the profile (its stores allow one
 * process); so that the person can still type `meow send …` in another terminal, `run`
 * serves its service on `meow.sock` in the profile folder — owner only (0600) — with the
 * typed RPC of shared/rpc.ts, one JSON frame per line. A connection may only call
 * appState and unlock until it has proven the password (`requireUnlock`): the socket is
 * not a way around it. The other `meow` process connects with createRpcClient and runs
 * the very same command code against the remote service; its questions are asked in its
 * own terminal.
 */
import { chmodSync, existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { createRpcClient, serveRpc, type RpcChannel, type RpcClient } from '../../shared/rpc.js';
import type { MeowService } from '../../shared/service.js';

export const SOCKET_NAME = 'meow.sock';
/** The longest frame `run` accepts from a connection (a call: at most a 32 KiB text, escaped). */
const MAX_CALL_FRAME = 4 * 1024 * 1024;

export function socketPath(profile: string): string {
  return join(profile, SOCKET_NAME);
}

/** Line-delimited JSON frames over a stream socket; a line that is not JSON, or too long, ends it. */
function lineChannel(socket: Socket, maxFrame: number): RpcChannel {
  const listeners: ((frame: unknown) => void)[] = [];
  let pending: string[] = [];
  let pendingLength = 0;
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      const line = pending.join('') + chunk.slice(start, nl);
      pending = [];
      pendingLength = 0;
      start = nl + 1;
      let frame: unknown;
      try {
        frame = JSON.parse(line);
      } catch {
        socket.destroy();
        return;
      }
      for (const l of listeners) l(frame);
    }
    if (start < chunk.length) {
      pending.push(chunk.slice(start));
      pendingLength += chunk.length - start;
      if (pendingLength > maxFrame) socket.destroy();
    }
  });
  return {
    send: (frame) => {
      if (!socket.destroyed && socket.writable) socket.write(JSON.stringify(frame) + '\n');
    },
    onFrame: (l) => void listeners.push(l),
    onClose: (l) => void socket.once('close', () => l()),
  };
}

export interface ControlServer {
  close(): Promise<void>;
}

/** Serves `service` on the profile's control socket (a stale socket file is replaced: the caller holds the profile). */
export async function serveControlSocket(profile: string, service: MeowService): Promise<ControlServer> {
  const path = socketPath(profile);
  if (existsSync(path)) unlinkSync(path);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    serveRpc(service, lineChannel(socket, MAX_CALL_FRAME), { requireUnlock: true });
  });
  // Created owner-only (the bind happens inside listen), and chmod-ed again to be sure.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => {
          try {
            unlinkSync(path);
          } catch {
            // already gone
          }
          resolve();
        });
      }),
  };
}

export interface ControlClient {
  service: RpcClient;
  close(): void;
}

/** Connects to the `meow run` holding `profile`; null when none answers (no socket, or a stale one). */
export function connectControlSocket(profile: string): Promise<ControlClient | null> {
  const path = socketPath(profile);
  if (!existsSync(path)) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = createConnection(path);
    socket.once('error', () => resolve(null));
    socket.once('connect', () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      const service = createRpcClient(lineChannel(socket, Number.POSITIVE_INFINITY));
      // `run` went away mid-command: say so, rather than "the connection closed".
      socket.once('end', () => service.close('the `meow run` holding this profile stopped'));
      resolve({
        service,
        close: () => {
          service.close('closed');
          socket.end();
        },
      });
    });
  });
}
