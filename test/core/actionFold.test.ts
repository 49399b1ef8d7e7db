/** The fold of a message's actions (messenger/actionFold.ts): the same set gives the same message, in any order. */
import { describe, expect, it } from 'vitest';
import { fold, isOneEmoji } from '../../main/core/messenger/actionFold.js';
import type { StoredAction } from '../../main/core/storage/messageDb.js';

const act = (id: string, kind: StoredAction['kind'], mine: boolean, at: number, x = ''): StoredAction => ({
  id,
  peerUid: 'p',
  targetUuid: 't',
  kind,
  mine,
  at,
  authorDevice: '',
  emoji: kind === 'react' ? x : '',
  text: kind === 'edit' ? x : '',
});

function permutations<T>(xs: T[]): T[][] {
  if (xs.length <= 1) return [xs];
  return xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

describe('action fold', () => {
  const mine = { outbound: true, text: 'original', sentAt: 1000 };

  it('any order of the same reactions and edits gives the same message', () => {
    const set = [
      act('a', 'react', true, 2000, '👍'),
      act('b', 'react', true, 2000, '🎉'), // same time: the larger id wins, everywhere
      act('c', 'react', false, 2500, '👍'),
      act('d', 'edit', true, 3000, 'second'),
      act('e', 'edit', true, 4000, 'third'),
      act('f', 'react', false, 5000, ''), // the contact takes theirs back
    ];
    const results = permutations(set).map((p) => JSON.stringify(fold(mine, p)));
    expect(new Set(results).size).toBe(1);
    expect(fold(mine, set)).toEqual({
      deleted: false,
      text: 'third',
      history: [
        { text: 'original', at: 1000 },
        { text: 'second', at: 3000 },
      ],
      editedAt: 4000,
      reactions: [{ emoji: '🎉', count: 1, by: ['me'] }],
    });
  });

  it('a deletion by the author wins over edits before or after it; by anyone else it does nothing', () => {
    const set = [
      act('a', 'edit', true, 2000, 'x'),
      act('b', 'delete', true, 3000),
      act('c', 'edit', true, 4000, 'y'),
    ];
    for (const p of permutations(set))
      expect(fold(mine, p)).toMatchObject({ deleted: true, text: '', history: [] });
    expect(fold(mine, [act('z', 'delete', false, 3000)]).deleted).toBe(false);
    expect(fold(mine, [act('z', 'edit', false, 3000, 'forged')]).text).toBe('original');
    // Too late: more than a day after sending.
    expect(fold(mine, [act('late', 'delete', true, 1000 + 2 * 86_400_000)]).deleted).toBe(false);
  });

  it('one emoji is one grapheme that is a pictograph, a flag or a keycap', () => {
    for (const e of ['👍', '❤️', '🇫🇷', '1️⃣', '👩‍👩‍👧', '👍🏽']) expect(isOneEmoji(e), e).toBe(true);
    for (const e of ['', 'a', 'ab', '👍👍', ' 👍', '1', '❤️ ', 'x'.repeat(40)])
      expect(isOneEmoji(e), e).toBe(false);
  });
});
