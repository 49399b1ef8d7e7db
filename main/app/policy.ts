/**
 * The desktop app's security rules as plain functions (no Electron here, so plain Node
 * tests check them): the Content-Security-Policy, which links may leave the app, which
 * permissions the app's own origin gets, where a request of the app scheme may read.
 * main/app/ applies them in Electron; the browser host uses the same CSP.
 */
import { isAbsolute, join, normalize, relative } from 'node:path';

/** The renderer's origin in Electron: a privileged custom scheme serving the app's own files. */
export const APP_SCHEME = 'meow-app';
export const APP_HOST = 'app';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * Scripts and styles from the app's own files only (no inline script, no eval); images
 * from itself and data:/blob: (QR codes); media from the camera; no plugins, frames,
 * forms or base changes. `connect` adds the host's WebSocket in the browser.
 */
export function contentSecurityPolicy(opts: { connect?: string[] } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    "font-src 'self'",
    `connect-src 'self'${opts.connect?.length ? ' ' + opts.connect.join(' ') : ''}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
  ].join('; ');
}

/**
 * Links a person clicked that may open in the OS browser: https only, a host name, no
 * credentials. Everything else (file:, javascript:, custom schemes, http) stays closed.
 */
export function isSafeExternalUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
}

/** Permissions the app's own pages get: the camera (scanning QR codes) and notifications. */
const GRANTED = new Set(['media', 'notifications', 'clipboard-sanitized-write']);

export function permissionAllowed(
  permission: string,
  requestingUrl: string,
  details: { mediaTypes?: string[] } = {},
): boolean {
  if (!isAppUrl(requestingUrl) || !GRANTED.has(permission)) return false;
  // The camera only: scanning a QR code needs no microphone.
  if (permission === 'media') return (details.mediaTypes ?? ['video']).every((t) => t === 'video');
  return true;
}

export function isAppUrl(raw: string): boolean {
  try {
    const u = new URL(raw);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** The file an app-scheme request reads, or null when it would leave `root`. */
export function appFilePath(root: string, requestUrl: string): string | null {
  if (!isAppUrl(requestUrl)) return null;
  const path = decodeURIComponent(new URL(requestUrl).pathname);
  const rel = normalize(path === '/' || path === '' ? 'index.html' : path.replace(/^[/\\]+/, ''));
  const file = join(root, rel);
  const back = relative(root, file);
  if (back === '' || back.startsWith('..') || isAbsolute(back)) return null;
  return file;
}

export interface AppArgs {
  profile: string | null;
  hidden: boolean;
}

/** `--profile DIR` (or `--profile=DIR`) and `--hidden` (start in the tray). */
export function parseAppArgs(argv: readonly string[]): AppArgs {
  const out: AppArgs = { profile: null, hidden: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--profile' && argv[i + 1] !== undefined) out.profile = argv[++i]!;
    else if (a.startsWith('--profile=')) out.profile = a.slice('--profile='.length);
    else if (a === '--hidden') out.hidden = true;
  }
  return out;
}

/** The tray's words for an unread total. */

export { unreadLabel } from '../../shared/attention.js';
