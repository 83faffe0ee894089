import type { PrivateRoot } from '../support/private-root.js';

/**
 * The client side of a probe, run by this node in the private root's
 * network namespace (nsenter -n): one request from stdin, the whole answer
 * (until the connection closes, the answer ends with argv[2], or 3 s pass)
 * on stdout as base64; exit 3 when nothing accepts the connection. An empty
 * request only connects.
 */
const CLIENT = `
const [port, until] = process.argv.slice(1);
let answer = Buffer.alloc(0);
const request = require('node:fs').readFileSync(0);
const socket = require('node:net').connect({ host: '127.0.0.1', port: Number(port) });
const finish = (code) => { process.stdout.write(answer.toString('base64')); process.exit(code); };
setTimeout(() => finish(0), 3000);
socket.on('connect', () => (request.length > 0 ? socket.write(request) : finish(0)));
socket.on('data', (d) => { answer = Buffer.concat([answer, d]); if (until && answer.toString('latin1').endsWith(until)) finish(0); });
socket.on('end', () => finish(0));
socket.on('error', () => finish(3));
`;

/** One request to 127.0.0.1:port inside the root; the answer, or undefined when nothing listens. */
export async function ask(root: PrivateRoot, port: number, request: string, until = ''): Promise<string | undefined> {
  const r = await root.inNetwork([process.execPath, '-e', CLIENT, String(port), until], { input: request, timeoutMs: 10_000 });
  return r.status === 0 ? Buffer.from(r.stdout, 'base64').toString('latin1') : undefined;
}

/** GET `path` over HTTP/1.0: status and body, or undefined. */
export async function httpGet(root: PrivateRoot, port: number, path = '/'): Promise<{ status: number; body: string } | undefined> {
  const answer = await ask(root, port, `GET ${path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n`);
  const match = answer && /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n[\s\S]*?\r\n\r\n([\s\S]*)$/.exec(answer);
  return match ? { status: Number(match[1]), body: match[2]! } : undefined;
}

/** One command in RESP, redis' protocol, and its one-line reply. */
export async function redis(root: PrivateRoot, port: number, ...words: string[]): Promise<string | undefined> {
  const request = `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`;
  return (await ask(root, port, request, '\r\n'))?.trimEnd();
}

/** One memcached text-protocol command and its reply up to `last`. */
export async function memcached(root: PrivateRoot, port: number, command: string, last = '\r\n'): Promise<string | undefined> {
  return (await ask(root, port, `${command}\r\n`, last))?.trimEnd();
}

/** Whether anything accepts connections on 127.0.0.1:port inside the root. */
export async function listening(root: PrivateRoot, port: number): Promise<boolean> {
  return (await ask(root, port, '')) !== undefined;
}
