/**
 * Text colours against what they sit on, in light and dark themes, from the theme file
 * itself: at least 4.5:1 (WCAG AA for normal text).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../../renderer/styles/theme.css', import.meta.url), 'utf8');
const dark = css.slice(css.indexOf('@media (prefers-color-scheme: dark)'));
const light = css.slice(0, css.indexOf('@media (prefers-color-scheme: dark)'));

function colour(block: string, name: string): string {
  const m = new RegExp(`--${name}:\\s*(#[0-9a-f]{6})`, 'i').exec(block);
  if (!m) throw new Error(`--${name} not found`);
  return m[1]!;
}

function luminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
}

function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

const PAIRS: [string, string][] = [
  ['accent-text', 'accent-fill'], // primary buttons, badges
  ['text', 'bg'],
  ['text', 'surface'],
  ['muted', 'surface'],
  ['out-text', 'out-bubble'],
  ['text', 'in-bubble'],
];

describe('contrast', () => {
  for (const [theme, block] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    for (const [fg, bg] of PAIRS) {
      it(`${theme}: --${fg} on --${bg} is at least 4.5:1`, () => {
        expect(contrast(colour(block, fg), colour(block, bg))).toBeGreaterThanOrEqual(4.5);
      });
    }
  }
});
