import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The hostile corpus: values a service description may carry that init
 * systems (or their generators) are known to get wrong. systemd expands %
 * specifiers and $ variables, rc.subr and OpenRC evaluate command lines once
 * or twice, conf.d files are sourced by root's shell. Every target test
 * drives its real tool (or its stand-in) with these lists.
 */

/** A long value full of characters every layer treats specially, exactly `length` characters long. */
export function longHostile(length = 10_000): string {
  const unit = `$(id) \`id\` '"\\ %n%% $$ \${X} ; | & > * ~ é\t`;
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/**
 * Argv words, environment values and config check words: each must reach
 * the program byte for byte, through every target.
 */
export const HOSTILE: readonly string[] = [
  '',
  ' ',
  'plain',
  'two words',
  '  leading and trailing  ',
  "it's",
  '"double"',
  `'\\''`,
  `"'"'"`,
  '\\',
  'back\\',
  '\\\\',
  '\\n',
  '\\x41',
  '\\$HOME',
  '$HOME',
  '${HOME}',
  '$',
  '$$',
  '$$$',
  '$1',
  '$@',
  '$(id)',
  '`id`',
  '$((1+1))',
  '${x:-$(id)}',
  '%',
  '%%',
  '%n',
  '%i',
  '%z',
  '50%',
  ';',
  '\\;',
  'a;b|c&d>e<f',
  '&&',
  '*',
  'a * b',
  '?[x]',
  '{a,b}',
  '~',
  '~root',
  '-n',
  '-e',
  '--',
  '--flag=1',
  '#hash',
  'a #b',
  '!bang',
  '@at',
  '+plus',
  ':colon',
  '=',
  'A=B C',
  'tab\there',
  'line\nbreak',
  'cr\rhere',
  '\r\n',
  '\n',
  'ends in line break\n',
  '\u0001\u001b[31m\u001f\u007f',
  'héllo wörld ✓ 😀',
  '\u0085 \u2028 \u2029',
  '\ufeff',
  longHostile(),
];

/**
 * Unicode noncharacters: every target carries them in argv, but systemd
 * refuses them in Environment= even escaped (a refusal test covers that).
 */
export const NONCHARACTERS: readonly string[] = ['\uffff \ufffe \ufdd0 \ufdef \u{1fffe} \u{10ffff}'];

/**
 * One-line descriptions. Each lands in comments and in desc=, description=
 * and Description=: it may neither end a comment nor become code.
 */
export const HOSTILE_DESCRIPTIONS: readonly string[] = [
  '',
  "it's",
  '"double"',
  `'\\''`,
  '$(id) `id` ${HOME} $$',
  '%n %i %% 50%',
  'a \\ b \\n \\x41',
  '# not a comment',
  '; [Service] ExecStart=/bin/sh',
  '*/ --> EOF',
  'a;b|c&d>e<f',
  '-n',
  'héllo wörld ✓ 😀',
  '\u0085 \u2028 \u2029 U+0085 and the Unicode line separators',
  longHostile().replaceAll('\t', ' ').trim(),
];

/** Path tails that systemd carries (quoted) and OpenRC and rc.subr refuse (they split or evaluate paths). */
/** Every hostile value and the noncharacters, as one argv: what the real-init-system runs pass through. */
export const HOSTILE_ARGV: readonly string[] = [...HOSTILE, ...NONCHARACTERS];
/** The description the real-init-system runs use: the one with a command substitution. */
export const HOSTILE_DESCRIPTION: string = HOSTILE_DESCRIPTIONS.find((d) => d.startsWith('$(id)'))!;

export const HOSTILE_PATH_TAILS: readonly string[] = ['my app', "it's", '"q"', '$HOME', '`id`', '50%', '*', '~x', 'a;b', 'tab\u00a0nbsp', 'é✓'];

/** A refused description: where, why, and what would be accepted, as the CLI prints them. */
export interface Refusal {
  what: string;
  spec: Record<string, unknown>;
  /** The field path the message names. */
  path: string;
  /** The reason (after the path) and "; expected ..." or the listed choices. */
  message: RegExp;
}

const NOT_ONE_LINE = /\(it contains a (line break|control character)\); expected/;

/** Refused by the description's schema, whatever the target. */
export const SCHEMA_REFUSALS: readonly Refusal[] = [
  { what: 'NUL in an argument', spec: { args: ['ok', 'a\u0000b'] }, path: 'args[1]', message: /\(it contains a NUL byte\); expected any text without NUL bytes/ },
  { what: 'NUL in an environment value', spec: { environment: { A: '\u0000' } }, path: 'environment.A', message: /NUL byte\); expected any text without NUL bytes/ },
  { what: 'NUL in a config check word', spec: { configCheck: ['/bin/check', '\u0000'] }, path: 'configCheck[1]', message: /NUL byte\); expected/ },
  { what: 'NUL in a path', spec: { workingDirectory: '/srv/\u0000' }, path: 'workingDirectory', message: /\(it contains a NUL byte\); expected an absolute path/ },
  { what: 'LF in a description', spec: { description: 'one\ntwo' }, path: 'description', message: /\(it contains a line break\); expected one line of text/ },
  { what: 'CR in a description', spec: { description: 'one\rtwo' }, path: 'description', message: NOT_ONE_LINE },
  { what: 'ESC in a description', spec: { description: '\u001b[31mred' }, path: 'description', message: /\(it contains a control character\); expected one line/ },
  { what: 'LF in a command', spec: { command: '/usr/bin/a\nb' }, path: 'command', message: /line break\); expected an absolute path \(starting with "\/"\) on one line/ },
  { what: 'LF in a working directory', spec: { workingDirectory: '/srv/\n' }, path: 'workingDirectory', message: NOT_ONE_LINE },
  { what: 'LF in a log path', spec: { stdoutLog: '/var/log/a\nb' }, path: 'stdoutLog', message: NOT_ONE_LINE },
  { what: 'LF in a pidfile', spec: { daemonizes: true, pidfile: '/run/a\n' }, path: 'pidfile', message: NOT_ONE_LINE },
  { what: 'TAB in an environment file path', spec: { environmentFile: '/etc/a\tb' }, path: 'environmentFile', message: NOT_ONE_LINE },
  { what: 'a relative command', spec: { command: 'bin/web' }, path: 'command', message: /"bin\/web" is not accepted; expected an absolute path/ },
  { what: 'a command on PATH', spec: { command: 'web' }, path: 'command', message: /expected an absolute path/ },
  { what: 'a relative working directory', spec: { workingDirectory: 'srv' }, path: 'workingDirectory', message: /expected an absolute path/ },
  { what: 'a home-relative path', spec: { stdoutLog: '~/web.log' }, path: 'stdoutLog', message: /expected an absolute path/ },
  { what: 'a relative config check', spec: { configCheck: ['web', '-t'] }, path: 'configCheck[0]', message: /must be an absolute path/ },
  { what: 'a name with a capital', spec: { name: 'Web' }, path: 'name', message: /expected a lowercase letter, then lowercase letters, digits/ },
  { what: 'a name with a shell command', spec: { name: 'web;id' }, path: 'name', message: /expected a lowercase letter/ },
  { what: 'a name with a dot (OpenRC instances)', spec: { name: 'web.1' }, path: 'name', message: /expected a lowercase letter/ },
  { what: 'a name starting with "-"', spec: { name: '-web' }, path: 'name', message: /expected a lowercase letter/ },
  { what: 'a name with a line break', spec: { name: 'web\nx' }, path: 'name', message: /line break\); expected a lowercase letter/ },
  { what: 'a name of 65 characters', spec: { name: `w${'x'.repeat(64)}` }, path: 'name', message: /64 characters at most/ },
  { what: 'a family with a space', spec: { family: 'a b' }, path: 'family', message: /expected a lowercase letter/ },
  { what: 'a user with $(...)', spec: { user: '$(id)' }, path: 'user', message: /expected a system account name/ },
  { what: 'a user with a space', spec: { user: 'web user' }, path: 'user', message: /expected a system account name/ },
  { what: 'a user starting with "-"', spec: { user: '-x' }, path: 'user', message: /expected a system account name/ },
  { what: 'a user with non-ASCII', spec: { user: 'wéb' }, path: 'user', message: /expected a system account name/ },
  { what: 'a user of 32 characters', spec: { user: 'u'.repeat(32) }, path: 'user', message: /31 characters at most/ },
  { what: 'a user "root:root"', spec: { user: 'root:root' }, path: 'user', message: /expected a system account name/ },
  { what: 'a group with a line break', spec: { group: 'www\n' }, path: 'group', message: /line break\); expected a system account name/ },
  { what: 'an environment name with a space', spec: { environment: { 'A B': 'x' } }, path: 'environment."A B"', message: /^name .*expected a letter or "_", then letters, digits or "_"/ },
  { what: 'an environment name with "="', spec: { environment: { 'A=B': 'x' } }, path: 'environment."A=B"', message: /^name .*expected a letter/ },
  { what: 'an environment name starting with a digit', spec: { environment: { '1A': 'x' } }, path: 'environment."1A"', message: /^name .*expected a letter/ },
  { what: 'an empty environment name', spec: { environment: { '': 'x' } }, path: 'environment.""', message: /^name .*expected a letter/ },
  { what: 'an environment name with $', spec: { environment: { $A: 'x' } }, path: 'environment.$A', message: /^name .*expected a letter/ },
  { what: 'an unknown signal', spec: { stopSignal: 'SIGFOO' }, path: 'stopSignal', message: /"SIGFOO" is not accepted; expected a signal name: HUP, INT/ },
  { what: 'a signal number', spec: { reloadSignal: '9' }, path: 'reloadSignal', message: /expected a signal name/ },
  { what: 'a signal with a command', spec: { reloadSignal: 'HUP;id' }, path: 'reloadSignal', message: /expected a signal name/ },
  { what: 'a lowercase signal', spec: { stopSignal: 'term' }, path: 'stopSignal', message: /expected a signal name/ },
  { what: 'nice above 19', spec: { nice: 20 }, path: 'nice', message: /^20 is out of range; expected a whole number from -20 to 19/ },
  { what: 'nice below -20', spec: { nice: -21 }, path: 'nice', message: /out of range; expected a whole number from -20 to 19/ },
  { what: 'nice as text', spec: { nice: '5' }, path: 'nice', message: /must be a whole number, not the string "5"; expected/ },
  { what: 'a fractional nice', spec: { nice: 1.5 }, path: 'nice', message: /must be a whole number/ },
  { what: 'stopTimeout 0', spec: { stopTimeout: 0 }, path: 'stopTimeout', message: /out of range; expected a whole number of seconds from 1 to 86400/ },
  { what: 'stopTimeout above a day', spec: { stopTimeout: 86_401 }, path: 'stopTimeout', message: /out of range; expected a whole number of seconds/ },
  { what: 'an overflowing number (1e400)', spec: { stopTimeout: Number.POSITIVE_INFINITY }, path: 'stopTimeout', message: /must be a whole number/ },
  { what: 'a negative limit', spec: { limits: { nofile: -1 } }, path: 'limits.nofile', message: /expected a whole number from 0 or "unlimited"/ },
  { what: 'a limit beyond 2^53', spec: { limits: { nproc: 2 ** 60 } }, path: 'limits.nproc', message: /expected a whole number from 0 or "unlimited"/ },
  { what: 'a limit "infinity"', spec: { limits: { core: 'infinity' } }, path: 'limits.core', message: /expected a whole number from 0 or "unlimited"/ },
  { what: 'an umask with 8', spec: { umask: '0788' }, path: 'umask', message: /expected three or four octal digits/ },
  { what: 'an umask as a number', spec: { umask: 27 }, path: 'umask', message: /must be a string, not the number 27; expected three or four octal digits/ },
  { what: 'an umask with a command', spec: { umask: '022;id' }, path: 'umask', message: /expected three or four octal digits/ },
  { what: 'a dependency with a space', spec: { requires: ['net work'] }, path: 'requires[0]', message: /expected network, syslog, time, localfs, or a service name/ },
  { what: 'a dependency with $', spec: { after: ['$(id)'] }, path: 'after[0]', message: /expected network, syslog/ },
  { what: 'an unknown restart policy', spec: { restart: 'alway' }, path: 'restart', message: /"alway" is not one of "no", "on-failure", "always" \(did you mean "always"\?\)/ },
  { what: 'a lone high surrogate', spec: { args: ['\ud800'] }, path: 'args[0]', message: /\\ud800, half of a UTF-16 surrogate pair, which no UTF-8 file can carry\); expected well-formed Unicode text/ },
  { what: 'a lone low surrogate in a description', spec: { description: 'x\udc00' }, path: 'description', message: /\\udc00, half of a UTF-16 surrogate pair/ },
  { what: 'a lone surrogate in an environment value', spec: { environment: { A: '😀\ud83d' } }, path: 'environment.A', message: /\\ud83d, half of a UTF-16 surrogate pair/ },
  { what: 'a command ending in "/"', spec: { command: '/usr/bin/' }, path: 'command', message: /^"\/usr\/bin\/" names a directory; expected the absolute path of a file, not ending in "\/"/ },
  { what: 'a log file "/"', spec: { stdoutLog: '/' }, path: 'stdoutLog', message: /names a directory/ },
  { what: 'a path longer than PATH_MAX', spec: { workingDirectory: `/${'d/'.repeat(2048)}` }, path: 'workingDirectory', message: /is too long \(4097 bytes, the longest name in it 1\): no system call takes it; expected a path of at most 4095 bytes \(PATH_MAX\) with names of at most 255 bytes \(NAME_MAX\)/ },
  { what: 'a name in a path longer than NAME_MAX', spec: { environmentFile: `/etc/${'é'.repeat(128)}` }, path: 'environmentFile', message: /is too long \(261 bytes, the longest name in it 256\)/ },
  { what: 'an unknown field', spec: { comand: '/x' }, path: 'comand', message: /^unknown field in a service description \(did you mean "command"\?\); known fields: name, family/ },
  { what: 'an unknown field named like an Object.prototype member', spec: { toString: 1 }, path: 'toString', message: /^unknown field in a service description/ },
  { what: 'a "__proto__" field', spec: JSON.parse('{"__proto__": {"user": "root"}}') as Record<string, unknown>, path: '__proto__', message: /^unknown field in a service description/ },
  { what: 'a "constructor" field in limits', spec: { limits: { constructor: 1 } }, path: 'limits.constructor', message: /^unknown field in limits/ },
  { what: 'an unknown nested field', spec: { systemd: { hardenin: 'strict' } }, path: 'systemd.hardenin', message: /^unknown field in systemd \(did you mean "hardening"\?\)/ },
];

