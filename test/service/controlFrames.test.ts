/**
 * The `meow run` control socket (a real socket, a real service): a frame that says it is a
 * call but is not a well-formed one gets an error answer — a client must never wait forever
 * on silence — and the connection still serves the next call.
 */
import { mkdirSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveControlSocket, socketPath, type ControlServer } from '../../main/cli/control.js';
import { createService, type LocalService } from '../../main/core/service/service.js';
import { TEST_LOG_N, useEnv } from '../core/harness.js';

/** A line client: sends raw lines, hands back each answer line parsed. */
function lineClient(path: string): Promise<{ send(line: string): Promise<unknown>; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket: Socket = createConnection(path);
    const waiting: ((frame: unknown) => void)[] = [];
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (let nl = buffered.indexOf('\n'); nl !== -1; nl = buffered.indexOf('\n')) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        waiting.shift()?.(JSON.parse(line));
      }
    });
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        send: (line) =>
          new Promise((answer) => {
            waiting.push(answer);
            socket.write(line + '\n');
          }),
        close: () => socket.destroy(),
      }),
    );
  });
}

describe('control socket frames', () => {
  const env = useEnv();
  let service: LocalService;
  let control: ControlServer;
  let profile: string;

  beforeAll(async () => {
    profile = env.profile('control-frames');
    mkdirSync(profile, { recursive: true, mode: 0o700 });
    service = createService({ profile, kdfLogN: TEST_LOG_N, log: env.log });
    control = await serveControlSocket(profile, service);
  });
  afterAll(async () => {
    await control.close();
    await service.close();
  });

  it('answers a call whose arguments are not a list, or whose id is a string, with an error', async () => {
    const client = await lineClient(socketPath(profile));
    try {
      expect(
        await client.send(JSON.stringify({ t: 'call', id: 1, method: 'appState', args: {} })),
      ).toMatchObject({
        t: 'result',
        id: 1,
        result: { ok: false, error: { code: 'BAD_INPUT' } },
      });
      expect(
        await client.send(JSON.stringify({ t: 'call', id: 'a', method: 'appState', args: [] })),
      ).toMatchObject({ t: 'result', id: 'a', result: { ok: false, error: { code: 'BAD_INPUT' } } });
      expect(
        await client.send(JSON.stringify({ t: 'call', id: { x: 1 }, method: 7, args: null })),
      ).toMatchObject({
        t: 'result',
        id: null,
        result: { ok: false, error: { code: 'BAD_INPUT' } },
      });
      // The connection carries on.
      expect(
        await client.send(JSON.stringify({ t: 'call', id: 2, method: 'appState', args: [] })),
      ).toMatchObject({
        t: 'result',
        id: 2,
        result: { ok: true, value: { state: 'new' } },
      });
    } finally {
      client.close();
    }
  });
});
