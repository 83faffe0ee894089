import fc from 'fast-check';
import { expect, test } from 'vitest';
import { wrap } from '../src/targets/shared.js';
import { property } from './support/property.js';

/** The plain definition: words at white space, joined by one space while they fit. */
function reference(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

test('wraps at white space to the width; a longer word gets its own line', () => {
  expect(wrap('one two three four', 9)).toEqual(['one two', 'three', 'four']);
  expect(wrap('  one\ttwo\n\nthree  ', 72)).toEqual(['one two three']);
  expect(wrap('a supercalifragilistic word', 10)).toEqual(['a', 'supercalifragilistic', 'word']);
  expect(wrap('', 10)).toEqual([]);
  expect(wrap(' \u00a0\u2028 ', 10)).toEqual([]);
});

test('agrees with the plain definition for any text and width, every kind of white space included (property)', () => {
  const space = fc.constantFrom(' ', '  ', '\t', '\n', '\r\n', '\u00a0', '\u1680', '\u2003', '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff', '\v', '\f');
  const word = fc.string({ minLength: 1, maxLength: 12 }).map((w) => w.replace(/\s/g, '') || 'x');
  const text = fc.array(fc.oneof(word, space), { maxLength: 30 }).map((parts) => parts.join(''));
  fc.assert(
    fc.property(fc.oneof(text, fc.string({ maxLength: 60 })), fc.integer({ min: 1, max: 80 }), (t, width) => {
      expect(wrap(t, width)).toEqual(reference(t, width));
    }),
    property(500),
  );
});
