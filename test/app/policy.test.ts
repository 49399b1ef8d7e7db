import { describe, expect, it } from 'vitest';
import {
  APP_ORIGIN,
  appFilePath,
  contentSecurityPolicy,
  isSafeExternalUrl,
  parseAppArgs,
  permissionAllowed,
} from '../../main/app/policy.js';

describe('desktop app policy', () => {
  it('lets only plain https links leave the app', () => {
    expect(isSafeExternalUrl('https://example.org/a?b=c')).toBe(true);
    for (const bad of [
      'http://example.org',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'meow://pair?x',
      'https://user:pw@example.org',
      'data:text/html,<script>1</script>',
      'not a url',
      '',
    ]) {
      expect(isSafeExternalUrl(bad), bad).toBe(false);
    }
  });

  it('grants the camera and notifications to the app origin only', () => {
    expect(permissionAllowed('media', `${APP_ORIGIN}/index.html`, { mediaTypes: ['video'] })).toBe(true);
    expect(permissionAllowed('notifications', `${APP_ORIGIN}/`)).toBe(true);
    expect(permissionAllowed('media', `${APP_ORIGIN}/`, { mediaTypes: ['video', 'audio'] })).toBe(false);
    expect(permissionAllowed('geolocation', `${APP_ORIGIN}/`)).toBe(false);
    expect(permissionAllowed('media', 'https://evil.example/', { mediaTypes: ['video'] })).toBe(false);
    expect(permissionAllowed('notifications', 'meow-app://other/')).toBe(false);
  });

  it('serves app files from inside the renderer folder only', () => {
    const root = '/opt/meow/dist/renderer';
    expect(appFilePath(root, `${APP_ORIGIN}/`)).toBe(`${root}/index.html`);
    expect(appFilePath(root, `${APP_ORIGIN}/app.js`)).toBe(`${root}/app.js`);
    for (const nasty of [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/a/%2e%2e%2f%2e%2e%2f..%2fsecret',
      '/..%5c..%5csecret',
    ]) {
      const file = appFilePath(root, `${APP_ORIGIN}${nasty}`);
      expect(file === null || file.startsWith(`${root}/`), `${nasty} → ${file}`).toBe(true);
    }
    expect(appFilePath(root, 'https://evil.example/app.js')).toBeNull();
  });

  it('has a CSP without inline script, eval or remote content', () => {
    const csp = contentSecurityPolicy();
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-(inline|eval)/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(contentSecurityPolicy({ connect: ['ws://127.0.0.1:1'] })).toContain(
      "connect-src 'self' ws://127.0.0.1:1",
    );
  });

  it('reads --profile and --hidden', () => {
    expect(parseAppArgs(['--profile', '/p', '--hidden'])).toEqual({ profile: '/p', hidden: true });
    expect(parseAppArgs(['--profile=/q'])).toEqual({ profile: '/q', hidden: false });
    expect(parseAppArgs(['.', '--inspect'])).toEqual({ profile: null, hidden: false });
  });
});
