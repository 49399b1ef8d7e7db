/**
 * The relay client's HTTP transport: an aborted request is a TransportError, never an
 * uncaught "socket hang up" (which ended the service's worker thread when a long-poll was
 * aborted before its request had its error listener).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest } from '../../main/net/transport.js';

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer(() => undefined); // holds every request, like a long-poll
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/request`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe('http transport', () => {
  it('a signal aborted before the request starts, or while it is held, rejects with kind "abort"', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      const before = new AbortController();
      before.abort();
      await expect(
        httpRequest(url, { method: 'POST', timeoutMs: 5000, signal: before.signal }),
      ).rejects.toMatchObject({ kind: 'abort' });
      const during = new AbortController();
      const held = httpRequest(url, {
        method: 'POST',
        body: new Uint8Array(10),
        timeoutMs: 5000,
        signal: during.signal,
      });
      setTimeout(() => during.abort(), 50);
      await expect(held).rejects.toMatchObject({ kind: 'abort' });
      await expect(httpRequest(url, { method: 'GET', timeoutMs: 100 })).rejects.toMatchObject({
        kind: 'timeout',
      });
      await new Promise((r) => setTimeout(r, 100)); // a late 'error' event would surface here
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
