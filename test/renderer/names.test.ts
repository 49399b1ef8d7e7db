/**
 * Issue 24, finding 8: a name with a direction override ("Bob\u202Egnp.exe\u202C") must not
 * read "Bob exe.png" where markup cannot isolate it (placeholders, aria-labels, titles, the
 * terminal), and the mark for U+202C must not read like a file type ("PDF").
 */
import { describe, expect, it } from 'vitest';
import { terminalText, withDirectionMarks } from '../../shared/text.js';

describe('names where markup cannot isolate them', () => {
  it('placeholders and labels get the marks, with a bracketed mark for U+202C', () => {
    expect(withDirectionMarks('Bob \u202egnp.exe\u202c')).toBe('Bob ⟨RLO⟩gnp.exe⟨PDF⟩');
    expect(withDirectionMarks('Bob')).toBe('Bob');
  });

  it('the CLI escapes direction controls and invisible characters, keeping emoji and accents', () => {
    expect(terminalText('Bob \u202egnp.exe\u202c')).toBe('Bob ⟨RLO⟩gnp.exe⟨PDF⟩');
    expect(terminalText('Eve\u200b\u0007')).toBe('Eve⟨U+200B⟩⟨U+0007⟩');
    expect(terminalText('\u3164')).toBe('⟨U+3164⟩');
    expect(terminalText('Zoë 👩\u200d💻 e\u0301')).toBe('Zoë 👩\u200d💻 e\u0301');
  });
});
