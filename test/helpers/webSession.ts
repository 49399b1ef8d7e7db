/**
 * A client of the browser host as the page is one: the printed address's one-time secret
 * traded for the session cookie (POST /session, with the page's Origin), then WebSocket
 * connections carrying that cookie.
 */
import WebSocket from 'ws';

export interface WebSession {
  /** The Cookie header the host set. */
  cookie: string;
  /** A new WebSocket connection to the host's service, open. */
  socket(): Promise<WebSocket>;
}

/** Trades the secret of `printed`; the status the host answered when it refuses. */
export async function openSession(
  printed: string,
  secret?: string,
): Promise<{ status: number; cookie: string }> {
  const url = new URL(printed);
  const given = secret ?? new URLSearchParams(url.hash.slice(1)).get('boot') ?? '';
  const res = await fetch(`${url.origin}/session`, {
    method: 'POST',
    body: given,
    headers: { origin: url.origin },
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { status: res.status, cookie };
}

export function socketWith(
  printed: string,
  cookie: string,
  origin = new URL(printed).origin,
): Promise<WebSocket> {
  const url = new URL(printed);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${url.host}/rpc`, { origin, headers: cookie ? { cookie } : {} });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused: ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

export async function webSession(printed: string): Promise<WebSession> {
  const { status, cookie } = await openSession(printed);
  if (status !== 204) throw new Error(`the host refused the secret: ${status}`);
  return { cookie, socket: () => socketWith(printed, cookie) };
}
