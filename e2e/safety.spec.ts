/**
 * What peers send is data, never code: HTML and script in names, statuses, messages and
 * links show as the characters they are. And the bridge refuses what the service's
 * schemas refuse — wrong types, oversized strings, unknown methods — whoever calls it.
 */
import { expect, test } from '@playwright/test';
import { request } from 'node:http';
import type { MeowBridge } from '../shared/bridge.js';
import { Harness } from './harness.js';
import { acceptByPaste, createIdentity, invite, messages, send } from './steps.js';

const NAME = '<img src=x onerror="window.__pwned=1">Mallory';
const STATUS = '<script>window.__pwned=2</script><b>bold?</b>';
const TEXTS = [
  '<b>bold</b><script>window.__pwned=3</script>',
  '<a href="javascript:window.__pwned=4">click me</a>',
  'see https://example.org/?q=<img src=x onerror=window.__pwned=5> and javascript:window.__pwned=6',
  '<style>body{display:none}</style><iframe src="https://example.org"></iframe>',
];

test('HTML and script from a peer render as text and run nothing', async () => {
  const h = new Harness('html-as-text');
  try {
    const relay = await h.relay();
    const [hMallory, hBob] = await Promise.all([h.host('mallory'), h.host('bob')]);
    const browser = await h.browser();
    const mallory = await h.open(browser, hMallory);
    const bob = await h.open(browser, hBob);

    await createIdentity(mallory, { name: NAME, device: '<i>laptop</i>', server: relay.url });
    await mallory.page.getByTestId('nav-settings').click();
    await mallory.page.getByTestId('profile-status').fill(STATUS);
    await mallory.page.getByTestId('profile-save').click();
    await expect(mallory.page.getByTestId('profile-saved')).toBeVisible();
    await createIdentity(bob, { name: 'Bob', device: 'Bob PC', server: relay.url });

    const link = await invite(mallory, '<script>window.__pwned=7</script>Bob');
    await acceptByPaste(bob, link);
    // Bob's name for the contact is the one Mallory chose, as characters.
    await expect(bob.page.getByTestId('contact-name')).toHaveText(NAME);
    await expect(bob.page.getByTestId('contact-status')).toHaveText(STATUS);
    await h.shot(bob, 'contact');

    await bob.page.getByTestId('contact-message').click();
    await send(bob, 'hello');
    const chat = mallory.page.getByTestId('chat-item').first();
    await mallory.page.getByTestId('nav-chats').click();
    await chat.click();
    for (const text of TEXTS) await send(mallory, text);
    for (const text of TEXTS) await expect(messages(bob, text)).toHaveCount(1);
    await expect(bob.page.getByTestId('conversation-name')).toHaveText(NAME);
    await expect(bob.page.getByTestId('chat-item').first()).toContainText(NAME);
    await h.shot(bob, 'conversation');

    for (const m of [bob, mallory]) {
      const list = m.page.getByTestId('message-list');
      // No element the text could have made: only the app's own spans and the one https link.
      await expect(list.locator('img, script, b, iframe, style, i')).toHaveCount(0);
      const hrefs = await list.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      // Links are https URLs found in the text, shown as the URL itself.
      expect(hrefs).toEqual(['https://example.org/?q=', 'https://example.org']);
      expect(
        await m.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      ).toBeUndefined();
      await expect(m.page.locator('body')).toBeVisible();
    }
  } finally {
    await h.close();
  }
});

