/**
 * A client of the browser host as the page is one: from the printed address, WebSocket
 * connections with the page's Origin.
 */
import WebSocket from 'ws';

export interface WebSession {
  /** A new WebSocket connection to the host's service, open. */
  socket(): Promise<WebSocket>;
}

export function webSession(printed: string): WebSession {
  const url = new URL(printed);
  const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
  return {
    socket: () =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(`ws://${url.host}/rpc?token=${encodeURIComponent(token)}`, {
          origin: url.origin,
        });
        ws.once('open', () => resolve(ws));
        ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
        ws.once('error', reject);
      }),
  };
}
