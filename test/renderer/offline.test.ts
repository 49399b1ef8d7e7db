/** The offline banner's sentence: human words that age, never the raw transport error. */
import { describe, expect, it } from 'vitest';
import { duration, offlineSentence } from '../../renderer/lib/offline.js';

describe('offline banner', () => {
  const at = 1_000_000_000;
  const down = {
    server: 'http://127.0.0.1:41234',
    online: false,
    since: at,
    transport: 'http' as const,
    error:
      'UNREACHABLE: cannot reach http://127.0.0.1:41234/v1/request: connect ECONNREFUSED 127.0.0.1:41234',
  };

  it('says how long, which server and why, in words', () => {
    const s = offlineSentence(down, at + 3000);
    expect(s).toBe('Offline for a few seconds: the message server 127.0.0.1:41234 does not answer.');
    expect(s).not.toMatch(/ECONNREFUSED|UNREACHABLE|\/v1\//);
  });

  it('ages: seconds, then minutes, then hours', () => {
    expect(offlineSentence(down, at + 42_000)).toMatch(/^Offline for 42 seconds:/);
    expect(offlineSentence(down, at + 61_000)).toMatch(/^Offline for 1 minute:/);
    expect(offlineSentence(down, at + 3 * 3600_000)).toMatch(/^Offline for 3 hours:/);
    expect(duration(5 * 86_400_000)).toBe('5 days');
  });

  it('names other causes', () => {
    expect(offlineSentence({ ...down, error: 'TIMEOUT: no answer in 30 s' }, at)).toContain('takes too long');
    expect(offlineSentence({ ...down, error: 'RATE_LIMITED: slow down' }, at)).toContain('slow down');
    expect(offlineSentence({ ...down, error: 'self signed certificate' }, at)).toContain('certificate');
    expect(offlineSentence({ ...down, error: 'FORBIDDEN: no' }, at)).toContain('refuses the connection');
  });
});