test('the bridge refuses wrong types, oversized strings and unknown methods', async () => {
  const h = new Harness('bridge-refusals');
  try {
    const host = await h.host('solo');
    const browser = await h.browser();
    const m = await h.open(browser, host);
    await expect(m.page.getByTestId('onboarding-create')).toBeVisible();

    const results = await m.page.evaluate(async () => {
      const meow = (window as unknown as { meow: MeowBridge }).meow;
      const code = async (p: Promise<{ ok: boolean; error?: { code: string } }>) => {
        const r = await p;
        return r.ok ? 'ok' : r.error!.code;
      };
      const anyMeow = meow as unknown as {
        invoke(m: string, ...a: unknown[]): Promise<{ ok: boolean; error?: { code: string } }>;
      };
      const throws = (f: () => unknown) => {
        try {
          f();
          return 'no';
        } catch (e) {
          return (e as Error).name;
        }
      };
      return {
        appState: await code(anyMeow.invoke('appState')),
        wrongType: await code(anyMeow.invoke('send', 123, 'hi')),
        wrongShape: await code(anyMeow.invoke('setOnline', 'yes')),
        extraKey: await code(
          anyMeow.invoke('createIdentity', {
            nickname: 'a',
            password: 'abcdefghi',
            serverUrl: 'http://x',
            admin: true,
          }),
        ),
        longName: await code(
          anyMeow.invoke('createIdentity', {
            nickname: 'n'.repeat(65),
            password: 'abcdefghi',
            serverUrl: 'http://x',
          }),
        ),
        longText: await code(anyMeow.invoke('send', 'someone', 'x'.repeat(200_000))),
        longLink: await code(anyMeow.invoke('pairAccept', { link: 'meow://' + 'x'.repeat(9000) })),
        unknownMethod: throws(() => void anyMeow.invoke('eval', '1')),
        protoMethod: throws(() => void anyMeow.invoke('__proto__')),
        unknownEvent: throws(() => meow.subscribe('secrets' as never, () => undefined)),
      };
    });
    expect(results).toEqual({
      appState: 'ok',
      wrongType: 'BAD_INPUT',
      wrongShape: 'BAD_INPUT',
      extraKey: 'BAD_INPUT',
      longName: 'BAD_INPUT',
      longText: 'BAD_INPUT',
      longLink: 'BAD_INPUT',
      unknownMethod: 'TypeError',
      protoMethod: 'TypeError',
      unknownEvent: 'TypeError',
    });
    // The profile is still new: none of that reached the service.
    await expect(m.page.getByTestId('onboarding-create')).toBeVisible();

    // Under the bridge, the host's WebSocket refuses the same. The page keeps no secret: the
    // address bar lost it, the session cookie is HttpOnly (the page's scripts cannot read it).
    const raw = await m.page.evaluate(async () => {
      const open = () =>
        new Promise<WebSocket | null>((resolve) => {
          const ws = new WebSocket(`ws://${location.host}/rpc`);
          ws.onopen = () => resolve(ws);
          ws.onerror = () => resolve(null);
        });
      const call = (ws: WebSocket, method: string, args: unknown) =>
        new Promise<string>((resolve) => {
          ws.onmessage = (e) => {
            const f = JSON.parse(String(e.data)) as {
              t: string;
              result?: { ok: boolean; error?: { code: string } };
            };
            if (f.t === 'result') resolve(f.result!.ok ? 'ok' : f.result!.error!.code);
          };
          ws.send(JSON.stringify({ t: 'call', id: 1, method, args }));
        });
      const ws = (await open())!;
      const out = {
        address: location.href,
        cookies: document.cookie,
        stored: sessionStorage.length + localStorage.length,
        unknown: await call(ws, 'constructor', []),
        on: await call(ws, 'on', ['message:stored']),
        tooMany: await call(ws, 'appState', [1, 2, 3]),
        closedOnHuge: '',
      };
      out.closedOnHuge = await new Promise<string>((resolve) => {
        ws.onclose = (e) => resolve(String(e.code));
        ws.send('x'.repeat(2 * 1024 * 1024));
      });
      return out;
    });
    expect(raw).toEqual({
      address: `${new URL(host.url).origin}/`,
      cookies: '',
      stored: 0,
      unknown: 'UNKNOWN_METHOD',
      on: 'UNKNOWN_METHOD',
      tooMany: 'BAD_INPUT',
      closedOnHuge: '1009',
    });

    // A page of another origin (or a rebound DNS name) gets nothing.
    const port = new URL(host.url).port;
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/', headers: { host: `evil.example:${port}` } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(421);
  } finally {
    await h.close();
  }
});
