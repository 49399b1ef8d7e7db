import { describe, expect, it } from 'vitest';
import { serverAddress } from '../../shared/serverAddress.js';

describe('a server address as a person types it', () => {
  it('completes the scheme: https for public names, http for this machine and private networks', () => {
    expect(serverAddress('meow.example.org')).toBe('https://meow.example.org');
    expect(serverAddress('  meow.example.org:8443/relay ')).toBe('https://meow.example.org:8443/relay');
    expect(serverAddress('127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    expect(serverAddress('localhost:8787')).toBe('http://localhost:8787');
    expect(serverAddress('192.168.1.5:8787')).toBe('http://192.168.1.5:8787');
    expect(serverAddress('172.20.0.4')).toBe('http://172.20.0.4');
    expect(serverAddress('172.40.0.4')).toBe('https://172.40.0.4');
    expect(serverAddress('[::1]:8787')).toBe('http://[::1]:8787');
    expect(serverAddress('printer.local:80')).toBe('http://printer.local');
  });

  it('keeps an explicit scheme, and drops a bare trailing slash', () => {
    expect(serverAddress('http://10.0.0.2:8787/')).toBe('http://10.0.0.2:8787');
    expect(serverAddress('HTTPS://Meow.Example.org')).toBe('https://meow.example.org');
  });

  it('refuses what cannot be a server', () => {
    for (const bad of [
      '',
      '   ',
      'ftp://meow.example.org',
      'javascript:alert(1)',
      'meow example',
      'https://',
      'https://user:pw@meow.example.org',
      'meow://invite?x',
    ])
      expect(serverAddress(bad), bad).toBeNull();
  });
});
