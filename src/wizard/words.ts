/**
 * Reads a line the way a POSIX shell splits it into words, without any
 * expansion: blanks separate words; '…' keeps everything literally; "…" keeps
 * everything but lets a backslash escape \ " $ ` (sh(1) "Double-Quotes");
 * outside quotes a backslash keeps the next character. It is the inverse of
 * escape.ts shWords(), which is how a list is shown back for editing.
 */
export function splitWords(line: string): { words: string[] } | { error: string } {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  const add = (text: string) => {
    word = (word ?? '') + text;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      if (word !== undefined) words.push(word);
      word = undefined;
      i += 1;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) return { error: `a ' quote is not closed; add ' at the end of that word` };
      add(line.slice(i + 1, end));
      i = end + 1;
    } else if (c === '"') {
      let text = '';
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && j + 1 < line.length && '\\"$`'.includes(line[j + 1]!)) j += 1;
        text += line[j];
      }
      if (j >= line.length) return { error: 'a " quote is not closed; add " at the end of that word' };
      add(text);
      i = j + 1;
    } else if (c === '\\') {
      if (i + 1 >= line.length) return { error: 'the line ends with a lone backslash; write \\\\ for a backslash' };
      add(line[i + 1]!);
      i += 2;
    } else {
      add(c);
      i += 1;
    }
  }
  if (word !== undefined) words.push(word);
  return { words };
}