/** Valid descriptions that one target cannot carry: refused by that target's checks, before anything is written. */
export const TARGET_REFUSALS: readonly (Refusal & { target: 'openrc' | 'rcd' | 'systemd' })[] = [
  { what: 'a command path with a space', target: 'openrc', spec: { command: '/opt/my app/web' }, path: 'command', message: /^\(openrc\) "\/opt\/my app\/web" cannot be carried: OpenRC passes it through eval.*; expected a path of letters, digits/ },
  { what: 'a working directory with $', target: 'rcd', spec: { workingDirectory: '/srv/$HOME' }, path: 'workingDirectory', message: /^\(rcd\) .* cannot be carried: rc\.subr passes it through eval .*; expected a path of letters/ },
  { what: 'a log path with a quote', target: 'openrc', spec: { stdoutLog: "/var/log/it's.log" }, path: 'stdoutLog', message: /^\(openrc\) .*expected a path of letters/ },
  { what: 'an interpreter with a space', target: 'rcd', spec: { interpreter: '/usr/bin/my python' }, path: 'interpreter', message: /^\(rcd\) .*rc\.subr evaluates command_interpreter/ },
  { what: 'PATH for OpenRC', target: 'openrc', spec: { environment: { PATH: '/tmp' } }, path: 'environment.PATH', message: /^\(openrc\) cannot be set for OpenRC: conf\.d is sourced into the shell that runs openrc-run/ },
  { what: 'IFS for OpenRC', target: 'openrc', spec: { environment: { IFS: '/' } }, path: 'environment.IFS', message: /^\(openrc\) cannot be set for OpenRC/ },
  { what: 'an OpenRC variable (command_args)', target: 'openrc', spec: { environment: { command_args: 'x' } }, path: 'environment.command_args', message: /^\(openrc\) cannot be set for OpenRC/ },
  { what: 'an RC_ variable', target: 'openrc', spec: { environment: { RC_SVCNAME: 'x' } }, path: 'environment.RC_SVCNAME', message: /^\(openrc\) cannot be set for OpenRC/ },
  { what: 'LD_PRELOAD for OpenRC', target: 'openrc', spec: { environment: { LD_PRELOAD: '/tmp/x.so' } }, path: 'environment.LD_PRELOAD', message: /^\(openrc\) cannot be set for OpenRC/ },
  { what: 'LD_LIBRARY_PATH for rc.d', target: 'rcd', spec: { environment: { LD_LIBRARY_PATH: '/tmp' } }, path: 'environment.LD_LIBRARY_PATH', message: /^\(rcd\) cannot be set for rc\.d: .*run-time linker \(rtld\(1\)\).*; expected no LD_ variable/ },
  { what: 'a SUB_LIST token in an argument', target: 'rcd', spec: { args: ['%%PREFIX%%/x'] }, path: 'args[0]', message: /^\(rcd\) "%%PREFIX%%\/x" cannot be carried: the ports framework replaces %%WORD%%.*; expected no %%WORD%% sequence/ },
  { what: 'a SUB_LIST token in a path', target: 'rcd', spec: { workingDirectory: '/srv/%%DATADIR%%' }, path: 'workingDirectory', message: /^\(rcd\) .*replaces %%WORD%%/ },
  { what: 'a "%" that would pair with %%PREFIX%% (/usr/local)', target: 'rcd', spec: { args: ['%%PREFIX%/usr/local'] }, path: 'args[0]', message: /^\(rcd\) .*would read the "%" beside it as part of a %%WORD%% token; expected no "%" next to \/usr\/local/ },
  { what: 'an "@comment " line in an argument', target: 'rcd', spec: { args: ["x\n@comment '; id; '"] }, path: 'args[0]', message: /^\(rcd\) .*deletes every line of files\/\*\.in that starts with "@comment ".*; expected no line of the value to start with "@comment "/ },
  { what: 'an "@comment " line in an environment value', target: 'rcd', spec: { environment: { A: 'a\n@comment b' } }, path: 'environment.A', message: /^\(rcd\) .*"@comment "/ },
  { what: 'a quote for su -m (self-daemonizing, non-root)', target: 'rcd', spec: { daemonizes: true, pidfile: '/var/run/w/w.pid', user: 'www', args: ["it's"] }, path: 'args[0]', message: /^\(rcd\) .*rc\.subr runs su -m www -c 'sh -c "\.\.\."'.*; expected letters, digits and _ @ % \+ = : , \. \/ - only \(an argument not empty\), or daemonizes: false/ },
  { what: 'an empty argument for su -m (its quotes would be swallowed)', target: 'rcd', spec: { daemonizes: true, pidfile: '/var/run/w/w.pid', user: 'www', args: ['-v', ''] }, path: 'args[1]', message: /^\(rcd\) "" cannot be carried: .*su -m www/ },
  { what: 'a path longer than FreeBSD\'s PATH_MAX', target: 'rcd', spec: { workingDirectory: `/srv/${'d/'.repeat(600)}x` }, path: 'workingDirectory', message: /^\(rcd\) .* is too long for FreeBSD \(1206 bytes\); expected a path of at most 1023 bytes/ },
  { what: 'a description with a trailing backslash', target: 'systemd', spec: { description: 'ends in \\' }, path: 'description', message: /^\(systemd\) .*cannot be written to a unit: systemd reads a trailing backslash as a line continuation; expected one line/ },
  { what: 'a description with a leading space', target: 'systemd', spec: { description: ' padded' }, path: 'description', message: /^\(systemd\) .*strips leading and trailing white space/ },
  { what: 'a path with ".."', target: 'systemd', spec: { workingDirectory: '/srv/../etc' }, path: 'workingDirectory', message: /^\(systemd\) .*"\.\." component.*; expected an absolute path without "\.\." components/ },
  { what: 'an environment file in /etc/conf.d', target: 'systemd', spec: { environmentFile: '/etc/conf.d/web' }, path: 'environmentFile', message: /^\(systemd\) .*must not read \/etc\/conf\.d.*; expected a file such as/ },
  { what: 'a program path with a quote', target: 'systemd', spec: { command: "/opt/it's/web" }, path: 'command', message: /^\(systemd\) .*refuses a program path with a quote or a backslash \("Executable name contains special characters"\); expected an absolute path without "\.\." components, quotes or backslashes/ },
  { what: 'a config check program with a backslash', target: 'systemd', spec: { configCheck: ['/opt/a\\b', '-t'] }, path: 'configCheck[0]', message: /^\(systemd\) .*quote or a backslash/ },
  { what: 'the user nobody', target: 'systemd', spec: { user: 'nobody' }, path: 'user', message: /^\(systemd\) "nobody" cannot be the account of a unit: systemd warns "Special user nobody configured, this is not safe!".*; expected an account of its own/ },
  { what: 'a noncharacter in an environment value', target: 'systemd', spec: { environment: { A: 'x\uffff' } }, path: 'environment.A', message: /^\(systemd\) .*noncharacter U\+FFFF, escaped or not \("Invalid environment assignment"\); expected text without U\+FDD0-U\+FDEF/ },
  { what: 'a noncharacter in a description', target: 'systemd', spec: { description: 'x\ufdd0' }, path: 'description', message: /^\(systemd\) .*drops a setting that holds the Unicode noncharacter U\+FDD0 \("String is not UTF-8 clean"\)/ },
  { what: 'an argument longer than a unit line', target: 'systemd', spec: { args: ['x'.repeat(1024 * 1024)] }, path: 'args', message: /^\(systemd\) is too long for one unit file line .*; expected a shorter value/ },
];

/** What a recorder run saw. */
export interface Recorded {
  argv: string[];
  env: Map<string, string>;
}

/**
 * A program that records its arguments and environment and exits at once:
 * the config check of the corpus tests (the probe daemon would take a
 * second to exit). Written to `dir/recorder`; `read()` returns every run so far.
 */
export function recorder(dir: string): { path: string; read(): Recorded[] } {
  const path = join(dir, 'recorder');
  // The environment first, before the shell could change anything; then the arguments.
  writeFileSync(path, `#!/bin/sh\nf='${dir}/recorded.'$$\n{ /usr/bin/env -0; printf '\\0'; printf '%s\\0' "$@"; } > "$f.tmp" && mv "$f.tmp" "$f"\n`, { mode: 0o755 });
  chmodSync(path, 0o755);
  const read = () =>
    readdirSync(dir)
      .filter((f) => /^recorded\.\d+$/.test(f))
      .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
      .map((f) => {
        const fields = readFileSync(join(dir, f), 'utf8').split('\0').slice(0, -1);
        const end = fields.indexOf('');
        const env = new Map(fields.slice(0, end).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] as [string, string]));
        return { argv: [path, ...fields.slice(end + 1)], env };
      });
  return { path, read };
}
