import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { Renderer } from '../src/render.js';

const dir = mkdtempSync(join(tmpdir(), 'init-service-render-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the variable-doc memo answers only calls with the same argument names, order and values (objects by identity)', () => {
  mkdirSync(join(dir, 'shared'));
  mkdirSync(join(dir, 'systemd'));
  writeFileSync(join(dir, 'shared/variable-doc.ejs'), "<%- c %>|<%- typeof label %> <%- label %>|<%- lines.join('+') %>|<%- typeof locals.title %>\n");
  const calls = [
    "{ c: '#', label: 'a', lines: L }",
    "{ c: '#', label: 'a', lines: L }",
    "{ label: 'a', c: '#', lines: L }",
    "{ c: '#', label: 'a', lines: L2 }",
    "{ c: '#', label: 'a', lines: L3 }",
    "{ c: ';', label: 'a', lines: L }",
    "{ c: '#', label: 1, lines: L }",
    "{ c: '#', label: '1', lines: L }",
    "{ c: '#', label: 'a', lines: L, title: 't' }",
    "{ c: '#', label: 'a', lines: L }",
  ];
  writeFileSync(
    join(dir, 'systemd/service.ejs'),
    `<% const L = ['x', 'y']; const L2 = ['x', 'y']; const L3 = ['z']; L2.push('w'); -%>\n${calls.map((c) => `<%- partial('variable-doc', ${c}) %>\n`).join('')}`,
  );
  expect(new Renderer([dir]).render('systemd/service.ejs', {}).split('\n')).toEqual([
    '#|string a|x+y|undefined',
    '#|string a|x+y|undefined',
    '#|string a|x+y|undefined',
    '#|string a|x+y+w|undefined',
    '#|string a|z|undefined',
    ';|string a|x+y|undefined',
    '#|number 1|x+y|undefined',
    '#|string 1|x+y|undefined',
    '#|string a|x+y|string',
    '#|string a|x+y|undefined',
    '',
  ]);
});
