/**
 * The Electron entry (with preload/, the only code that imports `electron`): one window
 * on the app's own files, the service in a worker thread behind shared/rpc.ts, the IPC
 * table, tray, notifications and the OS keychain. The same settings in tests and in
 * production: sandbox, context isolation, no Node in the page, a strict CSP, no
 * navigation, no new windows, permissions for the app's origin only.
 *
 * `meow-desktop [--profile DIR] [--hidden]`: DIR defaults to $MEOW_PROFILE or ~/.meow (the
 * `meow` CLI's). One instance per profile; a second start with the same profile brings
 * the running window to the front.
 */
import { app, BrowserWindow, dialog, ipcMain, protocol, session, shell } from 'electron';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServiceWorker } from '../host/worker.js';
import { startAttention } from './attention.js';
import { forwardServiceEvents, registerServiceIpc } from './ipc.js';
import { safeStorageKeychain } from './keychain.js';
import {
  APP_ORIGIN,
  APP_SCHEME,
  appFilePath,
  contentSecurityPolicy,
  isAppUrl,
  isSafeExternalUrl,
  parseAppArgs,
  permissionAllowed,
} from './policy.js';

const here = dirname(fileURLToPath(import.meta.url)); // dist/app
const rendererDir = resolve(here, '..', 'renderer');
const args = parseAppArgs(process.argv.slice(1));
const profile = resolve(args.profile ?? process.env['MEOW_PROFILE'] ?? join(homedir(), '.meow'));
mkdirSync(profile, { recursive: true, mode: 0o700 });

// Chromium's own data (and with it the single-instance lock) lives per profile.
app.setPath('userData', join(profile, 'electron'));
app.enableSandbox();
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
]);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
};

let win: BrowserWindow | null = null;
let quitting = false;

function show() {
  if (!win) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}

async function openExternal(url: string) {
  if (!isSafeExternalUrl(url)) return;
  const { response } = await dialog.showMessageBox({
    type: 'question',
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: 'Open this link in your web browser?',
    detail: url,
  });
  if (response === 0) await shell.openExternal(url);
}

function harden() {
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      void openExternal(url);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (e, url) => {
      e.preventDefault();
      if (!isAppUrl(url)) void openExternal(url);
    });
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((wc, permission, grant, details) => {
    const media = 'mediaTypes' in details ? { mediaTypes: details.mediaTypes ?? [] } : {};
    grant(permissionAllowed(permission, details.requestingUrl ?? wc.getURL(), media));
  });
  ses.setPermissionCheckHandler((_wc, permission, origin) => permissionAllowed(permission, origin));
  ses.setDevicePermissionHandler(() => false);
  // Nothing but the app scheme is ever fetched by the page (the relays are reached by the worker).
  ses.webRequest.onBeforeRequest((details, done) => {
    const ok =
      isAppUrl(details.url) || details.url.startsWith('devtools:') || details.url.startsWith('data:');
    done({ cancel: !ok });
  });
  protocol.handle(APP_SCHEME, async (req) => {
    const file = appFilePath(rendererDir, req.url);
    const type = file ? TYPES[extname(file)] : undefined;
    if (!file || !type) return new Response('not found', { status: 404 });
    try {
      return new Response(await readFile(file), {
        headers: {
          'content-type': type,
          'content-security-policy': contentSecurityPolicy(),
          'x-content-type-options': 'nosniff',
        },
      });
    } catch {
      return new Response('not found', { status: 404 });
    }
  });
}

function createWindow(hidden: boolean) {
  win = new BrowserWindow({
    width: 1120,
    height: 760,
    minWidth: 760,
    minHeight: 520,
    show: false,
    title: 'Meow',
    backgroundColor: '#1b1d22',
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(here, 'preload.cjs'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: true,
    },
  });
  win.once('ready-to-show', () => !hidden && win?.show());
  // Closing the window keeps Meow running in the tray (messages keep arriving).
  win.on('close', (e) => {
    if (!quitting) {
      e.preventDefault();
      win?.hide();
    }
  });
  void win.loadURL(`${APP_ORIGIN}/index.html`);
}

async function main() {
  if (!app.requestSingleInstanceLock({ profile })) {
    app.quit();
    return;
  }
  app.on('second-instance', show);
  await app.whenReady();
  harden();

  let service: Awaited<ReturnType<typeof startServiceWorker>>;
  try {
    service = await startServiceWorker({ profile, keychain: safeStorageKeychain(profile) });
  } catch (e) {
    dialog.showErrorBox(
      'Meow could not start',
      `${e instanceof Error ? e.message : String(e)}\n\nProfile: ${profile}`,
    );
    app.exit(1);
    return;
  }
  const unregister = registerServiceIpc(ipcMain, service);
  createWindow(args.hidden);
  const offEvents = forwardServiceEvents(service, () => win?.webContents ?? null);
  const stopAttention = startAttention({
    service,
    window: () => win,
    show,
    quit: () => app.quit(),
    iconPath: join(here, 'tray.png'),
  });

  app.on('activate', show);
  app.on('before-quit', (e) => {
    if (quitting) return;
    quitting = true;
    e.preventDefault();
    stopAttention();
    offEvents();
    unregister();
    void service.terminate().finally(() => app.exit(0));
  });
}

void main();
