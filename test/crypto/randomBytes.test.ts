import { describe, expect, it } from 'vitest';
import { randomBytes, toHex } from '../../protocol/crypto/bytes.js';

describe('randomBytes (pooled for small sizes)', () => {
  it('never hands out the same bytes twice, across pool refills and sizes', () => {
    const seen = new Set<string>();
    let draws = 0;
    // 24 and 32 bytes interleaved well past several 4 KiB refills, plus sizes beyond the pool's
    for (let i = 0; i < 2000; i++) {
      const n = [24, 32, 1, 64, 65, 1000][i % 6]!;
      const b = randomBytes(n);
      expect(b).toHaveLength(n);
      if (n >= 24) {
        seen.add(toHex(b));
        draws++;
      }
    }
    expect(seen.size).toBe(draws); // every draw of 24 bytes or more distinct
    expect(randomBytes(0)).toHaveLength(0);
    // the bytes are spread (a broken pool would hand out zeros)
    const big = Array.from({ length: 256 }, () => randomBytes(32)).flatMap((b) => [...b]);
    expect(big.filter((x) => x === 0).length).toBeLessThan(big.length / 64);
  });
});
