/**
 * Unified diffs (the `diff -u` format that patch(1) and `git apply` read),
 * for --dry-run and --check. Myers' O((N+M)·D) algorithm; past MAX_EDITS
 * differences the whole file is shown as replaced, which is still a valid
 * patch.
 */

const MAX_EDITS = 4000;
/** Bound on the saved search state (Int32 entries, 4 bytes each). */
const MAX_TRACE = 16_000_000;

type Op = ' ' | '-' | '+';

/** Lines with their newline; only the last one may lack it (patch's "\\ No newline at end of file"). */
function splitLines(text: string | undefined): string[] {
  return text === undefined || text === '' ? [] : text.split(/(?<=\n)/);
}

/** The shortest edit script from a to b, as one op per line. */
function editScript(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v: Int32Array = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  const limit = Math.min(max, MAX_EDITS, Math.floor(MAX_TRACE / v.length));
  for (let d = 0; d <= limit; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    if (found >= 0) break;
  }
  if (found < 0) return [...a.map(() => '-' as const), ...b.map(() => '+' as const)];

  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push(' ');
      x--;
      y--;
    }
    ops.push(x === prevX ? '+' : '-');
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push(' ');
    x--;
    y--;
  }
  return ops.reverse();
}

/**
 * `--- a/<path>` / `+++ b/<path>` with three lines of context; empty when the
 * texts are equal. An undefined side is /dev/null (a new or removed file).
 */
export function unifiedDiff(oldText: string | undefined, newText: string | undefined, path: string, context = 3): string {
  if (oldText === newText) return '';
  const a = splitLines(oldText);
  const b = splitLines(newText);
  const ops = editScript(a, b);

  // Walk the script, numbering lines on both sides.
  interface Row {
    op: Op;
    text: string;
    ai: number;
    bi: number;
  }
  const rows: Row[] = [];
  let ai = 0;
  let bi = 0;
  for (const op of ops) {
    if (op === ' ') rows.push({ op, text: a[ai]!, ai: ai++, bi: bi++ });
    else if (op === '-') rows.push({ op, text: a[ai]!, ai: ai++, bi });
    else rows.push({ op, text: b[bi]!, ai, bi: bi++ });
  }

  const out: string[] = [`--- ${oldText === undefined ? '/dev/null' : `a/${path}`}`, `+++ ${newText === undefined ? '/dev/null' : `b/${path}`}`];
  let i = 0;
  while (i < rows.length) {
    while (i < rows.length && rows[i]!.op === ' ') i++;
    if (i >= rows.length) break;
    const start = Math.max(0, i - context);
    let end = i;
    // Extend the hunk while the next change is within 2·context lines.
    for (;;) {
      while (end < rows.length && rows[end]!.op !== ' ') end++;
      let next = end;
      while (next < rows.length && rows[next]!.op === ' ') next++;
      if (next < rows.length && next - end <= 2 * context) end = next;
      else break;
    }
    const stop = Math.min(rows.length, end + context);
    const hunk = rows.slice(start, stop);
    const oldCount = hunk.filter((r) => r.op !== '+').length;
    const newCount = hunk.filter((r) => r.op !== '-').length;
    const first = hunk[0]!;
    out.push(`@@ -${range(first.ai, oldCount)} +${range(first.bi, newCount)} @@`);
    for (const row of hunk) {
      out.push(`${row.op}${row.text.replace(/\n$/, '')}`);
      if (!row.text.endsWith('\n')) out.push('\\ No newline at end of file');
    }
    i = stop;
  }
  return `${out.join('\n')}\n`;
}

/** GNU diff's hunk ranges: `l,s`, `l` when s is 1, and the line before when s is 0. */
function range(index: number, count: number): string {
  if (count === 0) return `${index},0`;
  if (count === 1) return `${index + 1}`;
  return `${index + 1},${count}`;
}
