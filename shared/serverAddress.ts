/**
 * A server address as a person types it → the URL to fetch its card from, or null when it
 * cannot be one. "meow.example.org" means https; a host on this machine or a private
 * network ("localhost:8787", "192.168.1.5:8787") means http, as a relay hosted at home
 * serves (the transport still refuses plain http to a public address: INSECURE_TRANSPORT).
 */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const PRIVATE_HOST =
  /^(localhost|[^.]+\.local|127\.\d+\.\d+\.\d+|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+|\[::1\])$/i;

export function serverAddress(input: string): string | null {
  const typed = input.trim();
  if (!typed || /\s/.test(typed)) return null;
  let text = typed;
  if (!SCHEME.test(typed)) {
    const host = typed.split(/[/:?#]/, 1)[0]!;
    const bracketed = /^\[[^\]]*\]/.exec(typed)?.[0];
    text = `${PRIVATE_HOST.test(bracketed ?? host) ? 'http' : 'https'}://${typed}`;
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (!url.hostname || url.username || url.password) return null;
  return url.pathname === '/' && !url.search && !url.hash ? url.origin : url.href;
}
